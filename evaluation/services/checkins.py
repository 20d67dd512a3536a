"""Check-ins at the program's cadence: opening them, and answering them."""

from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from evaluation.models import CheckIn
from evaluation.services.common import reminder_due_at, today_utc
from matching.models import Match
from mentoring.events import CHECKIN_LOW, event_emit
from notifications.models import Kind
from notifications.services import notification_queue, notifications_cancel
from programs.models import Application, Program

#: A check-in stays open this many days (or the cadence, if shorter), then the next one comes.
ANSWER_DAYS = 7
#: Unanswered check-ins get a reminder this many days before they close (if there is time).
REMIND_DAYS_BEFORE = 2


def checkin_due_on(*, program: Program, opens_on: date) -> date:
    """When a check-in opened on `opens_on` in `program` closes."""
    return opens_on + timedelta(days=min(ANSWER_DAYS, program.cadence_days))


def checkin_open(
    *, match: Match, application: Application, today: date | None = None
) -> CheckIn | None:
    """Open one check-in for one person of a match today; idempotent per day (the unique
    constraint on match, person and opening date). Queues CHECKIN_INVITATION now and a
    CHECKIN_REMINDER before it closes. Returns None if it was already open."""
    today = today or today_utc()
    checkin, created = CheckIn.objects.get_or_create(
        match=match,
        application=application,
        opens_on=today,
        defaults={"due_on": checkin_due_on(program=match.program, opens_on=today)},
    )
    if not created:
        return None
    user = application.user
    notification_queue(
        kind=Kind.CHECKIN_INVITATION, to=user, subject=checkin, program=match.program
    )
    remind_on = checkin.due_on - timedelta(days=REMIND_DAYS_BEFORE)
    remind_at = reminder_due_at(user=user, day=remind_on) if remind_on > today else None
    if remind_at is not None:
        notification_queue(
            kind=Kind.CHECKIN_REMINDER,
            to=user,
            subject=checkin,
            program=match.program,
            due_at=remind_at,
        )
    return checkin


@transaction.atomic
def checkins_create_due(
    *, program: Program, today: date | None = None, start_round: bool = False
) -> int:
    """Daily: open a check-in for every person in an active match whose last check-in in that
    match opened at least `cadence_days` ago (the first one: that long after the match
    started). Nothing after the program's end date. Returns how many were opened; each one
    queues its invitation (see checkin_open).

    With `start_round` (a coordinator's "open a round now"), the cadence is not waited for:
    everyone in an active match who has no check-in open today gets one, and the daily run
    counts the cadence from it. Safe to repeat: while the round is open it opens nothing more.
    """
    today = today or today_utc()
    if program.ends_on is not None and today > program.ends_on:
        return 0
    # Serialise rounds of one program, so two coordinators clicking at once open one round.
    Program.objects.select_for_update().filter(pk=program.pk).first()
    matches = (
        Match.objects.filter(program=program, status=Match.Status.ACTIVE)
        .select_related("program", "mentor__user", "mentee__user")
        .order_by("pk")
    )
    last = {
        (row["match"], row["application"]): (row["opened"], row["closes"])
        for row in CheckIn.objects.filter(match__in=matches)
        .values("match", "application")
        .annotate(opened=Max("opens_on"), closes=Max("due_on"))
        .order_by()
    }
    opened = 0
    for match in matches:
        for application in (match.mentor, match.mentee):
            previous = last.get((match.pk, application.pk))
            if _is_due(match, previous, today, start_round=start_round):
                opened += (
                    checkin_open(match=match, application=application, today=today) is not None
                )
    return opened


def _is_due(match: Match, previous: tuple | None, today: date, *, start_round: bool) -> bool:
    """`previous` is (last opened on, last closes on) of the person's check-ins, or None."""
    if start_round:
        return previous is None or previous[1] < today
    since = previous[0] if previous else None
    since = since or timezone.localdate(match.started_at, timezone=timezone.get_default_timezone())
    return (today - since).days >= match.program.cadence_days


@transaction.atomic
def checkin_answer(
    *, checkin: CheckIn, score: int, met: bool, blocking: str = "", today: date | None = None
) -> CheckIn:
    """Record a person's check-in answer; refuses (ValidationError, nothing changed) one
    already answered, closed, or out of range. Cancels its reminder and recomputes the pair's
    risk flags (a score of 2 or less flags the pair; a later 3 or more clears that)."""
    from evaluation.services.risk import LOW_SCORE, risk_flags_refresh

    today = today or timezone.localdate()
    checkin = (
        CheckIn.objects.select_for_update().select_related("match__program").get(pk=checkin.pk)
    )
    if checkin.is_answered:
        raise ValidationError(_("You have already answered this check-in."))
    if today > checkin.due_on:
        raise ValidationError(
            _("This check-in closed on %(date)s.") % {"date": date_format(checkin.due_on, "j F Y")}
        )
    checkin.score, checkin.met, checkin.blocking = score, met, (blocking or "").strip()
    checkin.answered_at = timezone.now()
    checkin.full_clean()
    checkin.save(update_fields=["score", "met", "blocking", "answered_at"])
    notifications_cancel(subject=checkin, kinds=[Kind.CHECKIN_REMINDER])
    if score <= LOW_SCORE:
        event_emit(
            name=CHECKIN_LOW,
            program=checkin.match.program,
            payload={"checkin_id": checkin.pk, "match_id": checkin.match_id, "score": score},
        )
    risk_flags_refresh(
        program=checkin.match.program,
        matches=Match.objects.filter(pk=checkin.match_id),
        today=today,
    )
    return checkin
