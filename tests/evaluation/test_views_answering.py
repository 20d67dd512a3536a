"""Participants answer their own check-ins and surveys; anything else is refused."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format

from evaluation import permissions
from evaluation.models import CheckIn, SurveyAnswer, SurveyInvitation
from evaluation.services import checkins_create_due, survey_invitations_for_approval
from tests.evaluation.helpers import make_application, make_pair, make_program, make_survey
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]] if response.context else []


@pytest.fixture
def checkin():
    match = make_pair(make_program(name="Peer Circle", cadence_days=14), days_ago=14)
    checkins_create_due(program=match.program)
    return match.checkins.get(application=match.mentee)


def _url(checkin) -> str:
    return reverse("evaluation:checkin-answer", args=[checkin.pk])


def _state(checkin) -> tuple:
    checkin.refresh_from_db()
    return (checkin.score, checkin.met, checkin.blocking, checkin.answered_at)


def test_pending_page_lists_my_open_check_ins_and_surveys(client, checkin):
    make_survey(checkin.match.program, title="Where you start")
    survey_invitations_for_approval(application=checkin.application)
    client.force_login(checkin.application.user)

    response = client.get(reverse("evaluation:pending"))

    assert [(i.kind, i.title, i.url) for i in response.context["items"]] == [
        (
            "checkin",
            f"Check-in: how is it going with {checkin.match.mentor.user.name}?",
            _url(checkin),
        ),
        (
            "survey",
            "Where you start",
            reverse("evaluation:survey-answer", args=[SurveyInvitation.objects.get().pk]),
        ),
    ]


def test_participant_answers_a_check_in(client, checkin):
    client.force_login(checkin.application.user)
    assert client.get(_url(checkin)).status_code == 200

    response = client.post(
        _url(checkin), {"score": "4", "met": "yes", "blocking": "Exams"}, follow=True
    )

    assert response.redirect_chain == [(reverse("evaluation:pending"), 302)]
    assert _messages(response) == ["Thank you: your check-in is saved."]
    assert _state(checkin)[:3] == (4, True, "Exams")


@pytest.mark.parametrize(
    ("data", "field", "error"),
    [
        ({"score": "7", "met": "yes"}, "score", "Choose a score from 1 to 5."),
        ({"score": "0", "met": "yes"}, "score", "Choose a score from 1 to 5."),
        ({"met": "yes"}, "score", "Choose how it is going, from 1 to 5."),
        ({"score": "3", "met": "maybe"}, "met", "Answer yes or no."),
        (
            {"score": "3", "met": "no", "blocking": "x" * 1001},
            "blocking",
            "Ensure this value has at most 1000 characters (it has 1001).",
        ),
    ],
)
def test_invalid_check_in_answers_are_refused_with_a_message(client, checkin, data, field, error):
    client.force_login(checkin.application.user)

    response = client.post(_url(checkin), data)

    assert response.status_code == 200
    assert response.context["form"].errors[field] == [error]
    assert error in response.content.decode()
    assert _state(checkin) == (None, None, "", None)


def test_someone_elses_check_in_is_404_and_unchanged(client, checkin):
    client.force_login(checkin.match.mentor.user)  # the partner, not the person asked

    assert client.get(_url(checkin)).status_code == 404
    assert client.post(_url(checkin), {"score": "1", "met": "no"}).status_code == 404
    assert _state(checkin) == (None, None, "", None)
    # Found by kept SQL: the partner's request above is the same query with their id.
    assert permissions._own_checkin.is_kept(user=checkin.match.mentor.user, pk=checkin.pk)


def test_a_check_in_answered_twice_keeps_the_first_answer(client, checkin):
    client.force_login(checkin.application.user)
    client.post(_url(checkin), {"score": "4", "met": "yes"}, follow=True)

    response = client.post(_url(checkin), {"score": "1", "met": "no"}, follow=True)

    assert _messages(response) == ["You have already answered this check-in. Thank you!"]
    assert _state(checkin)[:2] == (4, True)


def test_a_closed_check_in_says_so(client, checkin):
    yesterday = timezone.localdate() - timedelta(days=1)
    CheckIn.objects.filter(pk=checkin.pk).update(opens_on=yesterday, due_on=yesterday)
    client.force_login(checkin.application.user)

    response = client.post(_url(checkin), {"score": "4", "met": "yes"}, follow=True)

    assert _messages(response) == [f"This check-in closed on {date_format(yesterday, 'j F Y')}."]
    assert _state(checkin)[0] is None


def test_anonymous_visitors_are_sent_to_log_in(client, checkin):
    response = client.get(_url(checkin))

    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


@pytest.fixture
def invitation():
    program = make_program()
    make_survey(
        program,
        title="Where you start",
        questions=[
            ("Confidence", "likert", {"low_label": "Not at all", "high_label": "Very"}),
            ("Hours per week", "number", {"min_value": 0, "max_value": 40}),
            ("Anything else?", "text", {"required": False}),
        ],
    )
    [invitation] = survey_invitations_for_approval(application=make_application(program))
    return invitation


def _survey_url(invitation) -> str:
    return reverse("evaluation:survey-answer", args=[invitation.pk])


def _fields(invitation, **values) -> dict:
    q = {q.text: f"q_{q.pk}" for q in invitation.survey.questions.all()}
    return {q[text]: value for text, value in values.items()}


def test_participant_answers_a_survey(client, invitation):
    client.force_login(invitation.application.user)
    page = client.get(_survey_url(invitation)).content.decode()
    assert "5 \u2013 Very" in page

    response = client.post(
        _survey_url(invitation),
        _fields(invitation, **{"Confidence": "5", "Hours per week": "6"}),
        follow=True,
    )

    assert _messages(response) == ["Thank you: your answers are saved."]
    assert sorted(SurveyAnswer.objects.values_list("question__text", "value")) == [
        ("Confidence", 5),
        ("Hours per week", 6),
    ]


def test_a_questions_text_and_help_from_the_coordinator_are_escaped(client, invitation):
    invitation.survey.questions.filter(text="Confidence").update(
        text="<b>Confidence</b>", help_text='<img src=x onerror="alert(1)">'
    )
    client.force_login(invitation.application.user)

    page = client.get(_survey_url(invitation)).content.decode()

    assert "&lt;b&gt;Confidence&lt;/b&gt;" in page and "<b>Confidence" not in page
    assert "&lt;img src=x onerror=&quot;alert(1)&quot;&gt;" in page and "<img src=x" not in page


@pytest.mark.parametrize(
    ("values", "field", "error"),
    [
        ({"Confidence": "6", "Hours per week": "6"}, "Confidence", "Choose a whole number"),
        ({"Hours per week": "6"}, "Confidence", "This field is required."),
        (
            {"Confidence": "3", "Hours per week": "400"},
            "Hours per week",
            "Ensure this value is less than or equal to 40.",
        ),
    ],
)
def test_invalid_survey_answers_are_refused_with_a_message(
    client, invitation, values, field, error
):
    client.force_login(invitation.application.user)

    response = client.post(_survey_url(invitation), _fields(invitation, **values))

    assert response.status_code == 200
    [message] = response.context["form"].errors[_fields(invitation, **{field: ""}).popitem()[0]]
    assert message.startswith(error)
    assert SurveyAnswer.objects.count() == 0
    invitation.refresh_from_db()
    assert invitation.completed is False


def test_someone_elses_survey_is_404_and_unchanged(client, invitation):
    client.force_login(UserFactory())
    data = _fields(invitation, **{"Confidence": "5", "Hours per week": "6"})

    assert client.get(_survey_url(invitation)).status_code == 404
    assert client.post(_survey_url(invitation), data).status_code == 404
    assert SurveyAnswer.objects.count() == 0
    assert permissions._own_invitation.is_kept(user=invitation.application.user, pk=invitation.pk)


def test_a_survey_answered_twice_keeps_the_first_answers(client, invitation):
    client.force_login(invitation.application.user)
    client.post(
        _survey_url(invitation),
        _fields(invitation, Confidence="2", **{"Hours per week": "1"}),
        follow=True,
    )

    response = client.post(
        _survey_url(invitation),
        _fields(invitation, Confidence="5", **{"Hours per week": "9"}),
        follow=True,
    )

    assert _messages(response) == ["You have already answered this survey. Thank you!"]
    assert sorted(SurveyAnswer.objects.values_list("number", flat=True)) == [1.0, 2.0]
