"""The notification ledger: queue emails with their cause, deliver them once, on time.

Every email is a Notification row written in the caller's transaction, keyed by
(kind, subject, recipient, due moment) so queueing twice is harmless. Delivery claims a row
with a conditional UPDATE (portable to SQLite and safe with several sweepers), sends, and marks
it sent only if the claim is still ours. A worker that dies mid-send leaves the row `sending`;
after CLAIM_TIMEOUT the sweeper takes it again: at-least-once delivery to SMTP, exactly one
`sent` row in the ledger.
"""

import logging
import smtplib
import uuid
from collections.abc import Iterable
from datetime import UTC, datetime, timedelta

from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.core.mail import get_connection
from django.db.models import F, Q
from django.utils import timezone

from mentoring.outbox import claimable, rows_claim_due, sweep_after_commit
from notifications.models import OPTIONAL_KINDS, Notification, NotificationPreference
from notifications.rendering import notification_render

logger = logging.getLogger(__name__)

# A row left `sending` this long belongs to a worker that died; the sweeper takes it again.
CLAIM_TIMEOUT = timedelta(seconds=settings.NOTIFICATIONS_CLAIM_TIMEOUT_SECONDS)
BATCH_SIZE = 100  # rows per sender task, sent over one SMTP connection
MAX_ATTEMPTS = 8
S = Notification.Status


def _key(kind: str, subject, recipient_ref: str, due_at: datetime | None, extra: str) -> str:
    label = f"{subject._meta.label_lower}:{subject.pk}" if subject is not None else "-"
    due = due_at.astimezone(UTC).strftime("%Y%m%dT%H%M%S") if due_at else "now"
    return f"{kind}|{label}|{recipient_ref}|{due}|{extra}"[:255]


def notification_queue(
    *,
    kind: str,
    to,
    subject=None,
    program=None,
    due_at: datetime | None = None,
    context: dict | None = None,
    key_extra: str = "",
) -> Notification | None:
    """Write one email to the ledger (idempotent); `to` is a user or an email address.

    Returns None when the recipient turned this optional kind off. Emails due now are handed
    to a worker right after commit; a broker error there is logged, never raised: the
    sweeper sends the row within a minute anyway.
    """
    user = None if isinstance(to, str) else to
    email = to if isinstance(to, str) else to.email
    if (
        user is not None
        and kind in OPTIONAL_KINDS
        and not notification_enabled(user=user, kind=kind)
    ):
        return None
    ref = f"user:{user.pk}" if user is not None else f"email:{email.lower()}"
    notification, created = Notification.objects.get_or_create(
        idempotency_key=_key(kind, subject, ref, due_at, key_extra),
        defaults={
            "kind": kind,
            "recipient": user,
            "to_email": email,
            "program": program,
            "subject_type": ContentType.objects.get_for_model(subject) if subject else None,
            "subject_id": subject.pk if subject is not None else None,
            "context": context or {},
            "due_at": due_at or timezone.now(),
        },
    )
    if created and notification.due_at <= timezone.now() + timedelta(seconds=5):
        sweep_after_commit("notifications.tasks.sweep_notifications")
    return notification


def notifications_queue_many(
    *, kind: str, recipients: Iterable[tuple], program=None, due_at: datetime | None = None
) -> int:
    """Queue `kind` to many users at once: `recipients` are (user, subject) pairs. The same
    rows `notification_queue` writes one by one (the same idempotency keys, so queueing again,
    either way, adds nothing; optional kinds skip people who turned them off), in a few
    queries for the lot: publishing a large matching run queues thousands. Returns how many
    rows it wrote."""
    pairs = list(recipients)
    if kind in OPTIONAL_KINDS and pairs:
        off = set(
            NotificationPreference.objects.filter(
                kind=kind, enabled=False, user__in={user.pk for user, _ in pairs}
            ).values_list("user_id", flat=True)
        )
        pairs = [(user, subject) for user, subject in pairs if user.pk not in off]
    rows = {}
    for user, subject in pairs:
        key = _key(kind, subject, f"user:{user.pk}", due_at, "")
        rows.setdefault(key, (user, subject))
    existing = set()
    keys = list(rows)
    for start in range(0, len(keys), 1000):
        existing |= set(
            Notification.objects.filter(idempotency_key__in=keys[start : start + 1000]).values_list(
                "idempotency_key", flat=True
            )
        )
    due = due_at or timezone.now()
    new = [
        Notification(
            kind=kind,
            idempotency_key=key,
            recipient=user,
            to_email=user.email,
            program=program,
            subject_type=ContentType.objects.get_for_model(subject) if subject else None,
            subject_id=subject.pk if subject is not None else None,
            context={},
            due_at=due,
        )
        for key, (user, subject) in rows.items()
        if key not in existing
    ]
    Notification.objects.bulk_create(new, batch_size=1000, ignore_conflicts=True)
    if new and due <= timezone.now() + timedelta(seconds=5):
        sweep_after_commit("notifications.tasks.sweep_notifications")
    return len(new)


