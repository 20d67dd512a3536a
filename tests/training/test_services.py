from datetime import timedelta

import pytest
from django.core.exceptions import ValidationError
from django.utils import timezone

from programs.services import program_copy
from tests.factories import UserFactory
from tests.training.helpers import (
    K,
    make_coordinator,
    make_person,
    make_program,
    make_quiz,
    make_step,
    right_answers,
)
from training.models import QuizAttempt, QuizQuestion, StepCompletion, TrainingStep
from training.selectors import training_checklists_for_user
from training.services import (
    quiz_attempt_submit,
    step_acknowledge,
    step_mark_done,
    workshop_attendance_set,
)

pytestmark = pytest.mark.django_db


def test_marking_a_resource_done_records_the_time_once():
    program = make_program()
    mentor = make_person(program, "mentor")
    step = make_step(program, K.RESOURCE)

    completion = step_mark_done(step=step, user=mentor.user)
    with pytest.raises(ValidationError) as second:
        step_mark_done(step=step, user=mentor.user)

    assert (completion.step, completion.user, completion.attempt) == (step, mentor.user, None)
    assert timezone.now() - completion.completed_at < timedelta(seconds=5)
    assert second.value.messages == ["You have already completed this step."]
    assert StepCompletion.objects.count() == 1


def test_a_step_for_mentors_cannot_be_completed_by_a_mentee_or_an_outsider():
    program = make_program()
    mentee = make_person(program, "mentee")
    step = make_step(program, K.RESOURCE, audience="mentors")
    for user in (mentee.user, UserFactory(), make_person(make_program(), "mentor").user):
        with pytest.raises(ValidationError) as refused:
            step_mark_done(step=step, user=user)
        assert refused.value.messages == ["This step is not part of your training."]
    assert StepCompletion.objects.count() == 0


def test_an_acknowledgement_needs_the_tick_and_is_recorded_once():
    program = make_program()
    mentor = make_person(program, "mentor")
    step = make_step(program, K.ACKNOWLEDGEMENT)

    with pytest.raises(ValidationError) as unticked:
        step_acknowledge(step=step, user=mentor.user, agreed=False)
    step_acknowledge(step=step, user=mentor.user, agreed=True)
    with pytest.raises(ValidationError) as twice:
        step_acknowledge(step=step, user=mentor.user, agreed=True)

    assert unticked.value.messages == ["Tick the statement to acknowledge it."]
    assert twice.value.messages == ["You have already completed this step."]
    assert StepCompletion.objects.filter(step=step, user=mentor.user).count() == 1


def test_a_resource_cannot_be_acknowledged_nor_a_workshop_marked_done_by_the_participant():
    program = make_program()
    mentor = make_person(program, "mentor")
    resource, workshop = make_step(program, K.RESOURCE), make_step(program, K.WORKSHOP)
    with pytest.raises(ValidationError, match="completed another way"):
        step_acknowledge(step=resource, user=mentor.user, agreed=True)
    with pytest.raises(ValidationError, match="completed another way"):
        step_mark_done(step=workshop, user=mentor.user)
    assert StepCompletion.objects.count() == 0


def test_the_quiz_is_scored_on_the_server_and_a_pass_completes_the_step():
    program = make_program()
    mentor = make_person(program, "mentor")
    quiz = make_quiz(program, pass_mark=70)
    first, second, third = quiz.questions.order_by("position")

    failed = quiz_attempt_submit(
        step=quiz, user=mentor.user, answers={first.pk: [0], second.pk: [1], third.pk: [2]}
    )
    passed = quiz_attempt_submit(step=quiz, user=mentor.user, answers=right_answers(quiz))

    assert (failed.number, failed.correct, failed.total, failed.score, failed.passed) == (
        1,
        1,
        3,
        33,
        False,
    )
    assert failed.wrong == [second.pk, third.pk]
    assert (passed.number, passed.correct, passed.score, passed.passed) == (2, 3, 100, True)
    assert StepCompletion.objects.get(step=quiz, user=mentor.user).attempt == passed


