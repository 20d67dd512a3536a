"""The daily round of a program's evaluation, as the periodic task runs it."""

from datetime import date, timedelta

from django.db import transaction
from django.db.models import Q, QuerySet

from evaluation.services.checkins import checkins_create_due
from evaluation.services.common import today_utc
from evaluation.services.risk import (
    ACTIVE_PROGRAM_STATUSES,
    no_session_nudges_queue,
    risk_flags_refresh,
)
from evaluation.services.surveys import SCHEDULED_GRACE_DAYS, surveys_send_scheduled
from programs.models import Program


def programs_for_daily(*, today: date | None = None) -> QuerySet[Program]:
    """Enrolling and running programs, and closed ones whose end date is recent: a program
    closed on its last day still sends its end-of-program survey."""
    today = today or today_utc()
    recently_ended = Q(
        status=Program.Status.CLOSED,
        ends_on__gt=today - timedelta(days=SCHEDULED_GRACE_DAYS),
    )
    return Program.objects.filter(Q(status__in=ACTIVE_PROGRAM_STATUSES) | recently_ended)


def program_evaluation_daily(*, program: Program, today: date | None = None) -> dict[str, int]:
    """Everything the daily task does for one program, in one transaction: recompute risk
    flags, open due check-ins, send mid/end surveys on their dates, nudge quiet pairs (all
    idempotent). A closed program only gets its date-driven surveys."""
    today = today or today_utc()
    result = {"checkins": 0, "surveys": 0, "raised": 0, "cleared": 0, "nudges": 0}
    with transaction.atomic():
        if program.status in ACTIVE_PROGRAM_STATUSES:
            refresh = risk_flags_refresh(program=program, today=today)
            result.update(
                raised=refresh.raised,
                cleared=refresh.cleared,
                checkins=checkins_create_due(program=program, today=today),
                nudges=no_session_nudges_queue(program=program, today=today),
            )
        result["surveys"] = surveys_send_scheduled(program=program, today=today)
    return result
