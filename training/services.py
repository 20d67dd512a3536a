"""Writes: completing steps, quiz attempts (scored here, never in the browser), workshop
attendance, reminders of unfinished training, and copying a program's training."""

import logging
from collections.abc import Iterable
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from mentoring.services import model_field_values
from notifications.models import Kind
from notifications.services import notification_queue
from programs.models import Application, Program
from training.models import (
    QuizAttempt,
    QuizQuestion,
    StepCompletion,
    TrainingStep,
    training_upload_path,
)
from training.selectors import due_on, gated_roles, training_progress
from training.signals import training_finished

logger = logging.getLogger(__name__)
K = TrainingStep.Kind

#: Reminders: the first the day after the earliest due date of a required step left (or this
#: many days after approval when no step left has a due date), then weekly, at most this many.
REMINDER_DEFAULT_DAYS = 7
REMINDER_EVERY_DAYS = 7
REMINDER_ROUNDS = 3


def trainee_applications(*, step: TrainingStep, user) -> list[Application]:
    """The user's approved applications in the step's program that the step is for."""
    applications = Application.objects.filter(
        program_id=step.program_id, user=user, status=Application.Status.APPROVED
    )
    return [a for a in applications if step.applies_to(a.role)]


def _check_trainee(step: TrainingStep, user) -> None:
    if not trainee_applications(step=step, user=user):
        raise ValidationError(_("This step is not part of your training."))


def _complete(*, step: TrainingStep, user, attempt=None, by=None, at=None) -> StepCompletion:
    try:
        with transaction.atomic():
            completion = StepCompletion.objects.create(
                step=step,
                user=user,
                completed_at=at or timezone.now(),
                attempt=attempt,
                recorded_by=by,
            )
            _announce_finished(step, [user.pk])
    except IntegrityError:
        raise ValidationError(_("You have already completed this step.")) from None
    return completion


def _announce_finished(step: TrainingStep, user_ids: list[int]) -> None:
    """Send `training_finished` for the applications this required step just completed."""
    if not step.required or not user_ids:
        return
    applications = list(
        Application.objects.filter(
            program_id=step.program_id, user_id__in=user_ids, status=Application.Status.APPROVED
        ).select_related("program", "user")
    )
    applications = [a for a in applications if step.applies_to(a.role)]
    if not applications:
        return
    progress = training_progress(program=applications[0].program, applications=applications)
    for application in applications:
        done, required = progress[application.pk]
        if done == required:
            training_finished.send(sender=TrainingStep, application=application)


def step_mark_done(*, step: TrainingStep, user) -> StepCompletion:
    """A participant has read or watched a resource: record it with the time. Completing a
    step twice is refused (ValidationError); nothing is sent."""
    if step.kind != K.RESOURCE:
        raise ValidationError(_("This step is completed another way."))
    _check_trainee(step, user)
    return _complete(step=step, user=user)


def step_acknowledge(*, step: TrainingStep, user, agreed: bool) -> StepCompletion:
    """A participant ticks the statement of an acknowledgement (a code of conduct): recorded
    with the time. Not ticked, or already acknowledged: ValidationError."""
    if step.kind != K.ACKNOWLEDGEMENT:
        raise ValidationError(_("This step is completed another way."))
    if not agreed:
        raise ValidationError(_("Tick the statement to acknowledge it."))
    _check_trainee(step, user)
    return _complete(step=step, user=user)


def attempts_left(*, step: TrainingStep, used: int) -> int | None:
    """Attempts the person still has at the quiz (None: unlimited)."""
    return None if step.max_attempts is None else max(0, step.max_attempts - used)


