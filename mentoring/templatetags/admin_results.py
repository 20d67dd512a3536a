"""The rows, results table and filters of an admin changelist, as Django writes them, faster.

Django's `items_for_result` decides each cell from scratch: it finds the column's field or
method again, translates the empty-value text, flattens a choice field's choices into a new
dict and formats the cell through `format_html`, for every cell of every row: about half of
a 25-row changelist's rendering. Here what is the same for a whole column is decided once per
list (which field or method it reads, its CSS classes, whether it links, its choices, the
boolean icons) and each cell is then read and written with the same functions Django uses
(`lookup_field` where the column is not a plain field or model-admin method,
`display_for_field`, `display_for_value`, `conditional_escape`), so the HTML is Django's
byte for byte (tests/mentoring/test_admin_results.py compares the two on every changelist).

While the list's `change_list_results.html` is Django's own, the table around the rows (its
header row with the sorting links, the body) is written here too, as that template writes it.

A list with editable columns (`list_editable`, a formset per row) is left to Django.

Each filter's list of choices is written here too, as Django's `admin/filter.html` writes it
(a template rendered once per filter, its loop once per choice), while that template is
Django's own: a filter with a template of its own, or a project that overrides that one,
renders through the template.

`templates/admin/change_list.html` calls these tags instead of Django's `result_list` and
`admin_list_filter`; tests/mentoring/test_admin_results.py renders every changelist page
through it and through Django's own template and compares them.
"""

import datetime
from functools import cache
from pathlib import Path

import django.contrib.admin
from django import template
from django.contrib.admin.templatetags.admin_list import (
    ResultList,
    _boolean_icon,
    _coerce_field_name,
    admin_list_filter,
    result_headers,
    result_hidden_fields,
    result_list,
)
from django.contrib.admin.templatetags.admin_urls import add_preserved_filters
from django.contrib.admin.templatetags.base import InclusionAdminNode
from django.contrib.admin.utils import (
    FieldIsAForeignKeyColumnName,
    _get_non_gfk_field,
    display_for_field,
    display_for_value,
    lookup_field,
)
from django.core.exceptions import FieldDoesNotExist, ObjectDoesNotExist
from django.db import models
from django.template.defaultfilters import capfirst
from django.template.loader import get_template, select_template
from django.urls import NoReverseMatch
from django.utils.encoding import iri_to_uri
from django.utils.functional import Promise
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import SafeData, SafeString, mark_safe
from django.utils.translation import gettext

from mentoring.form_renderer import text

register = template.Library()

FILTER_TEMPLATE = "admin/filter.html"
_DJANGO_ADMIN_TEMPLATES = Path(django.contrib.admin.__file__).resolve().parent / "templates"

_NOWRAP_FIELDS = (models.DateField, models.TimeField, models.ForeignKey)


class _Column:
    """One column of `list_display`, with what every row of it shares."""

    def __init__(self, cl, index: int, name, *, link: bool, empty: str):
        self.name = name
        self.link = link
        self.empty = empty
        self.field_class = f"field-{_coerce_field_name(name, index)}"
        self.model_admin = cl.model_admin
        self.icons: dict = {}
        # How lookup_field would find the value: a field, a model-admin method (or callable),
        # or anything else (a model attribute or property), which lookup_field finds per row.
        self.field = self.method = None
        self.choices = None
        try:
            self.field = _get_non_gfk_field(cl.lookup_opts, name)
        except (FieldDoesNotExist, FieldIsAForeignKeyColumnName):
            if callable(name):
                self.method = name
            elif hasattr(cl.model_admin, name) and name != "__str__":
                self.method = getattr(cl.model_admin, name)
        field = self.field
        plain = (
            field is not None
            and not field.auto_created
            and not isinstance(field.remote_field, models.ManyToOneRel)
        )
        flat = getattr(field, "flatchoices", None) if plain else None
        if flat:
            try:
                # Labels translated once for the list, not once per cell.
                self.choices = {
                    key: str(label) if isinstance(label, Promise) else label for key, label in flat
                }
            except TypeError:  # list-like choices: display_for_field hashes them
                self.choices = None

    def lookup(self, result):
        if self.field is not None:
            return self.field, None, getattr(result, self.name)
        if self.method is not None:
            return None, self.method, self.method(result)
        return lookup_field(self.name, result, self.model_admin)

    def cell(self, result) -> tuple[str, object]:
        """The cell's CSS classes and its content, as items_for_result decides them."""
        classes = self.field_class
        empty = self.empty
        try:
            f, attr, value = self.lookup(result)
        except ObjectDoesNotExist:
            return classes, empty
        empty = getattr(attr, "empty_value_display", empty)
        if isinstance(value, str) and value.strip() == "":
            value = ""
        if f is None or f.auto_created:
            if self.name == "action_checkbox":
                classes = "action-checkbox"
            boolean = getattr(attr, "boolean", False)
            if isinstance(attr, property) and hasattr(attr, "fget"):
                boolean = getattr(attr.fget, "boolean", False)
            shown = self._icon(value) if boolean else display_for_value(value, empty)
            if isinstance(value, datetime.date | datetime.time):
                classes += " nowrap"
            return classes, shown
        if isinstance(f, _NOWRAP_FIELDS):
            classes += " nowrap"
        if isinstance(f.remote_field, models.ManyToOneRel):
            related = getattr(result, f.name)
            return classes, empty if related is None else related
        if self.choices is not None:
            try:
                return classes, self.choices.get(value, empty)
            except TypeError:  # an unhashable value: Django's own way
                pass
        elif isinstance(f, models.BooleanField) and not getattr(f, "flatchoices", None):
            return classes, self._icon(value)
        return classes, display_for_field(value, f, empty, avoid_link=self.link)

    def _icon(self, value):
        # The same <img> for every True, False and None of the column: static() once each.
        key = (type(value), value) if value in (True, False, None) else None
        if key is None:
            return _boolean_icon(value)
        icon = self.icons.get(key)
        if icon is None:
            icon = self.icons[key] = _boolean_icon(value)
        return icon


