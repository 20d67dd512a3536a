from django import forms
from django.utils.translation import gettext_lazy as _


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
    reason = forms.CharField(
        widget=forms.Textarea(attrs={"rows": 3}),
        max_length=2000,
        required=False,
        label="Anything the coordinator should know? (private)",
        help_text="Only the program coordinators see this. Your partner does not.",
    )


class ExclusionRequestForm(forms.Form):
    named = forms.CharField(
        max_length=200,
        label=_("Their email address or name"),
        help_text=_(
            "As it appears in the program, e.g. alex@example.org or Alex Morgan. Nobody is "
            "told, and we do not say whether this person takes part."
        ),
    )
