import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from programs.models import Application
from tests.training.helpers import K, complete, make_person, make_program, make_step
from training.models import StepCompletion
from training.selectors import (
    application_training_unready,
    completion_export,
    completion_table,
    training_progress,
    training_unready,
)

pytestmark = pytest.mark.django_db


@pytest.fixture
def cohort():
    program = make_program()
    steps = {
        "handbook": make_step(program, K.RESOURCE, title="Handbook", audience="mentors"),
        "conduct": make_step(program, K.ACKNOWLEDGEMENT, title="Conduct", audience="both"),
        "quiz": make_step(program, K.RESOURCE, title="Safeguarding", audience="mentors"),
        "extra": make_step(program, K.RESOURCE, title="Extra", audience="both", required=False),
        "welcome": make_step(program, K.RESOURCE, title="Welcome", audience="mentees"),
    }
    people = {
        "ana": make_person(program, "mentor"),
        "ben": make_person(program, "mentor"),
        "cat": make_person(program, "mentee"),
        "dan": make_person(program, "mentee"),
    }
    for step in ("handbook", "conduct", "quiz"):
        complete(steps[step], people["ana"].user)
    for step in ("handbook", "extra"):
        complete(steps[step], people["ben"].user)
    complete(steps["conduct"], people["cat"].user)
    return program, steps, people


def test_progress_counts_required_steps_of_each_role(cohort):
    program, _steps, people = cohort
    progress = training_progress(program=program, applications=list(people.values()))
    assert progress == {
        people["ana"].pk: (3, 3),
        people["ben"].pk: (1, 3),
        people["cat"].pk: (1, 2),
        people["dan"].pk: (0, 2),
    }


def test_unready_lists_only_gated_roles_with_steps_left(cohort):
    program, _steps, people = cohort
    applications = Application.objects.filter(program=program)
    assert training_unready(program=program, applications=applications) == {
        people["ben"].pk: (1, 3)
    }
    program.training_gates_mentees = True
    assert training_unready(program=program, applications=applications) == {
        people["ben"].pk: (1, 3),
        people["cat"].pk: (1, 2),
        people["dan"].pk: (0, 2),
    }
    program.training_gates_mentors = program.training_gates_mentees = False
    assert training_unready(program=program, applications=applications) == {}


def test_the_single_application_helper_agrees(cohort):
    _program, _steps, people = cohort
    assert application_training_unready(application=people["ben"]) == (1, 3)
    assert application_training_unready(application=people["ana"]) is None
    assert application_training_unready(application=people["dan"]) is None  # mentees not gated


def test_a_program_without_required_steps_holds_nobody_back():
    program = make_program()
    mentor = make_person(program, "mentor")
    make_step(program, K.RESOURCE, required=False)
    assert training_unready(program=program, applications=[mentor]) == {}


def test_completions_in_another_program_do_not_count(cohort):
    program, _steps, people = cohort
    other = make_program()
    make_person(other, "mentor", user=people["ben"].user)
    for _ in range(3):
        complete(make_step(other, K.RESOURCE, audience="mentors"), people["ben"].user)
    assert training_unready(program=program, applications=[people["ben"]]) == {
        people["ben"].pk: (1, 3)
    }


@pytest.mark.parametrize("size", [2, 40])
def test_unready_takes_two_queries_whatever_the_size(size):
    program = make_program()
    steps = [make_step(program, K.RESOURCE, audience="mentors") for _ in range(3)]
    mentors = [make_person(program, "mentor") for _ in range(size)]
    for mentor in mentors[::2]:
        complete(steps[0], mentor.user)
    with CaptureQueriesContext(connection) as queries:
        held = training_unready(program=program, applications=mentors)
    assert len(queries) == 2
    assert len(held) == size
    assert held[mentors[0].pk] == (1, 3) and held[mentors[1].pk] == (0, 3)


def test_the_completion_table_and_its_export(cohort):
    program, steps, people = cohort
    for key, name in (("ana", "Ana Ade"), ("ben", "Ben Bo"), ("cat", "Cat Cy"), ("dan", "Dan Do")):
        people[key].user.display_name = name
        people[key].user.save(update_fields=["display_name"])
    make_person(program, "mentor", status="applied")  # not approved: not in the table

    table = completion_table(program=program)
    header, rows = completion_export(program=program)

    assert [s.title for s in table.steps] == [
        "Handbook",
        "Conduct",
        "Safeguarding",
        "Extra",
        "Welcome",
    ]
    assert [(r.application, r.done, r.required) for r in table.rows] == [
        (people["ana"], 3, 3),
        (people["ben"], 1, 3),
        (people["cat"], 1, 2),
        (people["dan"], 0, 2),
    ]
    assert header == [
        "Name",
        "Email",
        "Role",
        "Required done",
        "Required steps",
        "1. Handbook",
        "2. Conduct",
        "3. Safeguarding",
        "4. Extra",
        "5. Welcome",
    ]
    at = {(c.user_id, c.step_id): c.completed_at for c in StepCompletion.objects.all()}

    def when(person, step):
        return at[(people[person].user_id, steps[step].pk)]

    assert rows == [
        ["Ana Ade", people["ana"].user.email, "mentor", 3, 3,
         when("ana", "handbook"), when("ana", "conduct"), when("ana", "quiz"), "", "n/a"],
        ["Ben Bo", people["ben"].user.email, "mentor", 1, 3,
         when("ben", "handbook"), "", "", when("ben", "extra"), "n/a"],
        ["Cat Cy", people["cat"].user.email, "mentee", 1, 2,
         "n/a", when("cat", "conduct"), "n/a", "", ""],
        ["Dan Do", people["dan"].user.email, "mentee", 0, 2, "n/a", "", "n/a", "", ""],
    ]  # fmt: skip


def test_a_gated_role_without_required_steps_is_answered_without_reading_the_people():
    program = make_program()  # gates mentors
    for _ in range(3):
        make_person(program, "mentor")
    make_step(program, K.RESOURCE, audience="mentors", required=False)
    make_step(program, K.RESOURCE, audience="mentees")
    everyone = Application.objects.filter(program=program, role="mentor")

    with CaptureQueriesContext(connection) as queries:
        held = training_unready(program=program, applications=everyone)

    assert held == {}
    assert len(queries) == 1 and "training_trainingstep" in queries[0]["sql"]


def test_a_queryset_of_people_is_counted_as_a_list_of_them_is(cohort):
    program, _steps, people = cohort
    everyone = Application.objects.filter(program=program)

    with CaptureQueriesContext(connection) as queries:
        held = training_unready(program=program, applications=everyone)

    assert held == training_unready(program=program, applications=list(people.values()))
    assert held and len(queries) == 3  # the steps, the people, their completions
