"""Export rows read in a fixed number of queries, however many sessions were logged."""

import pytest

from evaluation.selectors.exports import session_rows
from programs.models import Topic
from relationships.models import Goal
from sessions.services import session_log_save
from tests.evaluation.helpers import make_meeting, make_pair, make_program

pytestmark = pytest.mark.django_db


def _logged(program, sessions: int) -> None:
    topic = Topic.objects.create(program=program, name=f"Topic of {program.slug}")
    for n in range(sessions):
        pair = make_pair(program, days_ago=10)
        goal = Goal.objects.create(match=pair, title=f"Goal of {program.slug}")
        session_log_save(
            meeting=make_meeting(pair, days_ago=n + 1), author=pair.mentor.user, outcome="held",
            duration_minutes=30, topics=[topic], sections={"goals": {f"goal_{goal.pk}": "good"}},
        )  # fmt: skip


@pytest.mark.parametrize("sessions", [1, 6])
def test_session_rows_take_the_same_queries_for_few_and_many_logs(
    django_assert_num_queries, sessions
):
    program = make_program()
    _logged(program, sessions)

    # meetings with their logs; the chunk's topics and its goal progress
    with django_assert_num_queries(3):
        rows = list(session_rows([program.pk]))

    assert len(rows) == sessions
    assert {row[17:19] for row in rows} == {
        (f"Topic of {program.slug}", f"Goal of {program.slug}: Good progress")
    }
