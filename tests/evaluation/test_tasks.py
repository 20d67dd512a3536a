"""The evaluation's periodic tasks: safe to run twice, one bad program does not stop the rest."""

from datetime import timedelta
from unittest import mock

import pytest
from django.utils import timezone

from evaluation.models import CheckIn, RiskFlag, SurveyInvitation
from evaluation.tasks import evaluation_daily, evaluation_program_daily, weekly_digest
from notifications.models import Notification
from tests.evaluation.helpers import make_coordinator, make_pair, make_program, make_survey

pytestmark = pytest.mark.django_db


def test_daily_task_opens_check_ins_flags_and_nudges_once():
    match = make_pair(make_program(cadence_days=14, no_session_alert_days=30), days_ago=30)
    closed = make_pair(make_program(status="closed", cadence_days=14), days_ago=30)

    first = evaluation_daily()
    second = evaluation_daily()

    assert first == {"checkins": 2, "surveys": 0, "raised": 1, "cleared": 0, "nudges": 2}
    assert second == {"checkins": 0, "surveys": 0, "raised": 0, "cleared": 0, "nudges": 0}
    assert CheckIn.objects.filter(match=match).count() == 2
    assert CheckIn.objects.filter(match=closed).count() == 0
    assert list(RiskFlag.objects.values_list("match", "reason")) == [(match.pk, "no_session")]


def test_one_failing_program_does_not_stop_the_others():
    broken = make_pair(make_program(cadence_days=14), days_ago=30)
    fine = make_pair(make_program(cadence_days=14), days_ago=30)
    real = evaluation_program_daily.run

    def flaky(*, program_id):
        if program_id == broken.program_id:
            raise RuntimeError("boom")
        return real(program_id=program_id)

    with mock.patch("evaluation.tasks.evaluation_program_daily", side_effect=flaky):
        evaluation_daily()

    assert CheckIn.objects.filter(match=fine).count() == 2
    assert CheckIn.objects.filter(match=broken).count() == 0


def test_a_program_that_is_gone_is_skipped():
    assert evaluation_program_daily(program_id=987654) == {}


def test_weekly_digest_task_queues_one_digest_per_coordinator_per_week():
    match = make_pair(make_program(no_session_alert_days=30), days_ago=30)
    make_coordinator(match.program)
    evaluation_daily()

    assert (weekly_digest(), weekly_digest()) == (1, 0)
    assert Notification.objects.filter(kind="coordinator_digest").count() == 1


def test_a_program_closed_on_its_last_day_still_sends_its_end_survey():
    today = timezone.localdate()
    match = make_pair(
        make_program(
            status="closed",
            starts_on=today - timedelta(days=60),
            ends_on=today,
            cadence_days=14,
        ),
        days_ago=30,
    )
    end = make_survey(match.program, moment="end")

    assert evaluation_daily() == {
        "checkins": 0,
        "surveys": 2,
        "raised": 0,
        "cleared": 0,
        "nudges": 0,
    }
    assert SurveyInvitation.objects.filter(survey=end).count() == 2
