"""The training builder in the admin: steps with quiz questions, files, attendance, scoping."""

import io
import zipfile

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from programs.services import program_copy
from tests.training.helpers import (
    K,
    complete,
    make_coordinator,
    make_person,
    make_program,
    make_quiz,
    make_step,
)
from training.files import MAX_UPLOAD_BYTES
from training.models import StepCompletion, TrainingStep

pytestmark = pytest.mark.django_db
ADD = reverse("admin:training_trainingstep_add")


def _step_form(program, questions=(), **overrides) -> dict:
    data = {
        "program": program.pk,
        "position": "1",
        "kind": "quiz",
        "title": "Safeguarding quiz",
        "body": "Ten minutes.",
        "link": "",
        "statement": "",
        "audience": "mentors",
        "required": "on",
        "due_days": "14",
        "pass_mark": "70",
        "max_attempts": "3",
        "starts_at_0": "",
        "starts_at_1": "",
        "ends_at_0": "",
        "ends_at_1": "",
        "location": "",
        "questions-TOTAL_FORMS": str(len(questions)),
        "questions-INITIAL_FORMS": "0",
        "questions-MIN_NUM_FORMS": "0",
        "questions-MAX_NUM_FORMS": "1000",
    }
    for n, (text, kind, choices) in enumerate(questions):
        data.update(
            {
                f"questions-{n}-position": str(n + 1),
                f"questions-{n}-text": text,
                f"questions-{n}-kind": kind,
                f"questions-{n}-choices": choices,
            }
        )
    data.update(overrides)
    return data


QUESTIONS = [
    ("Who do you tell about a safeguarding concern?", "single", "*The coordinator\nNobody"),
    ("Which are good habits?", "multiple", "*Listening\n*Asking\nLecturing"),
]


@pytest.fixture
def coordinator_and_programs():
    mine, theirs = make_program(name="Mine"), make_program(name="Theirs")
    return make_coordinator(mine), mine, theirs


@pytest.fixture
def media(settings, tmp_path):
    settings.MEDIA_ROOT = tmp_path
    return tmp_path


def test_a_coordinator_builds_a_quiz_with_questions(client, coordinator_and_programs):
    coordinator, mine, _ = coordinator_and_programs
    client.force_login(coordinator)

    response = client.post(ADD, _step_form(mine, QUESTIONS))

    assert response.status_code == 302
    step = TrainingStep.objects.get()
    assert (step.program, step.kind, step.audience, step.pass_mark, step.max_attempts) == (
        mine,
        "quiz",
        "mentors",
        70,
        3,
    )
    assert [(q.text, q.kind, sorted(q.correct_indexes)) for q in step.questions.all()] == [
        ("Who do you tell about a safeguarding concern?", "single", [0]),
        ("Which are good habits?", "multiple", [0, 1]),
    ]


@pytest.mark.parametrize(
    ("questions", "overrides", "error"),
    [
        ([("Q", "single", "*Only one")], {}, "Give at least two choices, one per line."),
        ([("Q", "single", "Yes\nNo")], {}, "Mark the correct choice(s) with a * at the start"),
        (
            [("Q", "single", "*Yes\n*No")],
            {},
            "A one-answer question has exactly one correct choice (one *).",
        ),
        ([("Q", "single", "*Yes\nYes")], {}, "Each choice must be different."),
        ([], {}, "A quiz needs at least one question."),
        (
            QUESTIONS,
            {"kind": "resource"},
            "Only quizzes have questions: remove them or make this step a quiz.",
        ),
        ([], {"kind": "resource", "body": ""}, "A resource needs text, a link or a file."),
        ([], {"kind": "acknowledgement"}, "Write the statement people tick."),
        ([], {"kind": "workshop"}, "Give the workshop&#x27;s date and time."),
        (QUESTIONS, {"pass_mark": "120"}, "Ensure this value is less than or equal to 100."),
        (QUESTIONS, {"max_attempts": "0"}, "Ensure this value is greater than or equal to 1."),
    ],
)
def test_the_builder_refuses_bad_steps_with_a_clear_message(
    client, coordinator_and_programs, questions, overrides, error
):
    coordinator, mine, _ = coordinator_and_programs
    client.force_login(coordinator)
    response = client.post(ADD, _step_form(mine, questions, **overrides))
    assert response.status_code == 200
    assert error in response.content.decode()
    assert TrainingStep.objects.count() == 0


