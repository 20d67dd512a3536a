"""Pairs at risk: flags raised and cleared from check-ins and session logs, nudges to pairs
that have not met, and the coordinators' weekly digest."""

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date

from django.db import transaction
from django.db.models import QuerySet
from django.utils import timezone, translation
from django.utils.formats import date_format
from django.utils.text import Truncator
from django.utils.translation import gettext as _

from evaluation.models import CheckIn, RiskFlag
from evaluation.services.common import local_moment, today_utc, week_start
from matching.models import Match
from notifications.models import Kind, Notification
from notifications.services import notification_queue
from programs.models import Program
from relationships.selectors import agreement_confirmations, goals_stale
from sessions.models import Attendance, Meeting, SessionLog
from sessions.selectors import counted_attendance_q

LOW_SCORE = 2
ACTIVE_PROGRAM_STATUSES = (Program.Status.ENROLLING, Program.Status.RUNNING)
Reason = RiskFlag.Reason
#: A pair with no agreement confirmed by both `Program.agreement_due_days` after matching.
NO_AGREEMENT = Reason.NO_AGREEMENT


@dataclass
class SessionFacts:
    """What the logs say about one pair: meetings as (date, outcome), newest last."""

    meetings: list[tuple[date, str]] = field(default_factory=list)

    @property
    def last_held(self) -> date | None:
        held = [day for day, outcome in self.meetings if outcome == "held"]
        return max(held) if held else None

    @property
    def latest(self) -> tuple[date, str] | None:
        return max(self.meetings) if self.meetings else None


def _day(moment) -> date:
    return timezone.localdate(moment, timezone=timezone.get_default_timezone())


def _meeting_outcomes(rows: Iterable[tuple]) -> dict[int, tuple]:
    """meeting id -> (key, date, outcome): held if any side logged it held, else missed."""
    meetings: dict[int, tuple] = {}
    for meeting_id, key, start, outcome in rows:
        previous = meetings.get(meeting_id)
        if previous is None or outcome == SessionLog.Outcome.HELD:
            meetings[meeting_id] = (key, _day(start), outcome)
    return meetings


def session_facts(*, program: Program, matches: list[Match]) -> dict[int, SessionFacts]:
    """Per match id: the logged meetings of the pair, one-on-one and group (a group meeting
    counts for its mentee by `counted_attendance_q`)."""
    facts = {match.pk: SessionFacts() for match in matches}
    logs = SessionLog.objects.filter(meeting__status=Meeting.Status.BOOKED)
    one_on_one = logs.filter(meeting__match__in=[m.pk for m in matches]).values_list(
        "meeting_id", "meeting__match_id", "meeting__start", "outcome"
    )
    for key, day, outcome in _meeting_outcomes(one_on_one).values():
        facts[key].meetings.append((day, outcome))
    group = logs.filter(meeting__program=program, meeting__kind=Meeting.Kind.GROUP).values_list(
        "meeting_id", "meeting__mentor_id", "meeting__start", "outcome"
    )
    group_meetings = _meeting_outcomes(group)
    if group_meetings:
        present = defaultdict(set)
        for meeting_id, member_id in Attendance.objects.filter(
            counted_attendance_q(), meeting_id__in=list(group_meetings)
        ).values_list("meeting_id", "member_id"):
            present[meeting_id].add(member_id)
        for match in matches:
            for meeting_id, (mentor_id, day, outcome) in group_meetings.items():
                if (
                    mentor_id == match.mentor.user_id
                    and match.mentee.user_id in present[meeting_id]
                ):
                    facts[match.pk].meetings.append((day, outcome))
    for pair in facts.values():
        pair.meetings.sort()
    return facts


def _no_session(match: Match, pair: SessionFacts, today: date) -> tuple[int, date] | None:
    """(days without a session, since when) if that reaches the program's alert, else None."""
    since = pair.last_held or _day(match.started_at)
    days = (today - since).days
    return (days, since) if days >= match.program.no_session_alert_days else None


def _low_checkins(matches: list[Match]) -> dict[int, str]:
    """match id -> detail, for pairs where someone's latest answered check-in is low."""
    latest = {}
    answered = (
        CheckIn.objects.filter(match__in=[m.pk for m in matches], answered_at__isnull=False)
        .order_by("match_id", "application_id", "-answered_at", "-pk")
        .values_list("match_id", "application_id", "application__role", "score", "answered_at")
    )
    for match_id, application_id, role, score, answered_at in answered:
        latest.setdefault((match_id, application_id), (role, score, answered_at))
    details = defaultdict(list)
    for (match_id, _application_id), (role, score, answered_at) in sorted(latest.items()):
        if score <= LOW_SCORE:
            when = date_format(_day(answered_at), "j F Y")
            values = {"score": score, "date": when}
            if role == "mentor":
                details[match_id].append(_("Mentor rated it %(score)s/5 on %(date)s") % values)
            elif role == "mentee":
                details[match_id].append(_("Mentee rated it %(score)s/5 on %(date)s") % values)
            else:
                details[match_id].append(
                    _("%(role)s rated it %(score)s/5 on %(date)s")
                    % {**values, "role": role.capitalize()}
                )
    return {match_id: "; ".join(parts) for match_id, parts in details.items()}


