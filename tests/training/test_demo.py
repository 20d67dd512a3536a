import pytest

from tests.training.helpers import make_person, make_program
from training.demo import demo_training_seed
from training.models import QuizAttempt, StepCompletion
from training.selectors import training_progress, training_unready

pytestmark = pytest.mark.django_db


def test_the_demo_training_is_realistic_and_seeded_once():
    program = make_program()
    mentors = [make_person(program, "mentor", days_ago=20) for _ in range(4)]
    mentees = [make_person(program, "mentee", days_ago=20) for _ in range(3)]

    demo_training_seed(program=program, mentors=mentors, mentees=mentees)
    demo_training_seed(program=program, mentors=mentors, mentees=mentees)

    steps = list(program.training_steps.order_by("position"))
    assert [(s.kind, s.audience, s.required) for s in steps] == [
        ("resource", "mentors", True),
        ("acknowledgement", "both", True),
        ("quiz", "mentors", True),
        ("workshop", "mentors", True),
    ]
    assert (steps[2].pass_mark, steps[2].questions.count()) == (70, 3)
    for question in steps[2].questions.all():
        question.full_clean()
    progress = training_progress(program=program, applications=[*mentors, *mentees])
    assert [progress[a.pk] for a in mentors] == [(4, 4), (4, 4), (4, 4), (2, 4)]
    assert [progress[a.pk] for a in mentees] == [(1, 1), (1, 1), (0, 1)]
    assert training_unready(program=program, applications=mentors) == {mentors[-1].pk: (2, 4)}
    assert QuizAttempt.objects.filter(user=mentors[-1].user, passed=False).count() == 1
    assert StepCompletion.objects.count() == 4 * 3 + 2 + 2
