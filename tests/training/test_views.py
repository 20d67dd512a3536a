"""Participants' training pages and the staff completion table: access, actions, queries."""

import io
from datetime import timedelta

import pytest
from django.core.files.base import ContentFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from openpyxl import load_workbook

from tests.factories import UserFactory
from tests.training.helpers import (
    K,
    complete,
    make_coordinator,
    make_person,
    make_program,
    make_quiz,
    make_step,
    quiz_post,
    right_answers,
)
from training.models import QuizAttempt, StepCompletion

pytestmark = pytest.mark.django_db


def _step(step) -> str:
    return reverse("training:step", args=[step.pk])


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def test_the_checklist_shows_the_steps_for_my_role_with_progress(client):
    program = make_program(name="Peer Mentors")
    mentor = make_person(program, "mentor")
    handbook = make_step(program, K.RESOURCE, title="Handbook", audience="mentors")
    make_step(program, K.RESOURCE, title="Welcome for mentees", audience="mentees")
    make_step(program, K.ACKNOWLEDGEMENT, title="Code of conduct", due_days=30)
    complete(handbook, mentor.user)
    client.force_login(mentor.user)

    body = client.get(reverse("training:checklist", args=[program.pk])).content.decode()

    assert "Training for Peer Mentors" in body
    assert "1 of 2 required steps done" in body
    assert "Handbook" in body and "Code of conduct" in body
    assert "Welcome for mentees" not in body
    assert '<progress class="w-100 mb-2" value="1" max="2"' in body
    assert "You can be matched once the required steps are done." in body


def test_the_home_page_shows_unfinished_training_with_the_next_step(client):
    program = make_program(name="Peer Mentors")
    mentor = make_person(program, "mentor")
    done = make_step(program, K.RESOURCE, title="Handbook")
    following = make_step(program, K.ACKNOWLEDGEMENT, title="Code of conduct")
    complete(done, mentor.user)
    client.force_login(mentor.user)
    body = client.get(reverse("home")).content.decode()
    assert "Training for <bdi>Peer Mentors</bdi>" in body
    assert f'href="{_step(following)}">Next: <bdi>Code of conduct</bdi></a>' in body
    complete(following, mentor.user)
    body = client.get(reverse("home")).content.decode()
    assert "Next: Code of conduct" not in body
    assert "Training done" in body


def test_a_resource_is_shown_escaped_with_links_and_marked_done_once(client):
    program = make_program()
    mentor = make_person(program, "mentor")
    step = make_step(
        program,
        K.RESOURCE,
        title="Handbook",
        body="<script>alert(1)</script>\n\nSee https://example.org/handbook please.",
        link="https://video.example.org/intro",
    )
    client.force_login(mentor.user)

    page = client.get(_step(step)).content.decode()
    first = client.post(reverse("training:step-done", args=[step.pk]), follow=True)
    second = client.post(reverse("training:step-done", args=[step.pk]), follow=True)

    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert (
        '<a href="https://example.org/handbook" rel="nofollow">https://example.org/handbook</a>'
        in page
    )
    assert 'href="https://video.example.org/intro"' in page
    assert _messages(first) == ["Done: “Handbook” is complete."]
    assert "Completed on" in first.content.decode()
    assert "Mark as done" not in first.content.decode()
    assert _messages(second) == ["You have already completed this step."]
    assert StepCompletion.objects.filter(step=step).count() == 1


def test_an_acknowledgement_needs_the_box_ticked(client):
    program = make_program()
    mentor = make_person(program, "mentor")
    step = make_step(program, K.ACKNOWLEDGEMENT, title="Code of conduct")
    client.force_login(mentor.user)
    url = reverse("training:step-acknowledge", args=[step.pk])

    unticked = client.post(url, {})
    ticked = client.post(url, {"agreed": "on"}, follow=True)

    assert unticked.status_code == 400
    assert "Tick the statement to acknowledge it." in unticked.content.decode()
    assert _messages(ticked) == ["Done: “Code of conduct” is complete."]
    assert "You acknowledged:" in ticked.content.decode()
    assert StepCompletion.objects.filter(step=step, user=mentor.user).count() == 1


