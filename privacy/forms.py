from django import forms
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from accounts.forms import SignupProfileForm
from accounts.models import User
from privacy.models import PrivacyNotice
from privacy.notice import notice_accept, notice_current


def _published_notice(value) -> PrivacyNotice | None:
    try:
        return PrivacyNotice.objects.published().filter(pk=int(value)).first()
    except (TypeError, ValueError):
        return None


class NoticeAcceptForm(forms.Form):
    """The accept page's form: the version shown (a newer one published meanwhile is asked
    for next) and the required tick."""

    notice = forms.IntegerField(widget=forms.HiddenInput)
    accept = forms.BooleanField(
        required=True,
        label=_("I have read and accept this privacy notice."),
        error_messages={"required": _("Tick the box to accept the notice, or log out.")},
    )

    def clean_notice(self) -> PrivacyNotice:
        notice = _published_notice(self.cleaned_data["notice"])
        if notice is None:
            raise forms.ValidationError(gettext("This version of the notice is not published."))
        return notice


class PrivacySignupForm(SignupProfileForm):
    """allauth's sign-up form (ACCOUNT_SIGNUP_FORM_CLASS): the profile fields, and when a
    privacy notice is published, a required tick accepting the version shown."""

    # allauth orders its sign-up form by this once the password fields exist: the tick comes
    # last, just above the button, after everything it agrees to.
    field_order = [
        "email",
        "display_name",
        "time_zone",
        "password1",
        "password2",
        "privacy_notice",
        "privacy_accept",
    ]

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        shown = _published_notice(self.data.get("privacy_notice")) if self.is_bound else None
        self.notice = shown or notice_current()
        if self.notice is None:
            return
        self.fields["privacy_notice"] = forms.IntegerField(
            widget=forms.HiddenInput, initial=self.notice.pk
        )
        self.fields["privacy_accept"] = forms.BooleanField(
            required=True,
            label=format_html(
                gettext(
                    'I have read and accept the <a href="{}" target="_blank" rel="noopener">'
                    "privacy notice</a> (version {})"
                ),
                reverse("privacy:notice"),
                self.notice.version,
            ),
            error_messages={"required": _("Accept the privacy notice to create an account.")},
        )

    def signup(self, request, user):
        super().signup(request, user)
        if self.notice is not None:
            # The version the person saw; if a newer one was published meanwhile, the
            # middleware asks them again when they first sign in.
            notice_accept(user=user, notice=self.notice)


class VisibilityForm(forms.ModelForm):
    class Meta:
        model = User
        fields = ["email_visibility", "profile_visibility", "photo_visibility"]
        widgets = {
            "email_visibility": forms.RadioSelect,
            "profile_visibility": forms.RadioSelect,
            "photo_visibility": forms.RadioSelect,
        }


class ConsentForm(forms.Form):
    """One program's consent toggle on the privacy settings page."""

    program = forms.IntegerField(widget=forms.HiddenInput)
    granted = forms.TypedChoiceField(
        choices=[("1", _("Give consent")), ("0", _("Withdraw consent"))],
        coerce=lambda value: value == "1",
        widget=forms.HiddenInput,
    )
