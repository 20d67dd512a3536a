"""Application questions as form fields: one place decides what a valid answer is."""

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext as _

from programs.models import Question

SHORT_TEXT_MAX = 300
LONG_TEXT_MAX = 4000


def question_form_field(question: Question) -> forms.Field:
    """The form field that validates an answer to `question`."""
    common = {
        "label": question.text,
        "help_text": question.help_text,
        "required": question.required,
    }
    kind = question.kind
    if kind == Question.Kind.SHORT_TEXT:
        return forms.CharField(max_length=SHORT_TEXT_MAX, **common)
    if kind == Question.Kind.LONG_TEXT:
        return forms.CharField(
            max_length=LONG_TEXT_MAX, widget=forms.Textarea(attrs={"rows": 4}), **common
        )
    choices = [(c, c) for c in question.choice_list]
    if kind == Question.Kind.SINGLE_CHOICE:
        return forms.ChoiceField(choices=choices, widget=forms.RadioSelect, **common)
    if kind == Question.Kind.MULTIPLE_CHOICE:
        return forms.MultipleChoiceField(
            choices=choices, widget=forms.CheckboxSelectMultiple, **common
        )
    return forms.IntegerField(min_value=question.min_value, max_value=question.max_value, **common)


def answer_clean(question: Question, value):
    """Validate one answer the way the form does; raises ValidationError naming the question."""
    try:
        return question_form_field(question).clean(value)
    except ValidationError as exc:
        raise ValidationError(
            _("%(question)s: %(problems)s")
            % {"question": question.text, "problems": " ".join(exc.messages)}
        ) from None


def answer_is_empty(value) -> bool:
    return value in (None, "", [])
