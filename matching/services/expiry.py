"""Informal programs: a request the mentor does not answer expires.

A request pending for the program's `request_expiry_days` expires and the mentee is told, so
they can ask someone else; the day before, the mentor is reminded once. The mentor always
gets that day: a request whose reminder went out late (the sweep did not run) expires a day
after it. Each request is claimed with a conditional UPDATE and its email is written to the
notification ledger in the same transaction, so running the sweep twice, or two sweeps at
once, reminds and tells each person once.
"""

from datetime import datetime, timedelta

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone

from matching.models import MatchRequest
from notifications.models import Kind
from notifications.services import notifications_queue_many
from programs.models import Program

PENDING = MatchRequest.Status.PENDING
REMIND_BEFORE = timedelta(days=1)


def programs_with_pending_requests() -> QuerySet[Program]:
    """Programs with a request waiting for an answer, by id."""
    pending = MatchRequest.objects.filter(status=PENDING).values("program_id")
    return Program.objects.filter(pk__in=pending).order_by("pk")


def requests_expire_program(*, program: Program, now: datetime | None = None) -> dict[str, int]:
    """Expire the pending requests of `program` that are due (status EXPIRED, `responded_at`
    now; REQUEST_EXPIRED to the mentee) and remind the mentors of those expiring within a
    day (`reminded_at` now; REQUEST_EXPIRING to the mentor, which they may turn off).
    Returns how many it expired and reminded."""
    now = now or timezone.now()
    lifetime = timedelta(days=program.request_expiry_days)
    return {
        "expired": _expire(program, now, lifetime),
        "reminded": _remind(program, now, lifetime),
    }


def _expire(program: Program, now: datetime, lifetime: timedelta) -> int:
    due = MatchRequest.objects.filter(
        program=program, status=PENDING, created_at__lte=now - lifetime
    )
    if lifetime > REMIND_BEFORE:
        due = due.filter(reminded_at__lte=now - REMIND_BEFORE)
    with transaction.atomic():
        expired = [
            request
            for request in due.select_related("mentee__user").order_by("pk")
            if _still_pending(request).update(status=MatchRequest.Status.EXPIRED, responded_at=now)
        ]
        notifications_queue_many(
            kind=Kind.REQUEST_EXPIRED,
            recipients=[(request.mentee.user, request) for request in expired],
            program=program,
        )
    return len(expired)


def _remind(program: Program, now: datetime, lifetime: timedelta) -> int:
    # With a one-day lifetime the request email itself is the day before.
    if lifetime <= REMIND_BEFORE:
        return 0
    due = MatchRequest.objects.filter(
        program=program,
        status=PENDING,
        reminded_at__isnull=True,
        created_at__lte=now - (lifetime - REMIND_BEFORE),
    )
    with transaction.atomic():
        reminded = [
            request
            for request in due.select_related("mentor__user").order_by("pk")
            if _still_pending(request).filter(reminded_at__isnull=True).update(reminded_at=now)
        ]
        notifications_queue_many(
            kind=Kind.REQUEST_EXPIRING,
            recipients=[(request.mentor.user, request) for request in reminded],
            program=program,
        )
    return len(reminded)


def _still_pending(request: MatchRequest) -> QuerySet[MatchRequest]:
    """The request's row while it waits for an answer: updating it claims the request (a
    mentor answering at the same moment, or another sweep, wins or loses as a whole)."""
    return MatchRequest.objects.filter(pk=request.pk, status=PENDING)
