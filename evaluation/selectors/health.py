"""A program's health in numbers, for its dashboard."""

from collections import defaultdict
from dataclasses import dataclass
from datetime import date

from django.db.models import Avg, Count, OuterRef, Q, Subquery, Sum
from django.db.models.functions import Coalesce, TruncWeek
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import user_name_fields
from evaluation.models import CheckIn, RiskFlag
from matching.models import EndReason, Match
from mentoring.compiled import compiled
from programs.models import Application, Program, Role
from sessions.models import Attendance, Meeting
from sessions.selectors import counted_attendance_q, held_q, held_session_totals


@dataclass(frozen=True)
class WeekScore:
    week: date
    mean: float
    n: int


@dataclass(frozen=True)
class PairAtRisk:
    match_id: int
    mentor: str
    mentee: str
    flags: list[RiskFlag]


@dataclass(frozen=True)
class ProgramHealth:
    """Definitions: `matched` counts approved applications in an active match; the match rate
    is the share of approved mentees who are in one. Sessions are meetings logged as held
    (by either side); a pair's sessions include group sessions the mentee did not miss. Hours
    use the longest logged duration, else the booked length. The check-in response rate is
    answered check-ins over those answered or already closed (open ones are not yet late)."""

    applied: int
    approved: int
    matched: int
    match_rate: float | None
    active_pairs: int
    sessions_held: int
    sessions_per_pair: float | None
    hours: float
    checkins_answered: int
    checkins_expected: int
    checkin_response_rate: float | None
    satisfaction: list[WeekScore]
    at_risk: list[PairAtRisk]

    @property
    def match_rate_percent(self) -> int | None:
        return None if self.match_rate is None else round(self.match_rate * 100)

    @property
    def checkin_response_percent(self) -> int | None:
        rate = self.checkin_response_rate
        return None if rate is None else round(rate * 100)

    @property
    def funnel(self) -> list[tuple[str, int]]:
        return [
            (_("Applied"), self.applied),
            (_("Approved"), self.approved),
            (_("Matched"), self.matched),
        ]


def _ratio(part: float, whole: float) -> float | None:
    return part / whole if whole else None


#: The figures of a program with no rows to count (its totals' query then returns no row).
_NONE_COUNTED: defaultdict[str, int] = defaultdict(int)


@compiled
def _funnel_counts(*, program):
    active = Match.objects.filter(program=program, status=Match.Status.ACTIVE)
    in_active_match = Q(pk__in=active.values("mentor_id")) | Q(pk__in=active.values("mentee_id"))
    approved = Q(status=Application.Status.APPROVED)
    matched = approved & in_active_match
    mentee = Q(role=Role.MENTEE)
    return (
        Application.objects.filter(program=program)
        .order_by()
        .values("program")
        .annotate(
            applied=Count("pk"),
            approved=Count("pk", filter=approved),
            matched=Count("pk", filter=matched),
            mentees_matched=Count("pk", filter=matched & mentee),
            mentees=Count("pk", filter=approved & mentee),
        )
    )


def _funnel(program: Program) -> dict:
    """Applied, approved, matched (approved and in an active match) and the mentees' match
    rate, in one query."""
    counts = _funnel_counts.first(program=program) or _NONE_COUNTED
    return {
        "applied": counts["applied"],
        "approved": counts["approved"],
        "matched": counts["matched"],
        "match_rate": _ratio(counts["mentees_matched"], counts["mentees"]),
    }