def _pdf(size: int = 0) -> bytes:
    return b"%PDF-1.4\n" + b"0" * size


def _docx() -> bytes:
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w") as package:
        package.writestr("[Content_Types].xml", "<Types/>")
        package.writestr("word/document.xml", "<document/>")
    return buffer.getvalue()


def _resource(program, name: str, content: bytes, content_type: str = "application/octet-stream"):
    return _step_form(
        program,
        kind="resource",
        title="Mentor handbook",
        file=SimpleUploadedFile(name, content, content_type=content_type),
    )


def test_an_uploaded_file_is_stored_privately_with_its_name(
    client, coordinator_and_programs, media
):
    coordinator, mine, _ = coordinator_and_programs
    client.force_login(coordinator)
    assert client.post(ADD, _resource(mine, "Mentor Handbook.docx", _docx())).status_code == 302
    step = TrainingStep.objects.get()
    assert step.file_name == "Mentor Handbook.docx"
    assert step.file.name.startswith(f"training/{mine.pk}/") and step.file.name.endswith(".docx")
    assert "Handbook" not in step.file.name
    response = client.get(reverse("training:step-file", args=[step.pk]))
    assert response["Content-Disposition"] == 'attachment; filename="Mentor Handbook.docx"'


@pytest.mark.parametrize(
    ("name", "content", "error"),
    [
        (
            "huge.pdf",
            _pdf(50 * 1024 * 1024),
            "The file is 50.0\xa0MB; the largest allowed is 20.0\xa0MB.",
        ),
        (
            "tool.exe",
            b"MZ\x90\x00",
            "Files of this type cannot be uploaded. Allowed: DOCX, JPEG, JPG,",
        ),
        ("page.html", b"<script>alert(1)</script>", "Files of this type cannot be uploaded."),
        ("renamed.pdf", b"MZ\x90\x00 not a pdf", "The file&#x27;s content is not a PDF file"),
        ("slides.pptx", _docx(), "The file&#x27;s content is not a PPTX file"),
        ("notes.txt", b"\x00\x01\x02binary", "The file&#x27;s content is not a TXT file"),
    ],
)
def test_a_file_too_large_or_of_a_type_not_allowed_is_refused(
    client, coordinator_and_programs, media, name, content, error
):
    coordinator, mine, _ = coordinator_and_programs
    client.force_login(coordinator)
    response = client.post(ADD, _resource(mine, name, content))
    assert response.status_code == 200
    assert error in response.content.decode()
    assert TrainingStep.objects.count() == 0
    assert list(media.rglob("*.*")) == []


def test_the_size_limit_is_twenty_megabytes():
    assert MAX_UPLOAD_BYTES == 20 * 1024 * 1024


def test_another_programs_steps_are_not_found_nor_offered(client, coordinator_and_programs):
    coordinator, mine, theirs = coordinator_and_programs
    own = make_step(mine, K.RESOURCE, title="Mine")
    other = make_step(theirs, K.WORKSHOP, title="Theirs")
    client.force_login(coordinator)

    changelist = client.get(reverse("admin:training_trainingstep_changelist")).content.decode()
    add_page = client.get(ADD).content.decode()

    assert ">Mine</a>" in changelist and ">Theirs</a>" not in changelist
    assert f'<option value="{theirs.pk}"' not in add_page
    assert f'<option value="{mine.pk}"' in add_page
    for url in (
        reverse("admin:training_trainingstep_change", args=[other.pk]),
        reverse("admin:training_trainingstep_attendance", args=[other.pk]),
        reverse("admin:training_trainingstep_delete", args=[other.pk]),
    ):
        assert client.get(url).status_code == 404
    response = client.post(ADD, _step_form(theirs, QUESTIONS))
    assert response.status_code == 200
    assert "Select a valid choice." in response.content.decode()
    assert TrainingStep.objects.filter(program=theirs).count() == 1
    assert own.program == mine


