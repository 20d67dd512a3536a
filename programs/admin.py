from functools import partial

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.db.models import Count, Q
from django.http import HttpResponseRedirect, StreamingHttpResponse
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext, ngettext_lazy
from django.views.decorators.http import require_POST

from accounts.models import User, user_name_fields
from audit.services import audit_record_export
from mentoring.admin_scope import (
    LIST_PER_PAGE,
    ProgramScopedAdmin,
    ProgramScopedInline,
    ReadOnlyAdmin,
    ScopedRelatedFilter,
)
from mentoring.exporting import csv_stream
from programs.admin_roster import roster_import_view
from programs.admin_screening import (
    ApplicationScreeningForm,
    ScreeningFilter,
    ScreeningItemInline,
    criteria_detail,
    criteria_summary,
    criterion_answers_prefetch,
    criterion_filters,
)
from programs.admin_staff import staff_invite_view
from programs.forms import DecisionReasonForm
from programs.models import (
    Answer,
    Application,
    AvailabilityWindow,
    CareerStage,
    Goal,
    Invitation,
    Program,
    Question,
    RecordsConsent,
    Topic,
)
from programs.permissions import program_for_coordinator
from programs.screening import screening_annotate, screening_save
from programs.services import (
    TRANSITIONS,
    application_decide,
    applications_decide,
    program_add_coordinator,
    program_copy,
    program_transition,
)


class VocabularyInline(ProgramScopedInline, admin.TabularInline):
    new_program_rows = 4

    def get_extra(self, request, obj=None, **kwargs):
        # A new program starts with empty rows to type into; later, one spare row.
        return self.new_program_rows if obj is None else 1


class TopicInline(VocabularyInline):
    model = Topic
    new_program_rows = 6


class GoalInline(VocabularyInline):
    model = Goal


class CareerStageInline(VocabularyInline):
    model = CareerStage
    new_program_rows = 6
    fields = ["position", "name"]
    ordering = ["position"]


class QuestionInline(ProgramScopedInline, admin.StackedInline):
    model = Question
    extra = 0
    fields = [
        ("text", "kind"),
        "help_text",
        "choices",
        ("min_value", "max_value"),
        ("required", "audience", "is_selection_criterion", "position"),
    ]


TRANSITION_LABELS = {
    Program.Status.ENROLLING: _("Open enrollment"),
    Program.Status.RUNNING: _("Start the program"),
    Program.Status.CLOSED: _("Close the program"),
    Program.Status.DRAFT: _("Back to draft"),
}

#: What the lifecycle buttons say once they have moved a program (one whole sentence each).
TRANSITION_DONE = {
    Program.Status.DRAFT: _("%(name)s is now draft."),
    Program.Status.ENROLLING: _("%(name)s is now enrolling."),
    Program.Status.RUNNING: _("%(name)s is now running."),
    Program.Status.CLOSED: _("%(name)s is now closed."),
}

#: What a bulk decision says, per status (the number of applications decided is `n`).
DECIDED_MESSAGES = {
    Application.Status.APPROVED: ngettext_lazy(
        "%(n)s application(s) approved; applicants are emailed.",
        "%(n)s application(s) approved; applicants are emailed.",
        "n",
    ),
    Application.Status.WAITLISTED: ngettext_lazy(
        "%(n)s application(s) waitlisted; applicants are emailed.",
        "%(n)s application(s) waitlisted; applicants are emailed.",
        "n",
    ),
    Application.Status.DECLINED: ngettext_lazy(
        "%(n)s application(s) declined; applicants are emailed.",
        "%(n)s application(s) declined; applicants are emailed.",
        "n",
    ),
}


# Inlines of models that higher apps own (matching weights, ...), attached from those apps.
_program_inlines: list[type] = []


def program_inline_register(inline: type) -> None:
    """Show `inline` on the program's admin page, after the program's own inlines."""
    if inline not in _program_inlines:
        _program_inlines.append(inline)


