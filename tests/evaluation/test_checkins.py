"""Check-ins at the program's cadence: opened once per period, answered once."""

from datetime import datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from evaluation.models import CheckIn
from evaluation.services import checkin_answer, checkins_create_due
from matching.models import Match
from notifications.models import Notification
from tests.evaluation.helpers import make_pair, make_program

pytestmark = pytest.mark.django_db


def _opened(match) -> list[tuple]:
    return sorted(match.checkins.values_list("application_id", "opens_on", "due_on"))


def test_the_first_check_in_opens_one_cadence_after_the_match_started():
    today = timezone.localdate()
    early = make_pair(make_program(cadence_days=14), days_ago=13)
    due = make_pair(make_program(cadence_days=14), days_ago=14)

    assert checkins_create_due(program=early.program, today=today) == 0
    assert checkins_create_due(program=due.program, today=today) == 2
    assert _opened(due) == sorted(
        [
            (due.mentor_id, today, today + timedelta(days=7)),
            (due.mentee_id, today, today + timedelta(days=7)),
        ]
    )


def test_opening_check_ins_is_idempotent():
    match = make_pair(make_program(cadence_days=14), days_ago=20)
    today = timezone.localdate()
    checkins_create_due(program=match.program, today=today)

    assert checkins_create_due(program=match.program, today=today) == 0
    assert checkins_create_due(program=match.program, today=today + timedelta(days=13)) == 0
    assert CheckIn.objects.count() == 2
    assert Notification.objects.filter(kind="checkin_invitation").count() == 2


def test_the_next_check_in_opens_a_cadence_after_the_last_one():
    match = make_pair(make_program(cadence_days=14), days_ago=14)
    today = timezone.localdate()
    checkins_create_due(program=match.program, today=today)

    assert checkins_create_due(program=match.program, today=today + timedelta(days=14)) == 2
    assert sorted(set(match.checkins.values_list("opens_on", flat=True))) == [
        today,
        today + timedelta(days=14),
    ]


def test_a_short_cadence_shortens_the_answer_window():
    match = make_pair(make_program(cadence_days=3), days_ago=3)
    today = timezone.localdate()

    checkins_create_due(program=match.program, today=today)

    assert set(match.checkins.values_list("due_on", flat=True)) == {today + timedelta(days=3)}


def test_check_in_email_goes_now_and_a_reminder_two_days_before_it_closes():
    match = make_pair(make_program(cadence_days=14), days_ago=14)
    match.mentee.user.time_zone = "America/New_York"
    match.mentee.user.save()
    today = timezone.localdate()

    checkins_create_due(program=match.program, today=today)

    checkin = match.checkins.get(application=match.mentee)
    reminder = Notification.objects.get(kind="checkin_reminder", recipient=match.mentee.user)
    assert reminder.subject == checkin
    assert reminder.due_at == datetime.combine(
        today + timedelta(days=5), time(9), tzinfo=ZoneInfo("America/New_York")
    )
    assert Notification.objects.get(
        kind="checkin_invitation", recipient=match.mentee.user
    ).subject == (checkin)


def test_no_check_ins_for_ended_matches_or_after_the_program_ended():
    today = timezone.localdate()
    ended = make_pair(days_ago=30)
    Match.objects.filter(pk=ended.pk).update(status="ended", ended_at=timezone.now())
    over = make_pair(make_program(ends_on=today - timedelta(days=1)), days_ago=30)

    assert checkins_create_due(program=ended.program, today=today) == 0
    assert checkins_create_due(program=over.program, today=today) == 0


def test_the_database_refuses_a_second_check_in_for_the_same_person_and_day():
    match = make_pair(days_ago=30)
    today = timezone.localdate()
    fields = {"match": match, "application": match.mentee, "opens_on": today, "due_on": today}
    CheckIn.objects.create(**fields)

    with pytest.raises(IntegrityError), transaction.atomic():
        CheckIn.objects.create(**fields)


def _open_checkin(**program_fields):
    match = make_pair(make_program(**program_fields), days_ago=14)
    checkins_create_due(program=match.program, today=timezone.localdate())
    return match.checkins.get(application=match.mentee)


