from django import forms
from django.core.exceptions import ValidationError
from django.utils.html import conditional_escape, format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext_lazy as _

from matching.models import EARLY_END_REASONS
from matching.services.ending import REASON_TEXT_MAX, end_reason_clean
from matching.suggestions import SuggestionFilters
from mentoring.forms import ListedModelChoiceField, listed_choices
from programs.forms import LANGUAGES
from programs.models import Application, CareerStage, RequestStatus, Topic
from programs.selectors import program_stages, program_topics

MAX_HOURS_IN_COMMON = 40


class RequestForm(forms.Form):
    mentor = forms.IntegerField(widget=forms.HiddenInput)
    message = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        label=_("Your message"),
        help_text=_("Say hello and what you hope to get from mentoring."),
    )


def _attrs_html(attrs: dict) -> str:
    """What django/forms/widgets/attrs.html renders for `attrs`."""
    return "".join(
        f" {conditional_escape(name)}"
        if value is True
        else f' {conditional_escape(name)}="{conditional_escape(value)}"'
        for name, value in attrs.items()
        if value is not False
    )


class QuickSelect(forms.Select):
    """Django's `Select` with the markup of its templates (select.html, select_option.html,
    attrs.html) written here: the same HTML, without a template include per option (the
    filter form renders some forty options on every search)."""

    def _render(self, template_name, context, renderer=None):
        widget = context["widget"]
        parts = [
            format_html('<select name="{}"', widget["name"]),
            _attrs_html(widget["attrs"]),
            ">",
        ]
        for group_name, options, _index in widget["optgroups"]:
            if group_name:
                parts.append(format_html('\n  <optgroup label="{}">', group_name))
            for option in options:
                parts.append(
                    format_html('\n  <option value="{}"', option["value"])
                    + _attrs_html(option["attrs"])
                    + format_html(">{}</option>\n", option["label"])
                )
            if group_name:
                parts.append("\n  </optgroup>")
        parts.append("\n</select>")
        return mark_safe("".join(parts))  # noqa: S308 - every part is escaped above


class SuggestionFilterForm(forms.Form):
    """A mentee's search over their suggestions, read from the query string so a search
    can be bookmarked. A value that does not fit (an unknown topic, -3 hours) is dropped
    with a message; the other filters still apply."""

    q = forms.CharField(
        required=False,
        max_length=100,
        label=_("Search"),
        widget=forms.TextInput(
            attrs={"type": "search", "placeholder": _("Name, topic or career stage")}
        ),
        error_messages={"max_length": _("Search for at most 100 characters.")},
    )
    topic = ListedModelChoiceField(
        widget=QuickSelect,
        queryset=Topic.objects.none(),
        required=False,
        label=_("Topic"),
        empty_label=_("Any topic"),
        error_messages={"invalid_choice": _("There is no such topic in this program.")},
    )
    stage = ListedModelChoiceField(
        widget=QuickSelect,
        queryset=CareerStage.objects.none(),
        required=False,
        label=_("Mentor's career stage"),
        empty_label=_("Any stage"),
        error_messages={"invalid_choice": _("There is no such career stage in this program.")},
    )
    language = forms.ChoiceField(
        widget=QuickSelect,
        choices=[("", _("Any language")), *((name, name) for name in LANGUAGES)],
        required=False,
        label=_("Speaks"),
        error_messages={"invalid_choice": _("We do not know that language.")},
    )
    format = forms.ChoiceField(
        widget=QuickSelect,
        choices=[
            ("", _("Online or in person")),
            (Application.Format.ONLINE, _("Online")),
            (Application.Format.IN_PERSON, _("In person")),
        ],
        required=False,
        label=_("Meeting"),
        error_messages={"invalid_choice": _("Choose online or in person.")},
    )
    hours = forms.IntegerField(
        required=False,
        min_value=1,
        max_value=MAX_HOURS_IN_COMMON,
        label=_("Hours a week in common, at least"),
        error_messages={
            "invalid": _("Give the hours in common as a whole number."),
            "min_value": _("Give at least 1 hour in common."),
            "max_value": _("Give at most %(limit_value)s hours in common."),
        },
    )

    def __init__(self, *args, program, **kwargs):
        super().__init__(*args, **kwargs)
        listed_choices(self.fields["topic"], program_topics, program=program)
        listed_choices(self.fields["stage"], program_stages, program=program)
        for field in self.fields.values():
            select = isinstance(field.widget, forms.Select)
            field.widget.attrs["class"] = "form-select" if select else "form-control"

    def filters(self) -> SuggestionFilters:
        """The valid filters (call after `is_valid()`); invalid ones are left out."""
        data = self.cleaned_data
        return SuggestionFilters(
            text=data.get("q") or "",
            topic=data.get("topic"),
            stage=data.get("stage"),
            language=data.get("language") or "",
            format=data.get("format") or "",
            hours=data.get("hours") or 0,
        )


