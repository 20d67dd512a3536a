"""Who sees a person's email (and later profile and photo): the rule, the relation worked out
in one query, the match page, the calendar files and emails, and the settings form."""

import pytest
from django.core import mail
from django.urls import reverse

from accounts import visibility
from accounts.visibility import Relation, can_see, relation_between
from matching.models import Match
from notifications.models import Kind
from notifications.services import notification_queue, notifications_deliver_due
from sessions.services import booking_create
from tests.factories import UserFactory
from tests.sessions.helpers import NOW, group, make_application, make_program, pair, wednesday_18
from tests.sessions.helpers import weekly as weekly_window

pytestmark = pytest.mark.django_db


def _set(user, **fields):
    for name, value in fields.items():
        setattr(user, name, value)
    user.save(update_fields=list(fields))
    return user


# --- The rule --------------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("setting", "seen_by"),
    [
        ("coordinators", {Relation.COORDINATOR, Relation.SELF}),
        ("matches", {Relation.COORDINATOR, Relation.PARTNER, Relation.SELF}),
        ("members", {Relation.COORDINATOR, Relation.PARTNER, Relation.MEMBER, Relation.SELF}),
    ],
)
def test_each_setting_lets_exactly_its_relations_see(setting, seen_by):
    person = UserFactory(email_visibility=setting, photo_visibility=setting)
    viewer = UserFactory()
    for relation in Relation:
        for detail in ("email", "photo"):
            allowed = can_see(viewer=viewer, person=person, detail=detail, relation=relation)
            assert allowed == (relation in seen_by), (relation, detail)
    assert can_see(viewer=person, person=person, detail="email", relation=Relation.NOBODY)


def test_the_defaults_keep_the_email_with_coordinators_and_show_the_profile_to_matches():
    person = UserFactory()
    assert (person.email_visibility, person.profile_visibility, person.photo_visibility) == (
        "coordinators",
        "matches",
        "matches",
    )


# --- The relation ------------------------------------------------------------------------------


def test_the_relation_is_worked_out_in_one_query(django_assert_num_queries):
    program = make_program()
    match = pair(program)
    mentor, mentee = match.mentor.user, match.mentee.user
    member = make_application(program, "mentee").user
    applied_only = make_application(program, "mentee", status="applied").user
    coordinator = UserFactory(is_staff=True)
    program.coordinators.add(coordinator)
    stranger = UserFactory()
    expected = {
        (mentee, mentor): Relation.PARTNER,
        (mentor, mentee): Relation.PARTNER,
        (member, mentee): Relation.MEMBER,
        (mentee, member): Relation.MEMBER,
        (applied_only, mentee): Relation.NOBODY,  # not approved: not a member yet
        (coordinator, applied_only): Relation.COORDINATOR,
        (stranger, mentee): Relation.NOBODY,
    }
    for (viewer, person), relation in expected.items():
        with django_assert_num_queries(1):
            assert relation_between(viewer=viewer, person=person) == relation
    with django_assert_num_queries(0):
        assert relation_between(viewer=mentee, person=mentee) == Relation.SELF
    # Its SQL is kept, for staff and for everyone else (checked against Django's on each call).
    assert visibility._relation_row.is_kept(viewer=coordinator, person_id=mentee.pk, staff=True)
    assert visibility._relation_row.is_kept(viewer=mentee, person_id=mentor.pk, staff=False)


def test_a_coordinator_who_is_not_staff_is_no_coordinator_here():
    program = make_program()
    person = make_application(program, "mentee").user
    not_staff = UserFactory()
    program.coordinators.add(not_staff)
    assert relation_between(viewer=not_staff, person=person) == Relation.NOBODY


def test_group_members_are_partners_and_one_to_one_co_mentees_are_members():
    _program, mentor, members = group(3)
    assert relation_between(viewer=members[0], person=members[1]) == Relation.PARTNER
    assert relation_between(viewer=members[0], person=mentor) == Relation.PARTNER
    assert relation_between(viewer=mentor, person=members[2]) == Relation.PARTNER
    one_to_one = make_program()
    mentor_app = make_application(one_to_one, "mentor", capacity=2)
    first = Match.objects.create(
        program=one_to_one, mentor=mentor_app, mentee=make_application(one_to_one, "mentee")
    )
    second = Match.objects.create(
        program=one_to_one, mentor=mentor_app, mentee=make_application(one_to_one, "mentee")
    )
    assert relation_between(viewer=first.mentee.user, person=second.mentee.user) == Relation.MEMBER