def test_the_quiz_page_never_sends_the_correct_answers(client):
    program = make_program()
    mentor = make_person(program, "mentor")
    quiz = make_quiz(program, max_attempts=2)
    client.force_login(mentor.user)
    page = client.get(_step(quiz)).content.decode()
    assert "Right" in page and "Wrong" in page
    assert "*" not in page.split("<form", 1)[1].split("</form>", 1)[0]
    assert "correct" not in page.lower()
    assert "3 questions; 70% right to pass." in page
    assert "You have 2 attempts left." in page


def test_a_quiz_attempt_shows_the_score_what_was_wrong_and_attempts_left(client):
    program = make_program()
    mentor = make_person(program, "mentor")
    quiz = make_quiz(program, max_attempts=2)
    q1, q2, q3 = quiz.questions.order_by("position")
    client.force_login(mentor.user)
    url = reverse("training:quiz-submit", args=[quiz.pk])

    failed = client.post(url, quiz_post({q1.pk: [0], q2.pk: [1], q3.pk: [0]}), follow=True)
    passed = client.post(url, quiz_post(right_answers(quiz)), follow=True)
    again = client.post(url, quiz_post(right_answers(quiz)), follow=True)

    body = failed.content.decode()
    assert "Not passed: 66% (2 of 3 right); 70% is needed." in body
    assert "You have 1 attempt left." in body
    assert body.count("not right") == 1
    assert "Right" not in body.split("Your answers", 1)[1].split("</ol>")[0].replace("right", "")
    assert "You passed with 100% (3 of 3 right)." in passed.content.decode()
    assert _messages(again) == ["You have already passed this quiz."]
    assert list(QuizAttempt.objects.values_list("number", "score", "passed")) == [
        (1, 66, False),
        (2, 100, True),
    ]


def test_an_attempts_page_grades_only_the_questions_it_answered(client):
    from training.models import QuizQuestion

    program = make_program()
    mentor = make_person(program, "mentor")
    quiz = make_quiz(program)
    client.force_login(mentor.user)
    url = reverse("training:quiz-submit", args=[quiz.pk])
    attempt_page = client.post(url, quiz_post(right_answers(quiz))).url
    QuizQuestion.objects.create(
        step=quiz, position=4, text="Added afterwards", choices="*Yes\nNo", kind="single"
    )

    page = client.get(attempt_page).content.decode()

    assert "Question 3" in page
    assert "Added afterwards" not in page


def test_a_quiz_with_no_attempts_left_is_refused(client):
    program = make_program()
    mentor = make_person(program, "mentor")
    quiz = make_quiz(program, max_attempts=1)
    client.force_login(mentor.user)
    url = reverse("training:quiz-submit", args=[quiz.pk])
    wrong = quiz_post({q.pk: [1] for q in quiz.questions.all()})
    client.post(url, wrong)
    refused = client.post(url, quiz_post(right_answers(quiz)), follow=True)
    assert _messages(refused) == ["You have used your 1 attempt at this quiz."]
    assert "You have no attempts left." in refused.content.decode()
    assert QuizAttempt.objects.count() == 1


def test_answers_keyed_with_another_quizs_questions_are_refused(client):
    program = make_program()
    mentor = make_person(program, "mentor")
    quiz, other = make_quiz(program), make_quiz(make_program())
    client.force_login(mentor.user)
    response = client.post(
        reverse("training:quiz-submit", args=[quiz.pk]), quiz_post(right_answers(other))
    )
    assert response.status_code == 400
    assert "Answer every question, then send your answers." in response.content.decode()
    assert QuizAttempt.objects.count() == 0


def test_another_programs_quiz_and_another_persons_attempt_are_not_found(client):
    program = make_program()
    mentor = make_person(program, "mentor")
    other_quiz = make_quiz(make_program())
    quiz = make_quiz(program)
    stranger = make_person(program, "mentor")
    client.force_login(stranger.user)
    client.post(reverse("training:quiz-submit", args=[quiz.pk]), quiz_post(right_answers(quiz)))
    attempt = QuizAttempt.objects.get()
    client.force_login(mentor.user)

    assert client.get(_step(other_quiz)).status_code == 404
    assert (
        client.post(
            reverse("training:quiz-submit", args=[other_quiz.pk]),
            quiz_post(right_answers(other_quiz)),
        ).status_code
        == 404
    )
    assert client.get(reverse("training:attempt", args=[attempt.pk])).status_code == 404
    assert QuizAttempt.objects.count() == 1