def _score(questions: list[QuizQuestion], answers: dict[int, list[int]]) -> list[int]:
    """Ids of the questions answered wrongly; refuses answers that are not for this quiz."""
    by_id = {q.pk: q for q in questions}
    if set(answers) != set(by_id):
        if set(answers) - set(by_id):
            raise ValidationError(_("These answers are not for this quiz."))
        raise ValidationError(_("Answer every question."))
    wrong = []
    for question in questions:
        chosen = set(answers[question.pk])
        if not chosen or any(not 0 <= i < len(question.choice_list) for i in chosen):
            raise ValidationError(_("Answer every question with one of its choices."))
        if question.kind == QuizQuestion.Kind.SINGLE and len(chosen) > 1:
            raise ValidationError(_("Choose one answer for “%(q)s”.") % {"q": question.text})
        if chosen != question.correct_indexes:
            wrong.append(question.pk)
    return wrong


def quiz_attempt_submit(*, step: TrainingStep, user, answers: dict[int, list[int]]) -> QuizAttempt:
    """Score one attempt at a quiz and record it; a pass completes the step.

    `answers` maps each of the quiz's question ids to the chosen choice indexes. Refused
    (ValidationError, nothing recorded): a step that is not a quiz or not the person's, a
    quiz already passed, no attempts left, answers for questions of another quiz or missing.
    The attempt number is unique per person and quiz, so two submissions at once cannot both
    take the last attempt."""
    if step.kind != K.QUIZ:
        raise ValidationError(_("This step is not a quiz."))
    _check_trainee(step, user)
    questions = list(step.questions.order_by("position", "pk"))
    if not questions:
        raise ValidationError(_("This quiz has no questions yet."))
    with transaction.atomic():
        if StepCompletion.objects.filter(step=step, user=user).exists():
            raise ValidationError(_("You have already passed this quiz."))
        used = QuizAttempt.objects.filter(step=step, user=user).count()
        if attempts_left(step=step, used=used) == 0:
            raise ValidationError(
                ngettext(
                    "You have used your %(n)d attempt at this quiz.",
                    "You have used all %(n)d attempts at this quiz.",
                    step.max_attempts,
                )
                % {"n": step.max_attempts}
            )
        wrong = _score(questions, answers)
        correct, total = len(questions) - len(wrong), len(questions)
        now = timezone.now()
        try:
            with transaction.atomic():
                attempt = QuizAttempt.objects.create(
                    step=step,
                    user=user,
                    number=used + 1,
                    answers={str(k): sorted(v) for k, v in answers.items()},
                    wrong=wrong,
                    correct=correct,
                    total=total,
                    score=correct * 100 // total,
                    passed=correct * 100 >= step.pass_mark * total,
                    submitted_at=now,
                )
        except IntegrityError:
            raise ValidationError(_("This attempt was already submitted.")) from None
        if attempt.passed:
            _complete(step=step, user=user, attempt=attempt, at=now)
    return attempt


@transaction.atomic
def workshop_attendance_set(*, step: TrainingStep, users: Iterable, by) -> tuple[int, int]:
    """Record who came to a workshop: `users` (people the step is for) completed it now,
    recorded by `by`; people recorded before and not in `users` are taken off. Returns
    (added, removed). Nothing is sent."""
    if step.kind != K.WORKSHOP:
        raise ValidationError(_("Attendance is recorded for workshops only."))
    from training.selectors import step_participants

    wanted = {u.pk for u in users}
    allowed = set(step_participants(step=step).values_list("pk", flat=True))
    if wanted - allowed:
        raise ValidationError(_("Only people this workshop is for can be recorded."))
    present = set(step.completions.values_list("user_id", flat=True))
    now = timezone.now()
    StepCompletion.objects.bulk_create(
        [
            StepCompletion(step=step, user_id=pk, completed_at=now, recorded_by=by)
            for pk in sorted(wanted - present)
        ]
    )
    _announce_finished(step, sorted(wanted - present))
    removed, _count = step.completions.filter(user_id__in=present - wanted).delete()
    return len(wanted - present), removed


# --- copying a program ---------------------------------------------------------------------


