"""Reads for the agreement pages, the pair's goals, the risk check and certificates."""

from dataclasses import dataclass
from datetime import date

from django.db.models import Max, Prefetch, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from matching.models import EndReason, Match
from mentoring.compiled import compiled
from programs.models import Application, Program
from relationships.models import (
    Agreement,
    AgreementAnswer,
    AgreementField,
    AgreementTemplate,
    Goal,
    GoalProgress,
)
from sessions.selectors import held_session_totals
from training.selectors import training_progress


@compiled
def _agreement_templates(*, program):
    return (
        AgreementTemplate.objects.filter(program=program)
        .prefetch_related(Prefetch("fields", AgreementField.objects.order_by("position", "pk")))
        .order_by("pk")[:1]
    )


def agreement_template_for(*, program: Program) -> AgreementTemplate | None:
    """The program's agreement template with its fields, or None if it has none (pairs then
    agree on the standard terms and the default confidentiality statement)."""
    return _agreement_templates.first(program=program)


@compiled
def _agreements(*, match):
    return Agreement.objects.filter(match=match).select_related("changed_by").order_by("pk")[:1]


def agreement_for_match(*, match: Match) -> Agreement | None:
    """The pair's agreement, or None before either side saved it (answers: see below)."""
    return _agreements.first(match=match)


@compiled
def _agreement_answers(*, match):
    return (
        AgreementAnswer.objects.filter(agreement__match=match)
        .order_by()
        .values_list("field_id", "value")
    )


def agreement_answers(*, match: Match) -> dict[int, str]:
    """field id -> the answer in the pair's agreement; one query whether or not the agreement
    exists, so the match page costs the same before and after it is saved."""
    return dict(_agreement_answers(match=match))


def agreement_confirmations(*, match_ids) -> dict[int, tuple[bool, bool]]:
    """match id -> (mentor confirmed, mentee confirmed), for matches that have an agreement."""
    rows = Agreement.objects.filter(match_id__in=list(match_ids)).values_list(
        "match_id", "mentor_confirmed_at", "mentee_confirmed_at"
    )
    return {pk: (mentor is not None, mentee is not None) for pk, mentor, mentee in rows}


# --- goals ---------------------------------------------------------------------------------


@compiled
def _goals_of(*, match):
    progress = GoalProgress.objects.select_related("author").order_by("-created_at", "-pk")
    return (
        Goal.objects.filter(match=match)
        .prefetch_related("milestones", Prefetch("progress", progress))
        .order_by("start_on", "pk")
    )


def goals_for_match(*, match: Match) -> list[Goal]:
    """The pair's goals, open ones first, each with its milestones and its progress entries
    (newest first, with their authors): three queries however many there are."""
    return sorted(_goals_of(match=match), key=lambda goal: not goal.is_open)


@compiled
def _entries_of_logs(*, log_ids: list[int]):
    return (
        GoalProgress.objects.filter(log_id__in=log_ids)
        .select_related("goal")
        .order_by("goal__title", "goal_id")
    )


def goal_entries_by_log(*, log_ids) -> dict[int, list[GoalProgress]]:
    """log id -> the goal progress recorded with that session log (goal loaded)."""
    entries: dict[int, list[GoalProgress]] = {}
    log_ids = list(log_ids)
    for entry in _entries_of_logs(log_ids=log_ids) if log_ids else ():
        entries.setdefault(entry.log_id, []).append(entry)
    return entries


def goal_progress_text(entry: GoalProgress) -> str:
    """An entry as one phrase: its level, its note, or both."""
    parts = [str(entry.get_level_display()) if entry.level else "", entry.note]
    return " · ".join(part for part in parts if part)


@dataclass(frozen=True)
class StaleGoal:
    goal_id: int
    title: str
    since: date  # the latest progress entry's day, else the goal's start
    days: int


