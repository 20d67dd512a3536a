from datetime import UTC, datetime, timedelta

from django import forms
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.utils import timezone
from django.utils.dateparse import parse_datetime
from django.utils.formats import date_format
from django.utils.functional import lazy
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _

from mentoring.forms import ListedModelChoiceField, ListedModelMultipleChoiceField
from programs.models import Topic
from programs.selectors import program_topics
from sessions.log_sections import log_sections
from sessions.models import Attendance, AvailabilityRule, SessionGuide, SessionLog
from sessions.services.logs import NOTES_LIMIT, REFLECTION_LIMIT
from sessions.wallclock import gap_around, instants, utc_offset_label

LOCAL = forms.DateTimeInput(attrs={"type": "datetime-local"}, format="%Y-%m-%dT%H:%M")
TIME = forms.TimeInput(attrs={"type": "time"}, format="%H:%M")


def _notes_too_long() -> str:
    return _t("Notes can be at most %(limit)s characters.") % {"limit": f"{NOTES_LIMIT:,}"}


NOTES_TOO_LONG = lazy(_notes_too_long, str)()
REFLECTION_TOO_LONG = _("Each reflection can be at most 2,000 characters.")


class OnlineLinkField(forms.URLField):
    """A meeting link typed as plain text: "zoom.us/j/123" becomes "https://zoom.us/j/123".

    A text input, not `type=url`: browsers refuse a link without a scheme there with a
    tooltip before the form is even sent. The server normalises and checks instead, and a
    link it cannot use gets an error next to the field.
    """

    widget = forms.TextInput(attrs={"inputmode": "url", "spellcheck": "false"})
    default_validators = [URLValidator(schemes=["http", "https"])]
    default_error_messages = {
        "invalid": _("Enter a web address for the meeting, like https://zoom.us/j/123."),
    }

    def __init__(self, **kwargs):
        kwargs.setdefault("max_length", 500)
        kwargs.setdefault("required", False)
        kwargs.setdefault("label", _("Online link"))
        kwargs.setdefault("assume_scheme", "https")
        kwargs.setdefault("help_text", _("Optional, e.g. zoom.us/j/123 or meet.google.com/abc."))
        super().__init__(**kwargs)


class LocalDateTimeField(forms.DateTimeField):
    """A date and time as the clock on the wall shows it. The form, not the field, turns it
    into an instant (see LocalTimesForm), so a time the zone skips or repeats gets an
    explanation or a choice instead of a parser error."""

    widget = LOCAL

    def to_python(self, value):
        if value in self.empty_values:
            return None
        if isinstance(value, datetime):
            return value
        try:
            result = parse_datetime(value.strip())
        except ValueError:
            raise ValidationError(self.error_messages["invalid"], code="invalid") from None
        return result or forms.BaseTemporalField.to_python(self, value)


EARLIER, LATER = "earlier", "later"


class LocalTimesForm(forms.Form):
    """A form whose `local_fields` are wall-clock times in `zone` (default: the viewer's).

    A time the clocks skip is refused with the change spelled out; a time they show twice
    adds a `<name>_instant` radio right after the field to choose which of the two is meant.
    """

    local_fields: tuple[str, ...] = ()

    def __init__(self, *args, zone=None, **kwargs):
        super().__init__(*args, **kwargs)
        self.zone = zone or timezone.get_current_timezone()
        if self.is_bound:
            for name in self.local_fields:
                moments = self._instants(self._raw_local(name))
                if len(moments) == 2:
                    self._add_instant_choice(name, moments)

    def _raw_local(self, name) -> datetime | None:
        try:
            value = self.fields[name].to_python(self.data.get(self.add_prefix(name)))
        except ValidationError:
            return None
        return value if value is not None and timezone.is_naive(value) else None

    def _instants(self, naive: datetime | None) -> list[datetime]:
        return [] if naive is None else instants(naive, self.zone)

    def _add_instant_choice(self, name: str, moments: list[datetime]) -> None:
        wall = moments[0]
        choices = [
            (key, f"{m:%H:%M} {m.tzname()} ({utc_offset_label(m)})")
            for key, m in zip((EARLIER, LATER), moments, strict=True)
        ]
        time = f"{wall:%H:%M}"
        field = forms.ChoiceField(
            choices=choices,
            widget=forms.RadioSelect,
            label=_t("Which %(time)s?") % {"time": time},
            help_text=_t(
                "%(time)s happens twice on %(date)s in %(zone)s, because the clocks go back."
            )
            % {"time": time, "date": date_format(wall, "j F Y"), "zone": self.zone},
            error_messages={"required": _t("Choose which %(time)s you mean.") % {"time": time}},
        )
        fields = list(self.fields.items())
        at = [key for key, _field in fields].index(name) + 1
        self.fields = dict([*fields[:at], (f"{name}_instant", field), *fields[at:]])

    def clean(self):
        data = super().clean()
        for name in self.local_fields:
            value = data.get(name)
            if value is not None and timezone.is_naive(value):
                self._resolve(name, value)
            data.pop(f"{name}_instant", None)  # only ever a means of choosing the instant
        return data

    def _resolve(self, name: str, naive: datetime) -> None:
        # Instants leave the form in UTC: arithmetic on zone-aware datetimes is wall-clock
        # arithmetic, which is wrong across the very changes handled here.
        moments = [moment.astimezone(UTC) for moment in self._instants(naive)]
        if len(moments) == 1:
            self.cleaned_data[name] = moments[0]
        elif not moments:
            self.add_error(name, self._gap_message(naive))
        elif f"{name}_instant" not in self.fields:
            self.add_error(name, _("Choose the time again."))  # the time changed meanwhile
        elif self.cleaned_data.get(f"{name}_instant") in (EARLIER, LATER):
            chosen = self.cleaned_data[f"{name}_instant"]
            self.cleaned_data[name] = moments[0 if chosen == EARLIER else 1]
        else:
            del self.cleaned_data[name]  # the radio carries the error

    def _gap_message(self, naive: datetime) -> str:
        gap = gap_around(naive, self.zone)
        return _t(
            "%(time)s does not exist on %(date)s in %(zone)s: the clocks go forward from "
            "%(start)s to %(end)s. Choose a time before %(start)s or from %(end)s."
        ) % {
            "time": f"{naive:%H:%M}",
            "date": date_format(naive, "j F Y"),
            "zone": self.zone,
            "start": f"{gap.jumps_from:%H:%M}",
            "end": f"{gap.jumps_to:%H:%M}",
        }


