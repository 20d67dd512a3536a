"""`{% explanation items %}`: why a pair scored what it did, one line per criterion.

A mentee's suggestions show ten explained mentors of six criteria each; written here rather
than in a template included per suggestion, each line costs a few microseconds instead of a
template's loop, conditions and filters.
"""

from django import template
from django.template.defaultfilters import floatformat
from django.utils.html import format_html, format_html_join

register = template.Library()

_LINE = (
    '<li class="d-flex gap-2 align-items-start mb-1">'
    '<span class="badge rounded-pill {} score-badge">+{}</span>'
    "<span><strong>{}.</strong> {}</span></li>"
)


def _badge(value) -> str:
    """The badge's colour: green for a strong fit, amber for a partial one."""
    value = value or 0
    if value >= 0.75:
        return "text-bg-success"
    if value >= 0.4:
        return "text-bg-warning"
    return "text-bg-light border"


@register.simple_tag
def explanation(items):
    """The items of an explanation (`matching.explain`) as a list: each criterion's weighted
    contribution in a badge coloured by how well the pair fits on it, its label and its
    sentence, escaped."""
    lines = format_html_join(
        "",
        _LINE,
        (
            (
                _badge(item.get("value")),
                floatformat(item.get("contribution", ""), 2),
                item.get("label", ""),
                item.get("text", ""),
            )
            for item in items or ()
        ),
    )
    return format_html('<ul class="list-unstyled mb-0 explanation">{}</ul>', lines)
