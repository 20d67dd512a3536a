"""A new visitor signs up, verifies their email from the captured message and is signed in."""

import re

import pytest
from django.core import mail

from accounts.models import User

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
LINK = re.compile(r"https?://[^/\s]+(/accounts/confirm-email/[^\s]+/)")


def test_visitor_signs_up_verifies_and_lands_on_home(page, live_server, artifacts):
    page.set_default_timeout(10_000)
    page.set_viewport_size({"width": 375, "height": 800})
    page.goto(live_server.url)
    page.screenshot(path=artifacts / "01-landing.png", full_page=True)

    page.get_by_role("link", name="Create an account").click()
    page.get_by_label("Email").fill("amara.okafor@example.org")
    page.get_by_label("Your name").fill("Amara Okafor")
    page.get_by_label("Time zone").select_option("Europe/London")
    page.get_by_label("Password*", exact=True).fill("a-long-and-unusual-passphrase")
    page.get_by_label("Password (again)*", exact=True).fill("a-long-and-unusual-passphrase")
    page.screenshot(path=artifacts / "02-signup-filled.png", full_page=True)
    page.get_by_role("button", name="Sign Up").click()

    page.get_by_role("heading", name="Verify Your Email Address").wait_for()
    page.screenshot(path=artifacts / "03-verification-sent.png", full_page=True)
    assert len(mail.outbox) == 1
    path = LINK.search(mail.outbox[0].body).group(1)

    # In the browser that signed up, confirming signs in.
    page.goto(live_server.url + path)
    page.get_by_role("button", name="Confirm").click()
    page.get_by_role("heading", name="Hello, Amara Okafor").wait_for()
    page.screenshot(path=artifacts / "04-home.png", full_page=True)

    assert page.get_by_role("link", name="Browse open programs").is_visible()
    user = User.objects.get(email="amara.okafor@example.org")
    assert user.emailaddress_set.get().verified is True
    # At 375 px the page must not scroll sideways.
    assert page.evaluate("document.documentElement.scrollWidth") <= 375


@pytest.mark.browser_context_args(timezone_id="Asia/Tokyo")
def test_zone_is_preset_from_the_browser_and_kept_after_a_form_error(page, live_server, artifacts):
    page.set_default_timeout(10_000)
    page.goto(f"{live_server.url}/accounts/signup/")
    zone = page.get_by_label("Time zone")
    assert page.evaluate("Intl.DateTimeFormat().resolvedOptions().timeZone") == "Asia/Tokyo"
    assert zone.input_value() == "Asia/Tokyo"
    page.screenshot(path=artifacts / "01-preset-from-browser.png", full_page=True)

    page.get_by_label("Email").fill("kenji.sato@example.org")
    page.get_by_label("Your name").fill("Kenji Sato")
    zone.select_option("America/Sao_Paulo")
    page.get_by_label("Password*", exact=True).fill("a-long-and-unusual-passphrase")
    page.get_by_label("Password (again)*", exact=True).fill("a-different-passphrase")
    page.get_by_role("button", name="Sign Up").click()
    page.get_by_text("You must type the same password each time.").wait_for()
    page.screenshot(path=artifacts / "02-error-zone-kept.png", full_page=True)
    assert zone.input_value() == "America/Sao_Paulo"

    page.get_by_label("Password*", exact=True).fill("a-long-and-unusual-passphrase")
    page.get_by_label("Password (again)*", exact=True).fill("a-long-and-unusual-passphrase")
    page.get_by_role("button", name="Sign Up").click()
    page.get_by_role("heading", name="Verify Your Email Address").wait_for()
    user = User.objects.get(email="kenji.sato@example.org")
    assert str(user.time_zone) == "America/Sao_Paulo"

    page.goto(live_server.url + LINK.search(mail.outbox[0].body).group(1))
    page.get_by_role("button", name="Confirm").click()
    page.get_by_role("heading", name="Hello, Kenji Sato").wait_for()
    page.screenshot(path=artifacts / "03-signed-in-after-confirming.png", full_page=True)


def test_confirming_in_another_browser_says_why_and_links_to_sign_in(
    page, live_server, client, artifacts
):
    page.set_default_timeout(10_000)
    client.post(
        "/accounts/signup/",
        {
            "email": "lena.berg@example.org",
            "password1": "a-long-and-unusual-passphrase",
            "password2": "a-long-and-unusual-passphrase",
            "display_name": "Lena Berg",
            "time_zone": "Europe/Stockholm",
        },
    )
    page.goto(live_server.url + LINK.search(mail.outbox[0].body).group(1))
    page.get_by_role("button", name="Confirm").click()
    page.get_by_role("heading", name="Email address confirmed").wait_for()
    assert page.get_by_text("we could not sign you in automatically").is_visible()
    page.screenshot(path=artifacts / "01-confirmed-elsewhere.png", full_page=True)

    page.get_by_role("link", name="Sign in", exact=True).click()
    page.get_by_label("Email").fill("lena.berg@example.org")
    page.get_by_label("Password*", exact=True).fill("a-long-and-unusual-passphrase")
    page.get_by_role("button", name="Sign In").click()
    page.get_by_role("heading", name="Hello, Lena Berg").wait_for()
