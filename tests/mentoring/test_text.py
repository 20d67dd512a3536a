"""Text is NFC on the way in (the middleware) and in stored rows (the data migrations)."""

import importlib
import unicodedata
from datetime import date
from urllib.parse import urlencode

import pytest
from allauth.account.models import EmailAddress
from django.apps import apps
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import HttpResponse
from django.test import RequestFactory
from django.urls import reverse

from accounts.models import User
from evaluation.models import AnonymousResponse, SurveyAnswer
from mentoring.middleware import NormalizeInputMiddleware
from mentoring.text import nfc, rows_normalize
from programs.models import Answer, Question, Topic
from sessions.models import Meeting
from tests.evaluation.helpers import make_survey
from tests.factories import ApplicationFactory, ProgramFactory, UserFactory
from tests.sessions.helpers import meeting_at, pair

DECOMPOSED = "Jose\u0301"  # "e" and a combining acute accent
COMPOSED = "Jos\u00e9"  # "é" as one character
assert DECOMPOSED != COMPOSED and unicodedata.normalize("NFC", DECOMPOSED) == COMPOSED


def _seen(request) -> dict:
    """What a view behind the middleware gets."""
    seen = {}

    def view(request):
        seen.update(GET=request.GET, POST=request.POST)
        return HttpResponse()

    NormalizeInputMiddleware(view)(request)
    return seen


def test_query_and_form_values_and_keys_reach_views_in_nfc():
    factory = RequestFactory()
    seen = _seen(factory.get("/", {"q": DECOMPOSED, f"x{DECOMPOSED}": ["a", DECOMPOSED]}))
    assert seen["GET"].getlist("q") == [COMPOSED]
    assert seen["GET"].getlist(f"x{COMPOSED}") == ["a", COMPOSED]
    assert not seen["GET"]._mutable
    for body in ({"name": DECOMPOSED}, {"name": DECOMPOSED, "file": _upload()}):
        post = factory.post("/", body) if "file" in body else _urlencoded(factory, body)
        assert _seen(post)["POST"]["name"] == COMPOSED


def test_passwords_are_left_as_typed():
    request = _urlencoded(
        RequestFactory(), {"password": DECOMPOSED, "password2": DECOMPOSED, "name": DECOMPOSED}
    )
    post = _seen(request)["POST"]
    assert (post["password"], post["password2"], post["name"]) == (
        DECOMPOSED,
        DECOMPOSED,
        COMPOSED,
    )


def test_text_already_in_nfc_is_passed_on_untouched():
    request = RequestFactory().get("/", {"q": COMPOSED})
    query = request.GET
    assert _seen(request)["GET"] is query


def _urlencoded(factory, data):
    return factory.post("/", urlencode(data), content_type="application/x-www-form-urlencoded")


def _upload():
    return SimpleUploadedFile("roster.csv", b"email,name,role\n")


@pytest.mark.django_db
def test_admin_search_for_the_composed_name_finds_one_saved_decomposed(client):
    person = UserFactory(display_name="Someone")
    client.force_login(person)
    response = client.post(
        reverse("accounts:profile"), {"display_name": f"{DECOMPOSED} Pérez", "time_zone": "UTC"}
    )
    assert response.status_code == 302
    person.refresh_from_db()
    assert person.display_name == f"{COMPOSED} Pérez"

    client.force_login(UserFactory(is_staff=True, is_superuser=True))
    changelist = reverse("admin:accounts_user_changelist")
    for typed in (COMPOSED, DECOMPOSED):
        found = client.get(changelist, {"q": typed}).context["cl"].result_list
        assert list(found) == [person]


@pytest.mark.django_db
def test_rows_normalize_rewrites_only_rows_not_in_nfc():
    program = ProgramFactory()
    kept = Topic.objects.create(program=program, name=COMPOSED)
    fixed = Topic.objects.create(program=program, name=f"Caf{DECOMPOSED[-2:]}")
    assert rows_normalize(Topic, ["name"], batch_size=1) == 1
    assert Topic.objects.get(pk=fixed.pk).name == "Café"
    assert Topic.objects.get(pk=kept.pk).name == COMPOSED


@pytest.mark.django_db
def test_rows_normalize_leaves_a_row_whose_nfc_text_is_taken(caplog):
    program = ProgramFactory()
    Topic.objects.create(program=program, name=COMPOSED)
    twin = Topic.objects.create(program=program, name=DECOMPOSED)
    assert rows_normalize(Topic, ["name"]) == 0
    assert Topic.objects.get(pk=twin.pk).name == DECOMPOSED
    assert "left as it is" in caplog.text


def _migration(app: str, name: str):
    return importlib.import_module(f"{app}.migrations.{name}").text_normalize


def _decompose(obj, **fields):
    type(obj)._base_manager.filter(pk=obj.pk).update(**fields)


