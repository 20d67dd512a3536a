from itertools import pairwise

from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _
from timezone_field import TimeZoneFormField

from mentoring.forms import ListedModelChoiceField, ListedModelMultipleChoiceField
from programs.models import Application, AvailabilityWindow, Program
from programs.questions import question_form_field
from programs.services import ApplicationData

#: The languages an applicant can tick: the stored value (English) and the label shown.
LANGUAGE_CHOICES = [
    ("English", _("English")),
    ("Arabic", _("Arabic")),
    ("Bengali", _("Bengali")),
    ("Chinese (Mandarin)", _("Chinese (Mandarin)")),
    ("Dutch", _("Dutch")),
    ("French", _("French")),
    ("German", _("German")),
    ("Hindi", _("Hindi")),
    ("Italian", _("Italian")),
    ("Japanese", _("Japanese")),
    ("Korean", _("Korean")),
    ("Polish", _("Polish")),
    ("Portuguese", _("Portuguese")),
    ("Russian", _("Russian")),
    ("Spanish", _("Spanish")),
    ("Swahili", _("Swahili")),
    ("Turkish", _("Turkish")),
    ("Urdu", _("Urdu")),
    ("Vietnamese", _("Vietnamese")),
    ("Yoruba", _("Yoruba")),
]
LANGUAGES = [value for value, _label in LANGUAGE_CHOICES]


class ApplicationForm(forms.Form):
    """The application to a program in one role, with the program's own questions."""

    career_stage = ListedModelChoiceField(queryset=None, label=_("Your career stage"))
    topics = ListedModelMultipleChoiceField(
        queryset=None, widget=forms.CheckboxSelectMultiple, label=_("Topics")
    )
    goals = ListedModelMultipleChoiceField(
        queryset=None, widget=forms.CheckboxSelectMultiple, required=False, label=_("Goals")
    )
    languages = forms.MultipleChoiceField(
        choices=LANGUAGE_CHOICES,
        widget=forms.CheckboxSelectMultiple,
        initial=["English"],
        label=_("Languages"),
        help_text=_("Languages you are happy to meet in."),
    )
    format_preference = forms.ChoiceField(
        choices=Application.Format.choices,
        widget=forms.RadioSelect,
        initial=Application.Format.EITHER,
        label=_("How would you like to meet?"),
    )
    time_zone = TimeZoneFormField(
        label=_("Time zone"), help_text=_("Your availability below is in this time zone.")
    )
    capacity = forms.IntegerField(
        min_value=1, max_value=50, required=False, label=_("How many mentees can you take?")
    )
    motivation = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        max_length=4000,
        required=False,
        label=_("Why do you want to take part?"),
    )

    def __init__(self, *args, program: Program, role: str, **kwargs):
        super().__init__(*args, **kwargs)
        self.program, self.role = program, role
        mentor = role == "mentor"
        self.fields["career_stage"].queryset = program.career_stages.all()
        self.fields["career_stage"].required = program.career_stages.exists()
        self.fields["topics"].queryset = program.topics.all()
        self.fields["topics"].label = (
            _("Topics you can help with") if mentor else _("Topics you want help with")
        )
        self.fields["topics"].required = program.topics.exists()
        self.fields["goals"].queryset = program.goals.all()
        self.fields["goals"].label = _("Goals you can support") if mentor else _("Your goals")
        if mentor:
            self.fields["capacity"].required = True
            self.fields["capacity"].initial = program.group_size or program.default_mentor_capacity
        else:
            del self.fields["capacity"]
        self.questions = [q for q in program.questions.all() if q.applies_to(role)]
        for question in self.questions:
            self.fields[f"q_{question.pk}"] = question_form_field(question)
        if program.records_consent_required:
            self.fields["records_consent"] = forms.BooleanField(
                required=False,
                initial=False,
                label=_(
                    "I agree that this program may use my academic records (grades, credits, "
                    "enrolment) to measure its impact."
                ),
                help_text=_("Optional; you can withdraw it at any time under Privacy."),
            )

    def records_consent(self) -> bool | None:
        """The applicant's decision on the use of their academic records, or None when the
        program does not ask."""
        if "records_consent" not in self.fields:
            return None
        return bool(self.cleaned_data.get("records_consent"))

    def application_data(self, *, availability) -> ApplicationData:
        data = self.cleaned_data
        return ApplicationData(
            role=self.role,
            career_stage=data["career_stage"],
            topics=list(data["topics"]),
            goals=list(data["goals"]),
            languages=data["languages"],
            format_preference=data["format_preference"],
            time_zone=data["time_zone"],
            capacity=data.get("capacity"),
            motivation=data["motivation"],
            availability=availability,
            answers={q: data.get(f"q_{q.pk}") for q in self.questions},
        )

    @staticmethod
    def initial_from(application: Application) -> dict:
        initial = {
            "career_stage": application.career_stage,
            "topics": list(application.topics.all()),
            "goals": list(application.goals.all()),
            "languages": application.languages,
            "format_preference": application.format_preference,
            "time_zone": application.time_zone,
            "capacity": application.capacity,
            "motivation": application.motivation,
        }
        for answer in application.answers.all():
            initial[f"q_{answer.question_id}"] = answer.value
        return initial


class AvailabilityForm(forms.Form):
    weekday = forms.TypedChoiceField(
        choices=AvailabilityWindow.Weekday.choices, coerce=int, label=_("Day")
    )
    start = forms.TimeField(
        label=_("Start"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )
    end = forms.TimeField(
        label=_("End"), widget=forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
    )

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] <= data["start"]:
            raise ValidationError(_("The window must end after it starts."))
        return data


class BaseAvailabilityFormSet(forms.BaseFormSet):
    def clean(self):
        if any(self.errors):
            return
        windows = sorted(self.windows())
        if not windows:
            raise ValidationError(_("Add at least one weekly time when you can meet."))
        for (day, _start, end), (next_day, next_start, _end) in pairwise(windows):
            if day == next_day and next_start < end:
                raise ValidationError(_("Two of your windows overlap; merge them into one."))

    def windows(self) -> list[tuple]:
        return [
            (f.cleaned_data["weekday"], f.cleaned_data["start"], f.cleaned_data["end"])
            for f in self.forms
            if f.cleaned_data and not f.cleaned_data.get("DELETE")
        ]


AvailabilityFormSet = forms.formset_factory(
    AvailabilityForm,
    formset=BaseAvailabilityFormSet,
    extra=0,
    can_delete=True,
    max_num=21,
    validate_max=True,
    absolute_max=21,
)


def availability_initial(application: Application | None) -> list[dict]:
    if application is None:
        return [{"weekday": 0, "start": "17:00", "end": "19:00"}]
    return [
        {"weekday": w.weekday, "start": w.start, "end": w.end}
        for w in application.availability.all()
    ]


class DecisionReasonForm(forms.Form):
    """The reason given with a bulk decline in the admin."""

    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        label=_("Reason"),
        help_text=_("Sent to each applicant in the decision email."),
    )
