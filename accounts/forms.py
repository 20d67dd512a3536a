from django import forms
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from accounts.timezones import TimeZoneField


class SignupProfileForm(forms.Form):
    """Extra fields on allauth's sign-up form: the profile we need from day one."""

    display_name = forms.CharField(
        max_length=80, label=_("Your name"), help_text=_("Shown to your mentors and mentees.")
    )
    time_zone = TimeZoneField(
        initial="UTC",
        help_text=_("We show every time in this zone. Detected from your browser."),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        if not self.is_bound:
            # Only a fresh form takes the browser's zone (js/timezone.js): after an error the
            # zone the person chose stays chosen.
            self.fields["time_zone"].widget.attrs["data-browser-zone"] = "preset"

    def signup(self, request, user):
        user.display_name = self.cleaned_data["display_name"]
        user.time_zone = self.cleaned_data["time_zone"]
        user.save(update_fields=["display_name", "time_zone"])


class ProfileForm(forms.ModelForm):
    time_zone = TimeZoneField(help_text=_("Every time on the site is shown in this time zone."))

    class Meta:
        model = User
        fields = ["display_name", "time_zone"]
        labels = {"display_name": _("Your name")}