@admin.register(Program)
class ProgramAdmin(ProgramScopedAdmin):
    program_path = ""
    list_display = [
        "name",
        "kind",
        "format",
        "status",
        "enrollment_opens",
        "enrollment_closes",
        "applicant_count",
        "approved_count",
    ]
    list_filter = ["status", "kind", "format"]
    search_fields = ["name", "slug", "description"]
    prepopulated_fields = {"slug": ["name"]}
    filter_horizontal = ["coordinators", "reporting_staff"]
    inlines = [TopicInline, GoalInline, CareerStageInline, QuestionInline, ScreeningItemInline]
    actions = ["copy_for_next_cohort"]
    change_form_template = "admin/programs/program/change_form.html"
    fieldsets = [
        (None, {"fields": ["name", "slug", "description", "status"]}),
        (_("Format"), {"fields": ["kind", "format", "group_size", "allow_dual_role"]}),
        (
            _("Dates"),
            {"fields": [("enrollment_opens", "enrollment_closes"), ("starts_on", "ends_on")]},
        ),
        (
            _("Rhythm and rules"),
            {
                "fields": [
                    "cadence_days",
                    "default_mentor_capacity",
                    ("min_booking_notice_hours", "cancellation_cutoff_hours"),
                    "booking_horizon_weeks",
                    ("reminder_hours", "no_session_alert_days"),
                ]
            },
        ),
        (
            _("Structure: training, agreement, guides, closure"),
            {
                "fields": [
                    ("training_gates_mentors", "training_gates_mentees"),
                    "agreement_due_days",
                    "guides_follow",
                    "closing_message",
                    ("certificates_enabled", "certificate_min_sessions"),
                ]
            },
        ),
        (
            _("The pair's own space"),
            {"fields": ["goal_stale_days", "request_expiry_days"]},
        ),
        (
            _("Outcomes"),
            {"fields": ["outcome_terms", "outcome_first_term", "min_cell_size"]},
        ),
        (
            _("Privacy"),
            {
                "fields": [
                    "records_consent_required",
                    "comparison_policy",
                    "retention_years",
                    # Set by closing and by the retention run (privacy/retention.py).
                    ("closed_at", "anonymised_at"),
                ]
            },
        ),
        (_("People"), {"fields": ["coordinators", "reporting_staff"]}),
    ]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                applicants=Count("applications", distinct=True),
                approved=Count(
                    "applications", filter=Q(applications__status="approved"), distinct=True
                ),
            )
        )

    @admin.display(description=_("Applications"), ordering="applicants")
    def applicant_count(self, obj):
        return obj.applicants

    @admin.display(description=_("Approved"), ordering="approved")
    def approved_count(self, obj):
        return obj.approved

    def get_inlines(self, request, obj):
        return [*super().get_inlines(request, obj), *_program_inlines]

    def get_readonly_fields(self, request, obj=None):
        # Status moves only through the lifecycle buttons, which enforce the transitions;
        # closing and anonymising set their dates.
        dates = ["closed_at", "anonymised_at"]
        return ["status", *dates] if obj else dates

    def get_form(self, request, obj=None, **kwargs):
        form = super().get_form(request, obj, **kwargs)
        if not obj and "status" in form.base_fields:
            form.base_fields["status"].choices = [("draft", Program.Status.DRAFT.label)]
        return form

    def formfield_for_manytomany(self, db_field, request, **kwargs):
        if db_field.name in ("coordinators", "reporting_staff") and not request.user.is_superuser:
            people = Q(is_staff=True, is_active=True)
            object_id = request.resolver_match.kwargs.get("object_id", "")
            if db_field.name == "reporting_staff" and object_id.isdigit():
                # Reporting staff invited by email are not staff: list this program's, or
                # saving the program would drop them.
                people |= Q(reported_programs__pk=int(object_id))
            kwargs["queryset"] = User.objects.filter(people).distinct()
        return super().formfield_for_manytomany(db_field, request, **kwargs)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        program = form.instance
        if not change and not request.user.is_superuser:
            program_add_coordinator(program=program, user=request.user)
        for user in program.coordinators.all():
            program_add_coordinator(program=program, user=user)

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path(
                "<path:object_id>/transition/<str:to>/",
                view(require_POST(self.transition_view)),
                name="programs_program_transition",
            ),
            path(
                "<path:object_id>/roster/",
                view(partial(roster_import_view, self)),
                name="programs_program_roster_import",
            ),
            path(
                "<path:object_id>/invite-staff/",
                view(partial(staff_invite_view, self)),
                name="programs_program_staff_invite",
            ),
            *super().get_urls(),
        ]

    def transition_view(self, request, object_id, to):
        program = program_for_coordinator(user=request.user, pk=object_id)
        if not self.has_change_permission(request, program):
            raise admin.sites.PermissionDenied
        try:
            program_transition(program=program, to=to)
        except (ValidationError, KeyError, ValueError) as exc:
            text = (
                " ".join(exc.messages)
                if isinstance(exc, ValidationError)
                else _t("Unknown status.")
            )
            messages.error(request, text)
        else:
            messages.success(request, TRANSITION_DONE[to] % {"name": program.name})
        return redirect("admin:programs_program_change", object_id=program.pk)

    def change_view(self, request, object_id, form_url="", extra_context=None):
        program = self.get_object(request, object_id)
        extra = extra_context or {}
        if program is not None:
            extra["transitions"] = [
                (to, TRANSITION_LABELS[to]) for to in sorted(TRANSITIONS[program.status])
            ]
            extra["open_run"] = program.matching_runs.filter(
                status__in=["queued", "running", "draft"]
            ).first()
            extra["can_match"] = program.is_formal and program.status in ("enrolling", "running")
        return super().change_view(request, object_id, form_url, extra)

    @admin.action(description=_("Copy for the next cohort (new draft program)"))
    def copy_for_next_cohort(self, request, queryset):
        copies = []
        for program in queryset:
            name = _t("%(name)s (copy)") % {"name": program.name}
            slug, n = f"{program.slug}-copy", 1
            while Program.objects.filter(slug=slug).exists():
                n += 1
                slug = f"{program.slug}-copy-{n}"
            copies.append(program_copy(program=program, name=name, slug=slug, by=request.user))
        self.message_user(
            request,
            ngettext(
                "Created %(n)s draft program(s) to edit.",
                "Created %(n)s draft program(s) to edit.",
                len(copies),
            )
            % {"n": len(copies)},
        )
        if len(copies) == 1:
            return HttpResponseRedirect(
                reverse("admin:programs_program_change", args=[copies[0].pk])
            )
        return None


