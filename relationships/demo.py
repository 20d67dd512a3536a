"""Demo data for the relationships app: an agreement template, a confirmed agreement with the
pair's goals, a match ended early with its reason, and a mentor of an ended program with a
certificate."""

from datetime import UTC, datetime, time, timedelta

from django.db import transaction
from django.utils import timezone

from matching.models import EndReason, Match
from matching.services.ending import end_request_create, match_end
from programs.models import Application, Program
from relationships.models import (
    Agreement,
    AgreementField,
    AgreementTemplate,
    Channel,
    Frequency,
    Goal,
    GoalProgress,
)
from relationships.services import agreement_save, match_close_planned
from relationships.services.daily import today_utc
from relationships.services.goals import (
    goal_create,
    goal_progress_record,
    milestone_add,
    milestone_set_done,
)

DEMO_SESSIONS = 4
# Seed data, typed by a coordinator in real life: stored as entered, never translated.
DEMO_FIELD = {
    "label": "One thing we will try by the end of the first term",
    "help_text": "For example: a study plan, a society to join, an internship application.",
}


def _agreement_template(program: Program) -> AgreementTemplate:
    template, created = AgreementTemplate.objects.get_or_create(
        program=program,
        defaults={
            "intro": "Agree how you will work together in your first week: it makes the "
            "first sessions easier and gives you something to come back to.",
        },
    )
    if created:
        AgreementField.objects.create(
            template=template,
            kind=AgreementField.Kind.LONG_TEXT,
            required=True,
            **DEMO_FIELD,
        )
    return template


def _agree(match: Match, template: AgreementTemplate) -> None:
    field = template.fields.first()
    shared = {
        "meeting_frequency": Frequency.FORTNIGHTLY,
        "channel": Channel.MIXED,
        "planned_end_on": match.program.ends_on
        or timezone.localdate(match.started_at) + timedelta(days=120),
        "confidentiality": True,
        "answers": {field.pk: "Draft a study timetable and review it together."},
    }
    agreement_save(
        match=match,
        by=match.mentor.user,
        data={**shared, "mentor_hopes": "To pass on what I wish I had known in first year."},
        confirm=True,
    )
    agreement_save(
        match=match,
        by=match.mentee.user,
        data={"mentee_hopes": "Settle in and get on top of my deadlines.", "confidentiality": True},
        confirm=True,
    )


def _goals(match: Match) -> None:
    """A goal set with the mentor, two milestones (the first done) and progress over time;
    and a second goal, still new."""
    started = timezone.localdate(match.started_at)
    first = goal_create(
        match=match,
        by=match.mentee.user,
        title="Get on top of my deadlines",
        why="I missed two hand-ins last term and want to stop cramming.",
        measure="Every assignment handed in on time for the rest of term.",
        start_on=started,
        target_on=started + timedelta(days=90),
    )
    plan = milestone_add(
        goal=first, by=match.mentee.user, title="A weekly study timetable", due_on=started
    )
    milestone_add(
        goal=first,
        by=match.mentor.user,
        title="First essay in two days early",
        due_on=started + timedelta(days=30),
    )
    milestone_set_done(milestone=plan, by=match.mentee.user)
    entry = goal_progress_record(
        goal=first, by=match.mentee.user, level="some", note="Timetable drafted; kept to it."
    )
    GoalProgress.objects.filter(pk=entry.pk).update(created_at=match.started_at)
    goal_progress_record(goal=first, by=match.mentor.user, level="good")
    goal_create(
        match=match,
        by=match.mentor.user,
        title="Join a society",
        why="To meet people outside the course.",
        measure="Going to a society's meetings for a month.",
        start_on=started,
        target_on=started + timedelta(days=60),
    )


def _held_sessions(match: Match, count: int, *, before) -> None:
    """Sessions the mentor logged as held, one a fortnight, the last two weeks before
    `before`."""
    from sessions.models import Meeting, SessionLog

    end = datetime.combine(before, time(12), tzinfo=UTC)
    for number in range(count):
        start = (end - timedelta(days=14 * (number + 1))).replace(
            hour=16, minute=0, second=0, microsecond=0
        )
        meeting = Meeting.objects.create(
            program=match.program,
            mentor=match.mentor.user,
            match=match,
            start=start,
            end=start + timedelta(minutes=60),
            title=f"Session {count - number}",
        )
        SessionLog.objects.create(
            meeting=meeting, author=match.mentor.user, outcome="held", duration_minutes=50
        )


def _ended_program(program: Program, match: Match) -> Match:
    """Last year's run of the program, ended, where the first match's mentor mentored the
    same mentee to the end with enough sessions for a certificate."""
    today = today_utc()
    past, _created = Program.objects.get_or_create(
        slug=f"{program.slug}-last-year",
        defaults={
            "name": f"{program.name} (last year)",
            "description": program.description,
            "kind": program.kind,
            "status": Program.Status.CLOSED,
            "starts_on": today - timedelta(days=300),
            "ends_on": today - timedelta(days=60),
            "certificate_min_sessions": 3,
        },
    )
    past.coordinators.set(program.coordinators.all())
    if Match.objects.filter(program=past).exists():
        return Match.objects.filter(program=past).first()
    people = {}
    for role, source in (("mentor", match.mentor), ("mentee", match.mentee)):
        people[role], _ = Application.objects.get_or_create(
            program=past,
            user=source.user,
            role=role,
            defaults={
                "status": Application.Status.APPROVED,
                "capacity": 1 if role == "mentor" else None,
                "time_zone": source.time_zone,
            },
        )
    old = Match.objects.create(
        program=past,
        mentor=people["mentor"],
        mentee=people["mentee"],
        origin=Match.Origin.MANUAL,
        started_at=timezone.now() - timedelta(days=290),
    )
    _held_sessions(old, DEMO_SESSIONS, before=past.ends_on)
    match_close_planned(match=old, today=today)
    return old


@transaction.atomic
def demo_relationships_seed(*, program: Program, matches: list) -> None:
    """Seed the relationships demo for `program` (the demo's formal program) and `matches`
    (its active matches): an agreement template with one field of the coordinator's, a
    confirmed agreement and goals with milestones and progress for the first match, the
    second match ended early (schedules, as the mentee asked), and last year's ended run of
    the program in which the first match's mentor held enough sessions for a certificate.
    Safe to run twice."""
    template = _agreement_template(program)
    if matches and not Agreement.objects.filter(match__program=program).exists():
        _agree(matches[0], template)
    if matches and not Goal.objects.filter(match__program=program).exists():
        _goals(matches[0])
    if matches:
        _ended_program(program, matches[0])
    ended_early = Match.objects.filter(program=program, status=Match.Status.ENDED).exclude(
        end_reason__in=["", EndReason.PROGRAM_ENDED]
    )
    if len(matches) > 1 and matches[1].status == Match.Status.ACTIVE and not ended_early.exists():
        early = matches[1]
        end_request_create(
            match=early,
            by=early.mentee.user,
            end_reason=EndReason.SCHEDULES,
            reason="Our timetables clash every week this term.",
        )
        match_end(match=early, offer_place=False)