def _link_columns(cl) -> list[bool]:
    links = cl.list_display_links
    flags, first = [], True
    for name in cl.list_display:
        if links is None:
            flags.append(False)
        else:
            flags.append((first and not links) or name in links)
        first = False
    return flags


def _row(cl, columns: list[_Column], result) -> list[SafeString]:
    cells = []
    first = True
    for column in columns:
        classes, shown = column.cell(result)
        if column.link:
            tag = "th" if first else "td"
            first = False
            try:
                url = cl.url_for_result(result)
            except NoReverseMatch:
                content = conditional_escape(shown)
            else:
                url = add_preserved_filters(
                    {"preserved_filters": cl.preserved_filters, "opts": cl.opts}, url
                )
                popup = ""
                if cl.is_popup:
                    value = result.serializable_value(
                        str(cl.to_field) if cl.to_field else cl.lookup_opts.pk.attname
                    )
                    popup = format_html(' data-popup-opener="{}"', value)
                content = format_html('<a href="{}"{}>{}</a>', url, popup, shown)
            cells.append(SafeString(f'<{tag} class="{classes}">{content}</{tag}>'))
        else:
            cells.append(SafeString(f'<td class="{classes}">{conditional_escape(shown)}</td>'))
    return cells


def lean_result_list(cl):
    """The context of Django's `result_list` (headers, hidden fields, rows), its rows made
    column by column."""
    if cl.formset:
        return result_list(cl)
    empty = cl.model_admin.get_empty_value_display()
    columns = [
        _Column(cl, index, name, link=link, empty=empty)
        for index, (name, link) in enumerate(zip(cl.list_display, _link_columns(cl), strict=True))
    ]
    headers = list(result_headers(cl))
    rows = [_row(cl, columns, result) for result in cl.result_list]
    if _results_template_is_djangos(cl.opts.app_label.lower(), cl.opts.model_name):
        # Its `<tr>{% for item in result %}{{ item }}{% endfor %}</tr>` writes a row's cells
        # one after the other: given them as one, it loops once per row, not once per cell.
        rows = [[SafeString("".join(row))] for row in rows]
    return {
        "cl": cl,
        "result_hidden_fields": list(result_hidden_fields(cl)),
        "result_headers": headers,
        "num_sorted_fields": sum(1 for h in headers if h["sortable"] and h["sorted"]),
        "results": [ResultList(None, row) for row in rows],
    }


class _ResultListNode(InclusionAdminNode):
    """`{% lean_result_list cl %}`: the list's `change_list_results.html` with the context of
    `lean_result_list`; while that template is Django's own (and the list has no editable
    columns), its HTML is written here (`_results_html`)."""

    def render(self, context):
        opts = context["opts"]
        if context.autoescape and _results_template_is_djangos(
            opts.app_label.lower(), opts.model_name
        ):
            (cl,), _ = self.get_resolved_arguments(context)
            if not cl.formset:
                return _results_html(lean_result_list(cl))
        return super().render(context)