def test_people_outside_the_program_or_of_the_other_role_get_404(client):
    program = make_program()
    step = make_step(program, K.RESOURCE, audience="mentors")
    outsiders = [
        make_person(program, "mentee").user,  # wrong audience
        make_person(program, "mentor", status="applied").user,  # not approved
        make_person(make_program(), "mentor").user,  # another program
        UserFactory(),
    ]
    for user in outsiders:
        client.force_login(user)
        assert client.get(_step(step)).status_code == 404
        assert client.post(reverse("training:step-done", args=[step.pk])).status_code == 404
        assert client.get(reverse("training:checklist", args=[program.pk])).status_code in (
            200 if user == outsiders[0] else 404,
        )
    assert StepCompletion.objects.count() == 0
    client.logout()
    assert client.get(_step(step)).status_code == 302


def test_the_workshop_page_shows_when_and_where(client):
    program = make_program()
    mentor = make_person(program, "mentor")
    step = make_step(program, K.WORKSHOP, title="Active listening", location="Library, room 2")
    client.force_login(mentor.user)
    body = client.get(_step(step)).content.decode()
    assert "Library, room 2" in body
    assert "The coordinators record who came" in body
    assert (
        client.post(reverse("training:step-done", args=[step.pk]), follow=True).status_code == 200
    )
    assert StepCompletion.objects.count() == 0


def test_the_file_is_served_only_to_its_audience_and_coordinators(client, media):
    program = make_program()
    step = make_step(program, K.RESOURCE, audience="mentors", title="Guide")
    step.file.save("stored.pdf", ContentFile(b"%PDF-1.4 guide"), save=False)
    step.file_name = "Mentor guide.pdf"
    step.save()
    url = reverse("training:step-file", args=[step.pk])
    mentor = make_person(program, "mentor")

    client.force_login(mentor.user)
    response = client.get(url)
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == b"%PDF-1.4 guide"
    assert response["Content-Type"] == "application/pdf"
    assert response["Content-Disposition"] == 'inline; filename="Mentor guide.pdf"'
    assert response["X-Content-Type-Options"] == "nosniff"
    client.force_login(make_coordinator(program))
    assert client.get(url).status_code == 200
    for user in (
        make_person(program, "mentee").user,
        make_coordinator(make_program()),
        make_person(make_program(), "mentor").user,
    ):
        client.force_login(user)
        assert client.get(url).status_code == 404
    assert str(step.file).startswith(f"training/{program.pk}/")
    assert "stored" not in str(step.file)


def test_the_completion_table_is_for_the_programs_staff_only(client):
    program = make_program(name="Peer Mentors")
    mentor = make_person(program, "mentor", user=UserFactory(display_name="Ana Ade"))
    step = make_step(program, K.RESOURCE, title="Handbook")
    complete(step, mentor.user)
    url = reverse("training:completion", args=[program.pk])
    client.force_login(make_coordinator(program))
    body = client.get(url).content.decode()
    assert "Training completion: Peer Mentors" in body
    assert "Ana Ade" in body and "1. Handbook" in body
    for user in (make_coordinator(make_program()), mentor.user):
        client.force_login(user)
        assert client.get(url).status_code == 404
        assert (
            client.get(reverse("training:completion-export", args=[program.pk, "csv"])).status_code
            == 404
        )


