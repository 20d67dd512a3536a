"""Every messages URL: members only, 404 for everyone else (coordinators included, on a pair's
or a group's conversation); coordinator pages for the program's coordinators only."""

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile

from messaging import permissions
from messaging.models import Message, Report
from messaging.services import conversation_with_coordinators, message_report
from tests.factories import UserFactory
from tests.messaging.helpers import (
    group_conversation,
    make_coordinator,
    make_group,
    make_pair,
    pair_conversation,
    send,
    url,
)

pytestmark = pytest.mark.django_db

PDF = b"%PDF-1.4 a small file"


@pytest.fixture
def world():
    match = make_pair()
    program = match.program
    coordinator = make_coordinator(program)
    conversation = pair_conversation(match)
    message = send(
        conversation,
        match.mentor.user,
        "hi",
        attachment=SimpleUploadedFile("plan.pdf", PDF, content_type="application/pdf"),
    )
    report = message_report(message=message, reporter=match.mentee.user, reason="rude")
    return {
        "match": match,
        "coordinator": coordinator,
        "conversation": conversation,
        "message": message,
        "report": report,
        "stranger": UserFactory(),
        "other_coordinator": make_coordinator(make_pair().program),
        "superuser": UserFactory(is_staff=True, is_superuser=True),
    }


def _member_urls(conversation, message):
    return [
        url("conversation", conversation.pk),
        f"{url('poll', conversation.pk)}?after=0",
        url("attachment", conversation.pk, message.pk),
        url("report", conversation.pk, message.pk),
    ]


@pytest.mark.parametrize("who", ["stranger", "coordinator", "other_coordinator", "superuser"])
def test_a_pairs_conversation_is_404_to_everyone_else(client, world, who):
    client.force_login(world[who])
    for address in _member_urls(world["conversation"], world["message"]):
        assert client.get(address).status_code == 404, address
    response = client.post(url("conversation", world["conversation"].pk), {"text": "let me in"})
    assert response.status_code == 404
    assert client.get(url("match", world["match"].pk)).status_code == 404
    assert Message.objects.count() == 1


def test_the_members_reach_every_url_of_their_conversation(client, world):
    client.force_login(world["match"].mentee.user)
    for address in _member_urls(world["conversation"], world["message"]):
        assert client.get(address).status_code == 200, address
    assert client.get(url("match", world["match"].pk)).status_code == 302
    assert permissions._conversation.is_kept(pk=world["conversation"].pk)  # kept SQL


def test_a_conversation_that_does_not_exist_is_404(client, world):
    client.force_login(world["match"].mentee.user)
    assert client.get(url("conversation", world["conversation"].pk + 1000)).status_code == 404


def test_a_message_of_another_conversation_is_404_through_mine(client, world):
    other = make_pair()
    mine = pair_conversation(other)
    client.force_login(other.mentee.user)
    assert client.get(url("attachment", mine.pk, world["message"].pk)).status_code == 404
    assert client.get(url("report", mine.pk, world["message"].pk)).status_code == 404


def test_a_group_conversation_is_for_the_mentor_and_their_active_mentees(client):
    mentor, matches = make_group(mentees=2)
    conversation = group_conversation(mentor)
    coordinator = make_coordinator(mentor.program)
    outsider = make_pair(mentor.program).mentee.user
    for person, status in (
        (mentor.user, 200),
        (matches[0].mentee.user, 200),
        (coordinator, 404),
        (outsider, 404),
    ):
        client.force_login(person)
        assert client.get(url("conversation", conversation.pk)).status_code == status


def test_a_conversation_with_the_coordinators_is_for_the_participant_and_them(client, world):
    match, coordinator = world["match"], world["coordinator"]
    conversation = conversation_with_coordinators(
        program=match.program, participant=match.mentee.user
    )
    for person, status in (
        (match.mentee.user, 200),
        (coordinator, 200),
        (match.mentor.user, 404),
        (world["other_coordinator"], 404),
        (world["stranger"], 404),
    ):
        client.force_login(person)
        assert client.get(url("conversation", conversation.pk)).status_code == status


def test_only_approved_participants_reach_their_coordinators(client, world):
    program = world["match"].program
    client.force_login(world["stranger"])
    assert client.get(url("coordinators", program.pk)).status_code == 404
    client.force_login(world["match"].mentee.user)
    assert client.get(url("coordinators", program.pk)).status_code == 302


@pytest.mark.parametrize("who", ["stranger", "other_coordinator"])
def test_coordinator_pages_are_404_to_others(client, world, who):
    program = world["match"].program
    client.force_login(world[who])
    for address in (
        url("program", program.pk),
        url("announce", program.pk),
        url("report-detail", world["report"].pk),
    ):
        assert client.get(address).status_code == 404, address
    client.force_login(world["match"].mentee.user)  # the reporter too
    assert client.get(url("report-detail", world["report"].pk)).status_code == 404


def test_the_programs_coordinator_reaches_the_coordinator_pages(client, world):
    program = world["match"].program
    client.force_login(world["coordinator"])
    for address in (
        url("program", program.pk),
        url("announce", program.pk),
        url("report-detail", world["report"].pk),
    ):
        assert client.get(address).status_code == 200, address


def test_signed_out_visitors_are_sent_to_log_in(client, world):
    conversation, message = world["conversation"], world["message"]
    for address in [
        url("list"),
        *_member_urls(conversation, message),
        url("program", world["match"].program.pk),
        url("report-detail", world["report"].pk),
    ]:
        response = client.get(address)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"]
    assert Report.objects.count() == 1
