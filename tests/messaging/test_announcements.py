"""Announcements: a program's coordinators reach all, the mentors, the mentees or one group;
each recipient finds it in their messages and by email. Participants write back."""

import pytest
from django.core import mail

from messaging.models import Announcement, Conversation, Message
from messaging.selectors import unread_total
from messaging.services import announcement_send
from notifications.models import Kind, Notification
from notifications.services import notifications_deliver_due
from programs.models import Application
from tests.messaging.helpers import make_application, make_coordinator, make_pair, make_program, url

pytestmark = pytest.mark.django_db


@pytest.fixture
def program():
    """Two pairs with the same mentor and one more mentor's pair, an applicant not yet
    approved, and a coordinator."""
    program = make_program()
    mentor = make_application(program, "mentor", name="Mo")
    first, second = make_pair(program, mentor=mentor), make_pair(program, mentor=mentor)
    other = make_pair(program)
    make_application(program, "mentee", status=Application.Status.APPLIED)
    program.people = {
        "mentor": mentor.user,
        "mentees": [first.mentee.user, second.mentee.user],
        "other_mentor": other.mentor.user,
        "other_mentee": other.mentee.user,
        "coordinator": make_coordinator(program),
        "mentor_application": mentor,
    }
    return program


def _recipients(announcement):
    return set(
        Message.objects.filter(announcement=announcement).values_list(
            "conversation__participant", flat=True
        )
    )


@pytest.mark.parametrize(
    ("audience", "expected"),
    [
        ("all", ["mentor", "mentees", "other_mentor", "other_mentee"]),
        ("mentors", ["mentor", "other_mentor"]),
        ("mentees", ["mentees", "other_mentee"]),
        ("group", ["mentor", "mentees"]),
    ],
)
def test_an_announcement_reaches_its_audience_only(program, audience, expected):
    people = program.people
    announcement = announcement_send(
        program=program,
        author=people["coordinator"],
        audience=audience,
        text="Workshop on Friday",
        mentor=people["mentor_application"] if audience == "group" else None,
    )
    wanted = set()
    for key in expected:
        value = people[key]
        wanted |= {u.pk for u in value} if isinstance(value, list) else {value.pk}
    assert _recipients(announcement) == wanted
    assert announcement.recipients == len(wanted)
    emailed = Notification.objects.filter(kind=Kind.ANNOUNCEMENT).values_list(
        "recipient", flat=True
    )
    assert set(emailed) == wanted
    assert all(unread_total(user=person_pk_user) == 1 for person_pk_user in _users(wanted))
    assert unread_total(user=people["coordinator"]) == 0


def _users(pks):
    from accounts.models import User

    return list(User.objects.filter(pk__in=pks))


def test_the_coordinator_sends_from_the_page_and_the_email_carries_the_text(client, program):
    people = program.people
    client.force_login(people["coordinator"])
    response = client.post(
        url("announce", program.pk), {"audience": "mentors", "text": "Training <b>soon</b>"}
    )
    assert response.status_code == 302
    notifications_deliver_due()
    assert sorted(email.to[0] for email in mail.outbox) == sorted(
        [people["mentor"].email, people["other_mentor"].email]
    )
    email = mail.outbox[0]
    assert "Training <b>soon</b>" in email.body
    assert "Training &lt;b&gt;soon&lt;/b&gt;" in email.alternatives[0][0]
    assert url("coordinators", program.pk) in email.body

    client.force_login(people["mentor"])
    conversation = Conversation.objects.get(participant=people["mentor"])
    page = client.get(url("conversation", conversation.pk)).content.decode()
    assert "Training &lt;b&gt;soon&lt;/b&gt;" in page


@pytest.mark.parametrize(
    ("data", "error"),
    [
        ({"audience": "all", "text": "  "}, "This field is required."),
        ({"audience": "group", "text": "Hi"}, "Choose the mentor whose group it goes to."),
        ({"audience": "all", "text": "x" * 5001}, "at most 5000 characters"),
    ],
)
def test_a_refused_announcement_sends_nothing(client, program, data, error):
    client.force_login(program.people["coordinator"])
    response = client.post(url("announce", program.pk), data)
    assert response.status_code == 200
    assert error in response.content.decode()
    assert (Announcement.objects.count(), Message.objects.count()) == (0, 0)


def test_a_participant_writes_to_the_coordinators_and_they_see_it(client, program):
    people = program.people
    client.force_login(people["other_mentee"])
    response = client.get(url("coordinators", program.pk))
    conversation = Conversation.objects.get(participant=people["other_mentee"])
    assert response["Location"] == url("conversation", conversation.pk)
    client.post(url("conversation", conversation.pk), {"text": "Can I change mentor?"})

    assert unread_total(user=people["coordinator"]) == 1
    [row] = Notification.objects.filter(kind=Kind.NEW_MESSAGES)
    assert row.recipient == people["coordinator"]
    client.force_login(people["coordinator"])
    inbox = client.get(url("program", program.pk))
    assert list(inbox.context["conversations"]) == [conversation]
    assert (
        "Can I change mentor?" in client.get(url("conversation", conversation.pk)).content.decode()
    )
    client.post(url("conversation", conversation.pk), {"text": "Yes, let us talk."})
    assert unread_total(user=people["other_mentee"]) == 1


def test_coordinators_list_only_the_participants_who_wrote(client, program):
    people = program.people
    for person in (people["mentor"], people["other_mentee"]):
        client.force_login(person)
        client.get(url("list"))  # makes each one's conversation with the coordinators
    client.force_login(people["mentor"])
    client.post(
        url("conversation", Conversation.objects.get(participant=people["mentor"]).pk),
        {"text": "A question"},
    )
    client.force_login(people["coordinator"])
    rows = client.get(url("list")).context["rows"]
    assert [row.conversation.participant for row in rows] == [people["mentor"]]
