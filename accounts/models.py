import uuid

from django.conf import settings
from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models
from django.db.models.functions import Lower, Upper
from django.utils.translation import gettext_lazy as _
from timezone_field import TimeZoneField


class UserManager(BaseUserManager):
    use_in_migrations = True

    def _create_user(self, email, password, **extra):
        if not email:
            raise ValueError("An email address is required.")
        user = self.model(email=self.normalize_email(email), **extra)
        user.set_password(password)
        user.full_clean(exclude=["password"])
        user.save(using=self._db)
        return user

    def create_user(self, email, password=None, **extra):
        extra.setdefault("is_staff", False)
        extra.setdefault("is_superuser", False)
        return self._create_user(email, password, **extra)

    def create_superuser(self, email, password=None, **extra):
        extra.update(is_staff=True, is_superuser=True)
        return self._create_user(email, password, **extra)


class Visibility(models.TextChoices):
    """Who besides the program's coordinators sees a detail of a person; coordinators of a
    program always see its participants. The email address is shared least by default; the
    profile and photo go to the person's own mentors and mentees, who are why they exist."""

    COORDINATORS = "coordinators", _("Only coordinators")
    MATCHES = "matches", _("My mentors and mentees")
    MEMBERS = "members", _("Everyone in my programs")


#: The fields `User.name` (and so `str(user)`) reads.
USER_NAME_FIELDS = ("display_name", "first_name", "last_name", "email")


def user_name_fields(path: str) -> tuple[str, ...]:
    """`USER_NAME_FIELDS` under `path` (a user, or a relation leading to one): for queries
    that load only what they show."""
    return tuple(f"{path}__{name}" for name in USER_NAME_FIELDS)


class User(AbstractUser):
    """A person: participant, coordinator or reporting staff. Logs in with their email."""

    username = None
    email = models.EmailField(_("email address"), unique=True)
    display_name = models.CharField(
        _("display name"),
        max_length=80,
        blank=True,
        help_text=_("How your name is shown to mentors and mentees."),
    )
    institutional_id = models.CharField(
        _("institutional ID"),
        max_length=64,
        null=True,
        blank=True,
        unique=True,
        help_text=_("The student or staff number the institution knows this person by."),
    )
    time_zone = TimeZoneField(
        _("time zone"),
        default="UTC",
        help_text=_("Every time on the site is shown in this time zone."),
    )
    language = models.CharField(
        _("language"),
        max_length=10,
        blank=True,
        choices=settings.LANGUAGES,
        help_text=_("Pages and emails are in this language. Empty: your browser's language."),
    )

    email_visibility = models.CharField(
        _("who sees my email address"),
        max_length=12,
        choices=Visibility.choices,
        default=Visibility.COORDINATORS,
    )
    profile_visibility = models.CharField(
        _("who sees my profile"),
        max_length=12,
        choices=Visibility.choices,
        default=Visibility.MATCHES,
        help_text=_("Your name is always shown to the people you are matched with."),
    )
    photo_visibility = models.CharField(
        _("who sees my photo"),
        max_length=12,
        choices=Visibility.choices,
        default=Visibility.MATCHES,
    )
    # One more on every change of what the person may do: their groups, permissions, programs
    # as staff, authenticators (accounts/rights.py); it is kept per process under it
    # (mentoring/rights.py).
    rights_stamp = models.PositiveIntegerField(default=0, editable=False)

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = []

    objects = UserManager()

    class Meta:
        verbose_name = _("user")
        verbose_name_plural = _("users")
        ordering = ["email"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique"),
        ]
        # Single sign-on and "don't match me with" find people by email whatever its case
        # (`iexact`, UPPER on PostgreSQL), which the constraint's LOWER index does not serve.
        indexes = [models.Index(Upper("email"), name="accounts_user_email_upper")]

    def __str__(self):
        return self.name

    def has_module_perms(self, app_label: str) -> bool:
        """Django's answer, kept on this object for the request: the admin asks it for
        every registered model, and each answer walks all of the user's permissions in every
        backend. Like Django's own permission cache, a change shows on the next request."""
        answers = self.__dict__.setdefault("_module_perms_cache", {})
        if app_label not in answers:
            answers[app_label] = super().has_module_perms(app_label)
        return answers[app_label]

    @property
    def name(self) -> str:  # reads USER_NAME_FIELDS
        return self.display_name or self.get_full_name() or self.email.split("@")[0]

    @property
    def language_or_site(self) -> str:
        """The language to write to this person in when no request says otherwise (emails,
        calendar feeds, a link from an email): their own, else the site's."""
        return self.language or settings.LANGUAGE_CODE