class RequestStatusForm(forms.Form):
    """A mentor says whether they take new requests."""

    request_status = forms.ChoiceField(
        choices=RequestStatus.choices,
        label=_("Taking requests?"),
        error_messages={"invalid_choice": _("Choose taking requests, full or away.")},
    )


class AnswerForm(forms.Form):
    response = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        required=False,
        label=_("A note (optional)"),
    )


class EndRequestForm(forms.Form):
    """A participant asks to end their match: why (from the fixed list; reported to the
    program in counts), and private feedback only the coordinators read."""

    end_reason = forms.ChoiceField(
        choices=EARLY_END_REASONS,
        widget=forms.RadioSelect,
        label=_("Why do you want to end it?"),
        error_messages={"required": _("Choose why you want to end the match.")},
    )
    end_reason_text = forms.CharField(
        max_length=REASON_TEXT_MAX,
        required=False,
        label=_("If “Other”: in a few words"),
    )
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        required=False,
        label=_("Anything the coordinator should know? (private)"),
        help_text=_("Only the program coordinators see this. Your partner does not."),
    )

    def clean(self):
        cleaned = super().clean()
        if "end_reason" in cleaned:
            try:
                cleaned["end_reason_text"] = end_reason_clean(
                    end_reason=cleaned["end_reason"],
                    end_reason_text=cleaned.get("end_reason_text", ""),
                )
            except ValidationError as exc:
                self.add_error("end_reason_text", exc)
        return cleaned


REQUEST_REASON = "request"


class MatchEndForm(forms.Form):
    """The coordinator ends matches from the admin and records why: the reason each
    participant gave in their request to end, or one chosen here."""

    end_reason = forms.ChoiceField(
        label=_("Why the match ends"),
        choices=[
            (REQUEST_REASON, _("As given in the participant's request to end")),
            *EARLY_END_REASONS,
        ],
    )
    end_reason_text = forms.CharField(
        max_length=REASON_TEXT_MAX, required=False, label=_("If “Other”: in a few words")
    )

    def __init__(self, *args, requests_with_reason: bool = True, **kwargs):
        super().__init__(*args, **kwargs)
        if not requests_with_reason:
            field = self.fields["end_reason"]
            field.choices = [("", "---------"), *EARLY_END_REASONS]
        self.fields["end_reason"].initial = REQUEST_REASON if requests_with_reason else ""

    def clean(self):
        cleaned = super().clean()
        reason = cleaned.get("end_reason")
        if reason and reason != REQUEST_REASON:
            try:
                cleaned["end_reason_text"] = end_reason_clean(
                    end_reason=reason, end_reason_text=cleaned.get("end_reason_text", "")
                )
            except ValidationError as exc:
                self.add_error("end_reason_text", exc)
        return cleaned


class ExclusionRequestForm(forms.Form):
    named = forms.CharField(
        max_length=200,
        label=_("Their email address or name"),
        help_text=_(
            "As it appears in the program, e.g. alex@example.org or Alex Morgan. Nobody is "
            "told, and we do not say whether this person takes part."
        ),
    )
