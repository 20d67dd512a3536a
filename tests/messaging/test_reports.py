"""Reporting a message: the coordinators are told and see that message with the five before
and after it, and nothing else of the conversation."""

import pytest

from messaging.models import Report
from notifications.models import Kind, Notification
from tests.messaging.helpers import make_coordinator, make_pair, pair_conversation, send, url

pytestmark = pytest.mark.django_db


@pytest.fixture
def thread():
    match = make_pair()
    conversation = pair_conversation(match)
    messages = [
        send(conversation, match.mentor.user if n % 2 else match.mentee.user, f"message {n:02}")
        for n in range(20)
    ]
    return match, conversation, messages


def test_a_member_reports_a_message_and_the_coordinators_are_told(client, thread):
    match, conversation, messages = thread
    coordinator = make_coordinator(match.program)
    reported = messages[9]  # the mentor's
    client.force_login(match.mentee.user)
    response = client.post(url("report", conversation.pk, reported.pk), {"reason": "Rude"})
    assert response.status_code == 302

    report = Report.objects.get()
    assert (report.message, report.reporter, report.reason) == (reported, match.mentee.user, "Rude")
    [row] = Notification.objects.filter(kind=Kind.MESSAGE_REPORTED)
    assert (row.recipient, row.subject) == (coordinator, report)

    client.force_login(coordinator)
    page = client.get(url("report-detail", report.pk))
    shown = [m.text for m in page.context["messages"]]
    assert shown == [f"message {n:02}" for n in range(4, 15)]
    body = page.content.decode()
    assert "message 03" not in body and "message 15" not in body


@pytest.mark.parametrize(
    ("reason", "error"),
    [("", "This field is required."), ("x" * 1001, "at most 1000 characters")],
)
def test_a_report_without_a_reason_or_too_long_is_refused(client, thread, reason, error):
    match, conversation, messages = thread
    client.force_login(match.mentee.user)
    response = client.post(url("report", conversation.pk, messages[1].pk), {"reason": reason})
    assert error in response.content.decode()
    assert Report.objects.count() == 0


def test_nobody_reports_their_own_message_or_the_same_one_twice(client, thread):
    match, conversation, messages = thread
    client.force_login(match.mentee.user)
    assert client.get(url("report", conversation.pk, messages[0].pk)).status_code == 404
    client.post(url("report", conversation.pk, messages[1].pk), {"reason": "Rude"})
    again = client.post(url("report", conversation.pk, messages[1].pk), {"reason": "Still rude"})
    assert "already reported" in again.content.decode()
    assert Report.objects.count() == 1


def test_the_report_page_escapes_what_people_wrote(client, thread):
    match, conversation, _messages = thread
    coordinator = make_coordinator(match.program)
    hostile = send(conversation, match.mentor.user, "<script>alert(1)</script>")
    client.force_login(match.mentee.user)
    client.post(url("report", conversation.pk, hostile.pk), {"reason": "<img src=x>"})
    client.force_login(coordinator)
    body = client.get(url("report-detail", Report.objects.get().pk)).content.decode()
    assert "<script>alert(1)" not in body and "<img src=x>" not in body
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body and "&lt;img src=x&gt;" in body