def goals_stale(*, program: Program, today: date, match_ids=None) -> dict[int, list[StaleGoal]]:
    """match id -> the pair's open goals with no progress for `program.goal_stale_days` days
    or more, counted from the latest progress entry, else from the goal's start (one query;
    only active matches, or those of `match_ids`)."""
    goals = Goal.objects.filter(
        match__program=program, match__status=Match.Status.ACTIVE, status=Goal.Status.OPEN
    )
    if match_ids is not None:
        goals = goals.filter(match_id__in=list(match_ids))
    rows = goals.annotate(latest=Max("progress__created_at")).values_list(
        "match_id", "pk", "title", "start_on", "latest"
    )
    stale: dict[int, list[StaleGoal]] = {}
    for match_id, pk, title, start_on, latest in rows.order_by("match_id", "start_on", "pk"):
        zone = timezone.get_default_timezone()
        since = timezone.localdate(latest, timezone=zone) if latest is not None else start_on
        days = (today - since).days
        if days >= program.goal_stale_days:
            stale.setdefault(match_id, []).append(StaleGoal(pk, title, since, days))
    return stale


# --- sessions a mentor held --------------------------------------------------------------


@dataclass(frozen=True)
class SessionsHeld:
    count: int
    minutes: float

    @property
    def hours(self) -> float:
        return round(self.minutes / 60, 1)


def sessions_held_by_mentor(*, application: Application) -> SessionsHeld:
    """The mentor's sessions in the program that either side logged as held (one-on-one and
    group, as the dashboard counts them), and their length: the longest logged duration,
    else the booked length."""
    held = held_session_totals(program=application.program_id, mentor=application.user_id)
    return SessionsHeld(count=held.count, minutes=held.minutes)


# --- certificates ------------------------------------------------------------------------


def training_done(*, application: Application) -> bool:
    """Whether the person finished every required training step of the program for their
    role (True when it requires none), whether or not the program gates matching on it."""
    done, required = training_progress(
        program=application.program, applications=[application], roles=[application.role]
    ).get(application.pk, (0, 0))
    return done >= required


@dataclass(frozen=True)
class CertificateStatus:
    """Whether a mentor may download their certificate of participation, and its facts."""

    application: Application
    enabled: bool
    completed: bool
    sessions: SessionsHeld
    min_sessions: int
    trained: bool
    started_on: date | None
    ended_on: date | None

    @property
    def eligible(self) -> bool:
        return self.enabled and not self.missing

    @property
    def missing(self) -> list[str]:
        """What stands between the mentor and the certificate, in plain sentences."""
        missing = []
        if not self.completed:
            missing.append(_("The certificate is for mentors who complete the program."))
        if self.sessions.count < self.min_sessions:
            missing.append(
                ngettext(
                    "It needs %(needed)s session logged as held (%(held)s so far).",
                    "It needs %(needed)s sessions logged as held (%(held)s so far).",
                    self.min_sessions,
                )
                % {"needed": self.min_sessions, "held": self.sessions.count}
            )
        if not self.trained:
            missing.append(_("It needs every required training step done."))
        return missing


def _completed_matches(application: Application, today: date) -> list[Match]:
    """The mentor's matches that ran to the end: closed at the program's end, or still
    active once its end date has passed (the closing sweep has not run yet)."""
    program = application.program
    ran_to_end = Q(end_reason=EndReason.PROGRAM_ENDED)
    if program.ends_on is not None and program.ends_on < today:
        ran_to_end |= Q(status=Match.Status.ACTIVE)
    return list(Match.objects.filter(ran_to_end, mentor=application).order_by("started_at"))


def certificate_status(*, application: Application, today: date | None = None) -> CertificateStatus:
    """A mentor's certificate: eligible when the program gives certificates, one of their
    matches ran to the program's end, they held `certificate_min_sessions` sessions and
    finished the required training. Dates run from their first completed match's start to
    the program's end date (else the match's end)."""
    today = today or timezone.localdate()
    program = application.program
    completed = _completed_matches(application, today) if application.is_mentor else []
    ends = [m.ended_at.date() for m in completed if m.ended_at is not None]
    return CertificateStatus(
        application=application,
        enabled=program.certificates_enabled and application.is_mentor,
        completed=bool(completed),
        sessions=sessions_held_by_mentor(application=application),
        min_sessions=program.certificate_min_sessions,
        trained=training_done(application=application),
        started_on=timezone.localdate(completed[0].started_at) if completed else None,
        ended_on=program.ends_on or (max(ends) if ends else None),
    )