@register.tag(name="lean_result_list")
def lean_result_list_tag(parser, token):
    return _ResultListNode(
        parser,
        token,
        func=lean_result_list,
        template_name="change_list_results.html",
        takes_context=False,
    )


def _results_html(context: dict) -> SafeString:
    """Django's `admin/change_list_results.html` rendered with `context` (autoescaped), written
    character for character: the template's loops over the headers and rows cost more than
    the rows themselves once those are made. Only for a list without editable columns (as
    `_ResultListNode` calls it): it has no hidden fields and no row forms, the template's two
    parts for them."""
    parts = ["\n\n"]
    results = context["results"]
    if results:
        parts.append('\n<div class="results">\n<table id="result_list">\n<thead>\n<tr>\n')
        several = context["num_sorted_fields"] > 1
        parts += [_header_html(header, several) for header in context["result_headers"]]
        parts.append("\n</tr>\n</thead>\n<tbody>\n")
        for result in results:
            parts += ["\n\n<tr>", *map(conditional_escape, result), "</tr>\n"]
        parts.append("\n</tbody>\n</table>\n</div>\n")
    parts.append("\n")
    return mark_safe("".join(parts))  # noqa: S308 - every value above is escaped


def _header_html(header: dict, several_sorted: bool) -> str:
    """One `<th>` of the results' header row, as the template's loop writes it."""
    shown = conditional_escape(capfirst(header["text"]))
    parts = [f'\n<th scope="col"{conditional_escape(header["class_attrib"])}>\n   ']
    if header["sortable"] and header["sort_priority"] > 0:
        remove = conditional_escape(gettext("Remove from sorting"))
        parts.append(
            '\n       <div class="sortoptions">\n'
            f'         <a class="sortremove" href="{conditional_escape(header["url_remove"])}" '
            f'title="{remove}"></a>\n         '
        )
        if several_sorted:
            priority = text(header["sort_priority"])
            title = gettext("Sorting priority: %(priority_number)s")
            title %= {"priority_number": priority}
            parts.append(f'<span class="sortpriority" title="{title}">{priority}</span>')
        order = "ascending" if header["ascending"] else "descending"
        toggle = conditional_escape(gettext("Toggle sorting"))
        parts.append(
            f'\n         <a href="{conditional_escape(header["url_toggle"])}" '
            f'class="toggle {order}" title="{toggle}"></a>\n       </div>\n   '
        )
    if header["sortable"]:
        link = f'<a href="{conditional_escape(header["url_primary"])}">{shown}</a>'
    else:
        link = f"<span>{shown}</span>"
    parts.append(f'\n   <div class="text">{link}</div>\n   <div class="clear"></div>\n</th>')
    return "".join(parts)


def _djangos(template) -> bool:
    return Path(template.origin.name).resolve().is_relative_to(_DJANGO_ADMIN_TEMPLATES)


@cache
def _filter_template_is_djangos() -> bool:
    return _djangos(get_template(FILTER_TEMPLATE))


@cache
def _results_template_is_djangos(app_label: str, model_name: str) -> bool:
    """Whether the list's `change_list_results.html`, chosen as `result_list` chooses it, is
    Django's own."""
    name = "change_list_results.html"
    chosen = select_template(
        [f"admin/{app_label}/{model_name}/{name}", f"admin/{app_label}/{name}", f"admin/{name}"]
    )
    return _djangos(chosen)


@register.simple_tag
def lean_list_filter(cl, spec):
    """`{% admin_list_filter cl spec %}`: Django's `admin/filter.html`, written here."""
    if spec.template != FILTER_TEMPLATE or not _filter_template_is_djangos():
        return admin_list_filter(cl, spec)
    title = text(spec.title)
    parts = [
        f'\n<details data-filter-title="{title}" open>\n  <summary>\n    ',
        gettext(" By %(filter_title)s ") % {"filter_title": title},
        "\n  </summary>\n  <ul>\n  ",
    ]
    for choice in spec.choices(cl):
        selected = ' class="selected"' if choice["selected"] else ""
        query = choice["query_string"]
        href = iri_to_uri(str(query))  # |iriencode: safe in, safe out
        href = mark_safe(href) if isinstance(query, SafeData) else href  # noqa: S308
        parts.append(
            f'\n    <li{selected}>\n    <a href="{conditional_escape(href)}">'
            f"{text(choice['display'])}</a></li>\n  "
        )
    parts.append("\n  </ul>\n</details>\n")
    return mark_safe("".join(parts))  # noqa: S308 - every value above is escaped
