"""Forms for doing training steps (participants) and recording attendance (coordinators).

The quiz form lists each question's choices by their position only: which ones are correct
never reaches the browser, and the service scores the submission.
"""

from django import forms
from django.utils.translation import gettext_lazy as _

from mentoring.forms import ListedModelMultipleChoiceField
from training.models import QuizQuestion, TrainingStep


class AcknowledgeForm(forms.Form):
    agreed = forms.BooleanField(
        required=True,
        error_messages={"required": _("Tick the statement to acknowledge it.")},
    )

    def __init__(self, *args, step: TrainingStep, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["agreed"].label = step.statement


class QuizForm(forms.Form):
    """One field per question of the quiz, named q<question id>; values are choice indexes."""

    def __init__(self, *args, questions: list[QuizQuestion], **kwargs):
        super().__init__(*args, **kwargs)
        self.questions = questions
        for question in questions:
            choices = [(str(i), c.text) for i, c in enumerate(question.choice_list)]
            if question.kind == QuizQuestion.Kind.MULTIPLE:
                field = forms.TypedMultipleChoiceField(
                    choices=choices,
                    coerce=int,
                    widget=forms.CheckboxSelectMultiple,
                    help_text=_("Tick every answer that is right."),
                )
            else:
                field = forms.TypedChoiceField(
                    choices=choices, coerce=int, widget=forms.RadioSelect
                )
            field.label = question.text
            field.error_messages["required"] = _("Answer this question.")
            self.fields[f"q{question.pk}"] = field

    def answers(self) -> dict[int, list[int]]:
        answers = {}
        for question in self.questions:
            value = self.cleaned_data[f"q{question.pk}"]
            answers[question.pk] = list(value) if isinstance(value, list) else [value]
        return answers


class AttendanceForm(forms.Form):
    people = ListedModelMultipleChoiceField(
        queryset=None,
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Came to the workshop"),
    )

    def __init__(self, *args, participants, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["people"].queryset = participants
        self.fields["people"].label_from_instance = lambda user: f"{user.name} ({user.email})"
