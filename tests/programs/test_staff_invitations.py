"""Coordinators invite colleagues as co-coordinators or reporting staff of one program."""

import re
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.contrib.admin.models import LogEntry
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.urls import reverse
from django.utils import timezone

from mentoring.roles import COORDINATORS_GROUP, REPORTING_GROUP
from notifications.models import Kind, Notification
from notifications.rendering import notification_render
from programs.models import Program, StaffInvitation
from programs.staff_invitations import (
    EXPIRY,
    staff_invitation_accept,
    staff_invitation_create,
    staff_invitation_for_token,
    staff_invitations_revoke,
    token_hash,
)
from tests.factories import ProgramFactory, UserFactory
from tests.programs.helpers import admin_post_data

pytestmark = pytest.mark.django_db

Role = StaffInvitation.Role
LINK = re.compile(r"/programs/staff-invitations/([0-9a-f]+)/")


def make_coordinator(*programs, **fields):
    user = UserFactory(is_staff=True, **fields)
    user.groups.add(Group.objects.get(name=COORDINATORS_GROUP))
    for program in programs:
        program.coordinators.add(user)
    return user


@pytest.fixture
def mine():
    return ProgramFactory(name="Peer Study Circle", status=Program.Status.DRAFT)


@pytest.fixture
def theirs():
    return ProgramFactory(name="Other Program")


@pytest.fixture
def coordinator(mine):
    return make_coordinator(mine, display_name="Corinne Coordinator")


def invite(program, coordinator, email="new.colleague@example.org", role=Role.COORDINATOR):
    """An invitation and the token its email carries."""
    invitation = staff_invitation_create(
        program=program, email=email, role=role, invited_by=coordinator
    )
    [notification] = Notification.objects.filter(
        kind=Kind.STAFF_INVITATION, subject_id=invitation.pk
    )
    email_message = notification_render(notification=notification)
    return invitation, LINK.search(email_message.body).group(1)


def url(token):
    return reverse("programs:staff-invitation", args=[token])


def snapshot(program, user=None):
    """Everything accepting could change."""
    return {
        "coordinators": sorted(program.coordinators.values_list("pk", flat=True)),
        "reporting": sorted(program.reporting_staff.values_list("pk", flat=True)),
        "invitations": sorted(
            StaffInvitation.objects.values_list("pk", "accepted_at", "revoked_at")
        ),
        "user": (
            None
            if user is None
            else (
                type(user).objects.get(pk=user.pk).is_staff,
                sorted(user.groups.values_list("name", flat=True)),
            )
        ),
    }


# Inviting


def test_inviting_stores_only_a_hash_and_queues_one_email_with_the_link(mine, coordinator):
    invitation, token = invite(mine, coordinator, email="New.Colleague@Example.org")

    assert invitation.email == "new.colleague@example.org"
    assert invitation.token_hash == token_hash(token)
    assert token not in {invitation.link_salt, invitation.token_hash}
    assert invitation.expires_at - invitation.created_at == EXPIRY == timedelta(days=14)
    [notification] = Notification.objects.filter(kind=Kind.STAFF_INVITATION)
    assert (notification.to_email, notification.program, notification.context) == (
        "new.colleague@example.org",
        mine,
        {},
    )
    message = notification_render(notification=notification)
    assert message.subject == "You are invited to coordinate Peer Study Circle"
    assert "Corinne Coordinator invited you to be a co-coordinator of Peer Study Circle" in (
        message.body
    )
    assert staff_invitation_for_token(token=token) == invitation


def test_a_reporting_invitation_says_so(mine, coordinator):
    invite(mine, coordinator, role=Role.REPORTING)
    message = notification_render(notification=Notification.objects.get())
    assert message.subject == "You are invited to see the reports of Peer Study Circle"
    assert "reporting staff of Peer Study Circle" in message.body


@pytest.mark.parametrize("email", ["", "not-an-email", "a@b", "x" * 250 + "@example.org"])
def test_a_malformed_email_is_refused_and_nothing_is_written(mine, coordinator, email):
    with pytest.raises(ValidationError) as error:
        staff_invitation_create(
            program=mine, email=email, role=Role.COORDINATOR, invited_by=coordinator
        )
    assert error.value.messages == ["Enter a valid email address."]
    assert not StaffInvitation.objects.exists()
    assert not Notification.objects.exists()


