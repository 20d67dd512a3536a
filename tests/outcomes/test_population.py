"""The population's dose: the sessions each participant took part in (outcomes/population.py)."""

import pytest

from outcomes.models import OutcomePerson
from outcomes.population import outcome_population
from programs.models import Application
from sessions.models import Attendance, SessionLog
from tests.outcomes.helpers import make_outcome_program, make_participant
from tests.sessions.helpers import group_meeting_at

pytestmark = pytest.mark.django_db


def test_a_group_session_counts_for_each_member_not_marked_absent():
    """The rule of the dashboard, the risk flags and the guides covered: a held group session
    counts for a member who attended it or whose attendance was left unmarked, not for one
    marked absent, nor for a member of another session."""
    program = make_outcome_program(format="group", group_size=3)
    members = [make_participant(program, institutional_id=f"S{i}") for i in range(4)]
    for member in members:
        OutcomePerson.objects.create(
            program=program, user=member, institutional_id=member.institutional_id
        )
    mentor = Application.objects.get(mentor_matches__mentee__user=members[0]).user
    meeting = group_meeting_at(program, mentor, members[:3], hours_from_now=-72)
    for member, attended in zip(members[:3], (True, None, False), strict=True):
        Attendance.objects.filter(meeting=meeting, member=member).update(attended=attended)
    SessionLog.objects.create(meeting=meeting, author=mentor, outcome=SessionLog.Outcome.HELD)

    population = outcome_population(program=program)

    index = {pk: i for i, pk in enumerate(population.person_ids.tolist())}
    row = {p.user_id: index[p.pk] for p in OutcomePerson.objects.filter(user__in=members)}
    sessions = [population.sessions[row[m.pk]] for m in members]
    hours = [population.hours[row[m.pk]] for m in members]
    assert sessions == [1, 1, 0, 0]  # attended, unmarked, absent, not in it
    assert hours == [1.0, 1.0, 0, 0]
