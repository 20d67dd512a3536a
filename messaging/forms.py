from django import forms
from django.utils.translation import gettext_lazy as _

from mentoring.forms import ListedModelChoiceField
from messaging.files import FILE_TYPES, attachment_validate
from messaging.models import MAX_MESSAGE_LENGTH, MAX_REASON_LENGTH, Announcement
from programs.models import Application


class MessageForm(forms.Form):
    text = forms.CharField(
        label=_("Message"),
        required=False,
        max_length=MAX_MESSAGE_LENGTH,
        widget=forms.Textarea(attrs={"rows": 2}),
    )
    attachment = forms.FileField(
        label=_("Attach a file"),
        required=False,
        help_text=_("Images, PDF or office documents, up to 10 MB."),
        widget=forms.ClearableFileInput(attrs={"accept": ",".join(FILE_TYPES)}),
    )

    def clean_attachment(self):
        attachment = self.cleaned_data.get("attachment")
        if attachment:
            attachment_validate(attachment)
        return attachment

    def clean(self):
        cleaned = super().clean()
        if not self.errors and not cleaned.get("text") and not cleaned.get("attachment"):
            raise forms.ValidationError(_("Write a message or attach a file."))
        return cleaned


class ReportForm(forms.Form):
    reason = forms.CharField(
        label=_("What is wrong with this message?"),
        max_length=MAX_REASON_LENGTH,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Only the program's coordinators read this."),
    )


class AnnouncementForm(forms.Form):
    audience = forms.ChoiceField(label=_("To"), choices=Announcement.Audience.choices)
    mentor = ListedModelChoiceField(
        label=_("Group of"),
        queryset=Application.objects.none(),
        required=False,
        help_text=_("Only for one group: the mentor whose group (with their mentees) it goes to."),
    )
    text = forms.CharField(
        label=_("Announcement"),
        max_length=MAX_MESSAGE_LENGTH,
        widget=forms.Textarea(attrs={"rows": 6}),
    )

    def __init__(self, *args, program, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["mentor"].queryset = (
            Application.objects.filter(program=program, role="mentor", status="approved")
            .select_related("user")
            .order_by("user__display_name", "pk")
        )
        self.fields["mentor"].label_from_instance = lambda application: application.user.name

    def clean(self):
        cleaned = super().clean()
        if cleaned.get("audience") == Announcement.Audience.GROUP and not cleaned.get("mentor"):
            self.add_error("mentor", _("Choose the mentor whose group it goes to."))
        return cleaned
