from datetime import timedelta

import pytest
from django.utils import timezone

from mentoring.schedules import DEFAULT_SCHEDULES
from notifications.models import Kind, Notification, NotificationPreference
from notifications.rendering import notification_render
from tests.training.helpers import K, complete, make_person, make_program, make_step
from training.services import training_reminders_queue
from training.tasks import training_daily

pytestmark = pytest.mark.django_db


def _reminders():
    return [
        (n.recipient, n.subject, n.program, n.context, n.idempotency_key.rsplit("|", 1)[1])
        for n in Notification.objects.filter(kind=Kind.TRAINING_REMINDER).order_by("pk")
    ]


@pytest.fixture
def cohort():
    program = make_program(name="Peer Mentors")
    late = make_person(program, "mentor", days_ago=10)
    fresh = make_person(program, "mentor", days_ago=1)
    done = make_person(program, "mentor", days_ago=10)
    mentee = make_person(program, "mentee", days_ago=10)
    handbook = make_step(program, K.RESOURCE, title="Handbook", due_days=7, audience="mentors")
    conduct = make_step(program, K.ACKNOWLEDGEMENT, title="Code of conduct", due_days=14)
    make_step(program, K.RESOURCE, title="Extra reading", required=False, due_days=1)
    for step in (handbook, conduct):
        complete(step, done.user)
    return program, late, fresh, done, mentee, handbook, conduct


def test_the_sweep_reminds_those_past_a_due_date_once_per_round(cohort):
    program, late, _fresh, _done, _mentee, _handbook, _conduct = cohort
    today = timezone.localdate()
    approved_on = timezone.localdate(late.decided_at)

    assert training_reminders_queue(today=today) == 1
    assert training_reminders_queue(today=today) == 0  # the hourly sweep again: nothing new
    assert training_reminders_queue(today=today + timedelta(days=3)) == 0  # same round

    assert _reminders() == [
        (
            late.user,
            late,
            program,
            {
                "steps": [
                    {"title": "Handbook", "due": (approved_on + timedelta(days=7)).isoformat()},
                    {
                        "title": "Code of conduct",
                        "due": (approved_on + timedelta(days=14)).isoformat(),
                    },
                ],
                "gates": True,
            },
            "round-1",
        )
    ]


def test_reminders_go_weekly_and_stop_after_three(cohort):
    _program, late, fresh, _done, mentee, *_ = cohort
    today = timezone.localdate()
    sent = [training_reminders_queue(today=today + timedelta(days=7 * week)) for week in range(5)]
    # Late's handbook was due 3 days ago, fresh's is due in 6 days, the mentee's code of
    # conduct (their only required step) in 4 days.
    assert sent == [1, 3, 3, 2, 0]
    assert [(r[0], r[4]) for r in _reminders()] == [
        (late.user, "round-1"),
        (late.user, "round-2"),
        (fresh.user, "round-1"),
        (mentee.user, "round-1"),
        (late.user, "round-3"),
        (fresh.user, "round-2"),
        (mentee.user, "round-2"),
        (fresh.user, "round-3"),
        (mentee.user, "round-3"),
    ]


def test_nobody_is_reminded_once_done_or_when_they_turned_reminders_off(cohort):
    _program, late, _fresh, _done, mentee, handbook, conduct = cohort
    complete(handbook, late.user)
    complete(conduct, late.user)
    NotificationPreference.objects.create(
        user=mentee.user, kind=Kind.TRAINING_REMINDER, enabled=False
    )
    assert training_reminders_queue(today=timezone.localdate() + timedelta(days=30)) == 0
    assert _reminders() == []


def test_a_closed_program_or_one_without_required_steps_sends_nothing():
    closed = make_program(status="closed")
    make_person(closed, "mentor", days_ago=30)
    make_step(closed, K.RESOURCE, due_days=1)
    optional = make_program()
    make_person(optional, "mentor", days_ago=30)
    make_step(optional, K.RESOURCE, due_days=1, required=False)
    assert training_reminders_queue(today=timezone.localdate()) == 0


def test_without_due_dates_the_first_reminder_comes_a_week_after_approval():
    program = make_program(training_gates_mentees=False)
    mentee = make_person(program, "mentee", days_ago=7)
    make_step(program, K.RESOURCE, title="Welcome pack")
    today = timezone.localdate()
    assert training_reminders_queue(today=today) == 0
    assert training_reminders_queue(today=today + timedelta(days=1)) == 1
    assert _reminders() == [
        (
            mentee.user,
            mentee,
            program,
            {"steps": [{"title": "Welcome pack", "due": ""}], "gates": False},
            "round-1",
        )
    ]


def test_a_person_in_both_roles_gets_one_reminder_for_the_program():
    program = make_program(allow_dual_role=True)
    mentor = make_person(program, "mentor", days_ago=20)
    make_person(program, "mentee", days_ago=20, user=mentor.user)
    make_step(program, K.RESOURCE, title="For mentors", audience="mentors", due_days=1)
    make_step(program, K.RESOURCE, title="For mentees", audience="mentees", due_days=1)
    assert training_reminders_queue(today=timezone.localdate()) == 1
    [(user, subject, _, context, _)] = _reminders()
    assert (user, subject, [s["title"] for s in context["steps"]]) == (
        mentor.user,
        mentor,
        ["For mentors", "For mentees"],
    )


def test_the_task_runs_the_sweep_and_is_scheduled_hourly(cohort):
    assert training_daily() == 1
    assert training_daily() == 0
    assert {
        "name": "Training: remind people of unfinished required steps",
        "task": "training.daily",
        "every_seconds": 3600,
    } in DEFAULT_SCHEDULES


def test_the_reminder_email_lists_the_steps_and_links_to_the_checklist(cohort):
    program, _late, *_ = cohort
    training_reminders_queue(today=timezone.localdate())
    email = notification_render(notification=Notification.objects.get())
    assert email.subject == "Training to finish for Peer Mentors"
    assert "- Handbook (due " in email.body
    assert "- Code of conduct (due " in email.body
    assert "You can be matched once they are done." in email.body
    assert f"/training/programs/{program.pk}/" in email.body
