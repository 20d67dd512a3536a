"""The audit trail in the admin: read only for everyone (superusers included), all entries for
superusers, the entries of their own programs for coordinators."""

from collections import defaultdict

from django.contrib import admin
from django.contrib.admin.exceptions import NotRegistered
from django.urls import NoReverseMatch, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from audit.models import Action, AuditEntry
from audit.selectors import audit_entries_for
from mentoring.admin_scope import ReadOnlyAdmin, ScopedRelatedFilter

# How `detail` keys read in the admin; a key not listed here is shown as it is stored.
DETAIL_LABELS = {
    "role": _("role"),
    "from": _("previous status"),
    "reason_given": _("reason given"),
    "matched": _("placed in a match"),
    "pairs": _("pairs"),
    "waitlisted": _("waitlisted"),
    "end_reason": _("end reason"),
    "report": _("report"),
    "format": _("format"),
    "rows": _("rows"),
    "added": _("added"),
    "updated": _("updated"),
    "version": _("version"),
    "source": _("where"),
    "on_behalf": _("processed by a coordinator"),
    "immediate": _("erased at once"),
    "matches_ended": _("matches ended"),
    "sessions_cancelled": _("sessions cancelled"),
    "applications_withdrawn": _("applications withdrawn"),
    "people": _("people"),
    "deleted": _("rows deleted"),
    "blanked": _("rows blanked"),
    "repointed": _("links re-pointed"),
}


def detail_text(detail) -> str:
    """`detail` as "label: value" pairs, escaped (codes and counts only, but escaped all the
    same: the admin never trusts stored text)."""
    if not detail:
        return "—"
    if not isinstance(detail, dict):
        return format_html("{}", detail)

    def value(v) -> str:
        if isinstance(v, bool):
            return gettext("yes") if v else gettext("no")
        if v in (None, ""):
            return "—"
        return str(v)

    # PostgreSQL's jsonb keeps no key order: show them in a fixed one.
    known = [k for k in DETAIL_LABELS if k in detail]
    keys = known + sorted(k for k in detail if k not in DETAIL_LABELS)
    return format_html_join(
        "; ", "{}: {}", ((DETAIL_LABELS.get(k, k), value(detail[k])) for k in keys)
    )


@admin.register(AuditEntry)
class AuditEntryAdmin(ReadOnlyAdmin):
    list_display = ["at", "action", "actor", "program", "person", "target", "detail_display"]
    list_filter = ["action", ("program", ScopedRelatedFilter)]
    list_select_related = ["actor", "program", "person", "target_type"]
    date_hierarchy = "at"
    search_fields = ["action"]
    search_help_text = _("Search by action, e.g. “declined” or “export”.")
    fields = ["at", "action", "actor", "program", "person", "target", "detail_display"]
    readonly_fields = fields
    list_per_page = 100

    def get_queryset(self, request):
        # The selector scopes (superusers: all; coordinators: their programs' entries only,
        # never the program-less ones); ProgramScopedAdmin's own scoping would agree.
        return audit_entries_for(user=request.user).select_related(*self.list_select_related)

    def get_search_results(self, request, queryset, search_term):
        """Match the term against each action's code and its label in the viewer's language,
        so "approved" and "Application approved" both find approvals."""
        term = search_term.strip().lower()
        if not term:
            return queryset, False
        codes = [
            code
            for code, label in Action.choices
            if term in code.replace("_", " ") or term in code or term in str(label).lower()
        ]
        return queryset.filter(action__in=codes), False

    def get_changelist_instance(self, request):
        changelist = super().get_changelist_instance(request)
        self._targets_resolve(request, list(changelist.result_list))
        return changelist

    def get_object(self, request, object_id, from_field=None):
        entry = super().get_object(request, object_id, from_field)
        if entry is not None:
            self._targets_resolve(request, [entry])
        return entry

    def _targets_resolve(self, request, entries) -> None:
        """Give each entry the admin URL of its target when this viewer may open it there
        (the model is in the admin, the viewer may view it, and the object is in that admin's
        queryset for them: another program's object never gets a link). One query per kind of
        target on the page, whatever the number of entries."""
        wanted = defaultdict(set)
        for entry in entries:
            entry.target_url = None
            if entry.target_type_id and entry.target_id:
                wanted[entry.target_type_id].add(entry.target_id)
        visible = {}
        for entry in entries:
            if entry.target_type_id in wanted and entry.target_type_id not in visible:
                ids = wanted[entry.target_type_id]
                visible[entry.target_type_id] = self._visible_ids(request, entry.target_type, ids)
        for entry in entries:
            if entry.target_id in visible.get(entry.target_type_id, ()):
                opts = entry.target_type.model_class()._meta
                try:
                    entry.target_url = reverse(
                        f"admin:{opts.app_label}_{opts.model_name}_change",
                        args=[entry.target_id],
                        current_app=self.admin_site.name,
                    )
                except NoReverseMatch:
                    entry.target_url = None

    def _visible_ids(self, request, content_type, ids) -> set:
        model = content_type.model_class()
        if model is None:
            return set()
        try:
            model_admin = self.admin_site.get_model_admin(model)
        except NotRegistered:
            return set()
        if not model_admin.has_view_or_change_permission(request):
            return set()
        rows = model_admin.get_queryset(request).prefetch_related(None).filter(pk__in=ids)
        return set(rows.values_list("pk", flat=True))

    @admin.display(description=_("target"))
    def target(self, entry):
        if not entry.target_type_id:
            return "—"
        url = getattr(entry, "target_url", None)
        label = f"{entry.target_type.name} #{entry.target_id}"
        if url:
            return format_html('<a href="{}">{}</a>', url, label)
        return label

    @admin.display(description=_("detail"))
    def detail_display(self, entry):
        return detail_text(entry.detail)
