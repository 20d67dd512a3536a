"""Reads for the sessions pages and the coordinator's admin."""

from dataclasses import dataclass
from datetime import datetime

from django.db.models import (
    Count,
    DurationField,
    Exists,
    ExpressionWrapper,
    F,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Sum,
)
from django.db.models.functions import Coalesce
from django.utils import timezone

from accounts.models import user_name_fields
from matching.models import Match
from matching.selectors import matches_attach
from mentoring.compiled import compiled
from programs.models import Application, Role
from sessions.models import Attendance, Meeting, SessionGuide, SessionLog


def counted_attendance_q(path: str = "") -> Q:
    """The attendance by which a group session counts for its member, under `path` (a
    relation leading to attendance rows, "" on Attendance itself): every row not marked
    absent. Attendance is often left unmarked, and a member who was there does not lose the
    session for it. The one rule for the dashboard's sessions per pair, the risk flags'
    sessions, the guides a pair has covered, who is asked a session's survey and the outcome
    report's dose."""
    return Q(**{f"{path}attended": True}) | Q(**{f"{path}attended__isnull": True})


def meetings_for_user(*, user):
    """Every meeting the person is in: as its mentor, as the pair's mentee, or as a member of a
    group session. Three indexed lookups ORed in one WHERE (no join to multiply rows, so no
    DISTINCT)."""
    return (
        Meeting.objects.filter(
            Q(mentor=user)
            | Q(match__in=Match.objects.filter(mentee__user=user).values("pk"))
            | Q(pk__in=Attendance.objects.filter(member=user).values("meeting_id"))
        )
        .select_related("program", "mentor", "match__mentor__user", "match__mentee__user")
        .prefetch_related(Prefetch("logs", SessionLog.objects.select_related("author")))
    )


#: What a meeting's row in a list shows of the meeting itself (`_meeting_row.html`).
ROW_FIELDS = ("start", "end", "kind", "title", "status", "location", "online_link", "mentor")


def _as_rows(meetings: QuerySet[Meeting]) -> QuerySet[Meeting]:
    """`meetings` with only what a meeting's row in a list shows (`_meeting_row.html`): its
    times, kind, title, place, the program's name and both people's names, not the program's
    forty settings and two whole accounts and applications (a third of the sessions page)."""
    return (
        meetings.select_related(None)
        .select_related("program", "match__mentor__user", "match__mentee__user")
        .only(
            *ROW_FIELDS,
            "program__name",
            *user_name_fields("match__mentor__user"),
            *user_name_fields("match__mentee__user"),
        )
    )


def _is_upcoming(meeting: Meeting, now) -> bool:
    return meeting.status == Meeting.Status.BOOKED and meeting.end > now


def _is_past(meeting: Meeting, now) -> bool:
    return meeting.end <= now or meeting.status == Meeting.Status.CANCELLED


@compiled
def _meeting_rows(*, user):
    return _as_rows(meetings_for_user(user=user)).order_by("start", "pk")


def meetings_split(*, user, now=None) -> tuple[list[Meeting], list[Meeting]]:
    """(upcoming booked, past or cancelled newest first) for the person's sessions page: one
    query for the meetings and one for their logs."""
    now = now or timezone.now()
    meetings = _meeting_rows(user=user)
    upcoming = [m for m in meetings if _is_upcoming(m, now)]
    past = [m for m in meetings if _is_past(m, now)]
    past.reverse()
    return upcoming, past


@compiled(static=["limit"])
def _booked_ahead(*, user, now, limit: int):
    return (
        meetings_for_user(user=user)
        .prefetch_related(None)
        .select_related(None)
        .select_related("program")
        .only(*ROW_FIELDS, "program__name", "match")
        .filter(status=Meeting.Status.BOOKED, end__gt=now)
        .order_by("start", "pk")[:limit]
    )


def meetings_upcoming(*, user, limit: int, now=None, matches=()) -> list[Meeting]:
    """The person's next `limit` booked meetings, soonest first (without their logs), each
    with its program's name and its pair named (`matches_attach`: from `matches` the page has
    read, else one more query)."""
    meetings = _booked_ahead(user=user, now=now or timezone.now(), limit=limit)
    matches_attach(meetings, known=matches)
    return meetings