def test_an_unknown_role_is_refused(mine, coordinator):
    with pytest.raises(ValidationError):
        staff_invitation_create(
            program=mine, email="a@example.org", role="superuser", invited_by=coordinator
        )
    assert not StaffInvitation.objects.exists()


def test_inviting_someone_who_has_the_role_already_says_so(mine, coordinator):
    reporter = UserFactory(email="rita@example.org")
    mine.reporting_staff.add(reporter)
    cases = [
        (coordinator.email.upper(), Role.COORDINATOR, "is a coordinator of Peer Study Circle"),
        (coordinator.email, Role.REPORTING, "is a coordinator of Peer Study Circle"),
        ("rita@example.org", Role.REPORTING, "is reporting staff of Peer Study Circle"),
    ]
    for email, role, text in cases:
        with pytest.raises(ValidationError) as error:
            staff_invitation_create(program=mine, email=email, role=role, invited_by=coordinator)
        assert text in error.value.messages[0]
    assert not StaffInvitation.objects.exists()
    # Reporting staff may be invited to coordinate.
    staff_invitation_create(
        program=mine, email="rita@example.org", role=Role.COORDINATOR, invited_by=coordinator
    )


def test_a_second_pending_invitation_is_refused_until_the_first_is_revoked_or_expired(
    mine, coordinator
):
    first, _ = invite(mine, coordinator)
    with pytest.raises(ValidationError) as error:
        invite(mine, coordinator)
    assert "has a pending invitation" in error.value.messages[0]
    assert StaffInvitation.objects.count() == 1

    StaffInvitation.objects.filter(pk=first.pk).update(
        created_at=timezone.now() - EXPIRY - timedelta(days=1),
        expires_at=timezone.now() - timedelta(days=1),
    )
    second, _ = invite(mine, coordinator)
    first.refresh_from_db()
    assert (first.status, second.status) == ("revoked", "pending")


# Accepting


def test_accepting_as_co_coordinator_grants_exactly_that_program(mine, theirs, coordinator):
    invitation, _ = invite(mine, coordinator)
    colleague = UserFactory(email="new.colleague@example.org")

    staff_invitation_accept(invitation=invitation, user=colleague)

    colleague.refresh_from_db()
    assert colleague.is_staff is True
    assert list(colleague.groups.values_list("name", flat=True)) == [COORDINATORS_GROUP]
    assert list(colleague.coordinated_programs.all()) == [mine]
    assert list(colleague.reported_programs.all()) == []
    invitation.refresh_from_db()
    assert (invitation.status, invitation.accepted_by) == ("accepted", colleague)
    history = LogEntry.objects.filter(object_id=str(mine.pk)).order_by("pk")
    assert [(e.user, e.get_change_message()) for e in history] == [
        (coordinator, f"Added staff invitation “{invitation}”."),
        (colleague, "Changed coordinators."),
    ]


def test_accepting_as_reporting_staff_grants_reports_of_that_program_only(
    mine, theirs, coordinator
):
    invitation, _ = invite(mine, coordinator, email="rita@example.org", role=Role.REPORTING)
    reporter = UserFactory(email="Rita@Example.org")

    staff_invitation_accept(invitation=invitation, user=reporter)

    reporter.refresh_from_db()
    assert reporter.is_staff is False
    assert list(reporter.groups.values_list("name", flat=True)) == [REPORTING_GROUP]
    assert list(reporter.reported_programs.all()) == [mine]
    assert list(reporter.coordinated_programs.all()) == []


def test_an_account_without_the_invited_address_confirmed_is_refused(mine, coordinator):
    invitation, _ = invite(mine, coordinator)
    other = UserFactory(email="someone.else@example.org")
    unconfirmed = UserFactory(email="new.colleague@example.org", verified=False)
    EmailAddress.objects.create(user=unconfirmed, email=unconfirmed.email, verified=False)
    for user in (other, unconfirmed):
        before = snapshot(mine, user)
        with pytest.raises(ValidationError) as error:
            staff_invitation_accept(invitation=invitation, user=user)
        assert error.value.code == "wrong_account"
        assert snapshot(mine, user) == before