def _no_agreement(matches: list[Match], today: date) -> dict[int, str]:
    """match id -> detail, for pairs whose agreement is not confirmed by both sides
    `agreement_due_days` (or more) after the match started."""
    confirmed = agreement_confirmations(match_ids=[m.pk for m in matches])
    details = {}
    for match in matches:
        days, due = (today - _day(match.started_at)).days, match.program.agreement_due_days
        mentor, mentee = confirmed.get(match.pk, (False, False))
        if days < due or (mentor and mentee):
            continue
        values = {"days": days, "due": due}
        if mentor:
            details[match.pk] = (
                _(
                    "Agreement confirmed by the mentor only, %(days)s days after the match "
                    "started (due within %(due)s)"
                )
                % values
            )
        elif mentee:
            details[match.pk] = (
                _(
                    "Agreement confirmed by the mentee only, %(days)s days after the match "
                    "started (due within %(due)s)"
                )
                % values
            )
        else:
            details[match.pk] = (
                _(
                    "No confirmed agreement %(days)s days after the match started "
                    "(due within %(due)s)"
                )
                % values
            )
    return details


def _stale_goals(program: Program, matches: list[Match], today: date) -> dict[int, str]:
    """match id -> detail, for pairs with an open goal that has had no progress for the
    program's `goal_stale_days`."""
    stale = goals_stale(program=program, today=today, match_ids=[m.pk for m in matches])
    details = {}
    for match_id, goals in stale.items():
        parts = [
            _("No progress on “%(goal)s” for %(days)s days")
            % {"goal": goal.title, "days": goal.days}
            for goal in goals
        ]
        details[match_id] = Truncator("; ".join(parts)).chars(300)
    return details


def risk_reasons(*, program: Program, matches: list[Match], today: date) -> dict[int, dict]:
    """match id -> {reason: detail} for everything that puts each pair at risk today."""
    reasons: dict[int, dict] = defaultdict(dict)
    for match_id, detail in _low_checkins(matches).items():
        reasons[match_id][Reason.LOW_CHECKIN] = detail
    for match_id, detail in _no_agreement(matches, today).items():
        reasons[match_id][NO_AGREEMENT] = detail
    for match_id, detail in _stale_goals(program, matches, today).items():
        reasons[match_id][Reason.STALE_GOAL] = detail
    facts = session_facts(program=program, matches=matches)
    for match in matches:
        pair = facts[match.pk]
        quiet = _no_session(match, pair, today)
        if quiet is not None:
            days, since = quiet
            reasons[match.pk][Reason.NO_SESSION] = (
                _("No session for %(days)s days (last held on %(date)s)")
                % {"days": days, "date": date_format(since, "j F Y")}
                if pair.last_held
                else _("No session in the %(days)s days since the match started") % {"days": days}
            )
        if pair.latest is not None and pair.latest[1] == SessionLog.Outcome.MISSED:
            day = date_format(pair.latest[0], "j F Y")
            reasons[match.pk][Reason.MISSED_SESSION] = _(
                "The session on %(date)s was logged as missed"
            ) % {"date": day}
    return reasons


@dataclass(frozen=True)
class RiskRefresh:
    raised: int
    cleared: int


def _scope(program: Program, matches) -> QuerySet[Match]:
    scope = Match.objects.filter(program=program)
    if matches is not None:
        ids = matches.values("pk") if isinstance(matches, QuerySet) else [m.pk for m in matches]
        scope = scope.filter(pk__in=ids)
    return scope