def test_a_program_member_who_is_not_a_partner_sees_the_email_only_with_members():
    program = make_program()
    match = pair(program)
    member = make_application(program, "mentee").user
    person = match.mentee.user
    relation = relation_between(viewer=member, person=person)
    for setting, seen in (("coordinators", False), ("matches", False), ("members", True)):
        _set(person, email_visibility=setting)
        assert can_see(viewer=member, person=person, detail="email", relation=relation) == seen


# --- The match page ------------------------------------------------------------------------


@pytest.mark.parametrize(
    ("setting", "shown"), [("coordinators", False), ("matches", True), ("members", True)]
)
def test_the_partner_sees_the_email_on_the_match_page_only_when_allowed(client, setting, shown):
    match = pair()
    mentor = _set(match.mentor.user, email_visibility=setting, display_name="Mo Mentor")
    client.force_login(match.mentee.user)
    body = client.get(reverse("matching:match-detail", args=[match.pk])).content.decode()
    assert (mentor.email in body) == shown
    assert ("(email not shared)" in body) == (not shown)
    assert "Mo Mentor" in body


# --- Emails and calendar files -----------------------------------------------------------------


def _mail_to(user) -> list[str]:
    """Everything each email to `user` carries: subject, text, HTML and attachments."""
    texts = []
    for message in mail.outbox:
        if message.to != [user.email]:
            continue
        parts = [message.subject, message.body]
        parts += [content for content, _type in getattr(message, "alternatives", [])]
        for _name, content, _mimetype in message.attachments:
            parts.append(content.decode() if isinstance(content, bytes) else content)
        texts.append("\n".join(parts))
    return texts


def _book_and_announce(match):
    for person in (match.mentee.user, match.mentor.user):
        notification_queue(
            kind=Kind.MATCH_PUBLISHED, to=person, subject=match, program=match.program
        )
    weekly_window(match.mentor.user)
    booking_create(match=match, start=wednesday_18(), booked_by=match.mentee.user, now=NOW)
    notifications_deliver_due(now=NOW)


def test_emails_to_a_partner_carry_no_address_of_the_other_by_default():
    match = pair()
    mentor, mentee = match.mentor.user, match.mentee.user
    _book_and_announce(match)
    to_mentee, to_mentor = _mail_to(mentee), _mail_to(mentor)
    assert len(to_mentee) == 2 and len(to_mentor) == 2  # matched, booked (with the .ics)
    assert all(mentor.email not in text for text in to_mentee)
    assert all(mentee.email not in text for text in to_mentor)
    calendar = next(text for text in to_mentee if "BEGIN:VCALENDAR" in text)
    assert "mailto:noreply@localhost" in calendar  # the organizer, under the mentor's name
    assert f"mailto:{mentee.email}" in calendar  # the recipient themselves


def test_emails_carry_the_others_address_once_they_share_it_with_their_matches():
    match = pair()
    mentor = _set(match.mentor.user, email_visibility="matches")
    mentee = match.mentee.user
    _book_and_announce(match)
    calendar = next(text for text in _mail_to(mentee) if "BEGIN:VCALENDAR" in text)
    assert f"mailto:{mentor.email}" in calendar
    assert all(mentee.email not in text for text in _mail_to(mentor))


# --- The settings form ---------------------------------------------------------------------------


def test_the_visibility_form_saves_the_three_settings(client):
    user = UserFactory()
    client.force_login(user)
    page = client.get(reverse("privacy:settings"))
    assert 'name="email_visibility"' in page.content.decode()
    assert page.context["visibility_form"]["email_visibility"].value() == "coordinators"
    response = client.post(
        reverse("privacy:settings"),
        {
            "form": "visibility",
            "email_visibility": "matches",
            "profile_visibility": "members",
            "photo_visibility": "coordinators",
        },
        follow=True,
    )
    assert "Your visibility settings were saved." in response.content.decode()
    user.refresh_from_db()
    assert (user.email_visibility, user.profile_visibility, user.photo_visibility) == (
        "matches",
        "members",
        "coordinators",
    )


def test_an_unknown_visibility_is_refused(client):
    user = UserFactory()
    client.force_login(user)
    response = client.post(
        reverse("privacy:settings"),
        {
            "form": "visibility",
            "email_visibility": "everyone",
            "profile_visibility": "members",
            "photo_visibility": "coordinators",
        },
    )
    assert response.status_code == 400
    user.refresh_from_db()
    assert user.email_visibility == "coordinators"


def test_the_privacy_page_is_linked_from_the_menu_and_the_profile(client):
    client.force_login(UserFactory())
    url = reverse("privacy:settings")
    assert f'href="{url}"' in client.get(reverse("home")).content.decode()
    assert f'href="{url}"' in client.get(reverse("accounts:profile")).content.decode()
