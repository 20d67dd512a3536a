import pytest
from django.urls import reverse

from matching.models import Match, MatchRequest
from matching.services.requests import request_create
from tests.factories import UserFactory
from tests.matching.helpers import approved, make_formal_program, make_informal_program

pytestmark = pytest.mark.django_db


@pytest.fixture
def pair():
    program = make_informal_program()
    mentee = approved(program, "mentee", name="Ana", stage=0)
    mentor = approved(program, "mentor", name="Mo", stage=2, capacity=2)
    return program, mentee, mentor


def test_match_page_shows_partner_contact_and_explanation(client, pair):
    program, mentee, mentor = pair
    match = Match.objects.create(
        program=program,
        mentor=mentor,
        mentee=mentee,
        score=0.8,
        explanation=[
            {
                "label": "Topics",
                "text": "Covers 1 of 1 topics: Careers.",
                "contribution": 0.8,
                "value": 1.0,
            }
        ],
    )
    client.force_login(mentee.user)
    url = reverse("matching:match-detail", args=[match.pk])
    page = client.get(url).content.decode()
    assert "Your mentor: <bdi>Mo</bdi>" in page
    # By default only coordinators see an email address (privacy visibility settings).
    assert mentor.user.email not in page and "(email not shared)" in page
    assert "Covers 1 of 1 topics: Careers." in page
    mentor.user.email_visibility = "matches"
    mentor.user.save(update_fields=["email_visibility"])
    assert f'href="mailto:{mentor.user.email}"' in client.get(url).content.decode()


def test_other_peoples_matches_and_requests_are_404(client, pair):
    program, mentee, mentor = pair
    match = Match.objects.create(program=program, mentor=mentor, mentee=mentee)
    request = MatchRequest.objects.create(
        program=program, mentee=mentee, mentor=mentor, message="hi"
    )
    client.force_login(UserFactory())
    assert client.get(reverse("matching:match-detail", args=[match.pk])).status_code == 404
    assert client.post(reverse("matching:end-request", args=[match.pk])).status_code == 404
    url = reverse("matching:request-answer", args=[request.pk, "accept"])
    assert client.post(url).status_code == 404
    assert client.post(reverse("matching:request-withdraw", args=[request.pk])).status_code == 404
    suggestions = reverse("matching:suggestions", args=[mentee.pk])
    assert client.get(suggestions).status_code == 404
    assert MatchRequest.objects.get().status == "pending"
    assert Match.objects.get().status == "active"


def test_mentee_asks_and_mentor_accepts_through_the_pages(client, pair):
    _, mentee, mentor = pair
    client.force_login(mentee.user)
    page = client.get(reverse("matching:suggestions", args=[mentee.pk])).content.decode()
    assert "Mo" in page
    response = client.post(
        reverse("matching:suggestions", args=[mentee.pk]),
        {"mentor": mentor.pk, "message": "<b>Hi</b> Mo"},
    )
    assert response["Location"] == reverse("matching:requests")
    client.force_login(mentor.user)
    inbox = client.get(reverse("matching:requests")).content.decode()
    assert "&lt;b&gt;Hi&lt;/b&gt; Mo" in inbox
    request = MatchRequest.objects.get()
    client.post(reverse("matching:request-answer", args=[request.pk, "accept"]), {"response": ""})
    assert Match.objects.get().mentee == mentee


def test_asking_a_mentor_of_another_program_is_refused(client, pair):
    _, mentee, _ = pair
    other_program = make_formal_program()
    stranger = approved(other_program, "mentor", name="Zed", stage=2, capacity=1)
    client.force_login(mentee.user)
    response = client.post(
        reverse("matching:suggestions", args=[mentee.pk]),
        {"mentor": stranger.pk, "message": "hello"},
    )
    assert "You can only ask a mentor of this program." in response.content.decode()
    assert MatchRequest.objects.count() == 0


def test_overlong_request_message_is_refused(client, pair):
    _, mentee, mentor = pair
    client.force_login(mentee.user)
    response = client.post(
        reverse("matching:suggestions", args=[mentee.pk]),
        {"mentor": mentor.pk, "message": "x" * 2001},
    )
    assert "Ensure this value has at most 2000 characters" in response.content.decode()
    assert MatchRequest.objects.count() == 0
    request_create(mentee=mentee, mentor=mentor, message="ok")
    assert MatchRequest.objects.count() == 1