def test_a_secondary_confirmed_address_may_accept(mine, coordinator):
    invitation, _ = invite(mine, coordinator)
    colleague = UserFactory(email="private@example.org")
    EmailAddress.objects.create(user=colleague, email="New.Colleague@example.org", verified=True)
    staff_invitation_accept(invitation=invitation, user=colleague)
    assert list(colleague.coordinated_programs.all()) == [mine]


@pytest.mark.parametrize(
    "spoil, code",
    [
        ("accepted", "accepted"),
        ("revoked", "revoked"),
        ("expired", "expired"),
    ],
)
def test_a_used_revoked_or_expired_invitation_changes_nothing(mine, coordinator, spoil, code):
    invitation, _ = invite(mine, coordinator)
    colleague = UserFactory(email="new.colleague@example.org")
    if spoil == "accepted":
        staff_invitation_accept(invitation=invitation, user=colleague)
        mine.coordinators.remove(colleague)  # so a second grant would show
    elif spoil == "revoked":
        staff_invitations_revoke(invitations=[invitation], by=coordinator)
    else:
        StaffInvitation.objects.filter(pk=invitation.pk).update(
            created_at=timezone.now() - EXPIRY - timedelta(days=1),
            expires_at=timezone.now() - timedelta(seconds=1),
        )
    before = snapshot(mine, colleague)
    with pytest.raises(ValidationError) as error:
        staff_invitation_accept(invitation=invitation, user=colleague)
    assert error.value.code == code
    assert snapshot(mine, colleague) == before


def test_revoking_cancels_the_unsent_email_and_skips_finished_invitations(mine, coordinator):
    pending, _ = invite(mine, coordinator)
    accepted, _ = invite(mine, coordinator, email="b@example.org")
    staff_invitation_accept(invitation=accepted, user=UserFactory(email="b@example.org"))

    assert staff_invitations_revoke(invitations=[pending, accepted], by=coordinator) == 1

    pending.refresh_from_db()
    assert (pending.status, pending.revoked_by) == ("revoked", coordinator)
    email = Notification.objects.get(subject_id=pending.pk, kind=Kind.STAFF_INVITATION)
    assert email.status == Notification.Status.CANCELLED
    assert staff_invitations_revoke(invitations=[pending], by=coordinator) == 0


# The link


def test_an_unknown_token_is_404(client):
    assert client.get(url("0" * 64)).status_code == 404
    assert client.post(url("nope")).status_code == 404


def test_signed_out_the_link_offers_sign_up_and_sign_in_coming_back(client, mine, coordinator):
    _, token = invite(mine, coordinator)
    response = client.get(url(token))
    assert response.status_code == 200
    page = response.content.decode()
    assert "Corinne Coordinator invited you to be a co-coordinator of" in page
    assert response.context["signup_url"] == (
        "/accounts/signup/?email=new.colleague%40example.org"
        f"&next=%2Fprograms%2Fstaff-invitations%2F{token}%2F"
    )
    assert response.context["login_url"] == (
        f"/accounts/login/?next=%2Fprograms%2Fstaff-invitations%2F{token}%2F"
    )
    assert "Accept the invitation" not in page
    # Posting signed out changes nothing.
    client.post(url(token))
    assert StaffInvitation.objects.get().status == "pending"


def test_the_invited_colleague_accepts_and_lands_in_the_admin_seeing_only_that_program(
    client, mine, theirs, coordinator
):
    _, token = invite(mine, coordinator)
    colleague = UserFactory(email="new.colleague@example.org")
    client.force_login(colleague)
    assert "Accept the invitation" in client.get(url(token)).content.decode()

    response = client.post(url(token))

    assert response["Location"] == reverse("admin:programs_program_change", args=[mine.pk])
    changelist = client.get(reverse("admin:programs_program_changelist"))
    assert [p.pk for p in changelist.context["cl"].result_list] == [mine.pk]
    assert client.get(response["Location"]).status_code == 200
    their_page = reverse("admin:programs_program_change", args=[theirs.pk])
    assert client.get(their_page).status_code == 404
    assert client.get(reverse("evaluation:program-dashboard", args=[mine.pk])).status_code == 200
    assert client.get(reverse("evaluation:program-dashboard", args=[theirs.pk])).status_code == 404


