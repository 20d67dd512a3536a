from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from evaluation.models import CheckIn, Moment, RiskFlag, Survey, SurveyInvitation, SurveyQuestion
from evaluation.services import survey_copy, survey_send
from mentoring.admin_scope import (
    ProgramScopedAdmin,
    ProgramScopedInline,
    ReadOnlyAdmin,
    ScopedRelatedFilter,
)


class SurveyQuestionInline(ProgramScopedInline, admin.StackedInline):
    model = SurveyQuestion
    extra = 0
    fields = [
        ("position", "kind", "required"),
        "text",
        "help_text",
        ("low_label", "high_label"),
        ("min_value", "max_value"),
        "choices",
    ]

    def _answered(self, obj) -> bool:
        return obj is not None and obj.invitations.filter(completed=True).exists()

    # Once someone has answered, the questions are frozen: changing a question would change
    # the meaning of answers already given (and break baseline/end pairing).
    def has_add_permission(self, request, obj=None):
        return not self._answered(obj) and super().has_add_permission(request, obj)

    def has_change_permission(self, request, obj=None):
        return not self._answered(obj) and super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return not self._answered(obj) and super().has_delete_permission(request, obj)


@admin.register(Survey)
class SurveyAdmin(ProgramScopedAdmin):
    list_display = [
        "title",
        "program",
        "moment",
        "audience",
        "anonymous",
        "is_active",
        "question_count",
        "invited",
        "answered",
    ]
    list_filter = ["moment", "anonymous", "is_active", ("program", ScopedRelatedFilter)]
    search_fields = ["title", "program__name"]
    inlines = [SurveyQuestionInline]
    actions = ["send_now", "copy_as_end"]
    fieldsets = [
        (None, {"fields": ["program", "title", "intro"]}),
        (
            gettext_lazy("Who and when"),
            {"fields": [("moment", "audience"), "anonymous", "is_active"]},
        ),
        (gettext_lazy("Deadline"), {"fields": [("answer_days", "reminder_days")]}),
    ]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                question_count=Count("questions", distinct=True),
                invited=Count("invitations", distinct=True),
                answered=Count("invitations", filter=Q(invitations__completed=True), distinct=True),
            )
        )

    def get_readonly_fields(self, request, obj=None):
        # Sent surveys keep who they are for and whether they are anonymous: people were told.
        if obj is not None and obj.invitations.exists():
            return ["program", "moment", "audience", "anonymous"]
        return []

    @admin.display(description=gettext_lazy("Questions"), ordering="question_count")
    def question_count(self, obj):
        return obj.question_count

    @admin.display(description=gettext_lazy("Invited"), ordering="invited")
    def invited(self, obj):
        return obj.invited

    @admin.display(description=gettext_lazy("Answered"), ordering="answered")
    def answered(self, obj):
        return obj.answered

    @admin.action(
        description=gettext_lazy("Send now to every approved participant not yet invited")
    )
    def send_now(self, request, queryset):
        sent = skipped = 0
        for survey in queryset:
            if survey.moment == Moment.AFTER_SESSION or not survey.is_active:
                skipped += 1
                continue
            sent += survey_send(survey=survey)
        self.message_user(
            request,
            ngettext("%(count)d invitation(s) sent.", "%(count)d invitation(s) sent.", sent)
            % {"count": sent},
            messages.SUCCESS,
        )
        if skipped:
            self.message_user(
                request,
                ngettext(
                    "%(count)d survey(s) skipped: inactive, or sent after each session.",
                    "%(count)d survey(s) skipped: inactive, or sent after each session.",
                    skipped,
                )
                % {"count": skipped},
                messages.WARNING,
            )

    @admin.action(
        description=gettext_lazy("Copy as end-of-program survey (same questions, not yet sent)")
    )
    def copy_as_end(self, request, queryset):
        try:
            copies = [survey_copy(survey=s, moment=Moment.END) for s in queryset]
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), messages.ERROR)
            return
        self.message_user(
            request,
            ngettext(
                "%(count)d end-of-program survey(s) created, switched off until you check them.",
                "%(count)d end-of-program survey(s) created, switched off until you check them.",
                len(copies),
            )
            % {"count": len(copies)},
            messages.SUCCESS,
        )


@admin.register(SurveyInvitation)
class SurveyInvitationAdmin(ReadOnlyAdmin):
    program_path = "survey__program"
    list_display = ["survey", "person", "role", "meeting", "due_on", "completed"]
    list_filter = ["completed", ("survey__program", ScopedRelatedFilter)]
    search_fields = ["application__user__email", "survey__title"]
    list_select_related = ["survey", "application__user", "meeting"]

    @admin.display(description=gettext_lazy("Person"), ordering="application__user__email")
    def person(self, obj):
        return obj.application.user

    @admin.display(description=gettext_lazy("Role"), ordering="application__role")
    def role(self, obj):
        return obj.application.get_role_display()


@admin.register(CheckIn)
class CheckInAdmin(ReadOnlyAdmin):
    program_path = "match__program"
    list_display = ["person", "match", "opens_on", "due_on", "score", "met", "answered_at"]
    list_filter = ["score", "met", ("match__program", ScopedRelatedFilter)]
    search_fields = ["application__user__email", "blocking"]
    list_select_related = [
        "application__user",
        "match__program",
        "match__mentor__user",
        "match__mentee__user",
    ]
    date_hierarchy = "opens_on"

    @admin.display(description=gettext_lazy("Person"), ordering="application__user__email")
    def person(self, obj):
        return obj.application.user


class OpenFilter(admin.SimpleListFilter):
    title = gettext_lazy("state")
    parameter_name = "state"

    def lookups(self, request, model_admin):
        return [("open", _("Open")), ("cleared", _("Cleared"))]

    def queryset(self, request, queryset):
        if self.value() == "open":
            return queryset.filter(cleared_at__isnull=True)
        if self.value() == "cleared":
            return queryset.filter(cleared_at__isnull=False)
        return queryset


@admin.register(RiskFlag)
class RiskFlagAdmin(ReadOnlyAdmin):
    program_path = "match__program"
    list_display = ["match", "reason", "detail", "raised_at", "cleared_at"]
    list_filter = [OpenFilter, "reason", ("match__program", ScopedRelatedFilter)]
    list_select_related = ["match__program", "match__mentor__user", "match__mentee__user"]
