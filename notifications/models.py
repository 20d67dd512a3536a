from django.conf import settings
from django.contrib.contenttypes.fields import GenericForeignKey
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext
from django.utils.translation import gettext_lazy as _

from mentoring.models import choice_label


class Kind(models.TextChoices):
    APPLICATION_DECISION = "application_decision", _("Application decision")
    PROGRAM_INVITATION = "program_invitation", _("Program invitation")
    MATCH_PUBLISHED = "match_published", _("Match published")
    MATCH_REQUEST = "match_request", _("Mentoring request received")
    REQUEST_ACCEPTED = "request_accepted", _("Request accepted")
    REQUEST_DECLINED = "request_declined", _("Request declined")
    MATCH_ENDED = "match_ended", _("Match ended")
    END_REQUESTED = "end_requested", _("Request to end a match (coordinator)")
    BOOKING_CONFIRMED = "booking_confirmed", _("Booking confirmation")
    BOOKING_RESCHEDULED = "booking_rescheduled", _("Booking rescheduled")
    BOOKING_CANCELLED = "booking_cancelled", _("Booking cancelled")
    GROUP_SESSION_SCHEDULED = "group_session_scheduled", _("Group session scheduled")
    SESSION_REMINDER = "session_reminder", _("Session reminder")
    LOG_NUDGE = "log_nudge", _("Log-your-session nudge")
    CHECKIN_INVITATION = "checkin_invitation", _("Check-in invitation")
    CHECKIN_REMINDER = "checkin_reminder", _("Check-in reminder")
    SURVEY_INVITATION = "survey_invitation", _("Survey invitation")
    SURVEY_REMINDER = "survey_reminder", _("Survey reminder")
    NO_SESSION_NUDGE = "no_session_nudge", _("Nudge: no session for a while")
    COORDINATOR_DIGEST = "coordinator_digest", _("Weekly coordinator digest")
    WAITLIST_OFFER = "waitlist_offer", _("Waitlist proposal (coordinator)")
    TRAINING_REMINDER = "training_reminder", _("Training reminder")
    AGREEMENT_REMINDER = "agreement_reminder", _("Mentorship agreement reminder")
    MATCH_CLOSING = "match_closing", _("Match closing at the program's end")
    DATA_EXPORT_READY = "data_export_ready", _("Your personal data download is ready")
    ACCOUNT_DELETION_SCHEDULED = "account_deletion_scheduled", _("Account deletion scheduled")
    PARTNER_ACCOUNT_DELETED = "partner_account_deleted", _("A partner deleted their account")
    NEW_MESSAGES = "new_messages", _("New messages")
    ANNOUNCEMENT = "announcement", _("Announcement from the coordinators")
    MESSAGE_REPORTED = "message_reported", _("A message was reported (coordinator)")
    REQUEST_EXPIRING = "request_expiring", _("Mentoring request about to expire")
    REQUEST_EXPIRED = "request_expired", _("Mentoring request expired")
    STAFF_INVITATION = "staff_invitation", _("Invitation to a program's staff")


# Nudges people may turn off; confirmations and decisions always go out.
OPTIONAL_KINDS = frozenset(
    {
        Kind.LOG_NUDGE,
        Kind.CHECKIN_REMINDER,
        Kind.SURVEY_REMINDER,
        Kind.NO_SESSION_NUDGE,
        Kind.COORDINATOR_DIGEST,
        Kind.SESSION_REMINDER,
        Kind.TRAINING_REMINDER,
        Kind.AGREEMENT_REMINDER,
        Kind.NEW_MESSAGES,
        Kind.REQUEST_EXPIRING,
    }
)


class Notification(models.Model):
    """One email the system means to send: written in the same transaction as its cause."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        RETRYING = "retrying", _("Retrying")
        FAILED = "failed", _("Failed")
        CANCELLED = "cancelled", _("Cancelled")

    kind = models.CharField(max_length=40, choices=Kind.choices, verbose_name=_("kind"))
    idempotency_key = models.CharField(
        max_length=255, unique=True, verbose_name=_("idempotency key")
    )
    recipient = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("recipient"),
    )
    to_email = models.EmailField(verbose_name=_("to email"))
    program = models.ForeignKey(
        "programs.Program",
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="notifications",
        verbose_name=_("program"),
    )
    subject_type = models.ForeignKey(
        ContentType,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="+",
        verbose_name=_("subject type"),
    )
    subject_id = models.PositiveBigIntegerField(null=True, blank=True, verbose_name=_("subject id"))
    subject = GenericForeignKey("subject_type", "subject_id")
    context = models.JSONField(default=dict, blank=True, verbose_name=_("context"))
    due_at = models.DateTimeField(default=timezone.now, verbose_name=_("due at"))
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.QUEUED, verbose_name=_("status")
    )
    attempts = models.PositiveSmallIntegerField(default=0, verbose_name=_("attempts"))
    claim_token = models.CharField(max_length=32, blank=True, verbose_name=_("claim token"))
    claimed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("claimed at"))
    sent_at = models.DateTimeField(null=True, blank=True, verbose_name=_("sent at"))
    last_error = models.TextField(blank=True, verbose_name=_("last error"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("notification")
        verbose_name_plural = _("notifications")
        ordering = ["-due_at"]
        indexes = [
            models.Index(fields=["status", "due_at"]),
            models.Index(fields=["subject_type", "subject_id"]),
            # The admin's list, latest first (its order, with the key as tie-break).
            models.Index(fields=["due_at", "id"], name="notification_due_id"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="sent") | Q(sent_at__isnull=False),
                name="notification_sent_has_time",
            ),
        ]

    def __str__(self):
        return gettext("%(kind)s to %(email)s (%(status)s)") % {
            "kind": choice_label(Kind, self.kind),
            "email": self.to_email,
            "status": self.status,
        }

    @property
    def is_optional(self) -> bool:
        return self.kind in OPTIONAL_KINDS


class NotificationPreference(models.Model):
    """A person's choice to stop an optional kind of email."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notification_prefs",
        verbose_name=_("user"),
    )
    kind = models.CharField(max_length=40, choices=Kind.choices, verbose_name=_("kind"))
    enabled = models.BooleanField(default=True, verbose_name=_("enabled"))

    class Meta:
        verbose_name = _("notification preference")
        verbose_name_plural = _("notification preferences")
        constraints = [
            models.UniqueConstraint(fields=["user", "kind"], name="notification_pref_unique")
        ]

    def __str__(self):
        return f"{self.user}: {self.kind} {'on' if self.enabled else 'off'}"