class AnswerInline(admin.TabularInline):
    model = Answer
    extra = 0
    fields = ["question", "value"]
    readonly_fields = ["question", "value"]
    can_delete = False

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("question")

    def has_add_permission(self, request, obj=None):
        return False


class AvailabilityInline(admin.TabularInline):
    model = AvailabilityWindow
    extra = 0
    readonly_fields = ["weekday", "start", "end"]
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(Application)
class ApplicationAdmin(ProgramScopedAdmin):
    list_display = [
        "applicant",
        "email",
        "program",
        "role",
        "status",
        "career_stage",
        "capacity",
        "selection_criteria",
        "screening",
        "submitted_at",
    ]
    list_filter = [
        "status",
        "role",
        ("program", ScopedRelatedFilter),
        ("career_stage", ScopedRelatedFilter),
        ("topics", ScopedRelatedFilter),
        ScreeningFilter,
    ]
    search_fields = ["user__email", "user__display_name", "user__last_name", "motivation"]
    list_select_related = ["user", "program", "career_stage"]
    list_only = (
        "role", "status", "capacity", "submitted_at", "program__name", "career_stage__name",
        *user_name_fields("user"),
    )  # fmt: skip
    list_per_page = LIST_PER_PAGE
    show_full_result_count = False
    actions = ["approve", "waitlist", "decline", "export_csv"]
    inlines = [AnswerInline, AvailabilityInline]
    form = ApplicationScreeningForm
    change_form_template = "admin/programs/application/change_form.html"
    readonly_fields = [
        "program",
        "user",
        "role",
        "status",
        "decision_reason",
        "decided_at",
        "decided_by",
        "career_stage",
        "topic_list",
        "goal_list",
        "languages",
        "format_preference",
        "time_zone",
        "capacity",
        "motivation",
        "submitted_at",
        "criteria_answers",
    ]
    fieldsets = [
        (None, {"fields": ["program", "user", "role", "status", "submitted_at"]}),
        (_("Selection criteria"), {"fields": ["criteria_answers"]}),
        (
            _("Screening (coordinators only)"),
            {"fields": ["screening_items", "screening_note"]},
        ),
        (
            _("Application"),
            {
                "fields": [
                    "career_stage",
                    "topic_list",
                    "goal_list",
                    "languages",
                    "format_preference",
                    "time_zone",
                    "capacity",
                    "motivation",
                ]
            },
        ),
        (_("Decision"), {"fields": ["decision_reason", "decided_at", "decided_by"]}),
    ]

    def get_queryset(self, request):
        queryset = screening_annotate(super().get_queryset(request))
        return queryset.prefetch_related(criterion_answers_prefetch())

    def get_list_filter(self, request):
        return [*super().get_list_filter(request), *criterion_filters(request)]

    @admin.display(description=_("Selection criteria"))
    def selection_criteria(self, obj):
        return criteria_summary(obj) or "—"

    @admin.display(description=_("Answers to the selection criteria"))
    def criteria_answers(self, obj):
        return criteria_detail(obj)

    @admin.display(description=_("Screening"), ordering="screening_done")
    def screening(self, obj):
        if not obj.screening_total:
            return "—"
        return _t("%(done)s of %(total)s") % {
            "done": min(obj.screening_done, obj.screening_total),
            "total": obj.screening_total,
        }

    def save_model(self, request, obj, form, change):
        # Everything but the screening is read-only here; decisions go through the service.
        screening_save(
            application=obj,
            checked=form.cleaned_data["screening_items"],
            note=form.cleaned_data["screening_note"],
            by=request.user,
        )

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        context["can_approve"] = (
            obj is not None
            and obj.status not in (Application.Status.APPROVED, Application.Status.WITHDRAWN)
            and self.has_change_permission(request, obj)
        )
        return super().render_change_form(request, context, add, change, form_url, obj)

    def response_change(self, request, obj):
        if "_approve" not in request.POST:
            return super().response_change(request, obj)
        try:
            application_decide(application=obj, status=Application.Status.APPROVED, by=request.user)
        except ValidationError as exc:
            self.message_user(
                request,
                _t("Screening saved; not approved: ") + " ".join(exc.messages),
                messages.ERROR,
            )
        else:
            self.message_user(request, _t("Approved; the applicant is emailed."))
        return redirect("admin:programs_application_change", object_id=obj.pk)

    def has_add_permission(self, request):
        return False

    @admin.display(description=_("Applicant"), ordering="user__display_name")
    def applicant(self, obj):
        return obj.user.name

    @admin.display(description=_("Email"), ordering="user__email")
    def email(self, obj):
        return obj.user.email

    @admin.display(description=_("Topics"))
    def topic_list(self, obj):
        return ", ".join(t.name for t in obj.topics.all()) or "—"

    @admin.display(description=_("Goals"))
    def goal_list(self, obj):
        return ", ".join(g.name for g in obj.goals.all()) or "—"

    def _decide(self, request, queryset, status, reason=""):
        try:
            decisions = applications_decide(
                applications=queryset.select_related("user", "program"),
                status=status,
                by=request.user,
                reason=reason,
            )
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), messages.ERROR)
            return
        if decisions.changed or not decisions.refused:
            self.message_user(request, DECIDED_MESSAGES[status] % {"n": decisions.changed})
        if decisions.refused:
            self.message_user(
                request,
                _t("%(n)s not approved: %(why)s")
                % {
                    "n": len(decisions.refused),
                    "why": " ".join(" ".join(r.messages) for r in decisions.refused),
                },
                messages.WARNING,
            )

    @admin.action(description=_("Export selected applications (CSV)"))
    def export_csv(self, request, queryset):
        header = [
            _t("Program"),
            _t("Name"),
            _t("Email"),
            _t("Role"),
            _t("Status"),
            _t("Career stage"),
            _t("Capacity"),
            _t("Topics"),
            _t("Goals"),
            _t("Languages"),
            _t("Format"),
            _t("Time zone"),
            _t("Submitted"),
        ]
        rows = (
            [
                a.program.name,
                a.user.name,
                a.user.email,
                a.role,
                a.status,
                a.career_stage.name if a.career_stage else "",
                a.capacity,
                ", ".join(t.name for t in a.topics.all()),
                ", ".join(g.name for g in a.goals.all()),
                ", ".join(a.languages),
                a.format_preference,
                str(a.time_zone),
                a.submitted_at,
            ]
            for a in queryset.select_related("program", "user", "career_stage")
            .prefetch_related("topics", "goals")
            .order_by("program", "role", "pk")
        )
        audit_record_export(
            actor=request.user,
            programs=Program.objects.filter(pk__in=queryset.values("program_id")),
            report="applications",
            fmt="csv",
        )
        response = StreamingHttpResponse(
            csv_stream(header=header, rows=rows), content_type="text/csv; charset=utf-8"
        )
        response["Content-Disposition"] = 'attachment; filename="applications.csv"'
        return response

    @admin.action(description=_("Approve selected applications"))
    def approve(self, request, queryset):
        self._decide(request, queryset, Application.Status.APPROVED)

    @admin.action(description=_("Put selected applications on the waitlist"))
    def waitlist(self, request, queryset):
        self._decide(request, queryset, Application.Status.WAITLISTED)

    @admin.action(description=_("Decline selected applications (with a reason)"))
    def decline(self, request, queryset):
        form = DecisionReasonForm(request.POST if "reason" in request.POST else None)
        if form.is_bound and form.is_valid():
            self._decide(
                request, queryset, Application.Status.DECLINED, form.cleaned_data["reason"]
            )
            return None
        context = {
            **self.admin_site.each_context(request),
            "title": _t("Decline applications"),
            "form": form,
            "applications": queryset.select_related("user", "program"),
            "opts": self.model._meta,
            "action_name": "decline",
        }
        return TemplateResponse(request, "admin/programs/application/decline.html", context)


@admin.register(Invitation)
class InvitationAdmin(ProgramScopedAdmin):
    list_display = ["email", "name", "program", "role", "created_at", "emailed_at", "accepted_at"]
    list_filter = ["role", ("program", ScopedRelatedFilter)]
    search_fields = ["email", "name"]
    readonly_fields = ["token", "created_at", "emailed_at", "accepted_at", "invited_by"]
    fields = ["program", "email", "name", "role", "career_stage", *readonly_fields]

    def has_add_permission(self, request):
        # People are invited by roster import, which validates and emails them.
        return False

    @admin.display(description=_("Link"))
    def link(self, obj):
        return format_html("<code>{}</code>", reverse("programs:invitation", args=[obj.token]))


@admin.register(RecordsConsent)
class RecordsConsentAdmin(ReadOnlyAdmin):
    """Participants' decisions on the use of their academic records, for the coordinators of
    the program: read-only (only the person decides, on their application or under Privacy),
    every decision kept, the newest in force."""

    list_display = ["user", "program", "granted", "source", "decided_at"]
    list_filter = ["granted", "source", ("program", ScopedRelatedFilter)]
    search_fields = ["user__email", "user__display_name"]
    list_select_related = ["user", "program"]
    fields = list_display
    readonly_fields = list_display
