"""Journeys 1 and 2: a coordinator invites a new colleague as co-coordinator from the program's
admin page; the colleague signs up through the emailed link, confirms their address, accepts,
and lands in the admin seeing that program and no other."""

import re

import pytest
from django.core import mail

from notifications.services import notifications_deliver_due
from programs.models import Program, StaffInvitation
from tests.e2e.axe import assert_accessible
from tests.e2e.helpers import log_in, log_out, make_coordinator
from tests.factories import ProgramFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
INVITE_LINK = re.compile(r"https?://[^/\s]+(/programs/staff-invitations/[0-9a-f]+/)")
CONFIRM_LINK = re.compile(r"https?://[^/\s]+(/accounts/confirm-email/[^\s]+/)")
EMAIL = "noor.haddad@example.org"
PASSPHRASE = "a-long-and-unusual-passphrase"


def test_coordinator_invites_a_new_colleague_who_signs_up_and_coordinates_that_program(
    page, live_server, artifacts, settings, browser_watch
):
    settings.MFA_REQUIRED_FOR_STAFF = False  # the MFA journey covers staff set-up
    page.set_default_timeout(10_000)
    base = live_server.url
    coordinator = make_coordinator()
    program = ProgramFactory(name="Peer Study Circle", status=Program.Status.DRAFT)
    program.coordinators.add(coordinator)
    ProgramFactory(name="Another Program").coordinators.add(make_coordinator("x@example.org"))

    log_in(page, base, coordinator.email)
    page.goto(f"{base}/admin/programs/program/{program.pk}/change/")
    page.get_by_role("link", name="Invite a colleague").click()
    page.get_by_label("Email address").fill("not an email")
    page.get_by_role("button", name="Send invitation").click()
    page.get_by_text("Enter a valid email address.").wait_for()
    page.screenshot(path=artifacts / "01-invite-error.png", full_page=True)
    with browser_watch.axe_measuring(page):  # axe's own style changes are not the page's
        assert_accessible(page, "invite form with an error")
    page.get_by_label("Email address").fill(EMAIL)
    page.get_by_label("Co-coordinator").check()
    page.get_by_role("button", name="Send invitation").click()
    page.get_by_text(f"Invitation sent to {EMAIL}.").wait_for()
    page.screenshot(path=artifacts / "02-invited.png", full_page=True)
    log_out(page)

    assert notifications_deliver_due() == 1
    [invitation_email] = mail.outbox
    assert invitation_email.to == [EMAIL]
    assert invitation_email.subject.endswith("You are invited to coordinate Peer Study Circle")
    link = INVITE_LINK.search(invitation_email.body).group(1)

    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(base + link)
    page.get_by_role("heading", name="Co-coordinate Peer Study Circle").wait_for()
    page.screenshot(path=artifacts / "03-link-signed-out.png", full_page=True)
    assert_accessible(page, "invitation link signed out, on a phone")
    page.get_by_role("link", name="Create an account").click()
    assert page.get_by_label("Email").input_value() == EMAIL
    page.get_by_label("Your name").fill("Noor Haddad")
    page.get_by_label("Time zone").select_option("Asia/Amman")
    page.get_by_label("Password*", exact=True).fill(PASSPHRASE)
    page.get_by_label("Password (again)*", exact=True).fill(PASSPHRASE)
    page.get_by_role("button", name="Sign Up").click()
    page.get_by_role("heading", name="Verify Your Email Address").wait_for()

    confirm = CONFIRM_LINK.search(mail.outbox[-1].body).group(1)
    page.goto(base + confirm)
    page.get_by_role("button", name="Confirm").click()
    page.get_by_role("button", name="Accept the invitation").wait_for()
    page.screenshot(path=artifacts / "04-back-to-accept.png", full_page=True)
    assert_accessible(page, "invitation ready to accept, on a phone")
    page.get_by_role("button", name="Accept the invitation").click()
    page.get_by_text("You are now a co-coordinator of Peer Study Circle.").wait_for()
    page.screenshot(path=artifacts / "05-admin-program.png", full_page=True)

    page.set_viewport_size({"width": 1280, "height": 900})
    page.goto(f"{base}/admin/programs/program/")
    rows = page.locator("#result_list tbody tr")
    assert rows.count() == 1
    assert rows.first.get_by_role("link", name="Peer Study Circle").is_visible()
    assert page.get_by_text("Another Program").count() == 0
    page.screenshot(path=artifacts / "06-admin-only-that-program.png", full_page=True)

    invitation = StaffInvitation.objects.get()
    assert invitation.status == "accepted"
    assert list(program.coordinators.order_by("pk")) == [coordinator, invitation.accepted_by]

    # The link used again says so and changes nothing.
    page.goto(base + link)
    page.get_by_text("You accepted this invitation already; nothing more to do.").wait_for()
    page.screenshot(path=artifacts / "07-link-used-again.png", full_page=True)
