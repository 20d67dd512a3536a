from django.contrib.auth.models import AbstractUser, BaseUserManager
from django.db import models
from django.db.models.functions import Lower
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
    """Who besides the program's coordinators sees a detail of a person. The default shares
    the least; coordinators of a program always see its participants."""

    COORDINATORS = "coordinators", _("Only coordinators")
    MATCHES = "matches", _("My mentors and mentees")
    MEMBERS = "members", _("Everyone in my programs")


class User(AbstractUser):
    """A person: participant, coordinator or reporting staff. Logs in with their email."""

    username = None
    email = models.EmailField("email address", unique=True)
    display_name = models.CharField(
        max_length=80, blank=True, help_text="How your name is shown to mentors and mentees."
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
        default="UTC", help_text="Every time on the site is shown in this time zone."
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
        default=Visibility.COORDINATORS,
        help_text=_("Your name is always shown to the people you are matched with."),
    )
    photo_visibility = models.CharField(
        _("who sees my photo"),
        max_length=12,
        choices=Visibility.choices,
        default=Visibility.COORDINATORS,
    )

    USERNAME_FIELD = "email"
    REQUIRED_FIELDS = []

    objects = UserManager()

    class Meta:
        ordering = ["email"]
        constraints = [
            models.UniqueConstraint(Lower("email"), name="accounts_user_email_ci_unique"),
        ]

    def __str__(self):
        return self.name

    @property
    def name(self) -> str:
        return self.display_name or self.get_full_name() or self.email.split("@")[0]
