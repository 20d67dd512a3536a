"""Admin for matches, requests to end them, exclusions and informal requests."""

from django.contrib import admin

from matching.models import EndRequest, Exclusion, Match, MatchRequest
from matching.services.ending import match_end
from mentoring.admin_scope import ProgramScopedAdmin, ScopedRelatedFilter


@admin.register(Match)
class MatchAdmin(ProgramScopedAdmin):
    list_display = ["mentor_name", "mentee_name", "program", "status", "origin", "score"]
    list_filter = ["status", "origin", ("program", ScopedRelatedFilter)]
    search_fields = [
        "mentor__user__email",
        "mentee__user__email",
        "mentor__user__display_name",
        "mentee__user__display_name",
    ]
    list_select_related = ["mentor__user", "mentee__user", "program"]
    actions = ["end_matches"]
    readonly_fields = [
        "program",
        "mentor",
        "mentee",
        "status",
        "origin",
        "score",
        "started_at",
        "ended_at",
        "ended_by",
        "run",
        "explanation_text",
        "end_reasons",
    ]
    fields = readonly_fields

    def has_add_permission(self, request):
        return False

    @admin.display(description="Mentor", ordering="mentor__user__display_name")
    def mentor_name(self, obj):
        return obj.mentor.user.name

    @admin.display(description="Mentee", ordering="mentee__user__display_name")
    def mentee_name(self, obj):
        return obj.mentee.user.name

    @admin.display(description="Why")
    def explanation_text(self, obj):
        return " ".join(f"{i['label']}: {i['text']}" for i in obj.explanation) or "—"

    @admin.display(description="Requests to end (private)")
    def end_reasons(self, obj):
        return (
            " | ".join(
                f"{r.requested_by.name}: {r.reason or '(no reason)'} ({r.get_status_display()})"
                for r in obj.end_requests.select_related("requested_by")
            )
            or "—"
        )

    @admin.action(description="End selected matches (no fault; both can be matched again)")
    def end_matches(self, request, queryset):
        ended = 0
        for match in queryset.filter(status=Match.Status.ACTIVE):
            match_end(match=match, by=request.user)
            ended += 1
        self.message_user(request, f"Ended {ended} match(es); both sides are told.")


class _MatchScoped(ProgramScopedAdmin):
    program_path = "match__program"


@admin.register(EndRequest)
class EndRequestAdmin(_MatchScoped):
    list_display = ["match", "requested_by", "status", "created_at"]
    list_filter = ["status"]
    readonly_fields = ["match", "requested_by", "reason", "status", "created_at"]
    fields = readonly_fields

    def has_add_permission(self, request):
        return False


@admin.register(Exclusion)
class ExclusionAdmin(ProgramScopedAdmin):
    list_display = ["person", "other", "program", "source", "reason", "created_at"]
    list_filter = ["source", ("program", ScopedRelatedFilter)]
    autocomplete_fields = []
    fields = ["program", "person", "other", "reason"]

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name in ("person", "other"):
            from accounts.models import User

            programs = self.get_queryset(request).values("program")
            kwargs["queryset"] = User.objects.filter(applications__program__in=programs).distinct()
        return super().formfield_for_foreignkey(db_field, request, **kwargs)


@admin.register(MatchRequest)
class MatchRequestAdmin(ProgramScopedAdmin):
    list_display = ["mentee", "mentor", "program", "status", "created_at"]
    list_filter = ["status", ("program", ScopedRelatedFilter)]
    readonly_fields = [
        "program",
        "mentee",
        "mentor",
        "message",
        "status",
        "response",
        "created_at",
        "responded_at",
    ]
    fields = readonly_fields

    def has_add_permission(self, request):
        return False