class AvailabilityRuleForm(forms.ModelForm):
    online_link = OnlineLinkField()

    class Meta:
        model = AvailabilityRule
        fields = ["weekday", "start_time", "end_time", "session_minutes", "location", "online_link"]
        widgets = {"start_time": TIME, "end_time": TIME}
        labels = {
            "weekday": _("Weekday"),
            "start_time": _("Start time"),
            "end_time": _("End time"),
            "session_minutes": _("Session length (minutes)"),
            "location": _("Location"),
            "online_link": _("Online link"),
        }

    def clean(self):
        data = super().clean()
        start, end = data.get("start_time"), data.get("end_time")
        if start and end and end <= start:
            raise ValidationError(_t("The window must end after it starts (on the same day)."))
        minutes = data.get("session_minutes")
        if minutes is not None and not 15 <= minutes <= 240:
            self.add_error("session_minutes", _t("Sessions last between 15 and 240 minutes."))
        return data


class OneOffSlotForm(LocalTimesForm):
    local_fields = ("start", "end")

    start = LocalDateTimeField(label=_("Starts"))
    end = LocalDateTimeField(label=_("Ends"))
    location = forms.CharField(max_length=200, required=False, label=_("Location"))
    online_link = OnlineLinkField()

    def clean(self):
        data = super().clean()
        if data.get("start") and data.get("end") and data["end"] <= data["start"]:
            raise ValidationError(_t("The end must be after the start."))
        return data


class SlotChoiceForm(forms.Form):
    """The start of a listed free slot (an ISO 8601 instant from the slot list)."""

    start = forms.DateTimeField(widget=forms.HiddenInput)


class CancelForm(forms.Form):
    reason = forms.CharField(
        max_length=500, required=False, label=_("Reason (optional, the other side sees it)")
    )


