from datetime import time, timedelta

import pytest
from django.core import mail
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone

from matching.models import Match
from notifications.models import Notification
from notifications.services import notifications_deliver_due
from programs.models import Application, Program, Question
from programs.services import (
    application_decide,
    application_submit,
    application_update,
    application_withdraw,
    applications_decide,
    program_copy,
    program_transition,
)
from tests.factories import ApplicationFactory, UserFactory
from tests.programs.helpers import make_data, make_program

pytestmark = pytest.mark.django_db


def test_lifecycle_moves_forward_and_refuses_skips():
    program = make_program(status="draft")
    assert program_transition(program=program, to="enrolling").status == "enrolling"
    assert program_transition(program=program, to="running").status == "running"
    with pytest.raises(ValidationError, match="A running program cannot become draft"):
        program_transition(program=program, to="draft")
    assert program_transition(program=program, to="closed").status == "closed"
    with pytest.raises(ValidationError, match="A closed program cannot become enrolling"):
        program_transition(program=program, to="enrolling")
    assert Program.objects.get(pk=program.pk).status == "closed"


def test_enrolling_program_returns_to_draft_only_while_nobody_applied():
    program = make_program()
    application_submit(program=program, user=UserFactory(), data=make_data(program))
    with pytest.raises(ValidationError, match="People have applied already"):
        program_transition(program=program, to="draft")


def test_submit_stores_application_with_vocabulary_availability_and_answers():
    program = make_program()
    question = Question.objects.create(
        program=program, text="Years of study?", kind="number", min_value=0, max_value=10
    )
    user = UserFactory()
    data = make_data(program, answers={question: "3"})
    application = application_submit(program=program, user=user, data=data)
    assert (application.status, application.role) == ("applied", "mentee")
    assert [t.name for t in application.topics.all()] == ["Careers", "Research"]
    assert [str(w) for w in application.availability.all()] == ["Monday 17:00-19:00"]
    assert application.answers.get().value == 3


def test_submit_refuses_second_application_in_same_role():
    program = make_program()
    user = UserFactory()
    application_submit(program=program, user=user, data=make_data(program))
    with pytest.raises(ValidationError, match="You have already applied"):
        application_submit(program=program, user=user, data=make_data(program))
    assert Application.objects.count() == 1


def test_database_refuses_duplicate_application_even_without_the_service():
    application = ApplicationFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Application.objects.create(
            program=application.program, user=application.user, role=application.role
        )


def test_both_roles_only_in_a_reciprocal_program():
    program = make_program()
    user = UserFactory()
    application_submit(program=program, user=user, data=make_data(program))
    with pytest.raises(ValidationError, match="does not allow being both"):
        application_submit(program=program, user=user, data=make_data(program, "mentor"))
    peer = make_program(allow_dual_role=True)
    application_submit(program=peer, user=user, data=make_data(peer))
    assert application_submit(program=peer, user=user, data=make_data(peer, "mentor")).is_mentor


def test_mentor_in_one_program_and_mentee_in_another():
    first, second = make_program(), make_program()
    user = UserFactory()
    application_submit(program=first, user=user, data=make_data(first, "mentor"))
    application_submit(program=second, user=user, data=make_data(second, "mentee"))
    assert sorted(user.applications.values_list("role", flat=True)) == ["mentee", "mentor"]


@pytest.mark.parametrize(
    "fields",
    [
        # Functions of today, not dates: the collection may happen before midnight and the
        # test after it.
        lambda: {"status": "draft"},
        lambda: {"status": "closed"},
        lambda: {"enrollment_closes": timezone.localdate() - timedelta(days=1)},
        lambda: {"enrollment_opens": timezone.localdate() + timedelta(days=1)},
    ],
    ids=["draft", "closed", "closed yesterday", "opens tomorrow"],
)
def test_submit_refuses_programs_not_open_for_enrollment(fields):
    program = make_program(**fields())
    with pytest.raises(ValidationError, match="is not open for enrollment"):
        application_submit(program=program, user=UserFactory(), data=make_data(program))
    assert Application.objects.count() == 0