@transaction.atomic
def risk_flags_refresh(*, program: Program, matches=None, today: date | None = None) -> RiskRefresh:
    """Bring the open RiskFlags of a program (or of some of its matches) in line with the
    data: raise a flag per new reason, update its detail, clear (cleared_at = now) flags whose
    cause went away or whose match ended. Idempotent; concurrent runs for one program are
    serialised on the program row."""
    today = today or today_utc()
    Program.objects.select_for_update().filter(pk=program.pk).first()
    scope = _scope(program, matches)
    active = list(
        scope.filter(status=Match.Status.ACTIVE).select_related(
            "program", "mentor__user", "mentee__user"
        )
    )
    wanted = risk_reasons(program=program, matches=active, today=today)
    now = timezone.now()
    seen, cleared = set(), 0
    for flag in RiskFlag.objects.filter(match__in=scope, cleared_at__isnull=True):
        detail = wanted.get(flag.match_id, {}).get(flag.reason)
        if detail is None:
            flag.cleared_at = now
            flag.save(update_fields=["cleared_at"])
            cleared += 1
            continue
        seen.add((flag.match_id, flag.reason))
        if flag.detail != detail:
            flag.detail = detail
            flag.save(update_fields=["detail"])
    new = [
        RiskFlag(match_id=match_id, reason=reason, detail=detail, raised_at=now)
        for match_id, reasons in wanted.items()
        for reason, detail in reasons.items()
        if (match_id, reason) not in seen
    ]
    RiskFlag.objects.bulk_create(new)
    return RiskRefresh(raised=len(new), cleared=cleared)


def no_session_nudges_queue(*, program: Program, today: date | None = None) -> int:
    """Daily: email both people of each active pair that has had no session for the program's
    `no_session_alert_days` (counted from the match start when it never met): one
    NO_SESSION_NUDGE per person per such period, keyed so re-running sends nothing new.
    Returns how many new emails were queued."""
    today = today or today_utc()
    matches = list(
        Match.objects.filter(program=program, status=Match.Status.ACTIVE).select_related(
            "program", "mentor__user", "mentee__user"
        )
    )
    facts = session_facts(program=program, matches=matches)
    ledger = Notification.objects.filter(kind=Kind.NO_SESSION_NUDGE, program=program)
    before = ledger.count()
    for match in matches:
        quiet = _no_session(match, facts[match.pk], today)
        if quiet is None:
            continue
        days, since = quiet
        period = days // program.no_session_alert_days
        for person, partner in ((match.mentor, match.mentee), (match.mentee, match.mentor)):
            notification_queue(
                kind=Kind.NO_SESSION_NUDGE,
                to=person.user,
                subject=match,
                program=program,
                context={"days": days, "partner": partner.user.name, "role": person.role},
                key_extra=f"since:{since.isoformat()}|period:{period}",
            )
    return ledger.count() - before


def coordinator_digests_queue(*, today: date | None = None) -> int:
    """Weekly: email each coordinator the pairs at risk in the running programs they
    coordinate (nothing when there are none), on Monday 09:00 in their time zone. One per
    coordinator per ISO week, however often it runs."""
    from accounts.models import User

    today = today or today_utc()
    year, week, _ = today.isocalendar()
    coordinators = User.objects.filter(
        is_active=True, is_staff=True, coordinated_programs__status__in=ACTIVE_PROGRAM_STATUSES
    ).distinct()
    ledger = Notification.objects.filter(kind=Kind.COORDINATOR_DIGEST)
    before = ledger.count()
    for user in coordinators:
        context = _digest_context(user=user)
        if not context["programs"]:
            continue
        context["week"] = f"{year}-W{week:02d}"
        notification_queue(
            kind=Kind.COORDINATOR_DIGEST,
            to=user,
            context=context,
            due_at=local_moment(user=user, day=week_start(today)),
            key_extra=f"week:{year}-{week:02d}",
        )
    return ledger.count() - before


def _digest_context(*, user) -> dict:
    flags = (
        RiskFlag.objects.filter(
            cleared_at__isnull=True,
            match__status=Match.Status.ACTIVE,
            match__program__coordinators=user,
            match__program__status__in=ACTIVE_PROGRAM_STATUSES,
        )
        .select_related("match__program", "match__mentor__user", "match__mentee__user")
        .order_by("match__program__name", "match__program_id", "match_id", "reason")
    )
    programs: dict[int, dict] = {}
    pairs: dict[int, dict] = {}
    for flag in flags:
        match = flag.match
        entry = programs.setdefault(
            match.program_id, {"id": match.program_id, "name": match.program.name, "pairs": []}
        )
        if match.pk not in pairs:
            pairs[match.pk] = {
                "mentor": match.mentor.user.name,
                "mentee": match.mentee.user.name,
                "reasons": [],
            }
            entry["pairs"].append(pairs[match.pk])
        # The reason's English label, translated when the email is rendered in the
        # recipient's language (the template's {% translate %} looks it up in the catalogue).
        with translation.override(None):
            label = str(flag.get_reason_display())
        pairs[match.pk]["reasons"].append({"reason": label, "detail": flag.detail})
    return {"programs": list(programs.values()), "pair_count": len(pairs)}