def _pair_meetings(match_id: int, program_id: int, mentee_id: int) -> QuerySet[Meeting]:
    """The pair's own meetings and the mentor's group sessions its mentee is a member of."""
    return Meeting.objects.filter(
        Q(match_id=match_id)
        | Q(
            kind=Meeting.Kind.GROUP,
            program_id=program_id,
            pk__in=Attendance.objects.filter(member_id=mentee_id).values("meeting_id"),
        )
    ).only(*ROW_FIELDS, "program", "match")


@compiled(static=["limit"])
def _pair_ahead(*, match_id: int, program_id: int, mentee_id: int, now, limit: int):
    meetings = _pair_meetings(match_id, program_id, mentee_id)
    return meetings.filter(status=Meeting.Status.BOOKED, end__gt=now).order_by("start", "pk")[
        :limit
    ]


@compiled(static=["limit"])
def _pair_behind(*, match_id: int, program_id: int, mentee_id: int, now, limit: int):
    meetings = _pair_meetings(match_id, program_id, mentee_id)
    ended = Q(end__lte=now) | Q(status=Meeting.Status.CANCELLED)
    return meetings.filter(ended).order_by("-start", "-pk")[:limit]


def meetings_of_match(*, match: Match, limit: int, now=None) -> tuple[list, list]:
    """(the next `limit` booked meetings, the last `limit` past or cancelled ones, newest
    first) of a pair: its own sessions and the mentor's group sessions the mentee is a member
    of. Two queries, with their logs not read. `match` is read with its program and people
    (the match page has them): every meeting here is in its program, and the pair's own are
    its, so the rows join nothing (the joins were most of the panel's time)."""
    pair = {
        "match_id": match.pk,
        "program_id": match.program_id,
        "mentee_id": match.mentee.user_id,
        "now": now or timezone.now(),
        "limit": limit,
    }
    upcoming, past = _pair_ahead(**pair), _pair_behind(**pair)
    for meeting in (*upcoming, *past):
        if meeting.program_id == match.program_id:
            meeting.program = match.program
        if meeting.match_id == match.pk:
            meeting.match = match
    return upcoming, past


@compiled
def matches_for_booking(*, user):
    """The person's active matches, by program name (a list)."""
    return (
        Match.objects.filter(Q(mentor__user=user) | Q(mentee__user=user), status="active")
        .select_related("program", "mentor__user", "mentee__user")
        .order_by("program__name", "pk")
    )


@compiled
def _mentoring_somewhere(*, user):
    return Application.objects.filter(
        user=user, role=Role.MENTOR, status=Application.Status.APPROVED
    ).values("pk")[:1]


def is_mentor(*, user) -> bool:
    """Approved as a mentor somewhere: they may publish availability before being matched."""
    return bool(_mentoring_somewhere(user=user))


def _per_match(queryset, aggregate):
    return Subquery(
        queryset.filter(match=OuterRef("pk"))
        .order_by()
        .values("match")
        .annotate(value=aggregate)
        .values("value")[:1]
    )


def pair_session_summary(matches):
    """Annotate matches with booked, held and cancelled session counts and booked hours
    (one subquery each, so no join multiplies another's rows)."""
    booked = Meeting.objects.filter(status=Meeting.Status.BOOKED)
    held = booked.filter(logs__outcome=SessionLog.Outcome.HELD).distinct()
    length = ExpressionWrapper(F("end") - F("start"), DurationField())
    return matches.annotate(
        sessions_booked=Coalesce(_per_match(booked, Count("pk")), 0),
        sessions_held=Coalesce(_per_match(held, Count("pk", distinct=True)), 0),
        sessions_cancelled=Coalesce(
            _per_match(Meeting.objects.filter(status="cancelled"), Count("pk")), 0
        ),
        booked_time=_per_match(booked, Sum(length)),
    )


@dataclass(frozen=True)
class GuidePlace:
    """Where a meeting sits in its program's curriculum: session N of the pair (or of the
    mentor's group), or week N of the program."""

    follows: str  # "session" or "week", as Program.guides_follow
    number: int


@compiled
def _logs_of(*, meeting):
    return (
        SessionLog.objects.filter(meeting=meeting)
        .select_related("author", "guide")
        .prefetch_related("topics")
    )


