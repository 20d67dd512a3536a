"""Export rows read in a fixed number of queries, however many sessions were logged; a small
export in one plain query, a larger one streamed whole."""

import pytest

from evaluation.selectors import exports
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


def _topics(program, count: int):
    Topic.objects.bulk_create(Topic(program=program, name=f"T{n:03}") for n in range(count))
    return Topic.objects.filter(program=program).order_by("-name").values_list("name", flat=True)


@pytest.mark.parametrize("count", [0, 1, 4])
def test_an_export_of_few_rows_is_read_with_one_plain_query(
    monkeypatch, django_assert_num_queries, count
):
    monkeypatch.setattr(exports, "FEW", 4)
    rows = _topics(make_program(), count)

    with django_assert_num_queries(1) as captured:
        read = list(exports._streamed(rows))

    assert read == [f"T{n:03}" for n in reversed(range(count))]
    assert "LIMIT 5" in captured.captured_queries[0]["sql"]


@pytest.mark.parametrize("count", [5, 23])
def test_an_export_of_more_rows_than_few_streams_every_row_once_in_order(
    monkeypatch, django_assert_num_queries, count
):
    monkeypatch.setattr(exports, "FEW", 4)
    monkeypatch.setattr(exports, "CHUNK", 3)
    rows = _topics(make_program(), count)

    # the first rows, then the whole query streamed from its start
    with django_assert_num_queries(2) as captured:
        read = list(exports._streamed(rows))

    assert read == [f"T{n:03}" for n in reversed(range(count))]
    assert "LIMIT" not in captured.captured_queries[1]["sql"]


def test_a_session_export_past_few_rows_has_each_logs_topics_and_progress(monkeypatch):
    monkeypatch.setattr(exports, "FEW", 2)
    monkeypatch.setattr(exports, "CHUNK", 2)
    program = make_program()
    _logged(program, 5)

    rows = list(session_rows([program.pk]))

    assert len({row[1] for row in rows}) == len(rows) == 5
    assert {row[17:19] for row in rows} == {
        (f"Topic of {program.slug}", f"Goal of {program.slug}: Good progress")
    }
