"""Availability, bookings (meetings), session logs and calendar feeds.

Times are stored in UTC; recurring availability is stored in the mentor's own time zone and
expanded per date, so a weekly 18:00 stays 18:00 across daylight-saving changes.
"""

import secrets

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import MaxValueValidator, MinValueValidator
from django.db import models
from django.db.models import F, Q
from django.utils.dates import WEEKDAYS
from django.utils.translation import gettext_lazy as _
from timezone_field import TimeZoneField

from matching.models import Match


class AvailabilityRule(models.Model):
    """A recurring weekly window in which a mentor offers sessions of a fixed length."""

    mentor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="availability_rules",
        verbose_name=_("mentor"),
    )
    weekday = models.PositiveSmallIntegerField(
        choices=list(WEEKDAYS.items()), verbose_name=_("weekday")
    )
    start_time = models.TimeField(verbose_name=_("start time"))
    end_time = models.TimeField(verbose_name=_("end time"))
    time_zone = TimeZoneField(verbose_name=_("time zone"))
    session_minutes = models.PositiveSmallIntegerField(
        default=60, verbose_name=_("session minutes")
    )
    location = models.CharField(max_length=200, blank=True, verbose_name=_("location"))
    online_link = models.URLField(max_length=500, blank=True, verbose_name=_("online link"))
    valid_from = models.DateField(null=True, blank=True, verbose_name=_("valid from"))
    valid_until = models.DateField(null=True, blank=True, verbose_name=_("valid until"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("availability rule")
        verbose_name_plural = _("availability rules")
        ordering = ["weekday", "start_time"]
        constraints = [
            models.CheckConstraint(
                condition=Q(end_time__gt=F("start_time")), name="rule_end_after_start"
            ),
            models.CheckConstraint(
                condition=Q(session_minutes__gte=15, session_minutes__lte=240),
                name="rule_session_length_sane",
            ),
            models.CheckConstraint(condition=Q(weekday__lte=6), name="rule_weekday_valid"),
        ]

    def __str__(self):
        return (
            f"{self.get_weekday_display()} {self.start_time:%H:%M}-{self.end_time:%H:%M} "
            f"({self.time_zone})"
        )


class OneOffSlot(models.Model):
    """A single extra time a mentor offers."""

    mentor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="one_off_slots",
        verbose_name=_("mentor"),
    )
    start = models.DateTimeField(verbose_name=_("start"))
    end = models.DateTimeField(verbose_name=_("end"))
    location = models.CharField(max_length=200, blank=True, verbose_name=_("location"))
    online_link = models.URLField(max_length=500, blank=True, verbose_name=_("online link"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("one-off slot")
        verbose_name_plural = _("one-off slots")
        ordering = ["start"]
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="slot_end_after_start"),
        ]

    def __str__(self):
        return f"{self.start:%Y-%m-%d %H:%M} UTC"


class Meeting(models.Model):
    """A booked mentoring session: one pair's, or a group session for a mentor's group."""

    class Status(models.TextChoices):
        BOOKED = "booked", _("Booked")
        CANCELLED = "cancelled", _("Cancelled")

    class Kind(models.TextChoices):
        ONE_ON_ONE = "one_on_one", _("One-on-one")
        GROUP = "group", _("Group")

    program = models.ForeignKey(
        "programs.Program",
        on_delete=models.CASCADE,
        related_name="meetings",
        verbose_name=_("program"),
    )
    mentor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="meetings_as_mentor",
        verbose_name=_("mentor"),
    )
    match = models.ForeignKey(
        "matching.Match",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="meetings",
        verbose_name=_("match"),
    )
    kind = models.CharField(
        max_length=10, choices=Kind.choices, default=Kind.ONE_ON_ONE, verbose_name=_("kind")
    )
    title = models.CharField(max_length=200, blank=True, verbose_name=_("title"))
    start = models.DateTimeField(verbose_name=_("start"))
    end = models.DateTimeField(verbose_name=_("end"))
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.BOOKED, verbose_name=_("status")
    )
    location = models.CharField(max_length=200, blank=True, verbose_name=_("location"))
    online_link = models.URLField(max_length=500, blank=True, verbose_name=_("online link"))
    uid = models.CharField(
        max_length=64, unique=True, default=secrets.token_hex, verbose_name=_("uid")
    )
    sequence = models.PositiveIntegerField(default=0, verbose_name=_("sequence"))
    booked_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("booked by"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))
    cancelled_at = models.DateTimeField(null=True, blank=True, verbose_name=_("cancelled at"))
    cancelled_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("cancelled by"),
    )
    cancel_reason = models.CharField(max_length=500, blank=True, verbose_name=_("cancel reason"))

    class Meta:
        verbose_name = _("meeting")
        verbose_name_plural = _("meetings")
        ordering = ["start"]
        constraints = [
            models.CheckConstraint(condition=Q(end__gt=F("start")), name="meeting_end_after_start"),
            # The same start twice for one mentor: refused on every database. Overlaps of
            # different starts are refused on PostgreSQL by an exclusion constraint (see
            # migration 0002) and by the row lock in booking_create everywhere.
            models.UniqueConstraint(
                fields=["mentor", "start"],
                condition=Q(status="booked"),
                name="meeting_one_booking_per_mentor_start",
            ),
            models.CheckConstraint(
                condition=Q(kind="group") | Q(match__isnull=False),
                name="meeting_one_on_one_has_match",
            ),
        ]
        indexes = [models.Index(fields=["mentor", "status", "start"])]

    def __str__(self):
        return f"{self.title or 'Session'} on {self.start:%Y-%m-%d %H:%M} UTC"

    @property
    def is_booked(self) -> bool:
        return self.status == self.Status.BOOKED

    @property
    def minutes(self) -> int:
        return int((self.end - self.start).total_seconds() // 60)


class Attendance(models.Model):
    """A group member's RSVP and, afterwards, whether they attended."""

    class Rsvp(models.TextChoices):
        UNKNOWN = "unknown", _("No answer")
        YES = "yes", _("Going")
        NO = "no", _("Not going")
        MAYBE = "maybe", _("Maybe")

    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="attendance", verbose_name=_("meeting")
    )
    member = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="attendance",
        verbose_name=_("member"),
    )
    rsvp = models.CharField(
        max_length=8, choices=Rsvp.choices, default=Rsvp.UNKNOWN, verbose_name=_("rsvp")
    )
    attended = models.BooleanField(null=True, blank=True, verbose_name=_("attended"))

    class Meta:
        verbose_name = _("attendance")
        verbose_name_plural = _("attendances")
        constraints = [
            models.UniqueConstraint(fields=["meeting", "member"], name="attendance_once")
        ]

    def __str__(self):
        return f"{self.member} at {self.meeting}: {self.rsvp}"


