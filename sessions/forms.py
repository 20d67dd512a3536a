from datetime import timedelta

from django import forms
from django.core.exceptions import ValidationError

from programs.models import Topic
from sessions.models import Attendance, AvailabilityRule, SessionLog
from sessions.services.logs import NOTES_LIMIT

LOCAL = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")
NOTES_TOO_LONG = f"Notes can be at most {NOTES_LIMIT:,} characters."


class AvailabilityRuleForm(forms.ModelForm):
    online_link = forms.URLField(
        max_length=500, required=False, label="Online link", assume_scheme="https"
    )

    class Meta:
        model = AvailabilityRule
        fields = ["weekday", "start_time", "end_time", "session_minutes", "location", "online_link"]
        widgets = {"start_time": TIME, "end_time": TIME}
        labels = {"session_minutes": "Session length (minutes)", "online_link": "Online link"}

    def clean(self):
        data = super().clean()
        start, end = data.get("start_time"), data.get("end_time")
        if start and end and end <= start:
            raise ValidationError("The window must end after it starts (on the same day).")
        minutes = data.get("session_minutes")
        if minutes is not None and not 15 <= minutes <= 240:
            self.add_error("session_minutes", "Sessions last between 15 and 240 minutes.")
        return data


class OneOffSlotForm(forms.Form):
    start = forms.DateTimeField(widget=LOCAL, label="Starts")
    end = forms.DateTimeField(widget=LOCAL, label="Ends")
    location = forms.CharField(max_length=200, required=False)
    online_link = forms.URLField(
        max_length=500, required=False, label="Online link", assume_scheme="https"
    )

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] <= data["start"]:
            raise ValidationError("The end must be after the start.")
        return data


class SlotChoiceForm(forms.Form):
    """The start of a listed free slot (an ISO 8601 instant from the slot list)."""

    start = forms.DateTimeField(widget=forms.HiddenInput)


class CancelForm(forms.Form):
    reason = forms.CharField(
        max_length=500, required=False, label="Reason (optional, the other side sees it)"
    )


class GroupSessionForm(forms.Form):
    program = forms.ModelChoiceField(queryset=None)
    title = forms.CharField(max_length=200, required=False)
    start = forms.DateTimeField(widget=LOCAL, label="Starts")
    minutes = forms.IntegerField(min_value=15, max_value=480, initial=60, label="Length (minutes)")
    location = forms.CharField(max_length=200, required=False)
    online_link = forms.URLField(
        max_length=500, required=False, label="Online link", assume_scheme="https"
    )

    def __init__(self, *args, programs, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["program"].queryset = programs

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("minutes"):
            data["end"] = data["start"] + timedelta(minutes=data["minutes"])
        return data


class RsvpForm(forms.Form):
    rsvp = forms.ChoiceField(
        choices=[c for c in Attendance.Rsvp.choices if c[0] != Attendance.Rsvp.UNKNOWN]
    )


class SessionLogForm(forms.Form):
    outcome = forms.ChoiceField(
        choices=SessionLog.Outcome.choices, widget=forms.RadioSelect, label="Did it happen?"
    )
    duration_minutes = forms.IntegerField(
        min_value=1, max_value=600, required=False, label="How long (minutes)"
    )
    topics = forms.ModelMultipleChoiceField(
        queryset=Topic.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label="Topics covered",
    )
    shared_notes = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=NOTES_LIMIT,
        error_messages={"max_length": NOTES_TOO_LONG},
        label="Shared notes (both of you see these)",
    )
    private_note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=NOTES_LIMIT,
        error_messages={"max_length": NOTES_TOO_LONG},
        label="Private note (only you, ever)",
    )

    def __init__(self, *args, program, goals=(), **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["topics"].queryset = program.topics.all()
        if not self.fields["topics"].queryset.exists():
            del self.fields["topics"]
        self.goal_fields = []
        for goal in goals:
            name = f"goal_{goal.pk}"
            self.fields[name] = forms.ChoiceField(
                choices=[("", "Not discussed"), *SessionLog.Progress.choices],
                required=False,
                label=f"Progress on “{goal.name}”",
            )
            self.goal_fields.append((goal, name))

    def clean(self):
        data = super().clean()
        if data.get("outcome") == SessionLog.Outcome.HELD and not data.get("duration_minutes"):
            self.add_error("duration_minutes", "Say how long the session lasted.")
        data["goal_progress"] = {
            str(goal.pk): data[name] for goal, name in self.goal_fields if data.get(name)
        }
        return data
