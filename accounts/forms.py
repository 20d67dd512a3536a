from django import forms
from django.conf import settings
from django.utils import translation
from django.utils.translation import gettext_lazy as _

from accounts.models import (
    MAX_LANGUAGE_LENGTH,
    MAX_LANGUAGES,
    MAX_LINK_LENGTH,
    MAX_LINKS,
    Profile,
    User,
    validate_languages,
    validate_links,
)
from accounts.timezones import TimeZoneField
from mentoring.middleware import language_supported


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
        # The language the person signed up in is theirs for pages and emails from now on.
        user.language = language_supported(translation.get_language()) or ""
        user.save(update_fields=["display_name", "time_zone", "language"])


class ProfileForm(forms.ModelForm):
    time_zone = TimeZoneField(help_text=_("Every time on the site is shown in this time zone."))

    class Meta:
        model = User
        fields = ["display_name", "time_zone", "language"]
        labels = {"display_name": _("Your name")}

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Each language named in itself; the empty choice follows the browser.
        self.fields["language"].choices = [("", _("As my browser says"))] + [
            (code, name) for code, name in settings.LANGUAGES
        ]


def _lines(value: str) -> list[str]:
    return [line.strip() for line in value.splitlines() if line.strip()]


def _web_address(text: str) -> str:
    """`text` with https:// in front when it names no scheme at all ("github.com/ana"); any
    other scheme ("javascript:") is left for the model's check to refuse."""
    return text if ":" in text else f"https://{text}"


class ProfileAboutForm(forms.Form):
    """The profile's text: who the person is, the languages they speak, what they offer and
    where to read more about them. Lists are typed as text (languages separated by commas,
    one link a line) and checked by the model's validators."""

    pronouns = forms.CharField(
        label=_("Pronouns"),
        max_length=40,
        required=False,
        help_text=_("For example: she/her, they/them. Leave empty if you prefer."),
    )
    bio = forms.CharField(
        label=_("About me"),
        max_length=2000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 5}),
    )
    languages = forms.CharField(
        label=_("Languages I speak"),
        max_length=(MAX_LANGUAGE_LENGTH + 2) * MAX_LANGUAGES,
        required=False,
        help_text=_("Separated by commas, e.g. English, Portuguese."),
    )
    offers = forms.CharField(
        label=_("What I can offer"),
        max_length=1000,
        required=False,
        widget=forms.Textarea(attrs={"rows": 3}),
        help_text=_("Experience, skills or introductions you can share."),
    )
    links = forms.CharField(
        label=_("Links"),
        required=False,
        max_length=(MAX_LINK_LENGTH + 10) * MAX_LINKS,
        widget=forms.Textarea(attrs={"rows": 3}),
    )

    def __init__(self, *args, **kwargs):
        super().__init__(*args, **kwargs)
        # Formatted here, in the request's language, not once at import.
        self.fields["links"].help_text = _(
            "Up to %(max)s web addresses, one a line: a portfolio, LinkedIn, GitHub..."
        ) % {"max": MAX_LINKS}

    @classmethod
    def for_profile(cls, profile: Profile | None) -> "ProfileAboutForm":
        """An unbound form showing `profile` (or empty for someone with none yet)."""
        if profile is None:
            return cls()
        return cls(
            initial={
                "pronouns": profile.pronouns,
                "bio": profile.bio,
                "languages": ", ".join(profile.languages),
                "offers": profile.offers,
                "links": "\n".join(profile.links),
            }
        )

    def clean_languages(self) -> list[str]:
        names, seen = [], set()
        for name in (part.strip() for part in self.cleaned_data["languages"].split(",")):
            if name and name.casefold() not in seen:
                seen.add(name.casefold())
                names.append(name)
        validate_languages(names)
        return names

    def clean_links(self) -> list[str]:
        links = list(
            dict.fromkeys(_web_address(line) for line in _lines(self.cleaned_data["links"]))
        )
        validate_links(links)
        return links


class ProfilePhotoForm(forms.Form):
    """A new photo; accounts/photos.py checks and re-encodes it when the service stores it."""

    photo = forms.FileField(
        label=_("Choose a photo"),
        widget=forms.FileInput(attrs={"accept": "image/jpeg,image/png,image/webp"}),
        help_text=_(
            "A JPEG, PNG or WebP image of at most 5 MB. We shrink it and remove its hidden "
            "details (such as where it was taken) before storing it."
        ),
    )