def test_attendance_is_recorded_for_the_workshops_audience(client, coordinator_and_programs):
    coordinator, mine, _ = coordinator_and_programs
    workshop = make_step(mine, K.WORKSHOP, audience="mentors", title="Active listening")
    ana, ben = make_person(mine, "mentor"), make_person(mine, "mentor")
    mentee = make_person(mine, "mentee")
    url = reverse("admin:training_trainingstep_attendance", args=[workshop.pk])
    client.force_login(coordinator)

    page = client.get(url).content.decode()
    saved = client.post(url, {"people": [ana.user.pk, ben.user.pk]}, follow=True)
    again = client.post(url, {"people": [ana.user.pk]}, follow=True)
    wrong = client.post(url, {"people": [mentee.user.pk]})

    assert ana.user.email in page and mentee.user.email not in page
    assert [str(m) for m in saved.context["messages"]] == [
        "Attendance saved: 2 added, 0 taken off."
    ]
    assert [str(m) for m in again.context["messages"]] == [
        "Attendance saved: 0 added, 1 taken off."
    ]
    assert wrong.status_code == 200 and "Select a valid choice." in wrong.content.decode()
    assert list(StepCompletion.objects.values_list("user", "recorded_by")) == [
        (ana.user.pk, coordinator.pk)
    ]


def test_the_attendance_action_opens_the_page_for_one_workshop(client, coordinator_and_programs):
    coordinator, mine, _ = coordinator_and_programs
    workshop = make_step(mine, K.WORKSHOP)
    resource = make_step(mine, K.RESOURCE)
    client.force_login(coordinator)
    changelist = reverse("admin:training_trainingstep_changelist")
    one = client.post(
        changelist, {"action": "record_attendance", "_selected_action": [workshop.pk, resource.pk]}
    )
    none = client.post(
        changelist, {"action": "record_attendance", "_selected_action": [resource.pk]}, follow=True
    )
    assert one.url == reverse("admin:training_trainingstep_attendance", args=[workshop.pk])
    assert [str(m) for m in none.context["messages"]] == [
        "Select exactly one workshop to record its attendance."
    ]


@pytest.mark.parametrize("size", [2, 10])
def test_admin_pages_take_the_same_queries_for_few_and_many(client, coordinator_and_programs, size):
    coordinator, mine, _ = coordinator_and_programs
    workshop = make_step(mine, K.WORKSHOP)
    quiz = make_quiz(mine, questions=[(f"Q{k}", "*A\nB", "single") for k in range(size)])
    for _ in range(size):
        make_step(mine, K.RESOURCE)
        complete(workshop, make_person(mine, "mentor").user)
    client.force_login(coordinator)
    pages = {
        "changelist": reverse("admin:training_trainingstep_changelist"),
        "attendance": reverse("admin:training_trainingstep_attendance", args=[workshop.pk]),
        "completions": reverse("admin:training_stepcompletion_changelist"),
        "quiz": reverse("admin:training_trainingstep_change", args=[quiz.pk]),
    }
    for url in pages.values():  # warm the session and the content types
        client.get(url)
    counts = {}
    for name, url in pages.items():
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url).status_code == 200
        counts[name] = len(queries)
    assert counts == ADMIN_QUERIES
    assert quiz.questions.count() == size


# The coordinator's permissions and groups are kept from the warming pages (mentoring/rights.py).
ADMIN_QUERIES = {"changelist": 6, "attendance": 6, "completions": 8, "quiz": 5}


def test_a_copied_program_gets_its_own_copy_of_the_file(coordinator_and_programs, media):
    _coordinator, mine, _ = coordinator_and_programs
    step = make_step(mine, K.RESOURCE, title="Guide")
    step.file.save("guide.pdf", SimpleUploadedFile("guide.pdf", _pdf()), save=False)
    step.file_name = "guide.pdf"
    step.save()

    copy = program_copy(program=mine, name="Next", slug="next")

    copied = copy.training_steps.get()
    assert copied.file.name.startswith(f"training/{copy.pk}/")
    assert copied.file.name != step.file.name
    assert (copied.file_name, copied.file.read()) == ("guide.pdf", _pdf())