def notification_enabled(*, user, kind: str) -> bool:
    pref = NotificationPreference.objects.filter(user=user, kind=kind).first()
    return pref is None or pref.enabled


def notifications_cancel(*, subject, kinds: Iterable[str], recipient=None) -> int:
    """Cancel pending emails about `subject` (e.g. reminders of a cancelled session)."""
    pending = Notification.objects.filter(
        subject_type=ContentType.objects.get_for_model(subject),
        subject_id=subject.pk,
        kind__in=list(kinds),
        status__in=[S.QUEUED, S.RETRYING],
    )
    if recipient is not None:
        pending = pending.filter(recipient=recipient)
    return pending.update(status=S.CANCELLED)


def _due(now: datetime) -> Q:
    return Q(status__in=[S.QUEUED, S.RETRYING], due_at__lte=now)


def notification_claim(*, notification_id: int, now: datetime | None = None) -> str | None:
    """Take one due row for sending; returns the claim token, or None if not ours to send."""
    now = now or timezone.now()
    token = uuid.uuid4().hex
    claimed = (
        Notification.objects.filter(
            claimable(Notification, due=_due(now), claim_timeout=CLAIM_TIMEOUT, now=now),
            pk=notification_id,
        )
        .filter(attempts__lt=MAX_ATTEMPTS)
        .update(status=S.SENDING, claim_token=token, claimed_at=now)
    )
    return token if claimed else None


def notifications_claim_due(
    *, limit: int = 500, now: datetime | None = None, batch_size: int = BATCH_SIZE
) -> list[tuple]:
    """Claim up to `limit` due rows (and rows whose worker died); returns (id, token) pairs,
    one token per batch of `batch_size` rows (a sender task each)."""
    now = now or timezone.now()
    return rows_claim_due(
        Notification,
        due=_due(now),
        order_by=("due_at", "pk"),
        max_attempts=MAX_ATTEMPTS,
        claim_timeout=CLAIM_TIMEOUT,
        limit=limit,
        batch_size=batch_size,
        now=now,
    )


def notification_release(*, notification_id: int, token: str) -> None:
    """Give a claimed row back (its task could not be queued) so the next sweep takes it."""
    Notification.objects.filter(pk=notification_id, claim_token=token, status=S.SENDING).update(
        status=S.QUEUED, claim_token=""
    )


def notification_deliver(*, notification_id: int, token: str, connection=None) -> str:
    """Send one claimed row and record the outcome; returns the row's new status."""
    notification = Notification.objects.filter(pk=notification_id).first()
    if notification is None:
        return "skipped"
    return _deliver(notification, token, connection)


def _start(pks: list[int], tokens: set[str]) -> set[int]:
    """Rows still claimed by these tokens, with their attempt counted (sending starts now)."""
    mine = set(
        Notification.objects.filter(
            pk__in=pks, claim_token__in=tokens, status=S.SENDING
        ).values_list("pk", flat=True)
    )
    Notification.objects.filter(pk__in=mine).update(attempts=F("attempts") + 1)
    return mine


def _deliver(notification: Notification, token: str, connection, *, started=False) -> str:
    """Temporary SMTP failures retry with exponential backoff; permanent ones (5xx, refused
    recipient) and the last attempt mark the row failed, visible in the admin. Rows are
    checked against their claim when their batch starts and each is marked sent right after
    its own send, so a worker killed mid-batch re-sends at most the one email in flight."""
    if not started:
        if not _start([notification.pk], {token}):
            logger.info(
                "Notification %s is no longer claimed by %s; skipping", notification.pk, token
            )
            return "skipped"
        notification.attempts += 1  # loaded before _start counted it
    try:
        message = notification_render(notification=notification)
        if message is None:
            return _finish(notification, token, S.CANCELLED, "Its subject no longer exists.")
        if connection is not None:
            # Opened here, not by send(): a backend that opens its own connection closes it
            # after each message, and a fresh SMTP session per email costs more than the email.
            connection.open()
            message.connection = connection
        message.send()
    except (smtplib.SMTPException, OSError) as exc:  # OSError covers timeouts, refusals
        if connection is not None:
            connection.close()  # a broken session: the next message opens a fresh one
        return _failed_attempt(notification, token, exc)
    return _finish(notification, token, S.SENT, "")