def test_answering_a_check_in_stores_the_answer_and_cancels_the_reminder():
    checkin = _open_checkin()

    checkin_answer(checkin=checkin, score=4, met=True, blocking="  Exams in May  ")

    checkin.refresh_from_db()
    assert (checkin.score, checkin.met, checkin.blocking) == (4, True, "Exams in May")
    assert checkin.answered_at is not None
    reminder = Notification.objects.get(kind="checkin_reminder", subject_id=checkin.pk)
    assert reminder.status == "cancelled"


def test_a_check_in_is_answered_once():
    checkin = _open_checkin()
    checkin_answer(checkin=checkin, score=4, met=True)

    with pytest.raises(ValidationError) as error:
        checkin_answer(checkin=checkin, score=1, met=False)

    assert error.value.messages == ["You have already answered this check-in."]
    checkin.refresh_from_db()
    assert (checkin.score, checkin.met) == (4, True)


@pytest.mark.parametrize("score", [0, 6])
def test_a_score_outside_1_to_5_is_refused(score):
    checkin = _open_checkin()

    with pytest.raises(ValidationError):
        checkin_answer(checkin=checkin, score=score, met=True)

    checkin.refresh_from_db()
    assert (checkin.score, checkin.answered_at) == (None, None)


def test_blocking_text_is_limited_to_1000_characters():
    checkin = _open_checkin()

    with pytest.raises(ValidationError) as error:
        checkin_answer(checkin=checkin, score=3, met=True, blocking="x" * 1001)

    assert error.value.message_dict == {
        "blocking": ["Ensure this value has at most 1000 characters (it has 1001)."]
    }


def test_a_closed_check_in_cannot_be_answered():
    checkin = _open_checkin()

    with pytest.raises(ValidationError) as error:
        checkin_answer(checkin=checkin, score=3, met=True, today=checkin.due_on + timedelta(days=1))

    assert error.value.messages == [
        f"This check-in closed on {checkin.due_on.day} {checkin.due_on:%B %Y}."
    ]


def test_the_database_refuses_an_out_of_range_score():
    checkin = _open_checkin()

    with pytest.raises(IntegrityError), transaction.atomic():
        CheckIn.objects.filter(pk=checkin.pk).update(score=9, met=True, answered_at=timezone.now())


def test_a_round_opened_now_skips_the_cadence_and_invites_everyone_without_one_open():
    program = make_program(cadence_days=14)
    fresh = make_pair(program, days_ago=1)  # the cadence would wait 13 more days
    answered_early = make_pair(program, days_ago=20)
    today = timezone.localdate()
    checkins_create_due(program=program, today=today - timedelta(days=3))  # opens the second
    checkin_answer(checkin=answered_early.checkins.first(), score=4, met=True, today=today)

    assert checkins_create_due(program=program, today=today, start_round=True) == 2
    assert _opened(fresh) == sorted(
        [
            (fresh.mentor_id, today, today + timedelta(days=7)),
            (fresh.mentee_id, today, today + timedelta(days=7)),
        ]
    )
    assert answered_early.checkins.filter(opens_on=today).count() == 0  # theirs is still open
    invited = Notification.objects.filter(kind="checkin_invitation")
    assert sorted(invited.values_list("recipient", flat=True)) == sorted(
        a.user_id for m in (fresh, answered_early) for a in (m.mentor, m.mentee)
    )


def test_opening_a_round_twice_opens_and_sends_nothing_more():
    program = make_program(cadence_days=14)
    pair = make_pair(program, days_ago=1)
    today = timezone.localdate()
    checkins_create_due(program=program, today=today, start_round=True)

    assert checkins_create_due(program=program, today=today, start_round=True) == 0
    assert (
        checkins_create_due(program=program, today=today + timedelta(days=7), start_round=True) == 0
    )
    assert pair.checkins.count() == 2
    assert Notification.objects.filter(kind="checkin_invitation").count() == 2
    # Once the round has closed a new one can start; the daily run counts from the round.
    assert checkins_create_due(program=program, today=today + timedelta(days=13)) == 0
    assert checkins_create_due(program=program, today=today + timedelta(days=14)) == 2


def test_no_round_opens_after_the_program_ended():
    program = make_program(cadence_days=14, ends_on=timezone.localdate() - timedelta(days=1))
    make_pair(program, days_ago=30)

    assert checkins_create_due(program=program, start_round=True) == 0
    assert CheckIn.objects.count() == 0
