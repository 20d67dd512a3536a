"""New-message emails: batched per conversation and recipient, none once read, and only for
people who want them; announcements and reports email too."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from messaging.services import EMAIL_DELAY
from notifications.models import Kind, Notification
from notifications.services import notifications_deliver_due, preference_set
from tests.messaging.helpers import make_pair, pair_conversation, send, url

pytestmark = pytest.mark.django_db

T0 = timezone.now().replace(microsecond=0)


@pytest.fixture
def clock(monkeypatch):
    """Set the time the services see (the due moments of the emails they queue)."""
    moment = {"now": T0}
    monkeypatch.setattr(timezone, "now", lambda: moment["now"])
    return moment


def test_three_messages_in_five_minutes_give_one_email(clock):
    match = make_pair()
    conversation = pair_conversation(match)
    mentor, mentee = match.mentor.user, match.mentee.user
    for minutes, text in ((0, "one"), (2, "two"), (5, "three")):
        clock["now"] = T0 + timedelta(minutes=minutes)
        send(conversation, mentor, text)

    [row] = Notification.objects.filter(kind=Kind.NEW_MESSAGES)
    assert (row.recipient, row.due_at) == (mentee, T0 + EMAIL_DELAY)
    assert notifications_deliver_due(now=T0 + timedelta(minutes=14)) == 0
    assert notifications_deliver_due(now=T0 + timedelta(minutes=21)) == 1

    [email] = mail.outbox
    assert email.to == [mentee.email]
    assert email.subject == "3 new messages from Mo Mentor"
    assert "You have 3 new messages in" in email.body
    assert f"{url('conversation', conversation.pk)}" in email.body
    assert "one" not in email.body.split("\n")  # the messages themselves stay in the site


def test_a_message_after_the_email_went_out_starts_a_new_batch(clock):
    match = make_pair()
    conversation = pair_conversation(match)
    send(conversation, match.mentor.user, "one")
    notifications_deliver_due(now=T0 + EMAIL_DELAY)
    clock["now"] = T0 + EMAIL_DELAY + timedelta(minutes=1)
    send(conversation, match.mentor.user, "two")

    rows = Notification.objects.filter(kind=Kind.NEW_MESSAGES).order_by("due_at")
    assert [(r.status, r.due_at) for r in rows] == [
        ("sent", T0 + EMAIL_DELAY),
        ("queued", T0 + 2 * EMAIL_DELAY + timedelta(minutes=1)),
    ]


def test_no_email_when_the_recipient_reads_in_time(client, clock):
    match = make_pair()
    conversation = pair_conversation(match)
    send(conversation, match.mentor.user, "one")
    client.force_login(match.mentee.user)
    client.get(url("conversation", conversation.pk))

    assert notifications_deliver_due(now=T0 + timedelta(hours=1)) == 0
    assert mail.outbox == []
    assert Notification.objects.get(kind=Kind.NEW_MESSAGES).status == "cancelled"


def test_no_email_while_the_recipient_is_reading_through_the_poller(client, clock):
    match = make_pair()
    conversation = pair_conversation(match)
    first = send(conversation, match.mentee.user, "hello")
    client.force_login(match.mentee.user)
    send(conversation, match.mentor.user, "reply")
    client.get(url("poll", conversation.pk), {"after": first.pk})

    notifications_deliver_due(now=T0 + timedelta(hours=1))
    assert [email.to for email in mail.outbox] == [[match.mentor.user.email]]  # "hello"


def test_the_email_follows_the_recipients_preferences(clock):
    match = make_pair()
    preference_set(user=match.mentee.user, kind=Kind.NEW_MESSAGES, enabled=False)
    conversation = pair_conversation(match)
    send(conversation, match.mentor.user, "one")
    send(conversation, match.mentee.user, "two")

    assert list(Notification.objects.values_list("kind", "recipient")) == [
        (Kind.NEW_MESSAGES, match.mentor.user_id)
    ]


def test_the_author_gets_no_email_for_their_own_message(clock):
    match = make_pair()
    send(pair_conversation(match), match.mentor.user, "one")
    assert list(Notification.objects.values_list("recipient", flat=True)) == [match.mentee.user_id]


def test_names_in_the_email_are_escaped_in_its_html_part(clock):
    match = make_pair()
    match.mentor.user.display_name = "<b>Mo</b>"
    match.mentor.user.save()
    send(pair_conversation(match), match.mentor.user, "one")
    notifications_deliver_due(now=T0 + EMAIL_DELAY)

    [email] = mail.outbox
    html = email.alternatives[0][0]
    assert "<b>Mo</b>" not in html
    assert "&lt;b&gt;Mo&lt;/b&gt;" in html