def _load_batch(pks: list[int]) -> dict[int, Notification]:
    """The rows with recipient, program and subject loaded once for the whole batch (rows
    about the same session share one subject object, and so its related lookups)."""
    rows = {
        n.pk: n
        for n in Notification.objects.filter(pk__in=pks).select_related(
            "recipient", "program", "subject_type"
        )
    }
    wanted: dict[int, set[int]] = {}
    for row in rows.values():
        if row.subject_type_id is not None:
            wanted.setdefault(row.subject_type_id, set()).add(row.subject_id)
    subjects = {}
    for type_id, ids in wanted.items():
        model = ContentType.objects.get_for_id(type_id).model_class()
        for obj in model._default_manager.filter(pk__in=ids):
            subjects[(type_id, obj.pk)] = obj
    for row in rows.values():
        if row.subject_type_id is not None:
            subject = subjects.get((row.subject_type_id, row.subject_id))
            Notification.subject.set_cached_value(row, subject)
    return rows


def notifications_deliver(*, claims: Iterable[tuple[int, str]]) -> dict[str, int]:
    """Send claimed rows over one SMTP connection; returns how many ended in each status."""
    claims = list(claims)
    started = _start([pk for pk, _ in claims], {token for _, token in claims})
    rows = _load_batch(sorted(started))
    outcome: dict[str, int] = {}
    connection = get_connection()
    try:
        for pk, token in claims:
            row = rows.get(pk)
            mine = row is not None and row.claim_token == token
            status = _deliver(row, token, connection, started=True) if mine else "skipped"
            outcome[status] = outcome.get(status, 0) + 1
    finally:
        connection.close()
    return outcome


def _finish(notification: Notification, token: str, status: str, error: str) -> str:
    now = timezone.now()
    Notification.objects.filter(pk=notification.pk, claim_token=token).update(
        status=status, sent_at=now if status == S.SENT else None, last_error=error
    )
    return status


def _is_permanent(exc: Exception) -> bool:
    if isinstance(exc, smtplib.SMTPRecipientsRefused):
        return all(code >= 500 for code, _ in exc.recipients.values())
    code = getattr(exc, "smtp_code", None)
    return isinstance(code, int) and code >= 500


def _failed_attempt(notification: Notification, token: str, exc: Exception) -> str:
    error = f"{exc.__class__.__name__}: {exc}"[:2000]
    if _is_permanent(exc) or notification.attempts >= MAX_ATTEMPTS:
        logger.error("Notification %s failed for good: %s", notification.pk, error)
        return _finish(notification, token, S.FAILED, error)
    delay = timedelta(seconds=min(30 * 2 ** (notification.attempts - 1), 3600))
    Notification.objects.filter(pk=notification.pk, claim_token=token).update(
        status=S.RETRYING, due_at=timezone.now() + delay, last_error=error, claim_token=""
    )
    logger.warning("Notification %s will retry in %s: %s", notification.pk, delay, error)
    return S.RETRYING


def notifications_deliver_due(*, now: datetime | None = None, limit: int = 500) -> int:
    """Claim and send due rows in this process (tests, `manage.py send_notifications`)."""
    claims = notifications_claim_due(limit=limit, now=now)
    return notifications_deliver(claims=claims).get(S.SENT, 0)


def notification_resend(*, notification: Notification) -> Notification:
    """Queue a copy of a sent or failed email again (admin action)."""
    copy = Notification.objects.create(
        kind=notification.kind,
        idempotency_key=f"resend|{notification.pk}|{uuid.uuid4().hex}"[:255],
        recipient=notification.recipient,
        to_email=notification.to_email,
        program=notification.program,
        subject_type=notification.subject_type,
        subject_id=notification.subject_id,
        context=notification.context,
    )
    sweep_after_commit("notifications.tasks.sweep_notifications")
    return copy


def site_url() -> str:
    return settings.SITE_URL


def preferences_for(*, user) -> dict[str, bool]:
    stored = dict(NotificationPreference.objects.filter(user=user).values_list("kind", "enabled"))
    return {kind: stored.get(kind, True) for kind in OPTIONAL_KINDS}


def preference_set(*, user, kind: str, enabled: bool) -> None:
    """Turn an optional kind of email on or off; pending ones of that kind follow."""
    if kind not in OPTIONAL_KINDS:
        raise ValueError(f"{kind} cannot be turned off.")
    NotificationPreference.objects.update_or_create(
        user=user, kind=kind, defaults={"enabled": enabled}
    )
    if not enabled:
        Notification.objects.filter(
            recipient=user, kind=kind, status__in=[S.QUEUED, S.RETRYING]
        ).update(status=S.CANCELLED)
