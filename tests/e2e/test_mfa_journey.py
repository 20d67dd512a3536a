"""A coordinator, with two-factor authentication required of staff, is led to set up an
authenticator app on their phone before the admin, keeps the recovery codes, reaches the admin,
and next time logs in with their password and a code. Codes come from allauth's own TOTP
helpers, computed from the secret the page shows."""

import re
import time

import pytest
from allauth.mfa.models import Authenticator
from allauth.mfa.totp.internal.auth import (
    format_hotp_value,
    hotp_value,
    yield_hotp_counters_from_time,
)

from tests.e2e.axe import assert_accessible
from tests.e2e.helpers import make_coordinator
from tests.factories import PASSWORD

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
PHONE = {"width": 375, "height": 800}


def totp_code(secret: str) -> str:
    """The code an authenticator app shows now, with time left to type it in."""
    remaining = 30 - time.time() % 30
    if remaining < 5:
        time.sleep(remaining + 0.1)
    return format_hotp_value(hotp_value(secret, next(iter(yield_hotp_counters_from_time()))))


def password_step(page, email: str) -> None:
    page.get_by_label("Email").fill(email)
    page.locator("#id_password").fill(PASSWORD)
    page.get_by_role("button", name="Sign In").click()


def no_sideways_scroll(page) -> None:
    assert page.evaluate("document.documentElement.scrollWidth") <= PHONE["width"]


def test_coordinator_sets_up_an_authenticator_then_logs_in_with_a_code(
    page, live_server, settings, artifacts
):
    settings.MFA_REQUIRED_FOR_STAFF = True
    coordinator = make_coordinator()
    page.set_default_timeout(10_000)
    page.set_viewport_size(PHONE)

    # Going to the admin: log in, then the set-up, which first confirms the password.
    page.goto(f"{live_server.url}/admin/")
    password_step(page, coordinator.email)
    page.get_by_role("heading", name="Confirm Access").wait_for()
    page.get_by_text("Staff accounts need two-factor authentication.").wait_for()
    page.screenshot(path=artifacts / "01-why.png", full_page=True)
    page.get_by_label("Password").fill(PASSWORD)
    page.get_by_role("button", name="Confirm").click()

    page.get_by_role("heading", name="Set up an authenticator app").wait_for()
    qr = page.get_by_role("img", name="QR code to scan with your authenticator app")
    assert qr.evaluate("img => img.complete && img.naturalWidth > 0")
    secret = page.get_by_label("Secret key").input_value()
    assert re.fullmatch(r"[A-Z2-7]{32}", secret)
    no_sideways_scroll(page)
    assert_accessible(page, "set-up page on a phone")
    page.screenshot(path=artifacts / "02-set-up.png", full_page=True)

    # A mistyped code first: said so, nothing activated.
    wrong = f"{(int(totp_code(secret)) + 1) % 1_000_000:06d}"
    page.get_by_label("Authenticator code").fill(wrong)
    page.get_by_role("button", name="Activate").click()
    page.get_by_text("Incorrect code.").wait_for()
    assert not Authenticator.objects.filter(user=coordinator).exists()
    assert page.get_by_label("Secret key").input_value() == secret
    assert_accessible(page, "set-up page with a wrong code")

    page.get_by_label("Authenticator code").fill(totp_code(secret))
    page.get_by_role("button", name="Activate").click()

    page.get_by_role("heading", name="Recovery codes").wait_for()
    codes = page.locator("#recovery-codes li").all_inner_texts()
    assert len(codes) == 10
    no_sideways_scroll(page)
    assert_accessible(page, "recovery codes on a phone")
    page.screenshot(path=artifacts / "03-recovery-codes.png", full_page=True)
    page.get_by_role("link", name="Continue").click()
    page.wait_for_url(f"{live_server.url}/admin/")
    page.get_by_role("heading", name="Programs, matching and evaluation").wait_for()
    page.screenshot(path=artifacts / "04-admin.png", full_page=True)

    # Log out; the next log-in asks for a code after the password.
    page.goto(f"{live_server.url}/accounts/logout/")
    page.get_by_role("button", name="Sign Out").click()
    page.goto(f"{live_server.url}/admin/")
    password_step(page, coordinator.email)
    page.get_by_role("heading", name="Two-factor authentication").wait_for()
    no_sideways_scroll(page)
    assert_accessible(page, "code page on a phone")
    page.screenshot(path=artifacts / "05-code.png", full_page=True)
    page.get_by_label("Code").fill(totp_code(secret))
    page.get_by_role("button", name="Sign In").click()

    page.wait_for_url(f"{live_server.url}/admin/")
    page.get_by_role("heading", name="Programs, matching and evaluation").wait_for()
    page.screenshot(path=artifacts / "06-admin-again.png", full_page=True)

    # The account menu leads to the two-factor page, which says what is set up.
    page.goto(live_server.url)
    page.get_by_role("button", name="Toggle navigation").click()
    # Bootstrap marks the menu "show" once it has finished opening; a click on the account
    # menu while it still slides open can be lost.
    page.locator("#main-nav.show").wait_for()
    page.locator("#account-menu").click()
    page.locator("#account-menu[aria-expanded='true']").wait_for()
    page.get_by_role("link", name="Two-factor authentication").click()
    page.get_by_role("heading", name="Two-factor authentication").wait_for()
    page.get_by_text("10 of 10 recovery codes are unused.").wait_for()
    no_sideways_scroll(page)
    page.screenshot(path=artifacts / "07-two-factor-page.png", full_page=True)
