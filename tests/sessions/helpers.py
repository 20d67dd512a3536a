"""Small builders for session tests: programs, matched pairs, weekly windows, meetings."""

from datetime import UTC, date, datetime, time, timedelta
from zoneinfo import ZoneInfo

from django.utils import timezone

from matching.models import Match
from programs.models import Application, Program
from sessions.models import AvailabilityRule, Meeting
from tests.factories import ApplicationFactory, ProgramFactory, UserFactory

# A fixed "now" far from any DST change: Monday 2030-01-07 09:00 UTC.
NOW = datetime(2030, 1, 7, 9, 0, tzinfo=UTC)


def make_program(**fields) -> Program:
    fields.setdefault("status", Program.Status.RUNNING)
    return ProgramFactory(**fields)


def make_application(program: Program, role: str = "mentee", **fields) -> Application:
    fields.setdefault("status", Application.Status.APPROVED)
    return ApplicationFactory(program=program, role=role, **fields)


def make_pair(program: Program | None = None, **people) -> Match:
    """An active match in `program` (a new one if None)."""
    program = program or make_program()
    mentor = people.get("mentor") or make_application(program, "mentor")
    mentee = people.get("mentee") or make_application(program, "mentee")
    return Match.objects.create(
        program=program, mentor=mentor, mentee=mentee, started_at=timezone.now()
    )


def pair(
    program=None, *, mentor_zone="Europe/London", mentee_zone="Europe/London", **program_fields
):
    program = program or make_program(**program_fields)
    mentor = make_application(program, "mentor", user=UserFactory(time_zone=mentor_zone))
    mentee = make_application(program, "mentee", user=UserFactory(time_zone=mentee_zone))
    return make_pair(program, mentor=mentor, mentee=mentee)


def group(size: int = 3):
    """A group program with one mentor and `size` members: (program, mentor user, members)."""
    program = make_program(format="group", group_size=size)
    mentor = make_application(program, "mentor", capacity=size)
    members = [make_pair(program, mentor=mentor).mentee.user for _ in range(size)]
    return program, mentor.user, members


def weekly(user, *, weekday=2, start=time(18), end=time(20), minutes=60, **fields):
    return AvailabilityRule.objects.create(
        mentor=user,
        weekday=weekday,
        start_time=start,
        end_time=end,
        time_zone=fields.pop("time_zone", user.time_zone),
        session_minutes=minutes,
        **fields,
    )


def wednesday_18(now=NOW) -> datetime:
    """The next Wednesday 18:00 London (= UTC in January) after `now`."""
    days = (2 - now.weekday()) % 7 or 7
    return (now + timedelta(days=days)).replace(hour=18, minute=0)


def meeting_at(match: Match, *, hours_from_now: float, minutes: int = 60) -> Meeting:
    """A booked one-on-one meeting placed directly (past ones for logging, future ones)."""
    start = timezone.now().replace(microsecond=0) + timedelta(hours=hours_from_now)
    return Meeting.objects.create(
        program=match.program,
        mentor=match.mentor.user,
        match=match,
        start=start,
        end=start + timedelta(minutes=minutes),
    )


def clock_changes(zone: str, year: int) -> tuple[date, date]:
    """(spring-forward day, fall-back day) of a northern-hemisphere `zone` in `year`."""
    tz, day, found = ZoneInfo(zone), date(year, 1, 1), {}
    while day.year == year:
        before = datetime.combine(day - timedelta(days=1), time(12), tzinfo=tz).utcoffset()
        after = datetime.combine(day, time(12), tzinfo=tz).utcoffset()
        if after != before:
            found["spring" if after > before else "fall"] = day
        day += timedelta(days=1)
    return found["spring"], found["fall"]


def next_year_clock_changes(zone: str = "America/New_York") -> tuple[date, date]:
    """Next year's changes: always in the future, for pages that refuse past times."""
    return clock_changes(zone, timezone.now().year + 1)


GUIDE_TITLES = ["Getting to know each other", "Study skills", "Exams", "Careers", "Wellbeing"]


def make_guides(program: Program, count: int = 3, *, prompts: int = 2) -> list:
    """Guides 1..count of `program`, each with `prompts` reflection prompts."""
    from sessions.models import SessionGuide

    return [
        SessionGuide.objects.create(
            program=program,
            number=n,
            title=GUIDE_TITLES[(n - 1) % len(GUIDE_TITLES)] + ("" if n <= 5 else f" {n}"),
            objectives=f"Objectives of guide {n}",
            activities=f"Activities of guide {n}",
            reflection_prompts="\n".join(f"Guide {n} prompt {p}?" for p in range(1, prompts + 1)),
        )
        for n in range(1, count + 1)
    ]


def group_meeting_at(program: Program, mentor, members, *, hours_from_now: float) -> Meeting:
    """A booked group session placed directly, with every member invited."""
    from sessions.models import Attendance

    start = timezone.now().replace(microsecond=0) + timedelta(hours=hours_from_now)
    meeting = Meeting.objects.create(
        program=program,
        mentor=mentor,
        kind=Meeting.Kind.GROUP,
        title="Circle",
        start=start,
        end=start + timedelta(hours=1),
    )
    for member in members:
        Attendance.objects.create(meeting=meeting, member=member)
    return meeting
