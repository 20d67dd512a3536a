from datetime import timedelta

import pytest

from matching.models import Match
from notifications.models import Kind, Notification
from programs.models import Application
from relationships.demo import demo_relationships_seed
from relationships.models import Agreement, AgreementTemplate, Goal
from relationships.selectors import certificate_status
from tests.relationships.helpers import make_application, make_pair, make_program, today

pytestmark = pytest.mark.django_db


def test_the_demo_seeds_an_agreement_an_early_ending_and_a_certificate_and_runs_twice():
    program = make_program(starts_on=today() - timedelta(days=20))
    matches = [
        make_pair(
            program,
            days_ago=10,
            mentor=make_application(program, "mentor"),
            mentee=make_application(program),
        )
        for _ in range(3)
    ]

    demo_relationships_seed(program=program, matches=matches)
    demo_relationships_seed(program=program, matches=list(Match.objects.filter(program=program)))

    template = AgreementTemplate.objects.get(program=program)
    assert template.fields.count() == 1
    goals = Goal.objects.filter(match=matches[0])
    assert [(g.title, g.milestones.count(), g.progress.count()) for g in goals] == [
        ("Get on top of my deadlines", 2, 2),
        ("Join a society", 0, 0),
    ]
    assert Agreement.objects.get(match=matches[0]).is_confirmed
    ended = Match.objects.get(pk=matches[1].pk)
    assert (ended.status, ended.end_reason) == ("ended", "schedules")
    past = Match.objects.exclude(program=program).get()
    assert (past.end_reason, past.mentor.user) == ("program_ended", matches[0].mentor.user)
    mentor = Application.objects.get(program=past.program, role="mentor")
    status = certificate_status(application=mentor)
    assert (status.eligible, status.sessions.count, status.sessions.hours) == (True, 4, 3.3)
    assert Notification.objects.filter(kind=Kind.MATCH_CLOSING).count() == 2