def test_reporting_staff_accept_and_see_that_programs_reports_only(
    client, mine, theirs, coordinator
):
    _, token = invite(mine, coordinator, email="rita@example.org", role=Role.REPORTING)
    reporter = UserFactory(email="rita@example.org")
    client.force_login(reporter)

    response = client.post(url(token))

    assert response["Location"] == reverse("evaluation:program-dashboard", args=[mine.pk])
    reports = client.get(reverse("evaluation:program-list"))
    assert [p.pk for p in reports.context["programs"]] == [mine.pk]
    assert client.get(response["Location"]).status_code == 200
    assert client.get(reverse("evaluation:program-dashboard", args=[theirs.pk])).status_code == 404
    assert client.get(reverse("admin:index")).status_code == 302  # not staff: no admin


def test_the_link_used_twice_says_so_and_changes_nothing(client, mine, coordinator):
    _, token = invite(mine, coordinator)
    colleague = UserFactory(email="new.colleague@example.org")
    client.force_login(colleague)
    client.post(url(token))
    before = snapshot(mine, colleague)

    again = client.post(url(token))

    assert again.status_code == 409
    assert "You accepted this invitation already" in again.content.decode()
    assert snapshot(mine, colleague) == before
    client.force_login(UserFactory(email="new.colleague2@example.org"))
    page = client.get(url(token)).content.decode()
    assert "This invitation has been used already." in page


def test_a_revoked_link_says_so_to_everyone_and_changes_nothing(client, mine, coordinator):
    invitation, token = invite(mine, coordinator)
    staff_invitations_revoke(invitations=[invitation], by=coordinator)
    assert "This invitation was withdrawn." in client.get(url(token)).content.decode()
    colleague = UserFactory(email="new.colleague@example.org")
    client.force_login(colleague)
    before = snapshot(mine, colleague)
    response = client.post(url(token))
    assert response.status_code == 409
    assert "This invitation was withdrawn." in response.content.decode()
    assert snapshot(mine, colleague) == before


def test_an_expired_link_says_so_and_changes_nothing(client, mine, coordinator):
    invitation, token = invite(mine, coordinator)
    StaffInvitation.objects.filter(pk=invitation.pk).update(
        created_at=timezone.now() - EXPIRY - timedelta(days=1),
        expires_at=timezone.now() - timedelta(days=1),
    )
    colleague = UserFactory(email="new.colleague@example.org")
    client.force_login(colleague)
    before = snapshot(mine, colleague)
    response = client.post(url(token))
    assert response.status_code == 409
    assert "This invitation has expired." in response.content.decode()
    assert snapshot(mine, colleague) == before


def test_another_account_is_told_whom_the_invitation_is_for(client, mine, coordinator):
    _, token = invite(mine, coordinator)
    other = UserFactory(email="someone.else@example.org")
    client.force_login(other)
    before = snapshot(mine, other)
    response = client.post(url(token))
    assert response.status_code == 409
    page = response.content.decode()
    assert "This invitation is for new.colleague@example.org" in page
    assert "you are signed in as someone.else@example.org" in page
    assert "Accept the invitation" not in page
    assert snapshot(mine, other) == before


# The admin


def invite_page(program):
    return reverse("admin:programs_program_staff_invite", args=[program.pk])


def test_a_coordinator_invites_from_the_program_admin(client, mine, coordinator):
    client.force_login(coordinator)
    change = client.get(reverse("admin:programs_program_change", args=[mine.pk]))
    assert invite_page(mine) in change.content.decode()
    assert client.get(invite_page(mine)).status_code == 200

    response = client.post(
        invite_page(mine), {"email": "new.colleague@example.org", "role": "reporting"}
    )

    assert response["Location"] == reverse("admin:programs_program_change", args=[mine.pk])
    invitation = StaffInvitation.objects.get()
    assert (invitation.program, invitation.role, invitation.invited_by) == (
        mine,
        "reporting",
        coordinator,
    )
    assert Notification.objects.filter(kind=Kind.STAFF_INVITATION).count() == 1


@pytest.mark.parametrize(
    "data, error",
    [
        ({"email": "not an email", "role": "coordinator"}, "Enter a valid email address."),
        ({"email": "a@example.org", "role": "owner"}, "Select a valid choice."),
        ({"email": "", "role": "coordinator"}, "This field is required."),
    ],
)
def test_bad_admin_input_shows_the_error_and_invites_nobody(client, mine, coordinator, data, error):
    client.force_login(coordinator)
    response = client.post(invite_page(mine), data)
    assert response.status_code == 200
    assert error in response.content.decode()
    assert not StaffInvitation.objects.exists()


