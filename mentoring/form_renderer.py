"""The form renderer: Django's widget templates, with the plainest of them written in Python.

Every field of every form renders its widget through a template, and a checkbox's input costs
a quarter of a millisecond that way (a template found, a context made, `attrs.html` included);
a select renders one more template per choice. Inputs, text areas and selects are written here
character for character as Django's templates write them (`tests/mentoring/test_form_renderer.py`
compares both for every kind, value and attribute), as long as the project overrides none of
those templates: one that templates/ overrides, and every other widget, renders through its
template as before (FORM_RENDERER is still TemplatesSetting underneath).
"""

from functools import cached_property
from pathlib import Path

import django.forms
from django.forms.renderers import TemplatesSetting
from django.utils.formats import localize
from django.utils.html import conditional_escape
from django.utils.safestring import SafeData, mark_safe
from django.utils.timezone import template_localtime

WIDGETS = "django/forms/widgets/"
_DJANGO_TEMPLATES = Path(django.forms.__file__).resolve().parent / "templates"
# Widget templates that are `{% include "django/forms/widgets/input.html" %}`.
_INPUTS = (
    "checkbox", "color", "date", "datetime", "email", "hidden", "number", "password", "search",
    "tel", "text", "time", "url",
)  # fmt: skip


def text(value) -> str:
    """`{{ value }}` in an autoescaped template: in local time, localized, then escaped unless
    safe."""
    return conditional_escape(localize(template_localtime(value)))


def formatted(value) -> str:
    """`{{ value|stringformat:'s' }}`: a safe value stays safe, anything else is escaped."""
    shown = "%s" % (str(value) if isinstance(value, tuple) else value)
    if isinstance(value, SafeData):
        return mark_safe(shown)  # noqa: S308 - the value was safe already
    return conditional_escape(shown)


def attrs_html(attrs: dict) -> str:
    """Django's (and crispy's) `attrs.html`: ` name="value"`, a bare name for True, nothing for
    False."""
    parts = []
    for name, value in attrs.items():
        if value is False:
            continue
        parts.append(f" {text(name)}" if value is True else f' {text(name)}="{formatted(value)}"')
    return "".join(parts)


def _input(widget: dict) -> str:
    value = "" if widget["value"] is None else f' value="{formatted(widget["value"])}"'
    return (
        f'<input type="{text(widget["type"])}" name="{text(widget["name"])}"{value}'
        f"{attrs_html(widget['attrs'])}>"
    )


def _textarea(widget: dict) -> str:
    value = text(widget["value"]) if widget["value"] else ""
    return (
        f'<textarea name="{text(widget["name"])}"{attrs_html(widget["attrs"])}>\n{value}</textarea>'
    )


def _select(widget: dict) -> str | None:
    parts = [f'<select name="{text(widget["name"])}"{attrs_html(widget["attrs"])}>']
    for group, options, _index in widget["optgroups"]:
        if group:
            parts.append(f'\n  <optgroup label="{text(group)}">')
        for option in options:
            if option["template_name"] != f"{WIDGETS}select_option.html":
                return None  # a widget with options of its own: its templates render it
            parts.append(
                f'\n  <option value="{formatted(option["value"])}"{attrs_html(option["attrs"])}>'
                f"{text(option['label'])}</option>\n"
            )
        if group:
            parts.append("\n  </optgroup>")
    parts.append("\n</select>")
    return "".join(parts)


class FormRenderer(TemplatesSetting):
    """TemplatesSetting, with the widgets above written without their templates (stripped of
    the white space around them, as `render` strips a template's)."""

    def render(self, template_name, context, request=None):
        write = self._writers.get(template_name)
        html = write(context["widget"]) if write else None
        if html is None:
            return super().render(template_name, context, request)
        return html

    @cached_property
    def _writers(self) -> dict:
        """The widgets written here whose templates (and the ones they include) are Django's
        own: one in templates/ that changes their markup is followed."""
        writers = {f"{WIDGETS}{name}.html": _input for name in _INPUTS}
        writers |= {
            f"{WIDGETS}input.html": _input,
            f"{WIDGETS}textarea.html": _textarea,
            f"{WIDGETS}select.html": _select,
        }
        included = ("input", "attrs", "select_option")
        if not all(self._djangos(f"{WIDGETS}{name}.html") for name in included):
            return {}
        return {name: write for name, write in writers.items() if self._djangos(name)}

    def _djangos(self, template_name: str) -> bool:
        origin = Path(self.get_template(template_name).origin.name).resolve()
        return origin.is_relative_to(_DJANGO_TEMPLATES)
