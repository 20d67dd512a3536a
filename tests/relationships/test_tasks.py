"""The hourly relationships round: thin tasks over the closure and reminder services."""

from datetime import timedelta
from unittest import mock

import pytest

from matching.models import Match
from mentoring.schedules import DEFAULT_SCHEDULES
from notifications.models import Kind, Notification
from relationships import tasks
from tests.relationships.helpers import make_application, make_pair, make_program, today

pytestmark = pytest.mark.django_db


def _kinds():
    return sorted(Notification.objects.values_list("kind", "recipient__display_name"))


def test_the_round_closes_ended_programs_and_reminds_new_pairs_once():
    ended = make_program(starts_on=today() - timedelta(days=90), ends_on=today() - timedelta(1))
    closing = make_pair(ended, days_ago=60)
    running = make_program()
    make_pair(
        running,
        days_ago=1,
        mentor=make_application(running, "mentor", name="Lee Mentor"),
        mentee=make_application(running, name="Kim Mentee"),
    )
    make_program(ends_on=today() - timedelta(days=3))  # ended, but no active match

    first = tasks.relationships_daily()
    second = tasks.relationships_daily()

    assert first == {"closed": 1, "reminders": 2}
    assert second == {"closed": 0, "reminders": 0}
    assert Match.objects.get(pk=closing.pk).end_reason == "program_ended"
    assert _kinds() == [
        (Kind.AGREEMENT_REMINDER, "Kim Mentee"),
        (Kind.AGREEMENT_REMINDER, "Lee Mentor"),
        (Kind.MATCH_CLOSING, "Ana Mentee"),
        (Kind.MATCH_CLOSING, "Mo Mentor"),
    ]


def test_one_program_failing_does_not_stop_the_others(caplog):
    first = make_program(ends_on=today() - timedelta(days=1))
    second = make_program(ends_on=today() - timedelta(days=1))
    for program in (first, second):
        make_pair(
            program,
            days_ago=30,
            mentor=make_application(program, "mentor"),
            mentee=make_application(program),
        )
    real = tasks.program_relationships_daily

    def flaky(*, program, **kwargs):
        if program.pk == first.pk:
            raise RuntimeError("boom")
        return real(program=program, **kwargs)

    with mock.patch.object(tasks, "program_relationships_daily", flaky):
        totals = tasks.relationships_daily()

    assert totals == {"closed": 1, "reminders": 0}
    assert list(Match.objects.order_by("program_id").values_list("status", flat=True)) == [
        "active",
        "ended",
    ]
    assert f"Daily relationships round failed for program {first.pk}" in caplog.text


def test_a_program_gone_is_skipped():
    assert tasks.relationships_program_daily(program_id=987654) == {}


def test_the_round_is_scheduled_hourly():
    [entry] = [e for e in DEFAULT_SCHEDULES if e["task"] == "relationships.daily"]

    assert entry["every_seconds"] == 3600
    assert tasks.relationships_daily.name == "relationships.daily"
