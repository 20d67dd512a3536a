"""`{{ name|bdi }}`: text a person typed, isolated from the direction of the words around it.

A right-to-left name in an English sentence (or a Latin name in an Arabic one) would otherwise
reorder the punctuation and words next to it. Inside a translated sentence the variable is
bound already isolated, so the message translators see stays "Hello, %(name)s":

    {% load i18n bidi %}
    {% blocktranslate trimmed with name=user.name|bdi %}Hello, {{ name }}{% endblocktranslate %}
"""

from django import template
from django.utils.html import format_html

register = template.Library()


@register.filter(is_safe=True)
def bdi(value):
    """`value` escaped and wrapped in <bdi>; nothing for an empty value."""
    if value is None or value == "":
        return ""
    return format_html("<bdi>{}</bdi>", value)