def meeting_logs(*, meeting: Meeting) -> list[SessionLog]:
    """The meeting's logs with their authors, guides and topics (the meeting page)."""
    logs = _logs_of(meeting=meeting)
    for log in logs:
        log.meeting = meeting
    return logs


@compiled
def _guides_of(*, program):
    return SessionGuide.objects.filter(program=program)


def program_guides(*, program) -> list[SessionGuide]:
    """The program's session guides, by number."""
    guides = _guides_of(program=program)
    for guide in guides:
        guide.program = program
    return guides


def meeting_guide_place(*, meeting: Meeting) -> GuidePlace | None:
    """The meeting's session number (its position among the pair's booked meetings by start;
    for a group session, among the mentor's group sessions in the program) or the program
    week of its start, as the program's guides follow. None for a cancelled meeting, and in
    week mode for a program with no start date or a meeting before it."""
    program = meeting.program
    if program.guides_follow == "week":
        return _program_week(meeting)
    if meeting.status != Meeting.Status.BOOKED:
        return None
    if meeting.kind == Meeting.Kind.GROUP:
        earlier = _group_sessions_before.count(
            mentor_id=meeting.mentor_id,
            program_id=meeting.program_id,
            start=meeting.start,
            pk=meeting.pk,
        )
    else:
        earlier = _pair_sessions_before.count(
            match_id=meeting.match_id, start=meeting.start, pk=meeting.pk
        )
    return GuidePlace(follows="session", number=earlier + 1)


def _booked_before(meetings: QuerySet[Meeting], start, pk: int) -> QuerySet[Meeting]:
    """Of `meetings`, the booked ones before the meeting `pk` starting at `start`."""
    return (
        meetings.filter(status=Meeting.Status.BOOKED)
        .filter(Q(start__lt=start) | Q(start=start, pk__lt=pk))
        .values("pk")
    )


@compiled
def _group_sessions_before(*, mentor_id: int, program_id: int, start, pk: int):
    same = Meeting.objects.filter(
        kind=Meeting.Kind.GROUP, mentor_id=mentor_id, program_id=program_id
    )
    return _booked_before(same, start, pk)


@compiled
def _pair_sessions_before(*, match_id: int, start, pk: int):
    return _booked_before(Meeting.objects.filter(match_id=match_id), start, pk)


