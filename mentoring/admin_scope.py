"""Admin scoping: a coordinator sees and changes only the programs they coordinate and what
hangs off them. Superusers see everything. Used by every app's admin.

This module sits below the domain apps, so it knows programs only through a small interface:
the programs app registers its scope root (the Program model) and a function returning the rows
of it a user coordinates (`scope_register`, called from its AppConfig.ready). A model is in
scope when it is the root or has a `program` field; an admin can name another path.
"""

import functools
from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import admin
from django.contrib.admin import helpers
from django.contrib.admin.filters import RelatedFieldListFilter
from django.contrib.admin.views.main import ChangeList
from django.core.exceptions import ImproperlyConfigured
from django.db.models import Model, QuerySet
from django.http import Http404
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _

from mentoring.compiled import CompiledQuery, compiled
from mentoring.rights import rights_kept, rights_marked


@dataclass(frozen=True)
class _Scope:
    model: type[Model]
    visible_to: Callable[..., QuerySet]
    label_fields: tuple[str, ...]


_scope: list[_Scope] = []

#: Rows per page of the busiest changelists (applications, matches, meetings, notifications):
#: each row costs render time, so a page stays fast however large the program; those lists
#: also skip the unfiltered total (`show_full_result_count = False`), a second COUNT per page.
LIST_PER_PAGE = 25


def scope_register(
    *, model: type[Model], visible_to: Callable[..., QuerySet], label_fields: tuple[str, ...]
) -> None:
    """Make `model` the scope root; `visible_to(user=...)` returns the rows a (non-superuser)
    staff user may see; `label_fields` are the fields its `__str__` reads (filters read only
    those of it). Registering again replaces the earlier root."""
    _scope[:] = [_Scope(model=model, visible_to=visible_to, label_fields=label_fields)]


def _root() -> _Scope:
    if not _scope:
        raise ImproperlyConfigured("No admin scope registered (programs app not ready?).")
    return _scope[0]


def _program_lookup(model) -> str | None:
    """How to reach the scope root from `model` ("" for the root itself), if it can."""
    if model is _root().model:
        return ""
    names = {f.name for f in model._meta.get_fields()}
    return "program" if "program" in names else None


def scope_ids(user) -> list[int]:
    """The ids of the scope root's rows `user` may see (`visible_to`); for a request's own
    user, kept until their rights change (mentoring/rights.py)."""
    return rights_kept(
        user, "scope", lambda: list(_root().visible_to(user=user).values_list("pk", flat=True))
    )


def scope_queryset(queryset, *, user, path: str):
    if user.is_superuser:
        return queryset
    if rights_marked(user):
        # The request's own user: their programs' ids, kept, instead of a subquery compiled
        # into each of the page's queries (and the query to find them built only when they
        # are not kept).
        programs = scope_ids(user)
    else:
        programs = _root().visible_to(user=user).values("pk")
    return queryset.filter(**{f"{path}__in" if path else "pk__in": programs})


class ScopedRelatedFilter(RelatedFieldListFilter):
    """A related-object filter that only lists choices from the coordinator's programs.

    A choice that belongs to a program is labelled with it, "First-year (Career Connect)",
    and listed program by program: every program has its own "First-year", and a bare name
    repeated once per program cannot be told apart. The objects' own `__str__` is unchanged.
    """

    def field_choices(self, field, request, model_admin):
        path = _program_lookup(field.related_model)
        if path is None:
            return super().field_choices(field, request, model_admin)
        model, user = field.related_model, request.user
        ordering = tuple(self.field_admin_ordering(field, request, model_admin) or ())
        limited = field.get_limit_choices_to()
        if not limited and user.is_superuser:
            rows = _choices_of_all(model, path, ordering)()
        elif not limited and rights_marked(user):
            rows = _choices_in(model, path, ordering)(programs=scope_ids(user))
        else:  # built each time: a field's own limits, or someone else's rights
            rows = model._default_manager.complex_filter(limited)
            rows = _choice_rows(scope_queryset(rows, user=user, path=path), model, path, ordering)
        if not path:
            return [(obj.pk, str(obj)) for obj in rows]
        label = _("%(choice)s (%(program)s)")  # translated once, not once per choice
        return [(obj.pk, label % {"choice": obj, "program": getattr(obj, path)}) for obj in rows]