def test_the_export_holds_the_table_in_csv_and_xlsx(client):
    program = make_program(slug="peer")
    ana = make_person(program, "mentor", user=UserFactory(display_name="Ana Ade", email="a@x.org"))
    make_person(program, "mentee", user=UserFactory(display_name="=Bob", email="b@x.org"))
    handbook = make_step(program, K.RESOURCE, title="Handbook", audience="mentors")
    make_step(program, K.ACKNOWLEDGEMENT, title="Code of conduct")
    completion = complete(handbook, ana.user)
    client.force_login(make_coordinator(program))

    csv = client.get(reverse("training:completion-export", args=[program.pk, "csv"]))
    xlsx = client.get(reverse("training:completion-export", args=[program.pk, "xlsx"]))

    assert csv["Content-Type"] == "text/csv; charset=utf-8"
    assert b"".join(csv.streaming_content).decode() == (
        "\ufeffName,Email,Role,Required done,Required steps,1. Handbook,2. Code of conduct\r\n"
        "'=Bob,b@x.org,mentee,0,1,n/a,\r\n"
        f"Ana Ade,a@x.org,mentor,1,2,{completion.completed_at.isoformat()},\r\n"
    )
    rows = [
        [c.value for c in row]
        for row in load_workbook(io.BytesIO(b"".join(xlsx.streaming_content))).active.iter_rows()
    ]
    assert rows[0] == [
        "Name",
        "Email",
        "Role",
        "Required done",
        "Required steps",
        "1. Handbook",
        "2. Code of conduct",
    ]
    assert rows[1] == ["'=Bob", "b@x.org", "mentee", 0, 1, "n/a", None]
    assert rows[2][:5] + rows[2][6:] == ["Ana Ade", "a@x.org", "mentor", 1, 2, None]
    naive = completion.completed_at.replace(tzinfo=None)
    assert abs(rows[2][5] - naive) < timedelta(milliseconds=1)
    assert (
        client.get(reverse("training:completion-export", args=[program.pk, "pdf"])).status_code
        == 404
    )


@pytest.mark.parametrize("size", [2, 10])
def test_participant_pages_take_the_same_queries_for_few_and_many_steps(client, size, media):
    program = make_program()
    mentor = make_person(program, "mentor")
    steps = [make_step(program, K.RESOURCE) for _ in range(size)]
    quiz = make_quiz(program, questions=[(f"Q{k}", "*A\nB", "single") for k in range(size)])
    workshop = make_step(program, K.WORKSHOP)
    ack = make_step(program, K.ACKNOWLEDGEMENT)
    for step in steps[: size // 2]:
        complete(step, mentor.user)
    client.force_login(mentor.user)
    client.post(
        reverse("training:quiz-submit", args=[quiz.pk]),
        quiz_post({q.pk: [1] for q in quiz.questions.all()}),
    )
    attempt = QuizAttempt.objects.get()
    pages = {
        "home": reverse("home"),
        "checklist": reverse("training:checklist", args=[program.pk]),
        "resource": _step(steps[-1]),
        "quiz": _step(quiz),
        "workshop": _step(workshop),
        "acknowledgement": _step(ack),
        "attempt": reverse("training:attempt", args=[attempt.pk]),
    }
    for url in pages.values():  # warm the session and the content types
        client.get(url)
    counts = {}
    for name, url in pages.items():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        counts[name] = len(queries)
    assert counts == PARTICIPANT_QUERIES


# Session and user (the roles' groups are kept from the warming pages: mentoring/rights.py),
# then the page's own: a step page reads the step, the person's applications there and the
# checklist (applications, steps, completions); the home page adds the checklists' steps and
# completions to its own (the applications it has read).
PARTICIPANT_QUERIES = {
    "home": 13,
    "checklist": 7,
    "resource": 8,
    "quiz": 10,
    "workshop": 8,
    "acknowledgement": 8,
    "attempt": 6,
}


@pytest.mark.parametrize("size", [2, 10])
def test_staff_pages_take_the_same_queries_for_few_and_many_people(client, size):
    program = make_program()
    steps = [make_step(program, K.RESOURCE) for _ in range(size)]
    for _ in range(size):
        person = make_person(program, "mentor")
        complete(steps[0], person.user)
    client.force_login(make_coordinator(program))
    pages = {
        "list": reverse("training:program-list"),
        "completion": reverse("training:completion", args=[program.pk]),
        "csv": reverse("training:completion-export", args=[program.pk, "csv"]),
        "xlsx": reverse("training:completion-export", args=[program.pk, "xlsx"]),
    }
    client.get(pages["list"])
    counts = {}
    for name, url in pages.items():
        with CaptureQueriesContext(connection) as queries:
            response = client.get(url)
            assert response.status_code == 200
            if hasattr(response, "streaming_content"):
                b"".join(response.streaming_content)
        counts[name] = len(queries)
    assert counts == STAFF_QUERIES


# The downloads write their audit-trail entry: one query more than reading alone. The list
# is asked first (the person's groups are kept from then on: mentoring/rights.py); the first
# page about one program reads which programs they may report on (kept from then on too).
STAFF_QUERIES = {"list": 4, "completion": 8, "csv": 7, "xlsx": 7}
