"""Small builders for evaluation tests: programs, pairs, sessions, surveys, staff."""

from datetime import timedelta

from django.contrib.auth.models import Group
from django.utils import timezone

from evaluation.models import Survey, SurveyQuestion
from matching.models import Match
from mentoring.roles import COORDINATORS_GROUP, REPORTING_GROUP
from programs.models import Application, CareerStage, Program
from sessions.models import Meeting, SessionLog
from tests.factories import ApplicationFactory, ProgramFactory, UserFactory


def make_program(**fields) -> Program:
    fields.setdefault("status", Program.Status.RUNNING)
    program = ProgramFactory(**fields)
    for position, name in enumerate(["First-year", "Second-year", "Final-year"]):
        CareerStage.objects.create(program=program, name=name, position=position)
    return program


def stage(program: Program, name: str) -> CareerStage:
    return program.career_stages.get(name=name)


def make_application(program: Program, role: str = "mentee", **fields) -> Application:
    fields.setdefault("status", Application.Status.APPROVED)
    return ApplicationFactory(program=program, role=role, **fields)


def make_pair(
    program: Program | None = None, *, days_ago: int = 0, agreed: bool = True, **people
) -> Match:
    """An active match that started `days_ago` days ago; with `agreed`, both sides have
    confirmed its agreement (so only the reason a test is about puts it at risk)."""
    program = program or make_program()
    mentor = people.get("mentor") or make_application(program, "mentor")
    mentee = people.get("mentee") or make_application(program, "mentee")
    match = Match.objects.create(
        program=program,
        mentor=mentor,
        mentee=mentee,
        started_at=timezone.now() - timedelta(days=days_ago),
    )
    if agreed:
        _agree(match)
    return match


def _agree(match: Match) -> None:
    """Both sides confirm the match's agreement (the date planned to end is required; a
    program without an end date plans a term ahead)."""
    from relationships.services import agreement_save

    end = match.program.ends_on or timezone.localdate(match.started_at) + timedelta(days=120)
    terms = {"meeting_frequency": "weekly", "channel": "video", "planned_end_on": end}
    agreement_save(
        match=match,
        by=match.mentor.user,
        data={**terms, "confidentiality": True, "mentor_hopes": "Give"},
        confirm=True,
    )
    agreement_save(
        match=match,
        by=match.mentee.user,
        data={"mentee_hopes": "Learn", "confidentiality": True},
        confirm=True,
    )


def make_meeting(match: Match, *, days_ago: int, minutes: int = 60) -> Meeting:
    start = (timezone.now() - timedelta(days=days_ago)).replace(microsecond=0)
    return Meeting.objects.create(
        program=match.program,
        mentor=match.mentor.user,
        match=match,
        start=start,
        end=start + timedelta(minutes=minutes),
    )


def make_log(meeting: Meeting, *, outcome: str = "held", author=None, duration=None):
    return SessionLog.objects.create(
        meeting=meeting,
        author=author or meeting.mentor,
        outcome=outcome,
        duration_minutes=duration,
    )


def make_survey(
    program: Program,
    *,
    moment: str = "baseline",
    anonymous: bool = False,
    audience: str = "both",
    questions=(("How confident do you feel about your studies?", "likert"),),
    **fields,
) -> Survey:
    survey = Survey.objects.create(
        program=program,
        title=fields.pop("title", f"{moment.title()} survey"),
        moment=moment,
        anonymous=anonymous,
        audience=audience,
        **fields,
    )
    for position, spec in enumerate(questions):
        text, kind, *extra = spec
        SurveyQuestion.objects.create(
            survey=survey, position=position, text=text, kind=kind, **(extra[0] if extra else {})
        )
    return survey


def make_coordinator(program: Program | None = None, **fields):
    user = UserFactory(is_staff=True, **fields)
    user.groups.add(Group.objects.get(name=COORDINATORS_GROUP))
    if program is not None:
        program.coordinators.add(user)
    return user


def make_reporter(*programs: Program, **fields):
    user = UserFactory(**fields)
    user.groups.add(Group.objects.get(name=REPORTING_GROUP))
    for program in programs:
        program.reporting_staff.add(user)
    return user


# The check-in export's columns, written out once for the tests that read exports back.
CHECKIN_EXPORT_HEADER = [
    "program",
    "match_id",
    "email",
    "name",
    "role",
    "career_stage",
    "opened_on",
    "due_on",
    "answered_at_utc",
    "score",
    "met_since_last",
    "blocking",
]

# The sessions export's columns: one row per meeting and log.
SESSION_EXPORT_HEADER = [
    "program",
    "meeting_id",
    "kind",
    "title",
    "start_utc",
    "end_utc",
    "booked_minutes",
    "status",
    "match_id",
    "mentor_email",
    "mentor_name",
    "mentee_email",
    "mentee_name",
    "logged_by",
    "outcome",
    "logged_minutes",
    "logged_at_utc",
    "topics_covered",
    "goal_progress",
    "shared_notes",
]
