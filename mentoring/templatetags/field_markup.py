"""`{% field_markup %}`: one form field as crispy-bootstrap5's `bootstrap5/field.html` renders
it, written in Python. `templates/bootstrap5/field.html` holds only this tag, so `|crispy` and
`|as_crispy_field` use it for every field of the site.

Crispy's template evaluates some sixty conditions and includes three more templates for each
field (a radio or checkbox list, once per choice): a third of the profile, availability and
session pages' time (README, Performance). The markup here is the same element for element
(`tests/mentoring/test_field_markup.py` compares both on every kind of field, with and without
errors, and on the site's own forms). What we never use (a `FormHelper`'s horizontal layouts,
table cells, inline help or radios, file inputs) is left to crispy's template, found behind
ours.
"""

from crispy_forms.templatetags.crispy_forms_filters import optgroups
from django import forms, template
from django.conf import settings
from django.utils.formats import localize
from django.utils.html import conditional_escape
from django.utils.safestring import mark_safe

from mentoring.form_renderer import attrs_html
from mentoring.form_renderer import text as _text

register = template.Library()

TEMPLATE = "bootstrap5/field.html"
# Context a FormHelper or a layout sets that only crispy's own template follows.
_LEFT_TO_CRISPY = (
    "tag",
    "label_class",
    "inline_class",
    "flat_attrs",
    "help_text_inline",
    "error_text_inline",
)


def _unlocalized(value) -> str:
    """`{{ value|unlocalize }}`."""
    return conditional_escape(str(localize(value, use_l10n=False)))


def _widget(field, css: str) -> str:
    """crispy's `{% crispy_field field 'class' css %}`: the widget's class name and `css` are
    added to its class attribute (kept on the widget, as crispy keeps them), then the widget."""
    widget = field.field.widget
    converters = getattr(settings, "CRISPY_CLASS_CONVERTERS", {})
    for each in getattr(widget, "widgets", [getattr(widget, "widget", widget)]):
        name = type(each).__name__.lower()
        name = converters.get(name, name)
        current = each.attrs.get("class", "")
        if not current:
            current = name
        elif current.find(name) == -1:
            current += f" {name}"
        for css_class in css.split():
            if css_class not in current.split():
                current += f" {css_class}"
        each.attrs["class"] = current
    return str(field)


def _errors(field, errors, show: bool) -> str:
    """crispy's `field_errors_block.html`."""
    if not (show and errors):
        return ""
    auto_id = _text(field.auto_id)
    lines = "".join(
        f'<p id="error_{number}_{auto_id}"><strong>{_text(error)}</strong></p>'
        for number, error in enumerate(errors, 1)
    )
    errors_id = _text(getattr(errors, "field_id", ""))
    return f'<div id="{errors_id}_error" class="invalid-feedback">{lines}</div>'


def _help(field) -> str:
    """crispy's `help_text.html` (block help)."""
    if not field.help_text:
        return ""
    helptext_id = f'id="{_text(field.auto_id)}_helptext" ' if field.auto_id else ""
    # Help text is the form's, not a person's, and crispy writes it as markup (`|safe`).
    return f'<div {helptext_id}class="form-text">{field.help_text}</div>'


def _required(field) -> tuple[str, str]:
    """The label's class and the asterisk after it, for a required field."""
    if field.field.required:
        return " requiredField", '<span class="asteriskField">*</span>'
    return "", ""


def _choices(field, errors, show_errors: bool, field_class: str) -> str:
    """crispy's `radio_checkbox_select.html`, without inline radios or a helper's attributes."""
    lookup = optgroups(field)  # crispy's own `|optgroups`
    invalid = " is-invalid" if errors else ""
    name = _text(field.html_name)
    parts = [f'<div class="{_text(field_class)}">' if field_class else "<div>"]
    last_group = len(lookup) - 1
    for group_number, (group, options, _index) in enumerate(lookup):
        if group:
            parts.append(f"<strong>{_text(group)}</strong>")
        for number, option in enumerate(options):
            parts.append(
                f'<div class="form-check"><input type="{_text(option["type"])}" '
                f'class="form-check-input{invalid}" name="{name}" '
                f'value="{_unlocalized(option["value"])}"{attrs_html(option["attrs"])}>'
                f'<label for="{_text(option["attrs"].get("id", ""))}" class="form-check-label">'
                f"{_unlocalized(option['label'])}</label>"
            )
            if errors and number == len(options) - 1 and group_number == last_group:
                parts.append(_errors(field, errors, show_errors))
            parts.append("</div>")
    parts.append("</div>")
    parts.append(_help(field))
    return "".join(parts)