#: Guide numbers a program may use (guide N is for session N or program week N).
GUIDE_NUMBERS = (1, 100)
GUIDE_NUMBER_MESSAGE = _("Guide numbers run from 1 to 100.")
MAX_PROMPTS = 10
PROMPT_LENGTH = 300


class SessionGuide(models.Model):
    """One step of a program's curriculum: what session N (or program week N, see
    Program.guides_follow) is about, and the reflection prompts its log form asks."""

    program = models.ForeignKey(
        "programs.Program",
        on_delete=models.CASCADE,
        related_name="session_guides",
        verbose_name=_("program"),
    )
    number = models.PositiveSmallIntegerField(
        _("number"),
        validators=[
            MinValueValidator(GUIDE_NUMBERS[0], message=GUIDE_NUMBER_MESSAGE),
            MaxValueValidator(GUIDE_NUMBERS[1], message=GUIDE_NUMBER_MESSAGE),
        ],
        help_text=_("Guide 1 is for the first session (or the program's first week)."),
    )
    title = models.CharField(_("title"), max_length=200)
    objectives = models.TextField(
        _("objectives"), blank=True, max_length=4000, help_text=_("What the pair aims for.")
    )
    activities = models.TextField(_("suggested activities"), blank=True, max_length=4000)
    reflection_prompts = models.TextField(
        _("reflection prompts"),
        blank=True,
        max_length=MAX_PROMPTS * (PROMPT_LENGTH + 1),
        help_text=_("One per line; the session log asks each of them."),
    )

    class Meta:
        ordering = ["program", "number"]
        verbose_name = _("session guide")
        verbose_name_plural = _("session guides")
        constraints = [
            models.UniqueConstraint(
                fields=["program", "number"],
                name="guide_number_unique_per_program",
                violation_error_message=_("This program already has a guide with that number."),
            ),
            models.CheckConstraint(
                condition=Q(number__gte=GUIDE_NUMBERS[0], number__lte=GUIDE_NUMBERS[1]),
                name="guide_number_in_range",
                violation_error_message=GUIDE_NUMBER_MESSAGE,
            ),
        ]

    def __str__(self):
        return _("Guide %(number)s: %(title)s") % {"number": self.number, "title": self.title}

    @property
    def prompt_list(self) -> list[str]:
        return [line.strip() for line in self.reflection_prompts.splitlines() if line.strip()]

    def clean(self):
        prompts = self.prompt_list
        if len(prompts) > MAX_PROMPTS:
            raise ValidationError(
                {"reflection_prompts": _("Up to %(n)s reflection prompts.") % {"n": MAX_PROMPTS}}
            )
        if any(len(prompt) > PROMPT_LENGTH for prompt in prompts):
            raise ValidationError(
                {
                    "reflection_prompts": _("Keep each prompt under %(n)s characters.")
                    % {"n": PROMPT_LENGTH}
                }
            )
        if len(set(prompts)) != len(prompts):
            raise ValidationError({"reflection_prompts": _("Each prompt appears once.")})