def _choice_rows(rows: QuerySet, model, path: str, ordering: tuple) -> QuerySet:
    """A filter's choices: only what their labels read (a program's forty settings are not
    decoded per choice), program by program."""
    label = _root().label_fields
    if path:
        own = [f.attname for f in model._meta.concrete_fields]
        rows = rows.select_related(path).only(*own, *(f"{path}__{name}" for name in label))
        ordering = (path, *(ordering or model._meta.ordering))
    else:
        rows = rows.only(*label)
    return rows.order_by(*ordering) if ordering else rows


# A filter's choices are the same query on every page of a list: kept compiled per model,
# path and ordering (mentoring/compiled.py), for everyone and for the programs of one person.
@functools.cache
def _choices_of_all(model, path: str, ordering: tuple) -> CompiledQuery:
    return compiled(lambda: _choice_rows(model._default_manager.all(), model, path, ordering))


@functools.cache
def _choices_in(model, path: str, ordering: tuple) -> CompiledQuery:
    lookup = f"{path}__in" if path else "pk__in"

    def build(*, programs):
        rows = model._default_manager.filter(**{lookup: programs})
        return _choice_rows(rows, model, path, ordering)

    return compiled(build)


#: Stands for a row's id in the change address reversed once per list (`LeanChangeList`).
_PK = "__pk__"


class LeanChangeList(ChangeList):
    """Reads only the admin's `list_only` columns for the page's rows: a list whose rows join
    their program and people would decode every column of each (a match's explanation, a
    program's forty settings) for a name. Counts, filters and actions use the full queryset.
    Each row's change address is the list's one address with the row's id in it, not a
    `reverse()` per row."""

    def url_for_result(self, result):
        pk = getattr(result, self.pk_attname)
        if type(pk) is not int:  # ids that quoting could change take Django's way
            return super().url_for_result(result)
        parts = self.__dict__.get("_change_url_parts")
        if parts is None:
            url = reverse(
                f"admin:{self.opts.app_label}_{self.opts.model_name}_change",
                args=(_PK,),
                current_app=self.model_admin.admin_site.name,
            )
            parts = self._change_url_parts = tuple(url.split(_PK))
        if len(parts) != 2:
            return super().url_for_result(result)
        return f"{parts[0]}{pk}{parts[1]}"

    def get_results(self, request):
        full = self.queryset
        self.queryset = full.only(*self.model_admin.list_only)
        try:
            super().get_results(request)
        finally:
            self.queryset = full


class ProgramScopedAdmin(admin.ModelAdmin):
    """Rows reachable through `program_path` to a program the user coordinates; anything
    else is 404 in every view, and foreign-key choices are limited the same way."""

    program_path = "program"
    #: The fields the list's columns, links and row labels read (with the related paths of
    #: `list_select_related`); empty reads whole rows.
    list_only: tuple[str, ...] = ()

    def get_queryset(self, request):
        return scope_queryset(
            super().get_queryset(request), user=request.user, path=self.program_path
        )

    def get_changelist(self, request, **kwargs):
        return LeanChangeList if self.list_only else super().get_changelist(request, **kwargs)

    def action_checkbox(self, obj):
        # The same HTML as Django's, without rendering a form widget template once per row
        # (a third of a 100-row changelist's time).
        return format_html(
            '<input type="checkbox" name="{}" value="{}" class="action-select" aria-label="{}">',
            helpers.ACTION_CHECKBOX_NAME,
            str(obj.pk),
            format_html(_("Select this object for an action - {}"), str(obj)),
        )

    def _get_obj_does_not_exist_redirect(self, request, opts, object_id):
        # Django redirects with a message; another program's objects must be 404 instead.
        raise Http404("No such object.")

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        self._limit_choices(db_field, request, kwargs)
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        self._limit_choices(db_field, request, kwargs)
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def _limit_choices(self, db_field, request, kwargs):
        path = _program_lookup(db_field.related_model)
        if path is not None and "queryset" not in kwargs:
            kwargs["queryset"] = scope_queryset(
                db_field.related_model._default_manager.all(), user=request.user, path=path
            )


class ProgramScopedInline:
    """Inlines share the parent's scope; their foreign keys are limited the same way."""

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        path = _program_lookup(db_field.related_model)
        if path is not None and "queryset" not in kwargs:
            kwargs["queryset"] = scope_queryset(
                db_field.related_model._default_manager.all(), user=request.user, path=path
            )
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


class ReadOnlyAdmin(ProgramScopedAdmin):
    """Rows the system or the participants write; coordinators look, they do not edit."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
