"""Panels higher apps add to the match page, so matching never imports them.

A panel is a function `panel(*, match, user, request)` returning `(template_name, context)`
to include in the page, or None to show nothing (relationships adds the agreement and the
certificate, from its AppConfig.ready). The template sees its context as `panel`.
"""

from collections.abc import Callable

Panel = Callable[..., tuple[str, dict] | None]
_panels: list[Panel] = []


def match_panel_register(func: Panel) -> Panel:
    """Show `func`'s panel on every match page, after those registered before it."""
    if func not in _panels:
        _panels.append(func)
    return func


def match_panels(*, match, user, request) -> list[tuple[str, dict]]:
    """The panels to show on `match`'s page for `user`, in registration order."""
    shown = (panel(match=match, user=user, request=request) for panel in _panels)
    return [item for item in shown if item is not None]
