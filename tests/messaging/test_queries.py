"""The conversation list, a conversation page and the match page's panel make as many
queries with one row as with many (the navigation badge included)."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from messaging import services
from messaging.services import announcement_send, conversations_ensure
from tests.messaging.helpers import (
    make_application,
    make_coordinator,
    make_pair,
    make_program,
    pair_conversation,
    send,
    url,
)

pytestmark = pytest.mark.django_db


def _queries(client, address: str) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(address)
    assert response.status_code == 200
    return len(queries)


def _mentee_in(programs: int):
    """A mentee matched in `programs` programs, with messages and an announcement in each."""
    mentee = None
    for _ in range(programs):
        program = make_program()
        application = make_application(program, "mentee", **({"user": mentee} if mentee else {}))
        mentee = application.user
        match = make_pair(program, mentee=application)
        send(pair_conversation(match), match.mentor.user, "hello")
        announcement_send(
            program=program, author=make_coordinator(program), audience="all", text="News"
        )
    conversations_ensure(user=mentee)
    return mentee


def test_the_conversation_list_makes_as_many_queries_for_one_program_as_for_many(client):
    counts = []
    for programs in (1, 6):
        client.force_login(_mentee_in(programs))
        counts.append(_queries(client, url("list")))
    assert counts[0] == counts[1]


def test_the_lists_reads_of_what_the_person_belongs_to_keep_their_sql(client):
    mentee = _mentee_in(2)
    client.force_login(mentee)
    client.get(url("list"))

    matches = [m["pk"] for m in services._matches_of(user=mentee)]
    programs = sorted(services._approved_programs_of(user=mentee))
    assert len(matches) == len(programs) == 2
    assert services._matches_of.is_kept(user=mentee)
    assert services._approved_programs_of.is_kept(user=mentee)
    assert services._member_rows_of.is_kept(user=mentee)
    assert services._conversations_existing.is_kept(
        user=mentee, matches=matches, mentors=[], programs=programs
    )


def test_a_conversation_page_makes_as_many_queries_for_one_message_as_for_many(client):
    counts = []
    for messages in (1, 40):
        match = make_pair()
        conversation = pair_conversation(match)
        for n in range(messages):
            author = match.mentor.user if n % 2 else match.mentee.user
            send(conversation, author, f"message {n}")
        client.force_login(match.mentee.user)
        send(conversation, match.mentor.user, "unread")  # the visit marks it read
        counts.append(_queries(client, url("conversation", conversation.pk)))
    assert counts[0] == counts[1]


def test_the_match_page_panel_makes_as_many_queries_for_few_messages_as_for_many(client):
    counts = []
    for messages in (1, 30):
        match = make_pair()
        conversation = pair_conversation(match)
        for n in range(messages):
            send(conversation, match.mentor.user, f"message {n}")
        client.force_login(match.mentee.user)
        counts.append(_queries(client, f"/matching/matches/{match.pk}/"))
    assert counts[0] == counts[1]


def test_the_panel_counts_what_is_new_to_the_viewer(client):
    match = make_pair()
    conversation = pair_conversation(match)
    send(conversation, match.mentee.user, "mine")
    for n in range(4):
        send(conversation, match.mentor.user, f"theirs {n}")
    client.force_login(match.mentee.user)
    [panel] = [
        p
        for name, p in client.get(f"/matching/matches/{match.pk}/").context["panels"]
        if name == "messaging/_match_panel.html"
    ]
    assert panel["unread"] == 4
    assert [m.text for m in panel["messages"]] == ["theirs 1", "theirs 2", "theirs 3"]