def _program_week(meeting: Meeting) -> GuidePlace | None:
    starts = meeting.program.starts_on
    if starts is None:
        return None
    # The mentor's calendar decides the day, so both sides of a late-Sunday session agree.
    day = timezone.localtime(meeting.start, meeting.mentor.time_zone).date()
    days = (day - starts).days
    return GuidePlace(follows="week", number=days // 7 + 1) if days >= 0 else None


def guide_suggested(*, place: GuidePlace | None, guides) -> SessionGuide | None:
    """The guide numbered like the meeting's place, among the program's `guides`."""
    if place is None:
        return None
    return next((guide for guide in guides if guide.number == place.number), None)


def guide_for_meeting(*, meeting: Meeting) -> SessionGuide | None:
    """The program's guide for this meeting (see meeting_guide_place), if it has one."""
    place = meeting_guide_place(meeting=meeting)
    if place is None:
        return None
    return SessionGuide.objects.filter(program_id=meeting.program_id, number=place.number).first()


@dataclass(frozen=True)
class GuideCovered:
    number: int
    title: str
    first_on: datetime  # the start of the first held session that logged it


def guides_covered(*, matches) -> dict[int, list[GuideCovered]]:
    """Per match id, the guides its held sessions were logged with, by number (two queries
    for any number of matches): either side's logs of the pair's own meetings, and in group
    programs the mentor's logs of their group sessions that the mentee did not miss."""
    matches = list(matches)
    held = SessionLog.objects.filter(
        outcome=SessionLog.Outcome.HELD,
        guide__isnull=False,
        meeting__status=Meeting.Status.BOOKED,
    )
    found: dict[int, dict[int, GuideCovered]] = {m.pk: {} for m in matches}
    rows = held.filter(meeting__match__in=[m.pk for m in matches]).values_list(
        "meeting__match_id", "guide__number", "guide__title", "meeting__start"
    )
    for match_id, number, title, start in rows:
        _keep_first(found[match_id], number, title, start)
    group_pairs = {(m.program_id, m.mentor.user_id, m.mentee.user_id): m.pk for m in matches}
    if any(m.program.is_group for m in matches):
        rows = (
            # One filter() call: the member and their attendance are the same joined row.
            held.filter(
                counted_attendance_q("meeting__attendance__"),
                meeting__kind=Meeting.Kind.GROUP,
                author=F("meeting__mentor"),  # the group's guide is the one its mentor logged
                meeting__program__in={m.program_id for m in matches if m.program.is_group},
                meeting__mentor__in={m.mentor.user_id for m in matches},
                meeting__attendance__member__in={m.mentee.user_id for m in matches},
            ).values_list(
                "meeting__program_id",
                "meeting__mentor_id",
                "meeting__attendance__member_id",
                "guide__number",
                "guide__title",
                "meeting__start",
            )
        )
        for program_id, mentor_id, member_id, number, title, start in rows:
            match_id = group_pairs.get((program_id, mentor_id, member_id))
            if match_id is not None:
                _keep_first(found[match_id], number, title, start)
    return {pk: [by_number[n] for n in sorted(by_number)] for pk, by_number in found.items()}


def _keep_first(covered: dict, number: int, title: str, start: datetime) -> None:
    if number not in covered or start < covered[number].first_on:
        covered[number] = GuideCovered(number=number, title=title, first_on=start)


def held_q(path: str = "") -> Q:
    """A meeting that was held, under `path` (a relation leading to a meeting, "" on Meeting
    itself): booked, and logged as held by either side. The rule of `held_meetings`, for a
    query that only filters by it (no subquery of meetings to compile)."""
    held = SessionLog.objects.filter(meeting=OuterRef(f"{path}pk"), outcome=SessionLog.Outcome.HELD)
    return Q(**{f"{path}status": Meeting.Status.BOOKED}) & Q(Exists(held))


def held_meetings(*, program, mentor=None) -> QuerySet[Meeting]:
    """The program's booked meetings (one mentor's, if given) that either side logged as held
    (`held_q`), each with `logged`: the longest duration a held log gives, None when none gives
    one. The rule the dashboard's hours, the certificates' hours and the outcome report's dose
    count by (the booked length stands in where `logged` is None)."""
    longest = (
        SessionLog.objects.filter(
            meeting=OuterRef("pk"),
            outcome=SessionLog.Outcome.HELD,
            duration_minutes__isnull=False,
        )
        .order_by("-duration_minutes")
        .values("duration_minutes")[:1]
    )
    meetings = Meeting.objects.filter(held_q(), program=program)
    if mentor is not None:
        meetings = meetings.filter(mentor=mentor)
    return meetings.annotate(logged=Subquery(longest))


def held_session_minutes(*, program, mentor=None) -> dict[int, float]:
    """Meeting id -> minutes of each of `held_meetings`: the longest logged duration, else the
    booked length."""
    return {
        pk: logged if logged is not None else (end - start).total_seconds() / 60
        for pk, logged, start, end in held_meetings(program=program, mentor=mentor).values_list(
            "pk", "logged", "start", "end"
        )
    }


@dataclass(frozen=True)
class HeldTotals:
    count: int  # meetings held
    one_on_one: int  # of which a pair's own (not a group session)
    minutes: float


@compiled
def _held_totals(*, program, mentor):
    """`held_session_totals`' sums, in one row (none when nothing was held)."""
    length = ExpressionWrapper(F("end") - F("start"), DurationField())
    return (
        held_meetings(program=program, mentor=mentor)
        .order_by()
        .values("program")
        .annotate(
            count=Count("pk"),
            one_on_one=Count("pk", filter=Q(match__isnull=False)),
            logged_minutes=Sum("logged"),
            booked_length=Sum(length, filter=Q(logged__isnull=True)),
        )
    )


def held_session_totals(*, program, mentor=None) -> HeldTotals:
    """How many of `held_meetings` there are and their minutes, summed in the database (one
    query, however many sessions the program holds)."""
    totals = _held_totals.first(program=program, mentor=mentor) or {
        "count": 0,
        "one_on_one": 0,
        "logged_minutes": None,
    }
    booked = totals.get("booked_length")
    booked = booked.total_seconds() / 60 if booked else 0
    return HeldTotals(
        count=totals["count"],
        one_on_one=totals["one_on_one"],
        minutes=(totals["logged_minutes"] or 0) + booked,
    )