class SessionLog(models.Model):
    """What one side records after a session. Shared notes are seen by both sides."""

    class Outcome(models.TextChoices):
        HELD = "held", _("Held")
        MISSED = "missed", _("Missed")

    class Progress(models.TextChoices):
        NONE = "none", _("No progress yet")
        SOME = "some", _("Some progress")
        GOOD = "good", _("Good progress")
        DONE = "done", _("Achieved")

    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="logs", verbose_name=_("meeting")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="session_logs",
        verbose_name=_("author"),
    )
    outcome = models.CharField(max_length=6, choices=Outcome.choices, verbose_name=_("outcome"))
    duration_minutes = models.PositiveSmallIntegerField(
        null=True, blank=True, verbose_name=_("duration minutes")
    )
    topics = models.ManyToManyField(
        "programs.Topic", blank=True, related_name="+", verbose_name=_("topics")
    )
    # History only: {program goal id: level} as logs recorded it before pairs had goals of
    # their own. Migrated into relationships' GoalProgress (linked to the log); nothing
    # writes it any more.
    goal_progress = models.JSONField(default=dict, blank=True, verbose_name=_("goal progress"))
    guide = models.ForeignKey(
        SessionGuide,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="logs",
        verbose_name=_("guide"),
    )
    # [{"prompt": the prompt's text when answered, "answer": ...}] in the guide's order: the
    # prompt is kept with its answer, so editing the guide later does not relabel answers.
    reflections = models.JSONField(default=list, blank=True, verbose_name=_("reflections"))
    shared_notes = models.TextField(blank=True, max_length=10000, verbose_name=_("shared notes"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        verbose_name = _("session log")
        verbose_name_plural = _("session logs")
        ordering = ["-created_at"]
        constraints = [
            models.UniqueConstraint(fields=["meeting", "author"], name="log_once_per_author"),
            models.CheckConstraint(
                condition=Q(duration_minutes__isnull=True) | Q(duration_minutes__lte=600),
                name="log_duration_sane",
            ),
        ]

    def __str__(self):
        return f"{self.get_outcome_display()} log by {self.author} for {self.meeting}"


class PrivateNote(models.Model):
    """Only its author ever sees it: not the partner, the coordinator, the admin or exports."""

    meeting = models.ForeignKey(
        Meeting, on_delete=models.CASCADE, related_name="+", verbose_name=_("meeting")
    )
    author = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("author"),
    )
    text = models.TextField(max_length=10000, verbose_name=_("text"))
    updated_at = models.DateTimeField(auto_now=True, verbose_name=_("updated at"))

    class Meta:
        # No model permissions at all: no role, group or admin grant can ever reach these.
        verbose_name = _("private note")
        verbose_name_plural = _("private notes")
        default_permissions = ()
        constraints = [
            models.UniqueConstraint(fields=["meeting", "author"], name="private_note_once")
        ]

    def __str__(self):
        return f"Private note {self.pk}"


def _feed_token() -> str:
    return secrets.token_urlsafe(32)


class CalendarFeed(models.Model):
    """A personal iCalendar feed URL; resetting the token revokes old subscriptions."""

    user = models.OneToOneField(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="calendar_feed",
        verbose_name=_("user"),
    )
    token = models.CharField(
        max_length=64, unique=True, default=_feed_token, verbose_name=_("token")
    )
    created_at = models.DateTimeField(auto_now=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("calendar feed")
        verbose_name_plural = _("calendar feeds")

    def __str__(self):
        return f"Calendar feed of {self.user}"


class PairSessions(Match):
    """A match seen from the sessions side (the coordinator's per-pair summary in the admin)."""

    class Meta:
        proxy = True
        verbose_name = _("pair's sessions")
        verbose_name_plural = _("sessions per pair")
