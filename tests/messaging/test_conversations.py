"""Sending, reading, unread counts, the navigation badge and polling."""

import pytest
from django.core.exceptions import ValidationError
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from matching.models import Match
from messaging.models import Conversation, ConversationMember, Message
from messaging.selectors import unread_total
from messaging.services import conversation_mark_read, conversations_ensure
from tests.messaging.helpers import (
    group_conversation,
    make_group,
    make_pair,
    pair_conversation,
    send,
    url,
)

pytestmark = pytest.mark.django_db


def test_a_pair_conversation_has_both_sides_as_members_and_counts_unread():
    match = make_pair()
    mentor, mentee = match.mentor.user, match.mentee.user
    conversation = pair_conversation(match)
    send(conversation, mentor, "Hi")
    send(conversation, mentor, "Are you free on Monday?")

    members = ConversationMember.objects.filter(conversation=conversation)
    assert sorted(members.values_list("user_id", flat=True)) == sorted([mentor.pk, mentee.pk])
    assert (unread_total(user=mentee), unread_total(user=mentor)) == (2, 0)

    conversation_mark_read(
        conversation=conversation, user=mentee, up_to=Message.objects.latest("pk").pk
    )
    assert unread_total(user=mentee) == 0


def test_sending_and_reading_through_the_pages(client):
    match = make_pair()
    mentor, mentee = match.mentor.user, match.mentee.user
    conversation = pair_conversation(match)
    client.force_login(mentor)
    response = client.post(url("conversation", conversation.pk), {"text": "  See you soon  "})
    message = Message.objects.get()
    assert response.status_code == 302
    assert response["Location"] == f"{url('conversation', conversation.pk)}#m{message.pk}"
    assert (message.text, message.author) == ("See you soon", mentor)

    client.force_login(mentee)
    listing = client.get(url("list"))
    assert listing.status_code == 200
    assert [(row.conversation.kind, row.unread) for row in listing.context["rows"]] == [
        ("pair", 1),
        ("coordinators", 0),
    ]
    assert 'id="unread-messages">1<' in listing.content.decode()

    page = client.get(url("conversation", conversation.pk))
    assert "See you soon" in page.content.decode()
    assert unread_total(user=mentee) == 0
    assert 'id="unread-messages"' not in client.get(url("list")).content.decode()


def test_the_list_makes_each_conversation_a_participant_belongs_to(client):
    match = make_pair()
    client.force_login(match.mentee.user)
    client.get(url("list"))
    kinds = sorted(Conversation.objects.values_list("kind", flat=True))
    assert kinds == ["coordinators", "pair"]
    client.get(url("list"))
    assert Conversation.objects.count() == 2


def test_polling_returns_only_the_messages_after_the_last_one_seen(client):
    match = make_pair()
    mentor, mentee = match.mentor.user, match.mentee.user
    conversation = pair_conversation(match)
    first = send(conversation, mentor, "first")
    second = send(conversation, mentor, "second")
    third = send(conversation, mentee, "third")
    client.force_login(mentee)

    response = client.get(url("poll", conversation.pk), {"after": first.pk})
    body = response.content.decode()
    assert response.status_code == 200
    assert [m.pk for m in response.context["messages"]] == [second.pk, third.pk]
    assert "first" not in body and "second" in body and "third" in body
    assert f"?after={third.pk}" in body  # the next poller asks for what comes after
    assert ConversationMember.objects.get(user=mentee).last_read_id == third.pk

    nothing = client.get(url("poll", conversation.pk), {"after": third.pk})
    assert (nothing.status_code, nothing.content) == (204, b"")


def test_polling_makes_the_same_queries_with_one_or_many_new_messages(client):
    match = make_pair()
    mentor, mentee = match.mentor.user, match.mentee.user
    conversation = pair_conversation(match)
    client.force_login(mentee)
    client.get("/")  # the mentee's groups are kept from here (mentoring/rights.py)
    counts = []
    for many in (1, 20):
        start = send(conversation, mentee, "mark")
        for n in range(many):
            send(conversation, mentor, f"m{n}")
        with CaptureQueriesContext(connection) as queries:
            assert client.get(url("poll", conversation.pk), {"after": start.pk}).status_code == 200
        counts.append(len(queries))
    assert counts[0] == counts[1]
    assert counts[0] <= 12


