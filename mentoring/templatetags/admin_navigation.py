"""`{% admin_nav_sidebar %}`: the admin's navigation sidebar, Django's own template rendered
once per distinct list, language and current page instead of on every admin page.

The sidebar lists every app and model the person may use (about forty rows of links and
translated labels), a tenth of an admin list's time to render. What it shows depends only on
the list (`available_apps`, itself built once per set of rights: mentoring/admin_site.py),
the language, and which of its links the current address contains (marked current), so the
HTML is kept per process under exactly those: a different list is a different key, never a
stale sidebar. `templates/admin/nav_sidebar.html` calls this tag in place of Django's
template, which the tag renders (read from Django itself, so it follows Django's updates).
"""

from pathlib import Path

import django.contrib.admin
from django import template
from django.template.defaultfilters import urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import get_language

from mentoring.kept import Kept

register = template.Library()

DJANGO_SIDEBAR = Path(django.contrib.admin.__file__).parent / "templates/admin/nav_sidebar.html"
#: Distinct sidebars kept before they are all forgotten (lists x languages x current pages).
SIDEBARS_KEPT = 512

_compiled: dict[int, template.Template] = {}
_rendered = Kept(size=SIDEBARS_KEPT)


def _django_sidebar(engine) -> template.Template:
    compiled = _compiled.get(id(engine))
    if compiled is None:
        compiled = _compiled[id(engine)] = engine.from_string(DJANGO_SIDEBAR.read_text())
    return compiled


def _links(apps) -> list[str]:
    return [
        url
        for app in apps
        for url in (app["app_url"], *(model["admin_url"] for model in app["models"]))
        if url
    ]


def _shape(apps) -> tuple:
    """Everything of the list the template shows."""
    return tuple(
        (
            app["app_label"],
            app["app_url"],
            str(app["name"]),
            tuple(
                (m["object_name"], m["admin_url"], m["add_url"], str(m["name"]))
                for m in app["models"]
            ),
        )
        for app in apps
    )


@register.simple_tag(takes_context=True)
def admin_nav_sidebar(context):
    apps = context.get("available_apps") or []
    request = context["request"]
    path = urlencode(request.path)  # as the template tests each link: `in request.path|urlencode`
    current = tuple(url for url in _links(apps) if url in path)
    key = (get_language(), context.autoescape, _shape(apps), current)
    html = _rendered.get(key)
    if html is None:
        html = _django_sidebar(context.template.engine).render(
            template.Context(
                {"available_apps": apps, "request": request}, autoescape=context.autoescape
            )
        )
        _rendered.put(key, html)
    return mark_safe(html)  # noqa: S308 - rendered by Django's template, escaped there