#: How many links and languages a profile lists, and how long each may be.
MAX_LINKS = 5
MAX_LINK_LENGTH = 300
MAX_LANGUAGES = 10
MAX_LANGUAGE_LENGTH = 40
_web_address = URLValidator(schemes=["http", "https"])


def validate_links(value) -> None:
    """A list of at most MAX_LINKS web addresses, http or https only: a javascript: or data:
    link would run in the viewer's page when clicked."""
    if not isinstance(value, list) or not all(isinstance(link, str) for link in value):
        raise ValidationError(_("Links must be a list of web addresses."))
    if len(value) > MAX_LINKS:
        raise ValidationError(
            _("At most %(max)s links, please."), params={"max": MAX_LINKS}, code="too_many"
        )
    for link in value:
        if len(link) > MAX_LINK_LENGTH:
            raise ValidationError(
                _("A link may be at most %(max)s characters long."),
                params={"max": MAX_LINK_LENGTH},
                code="too_long",
            )
        try:
            _web_address(link)
        except ValidationError:
            raise ValidationError(
                _("“%(link)s” is not a web address starting with http:// or https://."),
                params={"link": link[:80]},
                code="invalid_link",
            ) from None


def validate_languages(value) -> None:
    """A list of at most MAX_LANGUAGES short names."""
    if not isinstance(value, list) or not all(isinstance(name, str) for name in value):
        raise ValidationError(_("Languages must be a list of names."))
    if len(value) > MAX_LANGUAGES:
        raise ValidationError(
            _("At most %(max)s languages, please."), params={"max": MAX_LANGUAGES}, code="too_many"
        )
    if any(not name.strip() or len(name) > MAX_LANGUAGE_LENGTH for name in value):
        raise ValidationError(
            _("Each language is a name of at most %(max)s characters."),
            params={"max": MAX_LANGUAGE_LENGTH},
            code="invalid_language",
        )


def profile_photo_path(instance, filename: str) -> str:
    """profiles/<random>.jpg: every photo is re-encoded as JPEG (accounts/photos.py), and a
    new name per upload says nothing about the person and changes whenever the photo does."""
    return f"profiles/{uuid.uuid4().hex}.jpg"


class Profile(models.Model):
    """What a person tells the people they mentor or are mentored by about themselves. Made
    the first time they save it; who sees it follows `User.profile_visibility` and, for the
    photo, `User.photo_visibility` (accounts/visibility.py)."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        primary_key=True,
        related_name="profile",
        verbose_name=_("user"),
    )
    pronouns = models.CharField(
        _("pronouns"), max_length=40, blank=True, help_text=_("For example: she/her, they/them.")
    )
    bio = models.TextField(_("about me"), max_length=2000, blank=True)
    languages = models.JSONField(
        _("languages"), default=list, blank=True, validators=[validate_languages]
    )
    offers = models.TextField(
        _("what I can offer"),
        max_length=1000,
        blank=True,
        help_text=_("Experience, skills or introductions you can share."),
    )
    links = models.JSONField(_("links"), default=list, blank=True, validators=[validate_links])
    photo = models.FileField(_("photo"), max_length=200, blank=True, upload_to=profile_photo_path)
    updated_at = models.DateTimeField(_("updated"), auto_now=True)

    class Meta:
        verbose_name = _("profile")
        verbose_name_plural = _("profiles")

    def __str__(self):
        return str(self.user)
