from django import forms
from django.utils.html import escape
from django.utils.translation import gettext_lazy as _

from mentoring.forms import ListedModelChoiceField
from programs.models import Goal as VocabularyGoal
from relationships.models import Agreement, Channel, Frequency, Goal, Level

DATE = forms.DateInput(attrs={"type": "date"}, format="%Y-%m-%d")


class AgreementForm(forms.Form):
    """One side's view of the agreement: the shared terms, their own hopes, their agreement
    to the confidentiality statement and the template's fields (`field_<id>`). Completeness
    is checked by the service when they confirm; the partner's hopes are not a field, and
    posting them is refused."""

    meeting_frequency = forms.ChoiceField(
        label=_("How often will you meet?"),
        choices=Frequency.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    frequency_note = forms.CharField(
        label=_("If “Other”: how often, in your words"), max_length=200, required=False
    )
    channel = forms.ChoiceField(
        label=_("How will you keep in touch?"),
        choices=Channel.choices,
        widget=forms.RadioSelect,
        required=False,
    )
    planned_end_on = forms.DateField(
        label=_("Planned end date"),
        required=False,
        widget=DATE,
        help_text=_("By default the program's end date."),
    )
    confidentiality = forms.BooleanField(
        label=_("I agree to the confidentiality statement above."), required=False
    )

    def __init__(self, *args, side: str, template_fields=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.side = side
        self.partner = "mentee" if side == "mentor" else "mentor"
        self.template_fields = list(template_fields)
        self.fields[f"{side}_hopes"] = forms.CharField(
            label=_("What do you hope to get from this mentoring?")
            if side == "mentee"
            else _("What do you hope to get from mentoring, and to give?"),
            widget=forms.Textarea(attrs={"rows": 3}),
            max_length=2000,
            required=False,
            help_text=_("Your partner writes their own."),
        )
        for field in self.template_fields:
            self.fields[f"field_{field.pk}"] = forms.CharField(
                label=field.label,
                # Forms write help text as markup; this one the coordinator typed.
                help_text=escape(field.help_text),
                max_length=field.max_length,
                required=False,
                widget=forms.Textarea(attrs={"rows": 3})
                if field.kind == field.Kind.LONG_TEXT
                else forms.TextInput,
            )

    def clean(self):
        cleaned = super().clean()
        if f"{self.partner}_hopes" in self.data:
            partner = _("mentor") if self.partner == "mentor" else _("mentee")
            self.add_error(
                None, _("Only your %(partner)s writes what they hope for.") % {"partner": partner}
            )
        return cleaned

    @property
    def own_fields(self) -> list:
        """The bound fields of the program's own questions, in their order."""
        return [self[f"field_{field.pk}"] for field in self.template_fields]

    def service_data(self) -> dict:
        """What `agreement_save` takes, from the cleaned form."""
        data = {
            name: self.cleaned_data[name]
            for name in (
                "meeting_frequency",
                "frequency_note",
                "channel",
                "planned_end_on",
                "confidentiality",
                f"{self.side}_hopes",
            )
        }
        data["answers"] = {
            field.pk: self.cleaned_data[f"field_{field.pk}"] for field in self.template_fields
        }
        return data


def agreement_initial(*, agreement: Agreement, side: str, answers: dict[int, str]) -> dict:
    """The form's starting values from a stored (or new, unsaved) agreement."""
    initial = {
        "meeting_frequency": agreement.meeting_frequency,
        "frequency_note": agreement.frequency_note,
        "channel": agreement.channel,
        "planned_end_on": agreement.planned_end_on,
        "confidentiality": getattr(agreement, f"{side}_confidentiality"),
        f"{side}_hopes": getattr(agreement, f"{side}_hopes"),
    }
    initial.update({f"field_{pk}": value for pk, value in answers.items()})
    return initial


class GoalForm(forms.Form):
    """A goal in the SMART shape. A goal from the program's list needs no title of its own."""

    vocabulary = ListedModelChoiceField(
        queryset=VocabularyGoal.objects.none(),
        required=False,
        label=_("Start from one of the program's goals"),
        empty_label=_("— a goal of your own —"),
    )
    title = forms.CharField(label=_("What do you want to achieve?"), max_length=200, required=False)
    why = forms.CharField(
        label=_("Why does it matter?"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    measure = forms.CharField(
        label=_("How will you know you got there?"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    start_on = forms.DateField(label=_("Start date"), required=False, widget=DATE)
    target_on = forms.DateField(label=_("Target date"), widget=DATE)

    def __init__(self, *args, program, **kwargs):
        super().__init__(*args, **kwargs)
        self._vocabulary_set(program)
        self.fields["vocabulary"].error_messages["invalid_choice"] = _(
            "Choose one of this program's goals."
        )

    def _vocabulary_set(self, program) -> None:
        """The program's goals as the choices, read once (`has_vocabulary` says if there are
        any): the field's own choices would read them again, through a server-side cursor."""
        field = self.fields["vocabulary"]
        field.queryset = program.goals.all()
        goals = list(field.queryset)
        self.has_vocabulary = bool(goals)
        choice = field.iterator(field).choice
        field.widget.choices = [("", field.empty_label), *(choice(goal) for goal in goals)]

    def clean(self):
        data = super().clean()
        if not (data.get("title") or "").strip() and not data.get("vocabulary"):
            self.add_error("title", _("Say what the goal is, or start from one of the list."))
        return data


def goal_initial(goal: Goal) -> dict:
    return {name: getattr(goal, name) for name in GoalForm.base_fields}


class MilestoneForm(forms.Form):
    title = forms.CharField(label=_("Milestone"), max_length=200)
    due_on = forms.DateField(label=_("Due date"), widget=DATE)


class ProgressForm(forms.Form):
    level = forms.ChoiceField(
        label=_("How far has it come?"),
        choices=[("", _("Just a note")), *Level.choices],
        required=False,
    )
    note = forms.CharField(
        label=_("Note"), max_length=2000, required=False, widget=forms.Textarea(attrs={"rows": 2})
    )

    def clean(self):
        data = super().clean()
        if not data.get("level") and not (data.get("note") or "").strip():
            raise forms.ValidationError(_("Choose how far the goal has come, or write a note."))
        return data


class GoalStatusForm(forms.Form):
    status = forms.ChoiceField(choices=Goal.Status.choices)
