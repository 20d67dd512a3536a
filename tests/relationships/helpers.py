"""Small builders for relationships tests: programs with dates, pairs, templates, sessions."""

from datetime import timedelta

from django.contrib.auth.models import Group
from django.utils import timezone

from matching.models import Match
from mentoring.roles import COORDINATORS_GROUP
from programs.models import Application, Program
from relationships.models import AgreementField, AgreementTemplate
from relationships.services import agreement_save
from sessions.models import Meeting, SessionLog
from tests.factories import ApplicationFactory, ProgramFactory, UserFactory


def today():
    return timezone.localdate()


def make_program(**fields) -> Program:
    """A running program that started 30 days ago and ends in 60."""
    fields.setdefault("status", Program.Status.RUNNING)
    fields.setdefault("starts_on", today() - timedelta(days=30))
    fields.setdefault("ends_on", today() + timedelta(days=60))
    return ProgramFactory(**fields)


def make_application(program: Program, role: str = "mentee", **fields) -> Application:
    fields.setdefault("status", Application.Status.APPROVED)
    if "name" in fields:
        fields["user"] = UserFactory(display_name=fields.pop("name"))
    return ApplicationFactory(program=program, role=role, **fields)


def make_pair(program: Program | None = None, *, days_ago: int = 0, **people) -> Match:
    """An active match that started `days_ago` days ago."""
    program = program or make_program()
    mentor = people.get("mentor") or make_application(program, "mentor", name="Mo Mentor")
    mentee = people.get("mentee") or make_application(program, "mentee", name="Ana Mentee")
    return Match.objects.create(
        program=program,
        mentor=mentor,
        mentee=mentee,
        started_at=timezone.now() - timedelta(days=days_ago),
    )


def make_template(program: Program, *fields) -> AgreementTemplate:
    """A template with the given fields, each (label, kind, required)."""
    template = AgreementTemplate.objects.create(
        program=program,
        intro="Agree how you work.",
        confidentiality_statement="We keep it private.",
    )
    for position, (label, kind, required) in enumerate(fields):
        AgreementField.objects.create(
            template=template, label=label, kind=kind, required=required, position=position
        )
    return template


def terms(match: Match, **changes) -> dict:
    """Complete shared terms for `match` (planned to end on the program's end date)."""
    return {
        "meeting_frequency": "weekly",
        "frequency_note": "",
        "channel": "video",
        "planned_end_on": match.program.ends_on,
        "confidentiality": True,
        **changes,
    }


def confirm_both(match: Match) -> None:
    agreement_save(
        match=match,
        by=match.mentor.user,
        data={**terms(match), "mentor_hopes": "Give"},
        confirm=True,
    )
    agreement_save(
        match=match,
        by=match.mentee.user,
        data={"mentee_hopes": "Learn", "confidentiality": True},
        confirm=True,
    )


def make_session(
    match: Match, *, days_ago: int, minutes: int = 60, outcome: str = "held", durations=()
) -> Meeting:
    """A one-on-one meeting `days_ago` days ago, logged by the mentor (and by the mentee for
    a second duration) with `outcome`."""
    start = (timezone.now() - timedelta(days=days_ago)).replace(microsecond=0)
    meeting = Meeting.objects.create(
        program=match.program,
        mentor=match.mentor.user,
        match=match,
        start=start,
        end=start + timedelta(minutes=minutes),
    )
    authors = [match.mentor.user, match.mentee.user]
    for author, duration in zip(authors, list(durations) or [None], strict=False):
        SessionLog.objects.create(
            meeting=meeting, author=author, outcome=outcome, duration_minutes=duration
        )
    return meeting


def make_coordinator(program: Program | None = None, **fields):
    user = UserFactory(is_staff=True, **fields)
    user.groups.add(Group.objects.get(name=COORDINATORS_GROUP))
    if program is not None:
        program.coordinators.add(user)
    return user