def training_copy_to_program(*, source: Program, copy: Program) -> int:
    """Give `copy` every training step of `source` (all fields, files copied to new stored
    files) with its quiz questions; completions and attempts stay behind. Returns the
    number of steps copied."""
    steps = list(source.training_steps.prefetch_related("questions").order_by("position", "pk"))
    for step in steps:
        copied = TrainingStep(**model_field_values(step, exclude=["program", "file"]), program=copy)
        if step.file:
            copied.file = _copy_file(step, copied)
        copied.save()
        QuizQuestion.objects.bulk_create(
            QuizQuestion(**model_field_values(q, exclude=["step"]), step=copied)
            for q in step.questions.all()
        )
    return len(steps)


def _copy_file(step: TrainingStep, copied: TrainingStep) -> str:
    storage = step.file.storage
    try:
        with storage.open(step.file.name, "rb") as content:
            return storage.save(training_upload_path(copied, step.file.name), content)
    except OSError:
        # A copy without the file is better than no copy; the coordinator uploads it again.
        logger.warning("Training file %s is missing; step %s copied without it", step.file, step)
        return ""


# --- reminders -----------------------------------------------------------------------------


def _round(today: date, first: date) -> int | None:
    """Which reminder round `today` is in (0, 1, ...), or None before the first."""
    if today <= first:
        return None
    return (today - first - timedelta(days=1)).days // REMINDER_EVERY_DAYS


def training_reminders_queue_program(*, program: Program, today: date | None = None) -> int:
    """Queue a training reminder for each approved participant of `program` with required
    steps left: the day after the earliest due date among them passes (or REMINDER_DEFAULT_DAYS
    after approval when none is due), then weekly, REMINDER_ROUNDS at most. At most one per
    person and round (the round is in the ledger key, so sweeping again sends nothing new).
    Returns how many reminders it newly queued."""
    today = today or timezone.localdate()
    steps = list(program.training_steps.filter(required=True).order_by("position", "pk"))
    if not steps:
        return 0
    done = set(StepCompletion.objects.filter(step__in=steps).values_list("user_id", "step_id"))
    people: dict[int, list[Application]] = {}
    for application in (
        Application.objects.filter(program=program, status=Application.Status.APPROVED)
        .select_related("user")
        .order_by("pk")
    ):
        people.setdefault(application.user_id, []).append(application)
    started, queued = timezone.now(), 0
    for user_id, applications in people.items():
        notification = _remind(program, steps, done, user_id, applications, today)
        queued += notification is not None and notification.created_at >= started
    return queued


def _remind(program, steps, done, user_id, applications, today):
    left = []
    for step in steps:
        mine = [a for a in applications if step.applies_to(a.role)]
        if mine and (user_id, step.pk) not in done:
            decided = min((a.decided_at for a in mine if a.decided_at), default=None)
            left.append((step, mine, due_on(step=step, decided_at=decided)))
    if not left:
        return None
    dates = [due for _, _, due in left if due is not None]
    approved = [a.decided_at for _, mine, _ in left for a in mine if a.decided_at]
    if dates:
        first = min(dates)
    elif approved:
        first = timezone.localdate(min(approved)) + timedelta(days=REMINDER_DEFAULT_DAYS)
    else:
        return None
    round_ = _round(today, first)
    if round_ is None or round_ >= REMINDER_ROUNDS:
        return None
    concerned = {a.pk: a for _, mine, _ in left for a in mine}
    subject = concerned[min(concerned)]
    gated = gated_roles(program)
    return notification_queue(
        kind=Kind.TRAINING_REMINDER,
        to=subject.user,
        subject=subject,
        program=program,
        context={
            "steps": [
                {"title": step.title, "due": due.isoformat() if due else ""}
                for step, _, due in left
            ],
            "gates": any(a.role in gated for a in concerned.values()),
        },
        key_extra=f"round-{round_ + 1}",
    )


def training_reminders_queue(*, today: date | None = None) -> int:
    """The daily sweep: training reminders for every enrolling or running program."""
    total = 0
    for program in Program.objects.filter(
        status__in=[Program.Status.ENROLLING, Program.Status.RUNNING]
    ).order_by("pk"):
        total += training_reminders_queue_program(program=program, today=today)
    return total