def test_the_pass_mark_is_exact_two_of_three_is_not_seventy_percent():
    program = make_program()
    mentor = make_person(program, "mentor")
    quiz = make_quiz(program, pass_mark=66)
    q1, q2, q3 = quiz.questions.order_by("position")
    attempt = quiz_attempt_submit(
        step=quiz, user=mentor.user, answers={q1.pk: [0], q2.pk: [0], q3.pk: [1]}
    )
    assert (attempt.score, attempt.passed) == (66, True)
    other = make_quiz(program, pass_mark=70)
    r1, r2, r3 = other.questions.order_by("position")
    attempt = quiz_attempt_submit(
        step=other, user=mentor.user, answers={r1.pk: [0], r2.pk: [0], r3.pk: [1]}
    )
    assert (attempt.score, attempt.passed) == (66, False)


def test_a_multiple_choice_question_needs_exactly_the_right_set():
    program = make_program()
    mentor = make_person(program, "mentor")
    quiz = make_quiz(
        program,
        questions=[("Which are true?", "*Listen\n*Ask\nLecture", QuizQuestion.Kind.MULTIPLE)],
        pass_mark=100,
    )
    question = quiz.questions.get()
    partial = quiz_attempt_submit(step=quiz, user=mentor.user, answers={question.pk: [0]})
    full = quiz_attempt_submit(step=quiz, user=mentor.user, answers={question.pk: [1, 0]})
    assert (partial.passed, full.passed) == (False, True)


def test_retries_are_limited_and_a_passed_quiz_cannot_be_taken_again():
    program = make_program()
    mentor, mentee = make_person(program, "mentor"), make_person(program, "mentee")
    quiz = make_quiz(program, max_attempts=2)
    wrong = {q.pk: [1] for q in quiz.questions.all()}
    for _ in range(2):
        quiz_attempt_submit(step=quiz, user=mentor.user, answers=wrong)
    with pytest.raises(ValidationError) as used_up:
        quiz_attempt_submit(step=quiz, user=mentor.user, answers=right_answers(quiz))
    quiz_attempt_submit(step=quiz, user=mentee.user, answers=right_answers(quiz))
    with pytest.raises(ValidationError) as passed:
        quiz_attempt_submit(step=quiz, user=mentee.user, answers=right_answers(quiz))

    assert used_up.value.messages == ["You have used all 2 attempts at this quiz."]
    assert passed.value.messages == ["You have already passed this quiz."]
    assert QuizAttempt.objects.filter(user=mentor.user).count() == 2
    assert QuizAttempt.objects.filter(user=mentee.user).count() == 1


def test_unlimited_attempts_keep_counting():
    program = make_program()
    mentor = make_person(program, "mentor")
    quiz = make_quiz(program, max_attempts=None)
    wrong = {q.pk: [2] for q in quiz.questions.all()}
    numbers = [
        quiz_attempt_submit(step=quiz, user=mentor.user, answers=wrong).number for _ in range(5)
    ]
    assert numbers == [1, 2, 3, 4, 5]


def test_answers_for_another_quiz_or_missing_answers_are_refused():
    program = make_program()
    mentor = make_person(program, "mentor")
    quiz, other = make_quiz(program), make_quiz(make_program())
    mixed = {**right_answers(quiz), **right_answers(other)}
    short = dict(list(right_answers(quiz).items())[:2])
    out_of_range = {pk: [7] for pk in right_answers(quiz)}
    two_for_one = {pk: [0, 1] for pk in right_answers(quiz)}

    messages = []
    for answers in (right_answers(other), mixed, short, out_of_range, two_for_one):
        with pytest.raises(ValidationError) as refused:
            quiz_attempt_submit(step=quiz, user=mentor.user, answers=answers)
        messages.append(refused.value.messages[0])

    assert messages == [
        "These answers are not for this quiz.",
        "These answers are not for this quiz.",
        "Answer every question.",
        "Answer every question with one of its choices.",
        "Choose one answer for “Question 1”.",
    ]
    assert QuizAttempt.objects.count() == 0