@compiled
def _pair_counts(*, program):
    # The group sessions each pair counts: held by the pair's mentor, and counted for its
    # mentee (`counted_attendance_q`).
    group_held = (
        Attendance.objects.filter(
            counted_attendance_q(),
            held_q("meeting__"),
            meeting__program=program,
            meeting__kind=Meeting.Kind.GROUP,
            meeting__mentor=OuterRef("mentor__user"),
            member=OuterRef("mentee__user"),
        )
        .order_by()
        .values("member")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return (
        Match.objects.filter(program=program)
        .order_by()
        .values("program")
        .annotate(
            pairs=Count("pk"),
            active=Count("pk", filter=Q(status=Match.Status.ACTIVE)),
            group_held=Sum(Coalesce(Subquery(group_held), 0)),
        )
    )


def _sessions(program: Program) -> dict:
    """Sessions held, their hours and sessions per pair, counted in the database: two queries
    that return one row each, however many pairs and sessions the program has."""
    held = held_session_totals(program=program)
    pairs = _pair_counts.first(program=program) or _NONE_COUNTED
    return {
        "active_pairs": pairs["active"],
        "sessions_held": held.count,
        "sessions_per_pair": _ratio(held.one_on_one + (pairs["group_held"] or 0), pairs["pairs"]),
        "hours": round(held.minutes / 60, 1),
    }


@compiled
def _checkin_counts(*, program, today: date):
    return (
        CheckIn.objects.filter(match__program=program)
        .order_by()
        .values("match__program")
        .annotate(
            answered=Count("pk", filter=Q(answered_at__isnull=False)),
            expected=Count("pk", filter=Q(answered_at__isnull=False) | Q(due_on__lt=today)),
        )
    )


@compiled
def _checkin_weeks(*, program):
    return (
        CheckIn.objects.filter(match__program=program, answered_at__isnull=False)
        .annotate(week=TruncWeek("answered_at"))
        .values("week")
        .annotate(mean=Avg("score"), n=Count("pk"))
        .order_by("week")
    )


def _checkins(program: Program, today: date) -> dict:
    counts = _checkin_counts.first(program=program, today=today) or _NONE_COUNTED
    weeks = _checkin_weeks(program=program)
    return {
        "checkins_answered": counts["answered"],
        "checkins_expected": counts["expected"],
        "checkin_response_rate": _ratio(counts["answered"], counts["expected"]),
        "satisfaction": [
            WeekScore(week=_as_date(w["week"]), mean=round(w["mean"], 2), n=w["n"]) for w in weeks
        ],
    }


def _as_date(value) -> date:
    return timezone.localdate(value) if hasattr(value, "tzinfo") else value


@compiled
def _open_flags(*, program):
    return (
        RiskFlag.objects.filter(
            match__program=program, match__status=Match.Status.ACTIVE, cleared_at__isnull=True
        )
        .select_related("match__mentor__user", "match__mentee__user")
        # What the table shows: not each pair's explanation and both applications whole.
        .only(
            "reason",
            "detail",
            "raised_at",
            *user_name_fields("match__mentor__user"),
            *user_name_fields("match__mentee__user"),
        )
        .order_by("match_id", "reason")
    )


def pairs_at_risk(*, program: Program) -> list[PairAtRisk]:
    pairs: dict[int, PairAtRisk] = {}
    for flag in _open_flags(program=program):
        match = flag.match
        if match.pk not in pairs:
            pairs[match.pk] = PairAtRisk(
                match_id=match.pk,
                mentor=match.mentor.user.name,
                mentee=match.mentee.user.name,
                flags=[],
            )
        pairs[match.pk].flags.append(flag)
    return sorted(pairs.values(), key=lambda p: (-len(p.flags), p.mentee.casefold()))


@dataclass(frozen=True)
class ClosureCount:
    reason: str  # an EndReason value, "" for matches ended before reasons were recorded
    label: str
    count: int


@compiled
def _ended_by_reason(*, program):
    return (
        Match.objects.filter(program=program, status=Match.Status.ENDED)
        .order_by()
        .values("end_reason")
        .annotate(n=Count("pk"))
        .values_list("end_reason", "n")
    )


def closure_reasons(*, program: Program) -> list[ClosureCount]:
    """How the program's ended matches ended: a count for every reason in the list's order
    (zeros included, so programs compare), then "not recorded" when some have none. Counts
    only: never who, nor the private feedback."""
    counts = dict(_ended_by_reason(program=program))
    rows = [
        ClosureCount(value, str(label), counts.get(value, 0)) for value, label in EndReason.choices
    ]
    if counts.get(""):
        rows.append(ClosureCount("", str(_("Not recorded")), counts[""]))
    return rows


def program_health(*, program: Program, today: date | None = None) -> ProgramHealth:
    today = today or timezone.localdate()
    return ProgramHealth(
        **_funnel(program),
        **_sessions(program),
        **_checkins(program, today),
        at_risk=pairs_at_risk(program=program),
    )
