"""Small builders for training tests: programs with steps, approved people, staff."""

from datetime import timedelta

from django.contrib.auth.models import Group
from django.utils import timezone

from mentoring.roles import COORDINATORS_GROUP
from programs.models import Application, Program
from tests.factories import ApplicationFactory, ProgramFactory, UserFactory
from training.models import QuizQuestion, StepCompletion, TrainingStep

K = TrainingStep.Kind


def make_program(**fields) -> Program:
    fields.setdefault("status", Program.Status.RUNNING)
    return ProgramFactory(**fields)


def make_person(program: Program, role: str = "mentor", *, days_ago: int = 0, **fields):
    """An approved application, decided `days_ago` days ago."""
    fields.setdefault("status", Application.Status.APPROVED)
    fields.setdefault("decided_at", timezone.now() - timedelta(days=days_ago))
    return ApplicationFactory(program=program, role=role, **fields)


def make_step(program: Program, kind: str = K.RESOURCE, **fields) -> TrainingStep:
    defaults = {
        K.RESOURCE: {"body": "Read the mentor handbook."},
        K.ACKNOWLEDGEMENT: {
            "body": "Be kind, be on time, keep confidences.",
            "statement": "I will follow the code of conduct.",
        },
        K.QUIZ: {"pass_mark": 70},
        K.WORKSHOP: {
            "starts_at": timezone.now() + timedelta(days=7),
            "ends_at": timezone.now() + timedelta(days=7, hours=2),
            "location": "Library, room 2",
        },
    }[kind]
    fields = {**defaults, **fields}
    fields.setdefault("position", program.training_steps.count() + 1)
    fields.setdefault("title", f"{kind.title()} {fields['position']}")
    step = TrainingStep(program=program, kind=kind, **fields)
    step.full_clean()
    step.save()
    return step


def make_quiz(program: Program, questions=None, **fields) -> TrainingStep:
    """A quiz with, by default, three one-answer questions whose first choice is right."""
    step = make_step(program, K.QUIZ, **fields)
    for n, (text, choices, kind) in enumerate(
        questions
        or [
            (f"Question {k}", "*Right\nWrong\nAlso wrong", QuizQuestion.Kind.SINGLE)
            for k in (1, 2, 3)
        ],
        start=1,
    ):
        question = QuizQuestion(step=step, position=n, text=text, choices=choices, kind=kind)
        question.full_clean()
        question.save()
    return step


def complete(step: TrainingStep, user, *, days_ago: int = 0) -> StepCompletion:
    return StepCompletion.objects.create(
        step=step, user=user, completed_at=timezone.now() - timedelta(days=days_ago)
    )


def make_coordinator(program: Program):
    user = UserFactory(is_staff=True)
    user.groups.add(Group.objects.get(name=COORDINATORS_GROUP))
    program.coordinators.add(user)
    return user


def right_answers(step: TrainingStep) -> dict[int, list[int]]:
    return {q.pk: sorted(q.correct_indexes) for q in step.questions.all()}


def quiz_post(answers: dict[int, list[int]]) -> dict[str, list[str]]:
    return {f"q{pk}": [str(i) for i in chosen] for pk, chosen in answers.items()}