def test_submit_refuses_another_programs_topics():
    program, other = make_program(), make_program()
    data = make_data(program, topics=list(other.topics.all()))
    with pytest.raises(ValidationError, match="must come from this program"):
        application_submit(program=program, user=UserFactory(), data=data)
    assert Application.objects.count() == 0


def test_submit_refuses_out_of_bounds_number_answer_and_changes_nothing():
    program = make_program()
    question = Question.objects.create(
        program=program, text="Hours a week?", kind="number", min_value=1, max_value=5
    )
    data = make_data(program, answers={question: "99"})
    with pytest.raises(ValidationError, match="Hours a week\\?: Ensure this value is less"):
        application_submit(program=program, user=UserFactory(), data=data)
    assert Application.objects.count() == 0


def test_submit_refuses_window_ending_before_it_starts():
    program = make_program()
    data = make_data(program, availability=[(2, time(18), time(9))])
    with pytest.raises(ValidationError, match="must end after it starts"):
        application_submit(program=program, user=UserFactory(), data=data)
    assert Application.objects.count() == 0


def test_decision_is_emailed_with_the_reason():
    program = make_program()
    application = application_submit(program=program, user=UserFactory(), data=make_data(program))
    application_decide(application=application, status="declined", reason="Cohort is full.")
    assert notifications_deliver_due() == 1
    assert mail.outbox[0].to == [application.user.email]
    assert mail.outbox[0].subject == f"Your application to {program.name}"
    assert "The coordinator's note: Cohort is full." in mail.outbox[0].body
    assert Notification.objects.get().status == "sent"


def test_decline_without_reason_is_refused():
    application = ApplicationFactory()
    with pytest.raises(ValidationError, match="A reason is required"):
        application_decide(application=application, status="declined")
    application.refresh_from_db()
    assert application.status == "applied"


def test_bulk_decisions_skip_withdrawn_and_already_decided():
    program = make_program()
    apps = [ApplicationFactory(program=program) for _ in range(3)]
    application_withdraw(application=apps[0])
    application_decide(application=apps[1], status="approved")
    decisions = applications_decide(
        applications=Application.objects.filter(program=program), status="approved"
    )
    assert (decisions.changed, decisions.refused) == (1, [])
    assert sorted(Application.objects.values_list("status", flat=True)) == [
        "approved",
        "approved",
        "withdrawn",
    ]


def test_matched_application_cannot_be_edited_or_withdrawn():
    program = make_program()
    mentee = ApplicationFactory(program=program, status="approved")
    mentor = ApplicationFactory(program=program, role="mentor", status="approved")
    Match.objects.create(program=program, mentor=mentor, mentee=mentee)
    with pytest.raises(ValidationError, match="ask to end the match instead"):
        application_withdraw(application=mentee)
    with pytest.raises(ValidationError, match="can no longer be changed"):
        application_update(application=mentee, data=make_data(program))


def test_copy_program_keeps_settings_vocabulary_questions_and_coordinators():
    coordinator = UserFactory(is_staff=True)
    program = make_program(kind="informal", format="group", group_size=4, cadence_days=7)
    program.coordinators.add(coordinator)
    Question.objects.create(program=program, text="Why?", kind="long_text")
    copy = program_copy(program=program, name="Next cohort", slug="next-cohort")
    assert (copy.status, copy.kind, copy.format, copy.group_size, copy.cadence_days) == (
        "draft",
        "informal",
        "group",
        4,
        7,
    )
    assert list(copy.career_stages.values_list("name", "position")) == list(
        program.career_stages.values_list("name", "position")
    )
    assert list(copy.questions.values_list("text", flat=True)) == ["Why?"]
    assert list(copy.coordinators.all()) == [coordinator]
    assert copy.copied_from == program
