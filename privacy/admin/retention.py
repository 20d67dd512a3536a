"""Retention runs in the admin: what each anonymisation purged and when. Read only for
everyone; superusers see every run, coordinators the runs of their programs."""

from django.apps import apps
from django.contrib import admin
from django.utils.html import format_html, format_html_join
from django.utils.text import capfirst
from django.utils.translation import gettext_lazy as _

from mentoring.admin_scope import ReadOnlyAdmin, ScopedRelatedFilter
from privacy.models import RetentionRun
from privacy.retention import retention_totals

COUNTS = ("deleted", "blanked", "repointed")


def model_name(label: str) -> str:
    """A summary's model label as people read it ("Private notes"), the label if unknown."""
    try:
        return capfirst(apps.get_model(label)._meta.verbose_name_plural)
    except (LookupError, ValueError):
        return label


def summary_table(summary) -> str:
    """The per-model counts as a table, models with nothing done left out."""
    rows = sorted(
        (
            (model_name(label), *(counts.get(key, 0) for key in COUNTS))
            for label, counts in (summary or {}).items()
            if isinstance(counts, dict) and any(counts.values())
        ),
        key=lambda row: str(row[0]).casefold(),
    )
    if not rows:
        return _("Nothing was held.")
    head = format_html(
        "<thead><tr><th>{}</th><th>{}</th><th>{}</th><th>{}</th></tr></thead>",
        _("Kind of record"),
        _("Deleted"),
        _("Text blanked"),
        _("Re-pointed to a former participant"),
    )
    body = format_html_join("", "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td></tr>", rows)
    return format_html("<table>{}<tbody>{}</tbody></table>", head, body)


@admin.register(RetentionRun)
class RetentionRunAdmin(ReadOnlyAdmin):
    list_display = ["program", "ran_at", "people", "deleted", "blanked", "repointed"]
    list_filter = [("program", ScopedRelatedFilter)]
    list_select_related = ["program"]
    date_hierarchy = "ran_at"
    fields = ["program", "ran_at", "people", "summary_display"]
    readonly_fields = fields

    @admin.display(description=_("deleted"))
    def deleted(self, run):
        return retention_totals(run.summary)["deleted"]

    @admin.display(description=_("text blanked"))
    def blanked(self, run):
        return retention_totals(run.summary)["blanked"]

    @admin.display(description=_("re-pointed"))
    def repointed(self, run):
        return retention_totals(run.summary)["repointed"]

    @admin.display(description=_("what was purged"))
    def summary_display(self, run):
        return summary_table(run.summary)