def field_html(field, *, show_labels: bool, show_errors: bool, field_class: str, wrapper_class):
    """The markup of crispy-bootstrap5's `field.html` for a field in a vertical form."""
    if field.is_hidden:
        return str(field)
    widget = field.field.widget
    checkbox = isinstance(widget, forms.CheckboxInput)
    choices = isinstance(widget, forms.RadioSelect | forms.CheckboxSelectMultiple)
    errors = field.errors
    required_class, asterisk = _required(field)
    label = _text(field.label)
    classes = "form-check" if checkbox and show_labels else "mb-3"
    if wrapper_class:
        classes += f" {_text(wrapper_class)}"
    if css_classes := field.css_classes():
        classes += f" {_text(css_classes)}"
    parts = ['<div class="mb-3">'] if checkbox else []
    parts.append(f'<div id="div_{_text(field.auto_id)}" class="{classes}">')
    fieldset = field.use_fieldset and field.label and show_labels
    if field.label and not checkbox and show_labels:
        element = "legend" if field.use_fieldset else "label"
        if field.use_fieldset:
            described = field.aria_describedby
            described = f' aria-describedby="{_text(described)}"' if described else ""
            parts.append(f"<fieldset{described}>")
        target = f' for="{_text(field.id_for_label)}"' if field.id_for_label else ""
        size = " fs-6" if field.use_fieldset else ""
        parts.append(
            f'<{element}{target} class="form-label{required_class}{size}">'
            f"{label}{asterisk}</{element}>"
        )
    if choices:
        parts.append(_choices(field, errors, show_errors, field_class))
    elif checkbox and show_labels:
        invalid = " is-invalid" if errors else ""
        parts.append(_widget(field, f"form-check-input{invalid}"))
        parts.append(
            f'<label for="{_text(field.id_for_label)}" class="form-check-label{required_class}">'
            f"{label}{asterisk}</label>"
        )
        parts.append(_errors(field, errors, show_errors) + _help(field))
    else:
        if field_class:
            parts.append(f'<div class="{_text(field_class)}">')
        if isinstance(widget, forms.Select):
            css = "form-select"
        elif checkbox:
            css = "form-check-input"
        else:
            css = "form-control"
        parts.append(_widget(field, f"{css} is-invalid" if errors else css))
        parts.append(_errors(field, errors, show_errors) + _help(field))
        if field_class:
            parts.append("</div>")
    if fieldset:
        parts.append("</fieldset>")
    parts.append("</div>")
    if checkbox:
        parts.append("</div>")
    return mark_safe("".join(parts))  # noqa: S308 - every part is escaped above


def _left_to_crispy(context, field) -> bool:
    return (
        any(context.get(name) for name in _LEFT_TO_CRISPY)
        or "form-horizontal" in (context.get("form_class") or "")
        or isinstance(field.field.widget, forms.FileInput)
    )


class FieldMarkupNode(template.Node):
    def render(self, context):
        field = context["field"]
        if _left_to_crispy(context, field):
            original, _origin = context.template.engine.find_template(TEMPLATE, skip=[self.origin])
            return original.render(context)
        return field_html(
            field,
            show_labels=bool(context.get("form_show_labels")),
            show_errors=bool(context.get("form_show_errors")),
            field_class=context.get("field_class") or "",
            wrapper_class=context.get("wrapper_class"),
        )


@register.tag
def field_markup(parser, token):
    if len(token.split_contents()) != 1:
        raise template.TemplateSyntaxError("{% field_markup %} takes no arguments")
    return FieldMarkupNode()
