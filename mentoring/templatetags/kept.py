"""`{% kept value ... %}...{% endkept %}`: a part of a template rendered once per process for
each distinct language, address prefix and listed values, then served as the HTML it gave.

For what every page repeats: the navigation's two dozen links and labels and the footer cost
a quarter of a light page's time to render (README, Performance), yet they change only with
who is looking (their roles), where they are (the section) and the language. A part inside
`{% kept %}` must show nothing else: a name, a count, a CSRF token or the current address
stays outside it, between two kept parts. Each `{% kept %}` in a template is its own entry
(a template parsed again, as in development after an edit, starts new entries), so an
entry is never stale, only unused; the store forgets all of them when it is full.
"""

import itertools

from django import template
from django.core.signals import setting_changed
from django.dispatch import receiver
from django.template.loader_tags import BlockNode
from django.urls import get_script_prefix
from django.utils.translation import get_language

from mentoring.kept import Kept

register = template.Library()

#: Rendered parts kept before all of them are forgotten (parts x languages x listed values).
PARTS_KEPT = 4096

_rendered = Kept(size=PARTS_KEPT)
_parts = itertools.count()


class KeptNode(template.Node):
    # Hidden from searches of the template's nodes: `{% extends %}` looks for blocks through
    # the whole parent on every page, and a kept part holds none (checked when parsed).
    child_nodelists = ()

    def __init__(self, values, nodelist):
        self.values = values
        self.nodelist = nodelist
        self.part = next(_parts)

    def render(self, context):
        key = (
            self.part,
            get_language(),
            get_script_prefix(),
            context.autoescape,
            *(value.resolve(context) for value in self.values),
        )
        html = _rendered.get(key)
        if html is None:
            html = _rendered.put(key, self.nodelist.render(context))
        return html


@register.tag("kept")
def do_kept(parser, token):
    """`{% kept roles nav_section %}`: the values (hashable: booleans, strings, frozen
    dataclasses) the enclosed part depends on, besides the language."""
    values = [parser.compile_filter(bit) for bit in token.split_contents()[1:]]
    nodelist = parser.parse(("endkept",))
    parser.delete_first_token()
    if nodelist.get_nodes_by_type(BlockNode):
        # Its HTML would be the first page's block, shown on every page.
        raise template.TemplateSyntaxError("A {% kept %} part cannot hold a {% block %}.")
    return KeptNode(values, nodelist)


@receiver(setting_changed)
def kept_forget(**kwargs) -> None:
    """Forget every rendered part: a changed setting (in tests) may change what a part shows
    (its addresses, its static files' names, the languages offered)."""
    _rendered.forget()
