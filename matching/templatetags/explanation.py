"""`{% explanation items %}`: why a pair scored what it did, one line per criterion.

A mentee's suggestions show ten explained mentors of six criteria each; written here rather
than in a template included per suggestion, each line costs a few microseconds instead of a
template's loop, conditions and filters.
"""

from decimal import ROUND_HALF_UP, Decimal, InvalidOperation

from django import template
from django.template.defaultfilters import floatformat
from django.utils.formats import get_format
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


_CENT = Decimal("0.01")


def _two_places(value, separator: str) -> str:
    """What `floatformat(value, 2)` writes, for a number of less than 1,000 either way (no
    thousands to group) in a language whose decimal separator is `separator`: the same
    rounding (half up, from the number's shortest decimal form), without the filter's
    general steps, for the sixty contributions of a page of suggestions. Anything else is
    the filter's own answer."""
    if isinstance(value, bool) or not isinstance(value, int | float) or not -1000 < value < 1000:
        return floatformat(value, 2)
    try:
        rounded = Decimal(str(value)).quantize(_CENT, ROUND_HALF_UP)
    except InvalidOperation:
        return floatformat(value, 2)
    text = f"{rounded if rounded else rounded.copy_abs():f}"  # never "-0.00"
    return text if separator == "." else text.replace(".", separator)


@register.simple_tag
def explanation(items):
    """The items of an explanation (`matching.explain`) as a list: each criterion's weighted
    contribution in a badge coloured by how well the pair fits on it, its label and its
    sentence, escaped."""
    separator = get_format("DECIMAL_SEPARATOR")
    lines = format_html_join(
        "",
        _LINE,
        (
            (
                _badge(item.get("value")),
                _two_places(item.get("contribution", ""), separator),
                item.get("label", ""),
                item.get("text", ""),
            )
            for item in items or ()
        ),
    )
    return format_html('<ul class="list-unstyled mb-0 explanation">{}</ul>', lines)