def test_a_quiz_of_another_program_cannot_be_answered():
    mentor = make_person(make_program(), "mentor")
    quiz = make_quiz(make_program())
    with pytest.raises(ValidationError) as refused:
        quiz_attempt_submit(step=quiz, user=mentor.user, answers=right_answers(quiz))
    assert refused.value.messages == ["This step is not part of your training."]
    assert QuizAttempt.objects.count() == 0


def test_workshop_attendance_adds_and_takes_off_and_only_for_its_audience():
    program = make_program()
    coordinator = make_coordinator(program)
    ana, ben = make_person(program, "mentor"), make_person(program, "mentor")
    mentee = make_person(program, "mentee")
    workshop = make_step(program, K.WORKSHOP, audience="mentors")

    assert workshop_attendance_set(step=workshop, users=[ana.user, ben.user], by=coordinator) == (
        2,
        0,
    )
    assert workshop_attendance_set(step=workshop, users=[ana.user], by=coordinator) == (0, 1)
    with pytest.raises(ValidationError) as refused:
        workshop_attendance_set(step=workshop, users=[mentee.user], by=coordinator)

    assert refused.value.messages == ["Only people this workshop is for can be recorded."]
    [completion] = StepCompletion.objects.filter(step=workshop)
    assert (completion.user, completion.recorded_by) == (ana.user, coordinator)


def test_due_dates_count_from_approval():
    program = make_program()
    mentor = make_person(program, "mentor", days_ago=10)
    step = make_step(program, K.RESOURCE, due_days=14)
    make_step(program, K.RESOURCE, due_days=None, required=False)
    late = make_step(program, K.RESOURCE, due_days=7)

    [checklist] = training_checklists_for_user(user=mentor.user)

    approved_on = timezone.localdate(mentor.decided_at)
    assert [(s.step, s.due, s.overdue) for s in checklist.steps] == [
        (step, approved_on + timedelta(days=14), False),
        (checklist.steps[1].step, None, False),
        (late, approved_on + timedelta(days=7), True),
    ]
    assert (checklist.done, checklist.required, checklist.percent) == (0, 2, 0)


def test_a_copied_program_carries_the_steps_and_quiz_questions_but_no_completions(
    settings, tmp_path
):
    settings.MEDIA_ROOT = tmp_path
    program = make_program()
    mentor = make_person(program, "mentor")
    handbook = make_step(program, K.RESOURCE, title="Handbook", link="https://example.org/h")
    quiz = make_quiz(program, title="Safeguarding quiz", max_attempts=3, due_days=10)
    make_step(program, K.ACKNOWLEDGEMENT, title="Code of conduct", audience="both")
    step_mark_done(step=handbook, user=mentor.user)

    copy = program_copy(program=program, name="Next year", slug="next-year")

    steps = list(copy.training_steps.order_by("position"))
    assert [(s.title, s.kind, s.position, s.audience) for s in steps] == [
        ("Handbook", "resource", 1, "both"),
        ("Safeguarding quiz", "quiz", 2, "both"),
        ("Code of conduct", "acknowledgement", 3, "both"),
    ]
    assert (steps[0].link, steps[1].max_attempts, steps[1].due_days) == (
        "https://example.org/h",
        3,
        10,
    )
    assert [(q.text, q.choices, q.kind) for q in steps[1].questions.all()] == [
        (q.text, q.choices, q.kind) for q in quiz.questions.all()
    ]
    assert StepCompletion.objects.filter(step__program=copy).count() == 0
    assert TrainingStep.objects.filter(program=program).count() == 3


def test_finishing_the_last_required_step_is_announced_once():
    from training.signals import training_finished

    program = make_program()
    coordinator = make_coordinator(program)
    mentor = make_person(program, "mentor")
    handbook = make_step(program, K.RESOURCE)
    make_step(program, K.RESOURCE, required=False)
    workshop = make_step(program, K.WORKSHOP, audience="mentors")
    heard = []

    def listener(sender, application, **kwargs):
        heard.append(application)

    training_finished.connect(listener)
    try:
        step_mark_done(step=handbook, user=mentor.user)
        assert heard == []
        workshop_attendance_set(step=workshop, users=[mentor.user], by=coordinator)
        assert heard == [mentor]
    finally:
        training_finished.disconnect(listener)
