from django import forms
from django.core.exceptions import ValidationError
from django.utils.translation import gettext_lazy as _

from matching.models import EARLY_END_REASONS
from matching.services.ending import REASON_TEXT_MAX, end_reason_clean


class RequestForm(forms.Form):
    mentor = forms.IntegerField(widget=forms.HiddenInput)
    message = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        label="Your message",
        help_text="Say hello and what you hope to get from mentoring.",
    )


class AnswerForm(forms.Form):
    response = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 2}),
        max_length=2000,
        required=False,
        label="A note (optional)",
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
