"""Admin for training: coordinators build a program's steps (quiz questions inline, choices
typed one per line with * marking the correct ones), record workshop attendance, and look at
completions and quiz attempts. Everything is scoped to the programs they coordinate."""

import os

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from mentoring.admin_scope import ProgramScopedAdmin, ProgramScopedInline, ScopedRelatedFilter
from training.forms import AttendanceForm
from training.models import QuizAttempt, QuizQuestion, StepCompletion, TrainingStep
from training.selectors import step_participants, workshop_attendees
from training.services import workshop_attendance_set

K = TrainingStep.Kind


class QuizQuestionFormSet(forms.BaseInlineFormSet):
    """A quiz needs questions; other kinds have none."""

    def clean(self):
        super().clean()
        live = [f for f in self.forms if f.cleaned_data and not f.cleaned_data.get("DELETE", False)]
        if self.instance.kind == K.QUIZ and not live:
            raise ValidationError(_("A quiz needs at least one question."))
        if self.instance.kind != K.QUIZ and live:
            raise ValidationError(
                _("Only quizzes have questions: remove them or make this step a quiz.")
            )


class QuizQuestionInline(ProgramScopedInline, admin.StackedInline):
    model = QuizQuestion
    formset = QuizQuestionFormSet
    extra = 0
    fields = [("position", "kind"), "text", "choices"]
    verbose_name = gettext_lazy("quiz question")
    verbose_name_plural = gettext_lazy(
        "Quiz questions (quizzes only; choices one per line, a leading * marks a correct one)"
    )

    def get_formset(self, request, obj=None, **kwargs):
        formset = super().get_formset(request, obj, **kwargs)
        formset.form.base_fields["choices"].widget.attrs.update(rows=5)
        formset.form.base_fields["choices"].widget.attrs["placeholder"] = _(
            "*The right answer\nA wrong answer\nAnother wrong answer"
        )
        return formset


@admin.register(TrainingStep)
class TrainingStepAdmin(ProgramScopedAdmin):
    list_display = [
        "title",
        "program",
        "position",
        "kind",
        "audience",
        "required",
        "due_days",
        "question_count",
        "completed_count",
        "completion_link",
    ]
    list_display_links = ["title"]
    list_filter = [("program", ScopedRelatedFilter), "kind", "audience", "required"]
    list_select_related = ["program"]
    search_fields = ["title", "program__name"]
    ordering = ["program", "position", "pk"]
    inlines = [QuizQuestionInline]
    actions = ["record_attendance"]
    change_form_template = "admin/training/trainingstep/change_form.html"
    change_list_template = "admin/training/trainingstep/change_list.html"
    fieldsets = [
        (None, {"fields": ["program", ("position", "kind"), "title"]}),
        (gettext_lazy("Who and when"), {"fields": [("audience", "required"), "due_days"]}),
        (gettext_lazy("Content"), {"fields": ["body", "link", "file", "statement"]}),
        (gettext_lazy("Quiz"), {"fields": [("pass_mark", "max_attempts")]}),
        (gettext_lazy("Workshop"), {"fields": [("starts_at", "ends_at"), "location"]}),
    ]

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .annotate(
                question_total=Count("questions", distinct=True),
                completed_total=Count("completions", distinct=True),
            )
        )

    @admin.display(description=gettext_lazy("Questions"), ordering="question_total")
    def question_count(self, obj):
        return obj.question_total if obj.kind == K.QUIZ else "—"

    @admin.display(description=gettext_lazy("Completed"), ordering="completed_total")
    def completed_count(self, obj):
        return obj.completed_total

    @admin.display(description=gettext_lazy("Completion table"))
    def completion_link(self, obj):
        return format_html(
            '<a href="{}">{}</a>', reverse("training:completion", args=[obj.program_id]), _("Open")
        )

    def formfield_for_dbfield(self, db_field, request, **kwargs):
        if db_field.name == "link":
            kwargs.setdefault("assume_scheme", "https")
        return super().formfield_for_dbfield(db_field, request, **kwargs)

    def save_model(self, request, obj, form, change):
        if "file" in form.changed_data:
            obj.file_name = os.path.basename(obj.file.name)[:200] if obj.file else ""
        super().save_model(request, obj, form, change)

    def get_urls(self):
        view = self.admin_site.admin_view(self.attendance_view)
        return [
            path("<int:step_id>/attendance/", view, name="training_trainingstep_attendance"),
            *super().get_urls(),
        ]

    def attendance_view(self, request, step_id):
        """Tick who came to a workshop; saving records them (and takes off anyone unticked)."""
        step = self.get_queryset(request).select_related("program").filter(pk=step_id).first()
        if step is None or step.kind != K.WORKSHOP:
            raise Http404("No such workshop.")
        if not self.has_change_permission(request, step):
            raise PermissionDenied
        participants = step_participants(step=step)
        form = AttendanceForm(
            request.POST or None,
            participants=participants,
            initial={"people": sorted(workshop_attendees(step=step))},
        )
        if request.method == "POST" and form.is_valid():
            try:
                added, removed = workshop_attendance_set(
                    step=step, users=form.cleaned_data["people"], by=request.user
                )
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
            else:
                messages.success(
                    request,
                    _("Attendance saved: %(added)d added, %(removed)d taken off.")
                    % {"added": added, "removed": removed},
                )
                return redirect("admin:training_trainingstep_attendance", step_id=step.pk)
        context = {
            **self.admin_site.each_context(request),
            "title": _("Attendance: %(step)s") % {"step": step.title},
            "step": step,
            "form": form,
            "opts": self.model._meta,
            "has_view_permission": True,
        }
        return TemplateResponse(request, "admin/training/trainingstep/attendance.html", context)

    @admin.action(description=gettext_lazy("Record attendance of the selected workshop"))
    def record_attendance(self, request, queryset):
        workshops = list(queryset.filter(kind=K.WORKSHOP)[:2])
        if len(workshops) != 1:
            self.message_user(
                request, _("Select exactly one workshop to record its attendance."), messages.ERROR
            )
            return None
        return redirect("admin:training_trainingstep_attendance", step_id=workshops[0].pk)


class _ReadOnly(ProgramScopedAdmin):
    """Rows participants' actions write; coordinators look, they do not edit."""

    program_path = "step__program"

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False


@admin.register(StepCompletion)
class StepCompletionAdmin(_ReadOnly):
    list_display = ["user", "step", "program", "completed_at", "recorded_by"]
    list_filter = [("step__program", ScopedRelatedFilter), "step__kind"]
    list_select_related = ["user", "step__program", "recorded_by"]
    search_fields = ["user__email", "user__display_name", "step__title"]
    date_hierarchy = "completed_at"

    @admin.display(description=gettext_lazy("Program"), ordering="step__program__name")
    def program(self, obj):
        return obj.step.program


@admin.register(QuizAttempt)
class QuizAttemptAdmin(_ReadOnly):
    list_display = ["user", "step", "number", "score", "passed", "submitted_at"]
    list_filter = [("step__program", ScopedRelatedFilter), "passed"]
    list_select_related = ["user", "step"]
    search_fields = ["user__email", "user__display_name", "step__title"]
    exclude = ["answers"]

    def has_delete_permission(self, request, obj=None):
        return False