def test_inviting_an_existing_coordinator_shows_a_clear_message(client, mine, coordinator):
    client.force_login(coordinator)
    response = client.post(invite_page(mine), {"email": coordinator.email, "role": "coordinator"})
    assert "is a coordinator of Peer Study Circle already." in response.content.decode()
    assert not StaffInvitation.objects.exists()


def test_a_coordinator_cannot_invite_to_a_program_they_do_not_coordinate(
    client, mine, theirs, coordinator
):
    client.force_login(coordinator)
    assert client.get(invite_page(theirs)).status_code == 404
    response = client.post(invite_page(theirs), {"email": "x@example.org", "role": "coordinator"})
    assert response.status_code == 404
    assert not StaffInvitation.objects.exists()


def test_participants_cannot_reach_the_invite_page(client, mine):
    client.force_login(UserFactory())
    response = client.get(invite_page(mine))
    assert response.status_code == 302 and "/admin/login/" in response["Location"]


def test_the_invitation_list_shows_only_my_programs_and_revokes(client, mine, theirs, coordinator):
    mine_invitation, _ = invite(mine, coordinator)
    their_coordinator = make_coordinator(theirs)
    their_invitation, _ = invite(theirs, their_coordinator, email="other@example.org")
    client.force_login(coordinator)
    changelist = reverse("admin:programs_staffinvitation_changelist")

    page = client.get(changelist)
    assert [i.pk for i in page.context["cl"].result_list] == [mine_invitation.pk]
    their_change = reverse("admin:programs_staffinvitation_change", args=[their_invitation.pk])
    assert client.get(their_change).status_code == 404

    client.post(
        changelist,
        {"action": "revoke", "_selected_action": [mine_invitation.pk, their_invitation.pk]},
    )
    mine_invitation.refresh_from_db()
    their_invitation.refresh_from_db()
    assert (mine_invitation.status, their_invitation.status) == ("revoked", "pending")
    assert client.get(changelist + "?status=revoked").context["cl"].result_count == 1
    assert client.get(changelist + "?status=pending").context["cl"].result_count == 0


def test_saving_the_program_keeps_reporting_staff_who_are_not_staff(client, mine, coordinator):
    invitation, _ = invite(mine, coordinator, email="rita@example.org", role=Role.REPORTING)
    reporter = UserFactory(email="rita@example.org")
    staff_invitation_accept(invitation=invitation, user=reporter)
    client.force_login(coordinator)
    change = reverse("admin:programs_program_change", args=[mine.pk])
    data = admin_post_data(client.get(change))
    assert data["reporting_staff"] == [str(reporter.pk)]

    response = client.post(change, {**data, "_continue": "1"})

    assert response.status_code == 302
    assert list(mine.reporting_staff.all()) == [reporter]


# Queries


@pytest.mark.parametrize("size", [1, 10])
def test_the_link_page_takes_the_same_queries_for_few_and_many(
    client, django_assert_num_queries, size
):
    programs = [ProgramFactory() for _ in range(size)]
    coordinator = make_coordinator(*programs)
    tokens = [invite(p, coordinator, email=f"c{p.pk}@example.org")[1] for p in programs]
    colleague = UserFactory(email=f"c{programs[-1].pk}@example.org")
    for program in programs[:-1]:
        program.reporting_staff.add(colleague)
    client.force_login(colleague)

    with django_assert_num_queries(6):
        response = client.get(url(tokens[-1]))

    assert response.status_code == 200
    assert "Accept the invitation" in response.content.decode()


@pytest.mark.parametrize("size", [1, 10])
def test_the_invite_page_takes_the_same_queries_for_few_and_many(
    client, django_assert_num_queries, size
):
    programs = [ProgramFactory() for _ in range(size)]
    coordinator = make_coordinator(*programs)
    for program in programs:
        invite(program, coordinator)
    client.force_login(coordinator)

    with django_assert_num_queries(6):
        response = client.get(invite_page(programs[0]))

    assert response.status_code == 200
