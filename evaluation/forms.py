import functools

from django import forms
from django.utils.text import format_lazy
from django.utils.translation import gettext_lazy
from django.utils.translation import gettext_lazy as _

from evaluation.models import CheckIn, Survey
from evaluation.questions import question_form_field
from mentoring.forms import ListedModelMultipleChoiceField
from programs.permissions import programs_reportable_by, reportable_programs

BUTTONS = forms.RadioSelect(attrs={"class": "btn-check", "autocomplete": "off"})
SCORE_CHOICES = [
    (n, format_lazy("{} – {}", n, label))  # noqa: RUF001
    for n, label in CheckIn.SCORE_LABELS.items()
]


class CheckInForm(forms.Form):
    """The built-in check-in: three questions, answerable in seconds on a phone."""

    score = forms.TypedChoiceField(
        label=_("How is your mentoring relationship going?"),
        choices=SCORE_CHOICES,
        coerce=int,
        widget=BUTTONS,
        error_messages={
            "required": _("Choose how it is going, from 1 to 5."),
            "invalid_choice": _("Choose a score from 1 to 5."),
        },
    )
    met = forms.TypedChoiceField(
        label=_("Did you meet since the last check-in?"),
        choices=[("yes", _("Yes")), ("no", _("No"))],
        coerce=lambda value: value == "yes",
        widget=BUTTONS,
        error_messages={
            "required": _("Say whether you met."),
            "invalid_choice": _("Answer yes or no."),
        },
    )
    blocking = forms.CharField(
        label=_("Anything blocking you? (optional)"),
        required=False,
        max_length=1000,
        widget=forms.Textarea(attrs={"rows": 2, "maxlength": 1000}),
    )


class SurveyAnswerForm(forms.Form):
    """One field per survey question, named q_<question id>."""

    def __init__(self, *args, survey: Survey, **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = list(survey.questions.all())
        for question in self.questions:
            self.fields[f"q_{question.pk}"] = question_form_field(question)

    def answers(self) -> dict[int, object]:
        return {q.pk: self.cleaned_data.get(f"q_{q.pk}") for q in self.questions}


class ReportScopeForm(forms.Form):
    """Which programs a report or export covers: none chosen means all the user may see.
    A program outside the user's reach is an invalid choice (the view answers 404)."""

    program = ListedModelMultipleChoiceField(
        queryset=None, required=False, widget=forms.CheckboxSelectMultiple, label=_("Programs")
    )

    def __init__(self, *args, user, **kwargs):
        super().__init__(*args, **kwargs)
        field = self.fields["program"]
        field.queryset = programs_reportable_by(user=user).order_by("name", "pk")
        # Shown on every report: the choices are read by the ids kept with the user's rights.
        field.listed = functools.partial(reportable_programs, user=user)


class AnswerSearchForm(forms.Form):
    q = forms.CharField(label=gettext_lazy("Search the answers"), required=False, max_length=200)
