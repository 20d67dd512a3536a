"""The daily round of relationships, as the periodic task runs it."""

from datetime import date, timedelta
from zoneinfo import ZoneInfo

from django.db.models import Q, QuerySet
from django.utils import timezone

from matching.models import Match
from programs.models import Program
from relationships.services.closure import matches_close_planned
from relationships.services.reminders import agreement_reminders_queue


def today_utc() -> date:
    """The date background jobs work with."""
    return timezone.now().astimezone(ZoneInfo("UTC")).date()


def programs_for_relationships_daily(*, today: date | None = None) -> QuerySet[Program]:
    """Programs with an active match that either is due for closure (end date passed) or may
    need an agreement reminder (started recently enough for one to fall)."""
    today = today or today_utc()
    active = Match.objects.filter(status=Match.Status.ACTIVE)
    return Program.objects.filter(
        Q(ends_on__lt=today)
        | Q(
            pk__in=active.filter(started_at__gte=timezone.now() - timedelta(days=130)).values(
                "program_id"
            )
        ),
        pk__in=active.values("program_id"),
    ).order_by("pk")


def program_relationships_daily(*, program: Program, today: date | None = None) -> dict[str, int]:
    """For one program: close its matches once its end date has passed (MATCH_CLOSING to
    both sides), then queue due agreement reminders to pairs still active. Idempotent: each
    match closes once and each reminder is queued once."""
    today = today or today_utc()
    closed = matches_close_planned(program=program, today=today)
    reminders = agreement_reminders_queue(program=program, today=today)
    return {"closed": closed, "reminders": reminders}
