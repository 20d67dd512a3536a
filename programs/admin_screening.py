"""The application review's selection and screening pieces: the checklist inline on the
program, the screening form on an application, the criteria summary and the list filters."""

from django import forms
from django.contrib import admin
from django.db import connection
from django.db.models import F, Prefetch
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.text import Truncator
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _

from mentoring.admin_scope import ProgramScopedInline, scope_ids, scope_queryset
from mentoring.compiled import compiled
from mentoring.forms import ListedModelMultipleChoiceField
from mentoring.rights import rights_marked
from programs.models import Answer, Application, Question, ScreeningItem
from programs.screening import NOTE_LIMIT, screening_items_for, screening_note_for

CHOICE_KINDS = (Question.Kind.SINGLE_CHOICE, Question.Kind.MULTIPLE_CHOICE)


class ScreeningItemInline(ProgramScopedInline, admin.TabularInline):
    model = ScreeningItem
    extra = 0
    fields = ["position", "label", "audience"]
    ordering = ["position", "id"]


class ApplicationScreeningForm(forms.ModelForm):
    """The application page's only editable part: the checklist and the private note."""

    screening_items = ListedModelMultipleChoiceField(
        queryset=ScreeningItem.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Checked"),
        error_messages={
            "invalid_choice": _("That item is not on this application's screening checklist.")
        },
    )
    screening_note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=NOTE_LIMIT,
        label=_("Screening note"),
        help_text=_("Coordinators only: the applicant never sees it."),
    )

    class Meta:
        model = Application
        fields = []

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        application = self.instance
        items = screening_items_for(application=application) if application.pk else []
        allowed = [item.pk for item in items]
        field = self.fields["screening_items"]
        field.queryset = ScreeningItem.objects.filter(pk__in=allowed)
        checks = (
            {c.item_id: c for c in application.screening_checks.select_related("checked_by")}
            if application.pk
            else {}
        )
        field.label_from_instance = lambda item: _check_label(item, checks.get(item.pk))
        if not items:
            field.help_text = _("The program has no screening items for this role.")
        self.initial.setdefault("screening_items", [pk for pk in allowed if pk in checks])
        if application.pk:
            self.initial.setdefault("screening_note", screening_note_for(application=application))


def _check_label(item, check) -> str:
    if check is None:
        return item.label
    when = date_format(timezone.localtime(check.checked_at), "j M Y H:i")
    who = check.checked_by.name if check.checked_by else _t("someone since removed")
    return _t("%(item)s (checked by %(who)s, %(when)s)") % {
        "item": item.label,
        "who": who,
        "when": when,
    }


def criterion_answers_prefetch() -> Prefetch:
    """The answers to the program's selection-criterion questions, as `criterion_answers`."""
    answers = (
        Answer.objects.filter(question__is_selection_criterion=True)
        .select_related("question")
        .order_by("question__position", "question_id")
    )
    return Prefetch("answers", queryset=answers, to_attr="criterion_answers")


def criteria_summary(application: Application) -> str:
    """'Lab: Physics · Years: 5', each answer cut short, for the changelist."""
    return " · ".join(
        f"{Truncator(a.question.text).chars(40)}: {Truncator(a.display_value).chars(60)}"
        for a in application.criterion_answers
    )


def criteria_detail(application: Application):
    """Every criterion question for the role with the applicant's full answer (or none)."""
    answers = {
        a.question_id: a.display_value
        for a in application.answers.filter(question__is_selection_criterion=True)
    }
    questions = [
        q
        for q in application.program.questions.filter(is_selection_criterion=True)
        if q.applies_to(application.role)
    ]
    if not questions:
        return _t("The program has no selection criteria for this role.")
    rows = ((q.text, answers.get(q.pk, _t("(no answer)"))) for q in questions)
    return format_html(
        '<dl class="selection-criteria">{}</dl>',
        format_html_join("", "<dt>{}</dt><dd>{}</dd>", rows),
    )


class ScreeningFilter(admin.SimpleListFilter):
    title = _("screening")
    parameter_name = "screening"

    def lookups(self, request, model_admin):
        return [("complete", _("Complete")), ("incomplete", _("Incomplete"))]

    def queryset(self, request, queryset):
        if self.value() == "complete":
            return queryset.filter(screening_done__gte=F("screening_total"))
        if self.value() == "incomplete":
            return queryset.filter(screening_done__lt=F("screening_total"))
        return queryset


def _answered(question: Question, choice: str) -> list[int]:
    answers = Answer.objects.filter(question=question)
    if question.kind == Question.Kind.SINGLE_CHOICE:
        return list(answers.filter(value=choice).values_list("application_id", flat=True))
    if connection.features.supports_json_field_contains:
        return list(
            answers.filter(value__contains=[choice]).values_list("application_id", flat=True)
        )
    # SQLite has no JSON containment: one question's answers, read once.
    return [a.application_id for a in answers if isinstance(a.value, list) and choice in a.value]


def criterion_filter(question: Question) -> type[admin.SimpleListFilter]:
    """A list filter on the answers to one choice question flagged as a selection criterion."""

    class CriterionFilter(admin.SimpleListFilter):
        title = _t("%(question)s (%(program)s)") % {
            "question": Truncator(question.text).chars(60),
            "program": question.program.name,
        }
        parameter_name = f"criterion_{question.pk}"

        def lookups(self, request, model_admin):
            return [(choice, choice) for choice in question.choice_list]

        def queryset(self, request, queryset):
            if self.value() is None:
                return queryset
            return queryset.filter(pk__in=_answered(question, self.value()))

    return CriterionFilter


def _criterion_questions(questions):
    """The choice questions flagged as selection criteria among `questions`, with what the
    filters read (not each program's forty settings), program by program."""
    return (
        questions.filter(is_selection_criterion=True, kind__in=CHOICE_KINDS)
        .select_related("program")
        .only("text", "kind", "choices", "position", "program_id", "program__name")
        .order_by("program__name", "program_id", "position", "pk")
    )


@compiled
def _criterion_questions_in(*, programs: list[int]):
    return _criterion_questions(Question.objects.filter(program_id__in=programs))


@compiled
def _criterion_questions_all():
    return _criterion_questions(Question.objects.all())


def criterion_filters(request) -> list[type[admin.SimpleListFilter]]:
    """One filter per choice criterion question of the coordinator's programs (of the one
    program the list is filtered to, if it is); computed once per request. The questions
    are read by kept SQL from the ids of the programs in view."""
    if not hasattr(request, "_criterion_filters"):
        user = request.user
        program = request.GET.get("program__id__exact", "")
        chosen = int(program) if program.isdigit() else None
        if user.is_superuser:
            questions = (
                _criterion_questions_all()
                if chosen is None
                else _criterion_questions_in(programs=[chosen])
            )
        elif rights_marked(user):
            programs = [pk for pk in scope_ids(user) if chosen in (None, pk)]
            questions = _criterion_questions_in(programs=programs) if programs else []
        else:  # not the request's own user object: scoped as every admin query is
            questions = _criterion_questions(
                scope_queryset(Question.objects.all(), user=user, path="program")
            )
            if chosen is not None:
                questions = questions.filter(program_id=chosen)
        request._criterion_filters = [criterion_filter(q) for q in questions if q.choice_list]
    return request._criterion_filters
