"""Survey questions as form fields: one place decides what a valid answer is, for the answer
form and for the service that stores answers."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.html import escape
from django.utils.translation import gettext as _

from evaluation.models import SurveyQuestion

TEXT_MAX = 2000
LIKERT_CHOICES = [1, 2, 3, 4, 5]
Kind = SurveyQuestion.Kind


def likert_choices(question: SurveyQuestion) -> list[tuple[int, str]]:
    labels = {1: question.low_label, 5: question.high_label}
    dash = "\u2013"
    return [(n, f"{n} {dash} {labels[n]}" if labels.get(n) else str(n)) for n in LIKERT_CHOICES]


def _bound(value: float | None) -> float | int | None:
    """Whole-number bounds as ints, so messages say "at most 40", not "40.0"."""
    return int(value) if value is not None and float(value).is_integer() else value


def question_form_field(question: SurveyQuestion) -> forms.Field:
    """The form field that validates an answer to `question`."""
    common = {
        "label": question.text,
        # Forms write help text as markup; this one the coordinator typed.
        "help_text": escape(question.help_text),
        "required": question.required,
    }
    if question.kind == Kind.LIKERT:
        return forms.TypedChoiceField(
            choices=likert_choices(question),
            coerce=int,
            empty_value=None,
            widget=forms.RadioSelect,
            error_messages={"invalid_choice": "Choose a whole number from 1 to 5."},
            **common,
        )
    if question.kind == Kind.NUMBER:
        return forms.FloatField(
            min_value=_bound(question.min_value), max_value=_bound(question.max_value), **common
        )
    if question.kind == Kind.TEXT:
        return forms.CharField(
            max_length=TEXT_MAX, widget=forms.Textarea(attrs={"rows": 3}), **common
        )
    choices = [(c, c) for c in question.choice_list]
    if question.kind == Kind.SINGLE_CHOICE:
        return forms.ChoiceField(choices=choices, widget=forms.RadioSelect, **common)
    return forms.MultipleChoiceField(choices=choices, widget=forms.CheckboxSelectMultiple, **common)


def answer_clean(question: SurveyQuestion, value):
    """Validate one raw answer the way the form does; the cleaned value, or ValidationError
    naming the question."""
    try:
        cleaned = question_form_field(question).clean(value)
    except ValidationError as exc:
        raise ValidationError(
            _("%(question)s: %(problem)s")
            % {"question": question.text, "problem": " ".join(exc.messages)}
        ) from None
    if isinstance(cleaned, float) and cleaned.is_integer():
        return int(cleaned)
    return cleaned


def answer_is_empty(value) -> bool:
    return value in (None, "", [])


def answer_number(question: SurveyQuestion, value) -> float | None:
    """The answer as a number for statistics, for Likert and number questions."""
    if question.is_numeric and not answer_is_empty(value):
        return float(value)
    return None
