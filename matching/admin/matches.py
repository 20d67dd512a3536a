"""Admin for matches, requests to end them, exclusions and informal requests."""

from collections.abc import Callable
from dataclasses import dataclass

from django.contrib import admin, messages
from django.contrib.admin import helpers
from django.db.models import QuerySet
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts.models import user_name_fields
from matching.forms import REQUEST_REASON, MatchEndForm
from matching.models import EndRequest, Exclusion, Match, MatchRequest
from matching.services.ending import match_end
from mentoring.admin_scope import LIST_PER_PAGE, ProgramScopedAdmin, ScopedRelatedFilter


@dataclass(frozen=True)
class MatchColumn:
    display: Callable  # an admin display function of the match (list column and read-only field)
    annotate: Callable[[QuerySet], QuerySet] | None = None  # what it reads, in the one query


_columns: list[MatchColumn] = []


def match_admin_column_register(*, display: Callable, annotate=None) -> None:
    """Show `display(match)` as a column of the match list and a read-only field of the match
    page (higher apps add theirs: relationships, whether the agreement is confirmed).
    `annotate(queryset)` adds what it reads to the admin's query, so a page of matches is
    still one query (the list loads only MatchAdmin.list_only of the match itself)."""
    if all(column.display is not display for column in _columns):
        _columns.append(MatchColumn(display=display, annotate=annotate))


@admin.register(Match)
class MatchAdmin(ProgramScopedAdmin):
    list_display = [
        "mentor_name",
        "mentee_name",
        "program",
        "status",
        "origin",
        "score",
        "end_reason",
    ]
    list_filter = ["status", "origin", "end_reason", ("program", ScopedRelatedFilter)]
    search_fields = [
        "mentor__user__email",
        "mentee__user__email",
        "mentor__user__display_name",
        "mentee__user__display_name",
    ]
    list_select_related = ["mentor__user", "mentee__user", "program"]
    list_only = (
        "status", "origin", "score", "end_reason", "program__name",
        *user_name_fields("mentor__user"), *user_name_fields("mentee__user"),
    )  # fmt: skip
    list_per_page = LIST_PER_PAGE
    show_full_result_count = False
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
        "end_reason",
        "end_reason_text",
        "explanation_text",
        "end_reasons",
    ]

    def has_add_permission(self, request):
        return False

    def get_queryset(self, request):
        queryset = super().get_queryset(request)
        for column in _columns:
            if column.annotate is not None:
                queryset = column.annotate(queryset)
        return queryset

    def get_list_display(self, request):
        return [*self.list_display, *(column.display for column in _columns)]

    def get_readonly_fields(self, request, obj=None):
        return [*self.readonly_fields, *(column.display for column in _columns)]

    def get_fields(self, request, obj=None):
        return self.get_readonly_fields(request, obj)

    @admin.display(description=_("Mentor"), ordering="mentor__user__display_name")
    def mentor_name(self, obj):
        return obj.mentor.user.name

    @admin.display(description=_("Mentee"), ordering="mentee__user__display_name")
    def mentee_name(self, obj):
        return obj.mentee.user.name

    @admin.display(description=_("Why"))
    def explanation_text(self, obj):
        return " ".join(f"{i['label']}: {i['text']}" for i in obj.explanation) or "—"

    @admin.display(description=_("Requests to end (private)"))
    def end_reasons(self, obj):
        return (
            " | ".join(
                f"{r.requested_by.name}: "
                f"{_request_reason(r)}; {r.reason or _('(no private feedback)')} "
                f"({r.get_status_display()})"
                for r in obj.end_requests.select_related("requested_by")
            )
            or "—"
        )

    @admin.action(description=_("End selected matches (no fault; both can be matched again)"))
    def end_matches(self, request, queryset):
        """Asks why on an intermediate page (each request's reason by default), then ends
        the active ones with that reason; both sides are told."""
        active = list(
            queryset.filter(status=Match.Status.ACTIVE).select_related(
                "program", "mentor__user", "mentee__user"
            )
        )
        if not active:
            self.message_user(request, _("None of the selected matches is active."), messages.INFO)
            return None
        requests = {
            r.match_id: r
            for r in EndRequest.objects.filter(match__in=active, status=EndRequest.Status.OPEN)
            .exclude(end_reason="")
            .select_related("requested_by")
            .order_by("created_at")  # the latest request's reason wins
        }
        all_asked = all(match.pk in requests for match in active)
        form = MatchEndForm(
            request.POST if "apply" in request.POST else None, requests_with_reason=all_asked
        )
        if form.is_valid():
            reason = form.cleaned_data["end_reason"]
            for match in active:
                if reason == REQUEST_REASON:
                    match_end(match=match, by=request.user)
                else:
                    match_end(
                        match=match,
                        by=request.user,
                        end_reason=reason,
                        end_reason_text=form.cleaned_data["end_reason_text"],
                    )
            count = len(active)
            self.message_user(
                request,
                ngettext(
                    "Ended %(count)s match; both sides are told.",
                    "Ended %(count)s matches; both sides are told.",
                    count,
                )
                % {"count": count},
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": _("End matches"),
            "opts": self.model._meta,
            "matches": [(match, requests.get(match.pk)) for match in active],
            "form": form,
            "action": "end_matches",
            "action_checkbox_name": helpers.ACTION_CHECKBOX_NAME,
        }
        return TemplateResponse(request, "admin/matching/match/end_matches.html", context)


def _request_reason(request: EndRequest) -> str:
    if not request.end_reason:
        return str(_("(no reason chosen)"))
    label = request.get_end_reason_display()
    return f"{label}: {request.end_reason_text}" if request.end_reason_text else str(label)


class _MatchScoped(ProgramScopedAdmin):
    program_path = "match__program"


@admin.register(EndRequest)
class EndRequestAdmin(_MatchScoped):
    list_display = ["match", "requested_by", "end_reason", "status", "created_at"]
    list_filter = ["status", "end_reason"]
    readonly_fields = [
        "match",
        "requested_by",
        "end_reason",
        "end_reason_text",
        "reason",
        "status",
        "created_at",
    ]
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