@pytest.mark.parametrize(
    ("text", "error"),
    [
        ("", "Write a message or attach a file."),
        ("   \n  ", "Write a message or attach a file."),
        ("x" * 100_000, "at most 5000 characters"),
    ],
)
def test_an_empty_or_huge_message_is_refused_and_nothing_saved(client, text, error):
    match = make_pair()
    conversation = pair_conversation(match)
    client.force_login(match.mentor.user)
    response = client.post(url("conversation", conversation.pk), {"text": text})
    assert response.status_code == 400
    assert error in response.content.decode()
    assert Message.objects.count() == 0


def test_the_service_refuses_what_the_form_would():
    match = make_pair()
    conversation = pair_conversation(match)
    with pytest.raises(ValidationError, match="5000 characters"):
        send(conversation, match.mentor.user, "x" * 5001)
    with pytest.raises(ValidationError, match="Write a message"):
        send(conversation, match.mentor.user, " ")
    assert Message.objects.count() == 0


def test_an_ended_match_keeps_its_conversation_read_only(client):
    match = make_pair()
    conversation = pair_conversation(match)
    send(conversation, match.mentor.user, "Thanks for everything")
    Match.objects.filter(pk=match.pk).update(status="ended", ended_at=timezone.now())
    conversation.refresh_from_db()
    client.force_login(match.mentee.user)

    page = client.get(url("conversation", conversation.pk))
    assert "Thanks for everything" in page.content.decode()
    assert page.context["writable"] is False
    refused = client.post(url("conversation", conversation.pk), {"text": "One more"})
    assert refused.status_code == 400
    assert "read-only" in refused.content.decode()
    assert Message.objects.count() == 1


def test_script_tags_are_escaped_on_every_page(client):
    hostile = "<script>alert(1)</script>"
    match = make_pair()
    conversation = pair_conversation(match)
    first = send(conversation, match.mentor.user, "hello")
    send(conversation, match.mentor.user, hostile)
    client.force_login(match.mentee.user)
    for response in (
        client.get(url("conversation", conversation.pk)),
        client.get(url("list")),
        client.get(url("poll", conversation.pk), {"after": first.pk}),
        client.get(f"/matching/matches/{match.pk}/"),
    ):
        body = response.content.decode()
        assert hostile not in body
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body


def test_a_group_conversation_follows_the_mentors_active_matches():
    mentor, matches = make_group(mentees=2)
    conversation = group_conversation(mentor)
    send(conversation, mentor.user, "Welcome, both")
    assert unread_total(user=matches[0].mentee.user) == 1
    assert unread_total(user=matches[1].mentee.user) == 1

    Match.objects.filter(pk=matches[1].pk).update(status="ended", ended_at=timezone.now())
    send(conversation, mentor.user, "See you Thursday")
    members = set(
        ConversationMember.objects.filter(conversation=conversation).values_list(
            "user_id", flat=True
        )
    )
    assert members == {mentor.user_id, matches[0].mentee.user_id}


def test_a_mentee_who_left_a_group_loses_it_from_their_list():
    _mentor, matches = make_group(mentees=1)
    mentee = matches[0].mentee.user
    conversations_ensure(user=mentee)
    assert ConversationMember.objects.filter(user=mentee, conversation__kind="group").exists()
    Match.objects.filter(pk=matches[0].pk).update(status="ended", ended_at=timezone.now())
    conversations_ensure(user=mentee)
    assert not ConversationMember.objects.filter(user=mentee, conversation__kind="group").exists()


def test_a_participant_keeps_their_conversation_with_the_coordinators_after_leaving(client):
    match = make_pair()
    mentee = match.mentee.user
    conversations_ensure(user=mentee)
    match.mentee.status = "withdrawn"
    match.mentee.save()
    conversations_ensure(user=mentee)
    kinds = ConversationMember.objects.filter(user=mentee).values_list(
        "conversation__kind", flat=True
    )
    assert sorted(kinds) == ["coordinators", "pair"]