@pytest.mark.django_db
def test_accounts_migration_normalises_names_and_addresses():
    user = UserFactory(email="jose@example.org")
    _decompose(user, display_name=DECOMPOSED, first_name=DECOMPOSED, email=f"{DECOMPOSED}@x.org")
    address = EmailAddress.objects.get(user=user)
    _decompose(address, email=f"{DECOMPOSED}@x.org")
    _migration("accounts", "0002_text_nfc")(apps, None)
    user.refresh_from_db()
    address.refresh_from_db()
    assert (user.display_name, user.first_name, user.email) == (
        COMPOSED,
        COMPOSED,
        f"{COMPOSED}@x.org",
    )
    assert address.email == f"{COMPOSED}@x.org"


@pytest.mark.django_db
def test_accounts_migration_leaves_an_address_another_account_has():
    UserFactory(email=f"{COMPOSED.lower()}@x.org")
    twin = UserFactory(email="twin@x.org", verified=False)
    _decompose(twin, email=f"{DECOMPOSED.lower()}@x.org")
    _migration("accounts", "0002_text_nfc")(apps, None)
    assert User.objects.get(pk=twin.pk).email == f"{DECOMPOSED.lower()}@x.org"


@pytest.mark.django_db
def test_programs_migration_normalises_text_and_choice_answers_alike():
    program = ProgramFactory()
    question = Question.objects.create(program=program, text="Q", kind="single_choice")
    answer = Answer.objects.create(
        application=ApplicationFactory(program=program), question=question, value="x"
    )
    _decompose(program, name=DECOMPOSED, description=DECOMPOSED)
    _decompose(question, choices=f"{DECOMPOSED}\nAna")
    _decompose(answer, value=[DECOMPOSED, 3])
    _migration("programs", "0006_text_nfc")(apps, None)
    program.refresh_from_db()
    question.refresh_from_db()
    answer.refresh_from_db()
    assert (program.name, program.description) == (COMPOSED, COMPOSED)
    assert question.choices == f"{COMPOSED}\nAna"
    assert answer.value == [COMPOSED, 3]


@pytest.mark.django_db
def test_sessions_migration_normalises_titles_places_and_reasons():
    meeting = meeting_at(pair(), hours_from_now=48)
    _decompose(meeting, title=DECOMPOSED, location=DECOMPOSED, cancel_reason=DECOMPOSED)
    _migration("sessions", "0005_text_nfc")(apps, None)
    meeting = Meeting.objects.get(pk=meeting.pk)
    assert (meeting.title, meeting.location, meeting.cancel_reason) == (COMPOSED,) * 3


@pytest.mark.django_db
def test_evaluation_migration_normalises_surveys_and_answers():
    survey = make_survey(ProgramFactory(), title="T", questions=(("Q", "text"),))
    question = survey.questions.get()
    response = AnonymousResponse.objects.create(
        survey=survey, program=survey.program, moment="baseline", submitted_week=date(2030, 1, 7)
    )
    answer = SurveyAnswer.objects.create(
        anonymous_response=response, question=question, value=DECOMPOSED
    )
    _decompose(survey, title=DECOMPOSED, intro=DECOMPOSED)
    _decompose(question, text=DECOMPOSED, low_label=DECOMPOSED)
    _migration("evaluation", "0002_text_nfc")(apps, None)
    survey.refresh_from_db()
    question.refresh_from_db()
    answer.refresh_from_db()
    assert (survey.title, survey.intro, question.text, question.low_label) == (COMPOSED,) * 4
    assert answer.value == COMPOSED == nfc(DECOMPOSED)


@pytest.mark.django_db
def test_matching_migration_normalises_requests_reasons_and_named_people():
    from matching.models import Exclusion, ExclusionRequest, MatchRequest

    program = ProgramFactory()
    mentor = ApplicationFactory(program=program, role="mentor")
    mentee = ApplicationFactory(program=program, role="mentee")
    request = MatchRequest.objects.create(
        program=program, mentee=mentee, mentor=mentor, message="m"
    )
    exclusion = Exclusion.objects.create(program=program, person=mentee.user, other=mentor.user)
    named = ExclusionRequest.objects.create(program=program, person=mentee.user, named="x", key="x")
    _decompose(request, message=DECOMPOSED, response=DECOMPOSED)
    _decompose(exclusion, reason=DECOMPOSED)
    _decompose(named, named=DECOMPOSED, key=DECOMPOSED.lower())
    _migration("matching", "0003_text_nfc")(apps, None)
    request.refresh_from_db()
    exclusion.refresh_from_db()
    named.refresh_from_db()
    assert (request.message, request.response, exclusion.reason, named.named) == (COMPOSED,) * 4
    assert named.key == COMPOSED.lower()