class GroupSessionForm(LocalTimesForm):
    local_fields = ("start",)

    program = ListedModelChoiceField(queryset=None, label=_("Program"))
    title = forms.CharField(max_length=200, required=False, label=_("Title"))
    start = LocalDateTimeField(label=_("Starts"))
    minutes = forms.IntegerField(
        min_value=15, max_value=480, initial=60, label=_("Length (minutes)")
    )
    location = forms.CharField(max_length=200, required=False, label=_("Location"))
    online_link = OnlineLinkField()

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
        choices=SessionLog.Outcome.choices, widget=forms.RadioSelect, label=_("Did it happen?")
    )
    duration_minutes = forms.IntegerField(
        min_value=1, max_value=600, required=False, label=_("How long (minutes)")
    )
    topics = ListedModelMultipleChoiceField(
        queryset=Topic.objects.none(),
        required=False,
        widget=forms.CheckboxSelectMultiple,
        label=_("Topics covered"),
    )
    shared_notes = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 4}),
        required=False,
        max_length=NOTES_LIMIT,
        error_messages={"max_length": NOTES_TOO_LONG},
        label=_("Shared notes (both of you see these)"),
        help_text=_("Your program's coordinators can read them too, in the admin and in exports."),
    )
    private_note = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        required=False,
        max_length=NOTES_LIMIT,
        error_messages={"max_length": NOTES_TOO_LONG},
        label=_("Private note (only you, ever)"),
    )

    guide = ListedModelChoiceField(
        queryset=SessionGuide.objects.none(),
        required=False,
        widget=forms.HiddenInput,
        error_messages={"invalid_choice": _("Choose one of this program's session guides.")},
    )

    def __init__(self, *args, program, guide=None, meeting=None, user=None, log=None, **kwargs):
        """`guide` is the one shown on the page (its prompts are asked); a bound form asks
        the prompts of the guide it was posted with. With `meeting` and `user`, the sections
        higher apps register (`sessions.log_sections`) add their fields, filled from `log`."""
        super().__init__(*args, **kwargs)
        self._topics_set(program)
        self.fields["guide"].queryset = program.session_guides.all()
        self.log_guide = self._posted_guide() if self.is_bound else guide
        if not self.is_bound:
            self.initial["guide"] = guide.pk if guide else None
        self.prompt_fields = []
        for index, prompt in enumerate(self.log_guide.prompt_list if self.log_guide else []):
            name = f"reflection_{index}"
            self.fields[name] = forms.CharField(
                widget=forms.Textarea(attrs={"rows": 2}),
                required=False,
                max_length=REFLECTION_LIMIT,
                error_messages={"max_length": REFLECTION_TOO_LONG},
                label=prompt,
            )
            self.prompt_fields.append((prompt, name))
        self.order_fields(
            ["outcome", "duration_minutes", "topics", "guide"]
            + [name for _prompt, name in self.prompt_fields]
        )
        self.section_fields = {}
        if meeting is not None and user is not None:
            self._add_sections(meeting, user, log)

    def _topics_set(self, program) -> None:
        """The program's topics as the choices, read once: the field's own choices would
        read them again (through a server-side cursor) to render the checkboxes."""
        field = self.fields["topics"]
        field.queryset = program.topics.all()
        topics = program_topics(program=program)
        if not topics:
            del self.fields["topics"]
            return
        choice = field.iterator(field).choice
        field.widget.choices = [choice(topic) for topic in topics]

    def _add_sections(self, meeting, user, log) -> None:
        for section in log_sections():
            added = section.fields(meeting=meeting, user=user, log=log)
            for name, (field, initial) in added.items():
                self.fields[name] = field
                if not self.is_bound and initial not in (None, ""):
                    self.initial[name] = initial
            self.section_fields[section.key] = list(added)

    def clean(self):
        data = super().clean()
        if data.get("outcome") == SessionLog.Outcome.HELD and not data.get("duration_minutes"):
            self.add_error("duration_minutes", _t("Say how long the session lasted."))
        data["sections"] = {
            key: {name: data.get(name) for name in names}
            for key, names in self.section_fields.items()
        }
        if self.has_error("guide"):
            # A hidden field's error would not be shown next to it.
            self.add_error(None, self.errors.pop("guide"))
        data["reflections"] = [
            (prompt, data[name]) for prompt, name in self.prompt_fields if data.get(name)
        ]
        return data

    def _posted_guide(self) -> SessionGuide | None:
        try:
            return self.fields["guide"].clean(self.data.get(self.add_prefix("guide")))
        except ValidationError:
            return None

    @staticmethod
    def initial_reflections(log: SessionLog, guide: SessionGuide | None) -> dict:
        """Initial values of the prompt fields from a saved log of the same guide."""
        if guide is None or log.guide_id != guide.pk:
            return {}
        saved = {row.get("prompt"): row.get("answer", "") for row in log.reflections}
        return {
            f"reflection_{index}": saved[prompt]
            for index, prompt in enumerate(guide.prompt_list)
            if prompt in saved
        }


class GuidePickForm(forms.Form):
    """The guide a participant wants to see and log against ("we covered guide 3 today")."""

    NONE = "none"

    guide = forms.ChoiceField(
        label=_("Show another guide"),
        widget=forms.Select(attrs={"class": "form-select form-select-sm"}),
    )

    def __init__(self, *args, guides, **kwargs):
        # The session log form on the same page has a "guide" field too: ids must differ.
        kwargs.setdefault("auto_id", "id_pick_%s")
        super().__init__(*args, **kwargs)
        self.guides = {str(guide.pk): guide for guide in guides}
        self.fields["guide"].choices = [
            (self.NONE, _("No guide")),
            *[(pk, str(guide)) for pk, guide in self.guides.items()],
        ]
        self.fields["guide"].error_messages["invalid_choice"] = _(
            "Choose one of this program's session guides."
        )

    def clean_guide(self) -> SessionGuide | None:
        return self.guides.get(self.cleaned_data["guide"])
