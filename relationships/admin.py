"""Coordinators' admin: agreement templates (per program, with their fields) and the pairs'
agreements, read-only; the match list shows whether each agreement is confirmed."""

from django.contrib import admin
from django.db.models import Count, Exists, OuterRef
from django.utils.translation import gettext_lazy as _

from matching.admin.matches import match_admin_column_register
from mentoring.admin_scope import (
    ProgramScopedAdmin,
    ProgramScopedInline,
    ReadOnlyAdmin,
    ScopedRelatedFilter,
)
from relationships.models import Agreement, AgreementField, AgreementTemplate


class AgreementFieldInline(ProgramScopedInline, admin.TabularInline):
    model = AgreementField
    extra = 1
    fields = ["position", "label", "help_text", "kind", "required"]


@admin.register(AgreementTemplate)
class AgreementTemplateAdmin(ProgramScopedAdmin):
    list_display = ["program", "field_count", "updated_at"]
    list_filter = [("program", ScopedRelatedFilter)]
    list_select_related = ["program"]
    fields = ["program", "intro", "confidentiality_statement"]
    inlines = [AgreementFieldInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(field_total=Count("fields"))

    @admin.display(description=_("Own fields"), ordering="field_total")
    def field_count(self, obj):
        return obj.field_total

    def get_readonly_fields(self, request, obj=None):
        # A template belongs to its program for good; copy the program to reuse it.
        return ["program"] if obj else []


@admin.register(Agreement)
class AgreementAdmin(ReadOnlyAdmin):
    """Read-only: the pair writes and confirms it; coordinators look."""

    program_path = "match__program"
    list_display = [
        "mentor_name",
        "mentee_name",
        "program_name",
        "meeting_frequency",
        "channel",
        "planned_end_on",
        "mentor_confirmed_at",
        "mentee_confirmed_at",
        "confirmed",
    ]
    list_filter = [("match__program", ScopedRelatedFilter)]
    list_select_related = ["match__program", "match__mentor__user", "match__mentee__user"]
    search_fields = [
        "match__mentor__user__display_name",
        "match__mentee__user__display_name",
        "match__mentor__user__email",
        "match__mentee__user__email",
    ]
    fields = [
        "match",
        "meeting_frequency",
        "frequency_note",
        "channel",
        "planned_end_on",
        "mentor_hopes",
        "mentee_hopes",
        "mentor_confidentiality",
        "mentee_confidentiality",
        "mentor_confirmed_at",
        "mentee_confirmed_at",
        "own_fields",
        "updated_at",
    ]
    readonly_fields = fields

    @admin.display(description=_("Mentor"), ordering="match__mentor__user__display_name")
    def mentor_name(self, obj):
        return obj.match.mentor.user.name

    @admin.display(description=_("Mentee"), ordering="match__mentee__user__display_name")
    def mentee_name(self, obj):
        return obj.match.mentee.user.name

    @admin.display(description=_("Program"), ordering="match__program__name")
    def program_name(self, obj):
        return obj.match.program.name

    @admin.display(description=_("Confirmed by both"), boolean=True)
    def confirmed(self, obj):
        return obj.is_confirmed

    @admin.display(description=_("The program's own fields"))
    def own_fields(self, obj):
        answers = obj.answers.select_related("field")
        return " | ".join(f"{a.field.label}: {a.value or '—'}" for a in answers) or "—"


@admin.display(description=_("Agreement confirmed"), boolean=True)
def agreement_confirmed(match):
    return match.agreement_confirmed


def _with_agreement_confirmed(queryset):
    confirmed = Agreement.objects.filter(
        match=OuterRef("pk"), mentor_confirmed_at__isnull=False, mentee_confirmed_at__isnull=False
    )
    return queryset.annotate(agreement_confirmed=Exists(confirmed))


match_admin_column_register(display=agreement_confirmed, annotate=_with_agreement_confirmed)
