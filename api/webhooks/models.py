from urllib.parse import urlsplit
from uuid import uuid4

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.validators import URLValidator
from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from api.webhooks.addresses import host_refusal
from mentoring import events


class Event(models.TextChoices):
    APPLICATION_SUBMITTED = events.APPLICATION_SUBMITTED, _("Application submitted")
    APPLICATION_DECIDED = events.APPLICATION_DECIDED, _("Application decided")
    MATCH_PUBLISHED = events.MATCH_PUBLISHED, _("Match published")
    MATCH_ENDED = events.MATCH_ENDED, _("Match ended")
    SESSION_BOOKED = events.SESSION_BOOKED, _("Session booked")
    SESSION_LOGGED = events.SESSION_LOGGED, _("Session logged")
    CHECKIN_LOW = events.CHECKIN_LOW, _("Low check-in score")


_url_syntax = URLValidator(schemes=["http", "https"])


def webhook_url_validate(value: str) -> None:
    """Only http(s) URLs: a receiver is a web server, and other schemes (file:, ftp:, gopher:)
    would let a subscription make the worker read or reach things it should not. Nor a
    private, local or reserved address (`api/webhooks/addresses.py`)."""
    scheme = value.split(":", 1)[0].strip().lower() if ":" in value else ""
    if scheme not in ("http", "https"):
        raise ValidationError(
            _("A webhook URL must start with http:// or https://."), code="scheme"
        )
    _url_syntax(value)
    refusal = host_refusal(urlsplit(value).hostname or "")
    if refusal:
        raise ValidationError(refusal, code="address")


NO_EVENTS = _("Choose at least one event.")


def events_validate(value) -> None:
    if not isinstance(value, list) or not value:
        raise ValidationError(NO_EVENTS, code="no_events")
    unknown = sorted({str(name) for name in value} - set(Event.values))
    if unknown:
        raise ValidationError(
            _("Unknown events: %(names)s.") % {"names": ", ".join(unknown)}, code="unknown"
        )


class WebhookSubscription(models.Model):
    """A URL that hears about some of a program's events."""

    program = models.ForeignKey(
        "programs.Program",
        on_delete=models.CASCADE,
        related_name="webhook_subscriptions",
        verbose_name=_("program"),
    )
    url = models.CharField(
        max_length=500,
        validators=[webhook_url_validate],
        verbose_name=_("URL"),
        help_text=_("Where the events are POSTed, as JSON; http:// or https:// only."),
    )
    events = models.JSONField(
        default=list,
        validators=[events_validate],
        error_messages={"blank": NO_EVENTS},
        verbose_name=_("events"),
    )
    # Kept in the clear: signing needs it. Shown once, when made or regenerated.
    secret = models.CharField(max_length=64, verbose_name=_("secret"))
    active = models.BooleanField(default=True, verbose_name=_("active"))
    created_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("created by"),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("webhook subscription")
        verbose_name_plural = _("webhook subscriptions")
        ordering = ["program", "pk"]

    def __str__(self):
        return self.url

    def wants(self, name: str) -> bool:
        return self.active and name in self.events


class WebhookDelivery(models.Model):
    """One POST the system means to make: written in the same transaction as its event."""

    class Status(models.TextChoices):
        QUEUED = "queued", _("Queued")
        SENDING = "sending", _("Sending")
        SENT = "sent", _("Sent")
        FAILED = "failed", _("Failed")

    subscription = models.ForeignKey(
        WebhookSubscription,
        on_delete=models.CASCADE,
        related_name="deliveries",
        verbose_name=_("subscription"),
    )
    # The X-Mentoring-Delivery header: new for every delivery, redeliveries included.
    uuid = models.UUIDField(
        default=uuid4, unique=True, editable=False, verbose_name=_("delivery id")
    )
    # The event's id in the body: the same for every subscription and every redelivery, so a
    # receiver can tell a repeat from a new event.
    event_id = models.UUIDField(default=uuid4, editable=False, verbose_name=_("event id"))
    event = models.CharField(max_length=40, choices=Event.choices, verbose_name=_("event"))
    payload = models.JSONField(default=dict, verbose_name=_("payload"))
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.QUEUED, verbose_name=_("status")
    )
    attempts = models.PositiveSmallIntegerField(default=0, verbose_name=_("attempts"))
    next_attempt_at = models.DateTimeField(verbose_name=_("next attempt at"))
    claim_token = models.CharField(max_length=32, blank=True, verbose_name=_("claim token"))
    claimed_at = models.DateTimeField(null=True, blank=True, verbose_name=_("claimed at"))
    last_status_code = models.PositiveSmallIntegerField(
        null=True, blank=True, verbose_name=_("last response code")
    )
    last_error = models.TextField(blank=True, verbose_name=_("last error"))
    occurred_at = models.DateTimeField(verbose_name=_("occurred at"))
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))
    sent_at = models.DateTimeField(null=True, blank=True, verbose_name=_("sent at"))

    class Meta:
        verbose_name = _("webhook delivery")
        verbose_name_plural = _("webhook deliveries")
        ordering = ["-created_at", "-pk"]
        indexes = [models.Index(fields=["status", "next_attempt_at"])]
        constraints = [
            models.CheckConstraint(
                condition=~Q(status="sent") | Q(sent_at__isnull=False),
                name="webhook_delivery_sent_has_time",
            ),
        ]

    def __str__(self):
        return f"{self.event} → {self.subscription_id} ({self.status})"
