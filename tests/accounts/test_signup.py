import re
from datetime import UTC, datetime

import pytest
from django.contrib.sites.models import Site
from django.core import mail
from django.test import Client
from django.urls import reverse

from accounts.models import User
from mentoring.sites import site_ensure
from tests.factories import PASSWORD, UserFactory

pytestmark = pytest.mark.django_db
LINK = re.compile(r"https?://[^/\s]+(/accounts/confirm-email/[^\s]+/)")


def sign_up(client, email="new.person@example.org", password=PASSWORD):
    return client.post(
        reverse("account_signup"),
        {
            "email": email,
            "password1": password,
            "password2": password,
            "display_name": "New Person",
            "time_zone": "Asia/Kolkata",
        },
    )


def test_signup_sends_verification_email_and_blocks_login_until_verified(client):
    response = sign_up(client)
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    user = User.objects.get(email="new.person@example.org")
    assert (user.display_name, str(user.time_zone)) == ("New Person", "Asia/Kolkata")
    assert len(mail.outbox) == 1
    assert mail.outbox[0].to == ["new.person@example.org"]
    assert mail.outbox[0].subject == "[Mentoring] Please Confirm Your Email Address"

    client.logout()
    login = client.post(
        reverse("account_login"), {"login": "new.person@example.org", "password": PASSWORD}
    )
    assert login["Location"] == reverse("account_email_verification_sent")


def test_following_the_link_in_the_same_browser_verifies_and_signs_in(client):
    sign_up(client)
    path = LINK.search(mail.outbox[0].body).group(1)
    assert client.get(path).status_code == 200
    assert client.post(path)["Location"] == reverse("home")
    home = client.get(reverse("home"))
    assert "Hello, <bdi>New Person</bdi>" in home.content.decode()
    assert User.objects.get(email="new.person@example.org").emailaddress_set.get().verified


def test_following_the_link_in_another_browser_verifies_and_says_to_sign_in(client):
    sign_up(client)
    path = LINK.search(mail.outbox[0].body).group(1)
    other = Client()
    response = other.post(path)
    assert response["Location"] == reverse("accounts:email-confirmed")
    page = other.get(response["Location"])
    text = " ".join(page.content.decode().split())
    assert "Your email address is confirmed, but we could not sign you in automatically." in text
    assert "only happens in the browser you signed up in, within 15 minutes" in text
    assert f'href="{reverse("account_login")}">Sign in</a>' in text
    assert "_auth_user_id" not in other.session
    login = other.post(
        reverse("account_login"), {"login": "new.person@example.org", "password": PASSWORD}
    )
    assert login["Location"] == reverse("home")


def test_confirmed_page_sends_someone_signed_in_home(client):
    client.force_login(UserFactory())
    assert client.get(reverse("accounts:email-confirmed"))["Location"] == reverse("home")


def test_verification_email_names_the_site_not_example_com(client):
    sign_up(client)
    [email] = mail.outbox
    assert email.subject == "[Mentoring] Please Confirm Your Email Address"
    assert email.body.startswith("Hello from Mentoring!")
    assert "to register an account on 127.0.0.1:8000." in email.body
    assert "Thank you for using Mentoring!\n127.0.0.1:8000" in email.body
    assert "example.com" not in email.body


def test_site_name_and_domain_follow_the_settings(client, settings, request):
    request.addfinalizer(Site.objects.clear_cache)  # the cached row outlives the rollback
    settings.SITE_NAME = "Peer Circle"
    settings.SITE_URL = "https://peer.example.org"
    site_ensure()
    assert Site.objects.get_current().domain == "peer.example.org"
    sign_up(client)
    body = mail.outbox[0].body
    assert body.startswith("Hello from Peer Circle!")
    assert "to register an account on peer.example.org." in body


def test_signup_keeps_the_chosen_zone_after_a_form_error(client):
    response = client.post(
        reverse("account_signup"),
        {
            "email": "new.person@example.org",
            "password1": PASSWORD,
            "password2": PASSWORD + "-typo",
            "display_name": "New Person",
            "time_zone": "America/Sao_Paulo",
        },
    )
    page = response.content.decode()
    assert response.status_code == 200
    assert "You must type the same password each time." in page
    [select] = re.findall(r'<select [^>]*name="time_zone"[^>]*>', page)
    assert not re.search(r"\sdata-", select)  # nothing tells a script to replace the choice
    assert re.findall(r'<option value="([^"]+)" selected>', page) == ["America/Sao_Paulo"]


def test_signup_page_loads_the_zone_script_as_a_file():
    page = Client().get(reverse("account_signup")).content.decode()
    assert re.search(r'<select [^>]*data-browser-zone="preset"', page)
    assert '<script src="/static/js/timezone.js" defer></script>' in page
    assert "Intl.DateTimeFormat" not in page


def test_signup_with_a_taken_email_does_not_reveal_the_account(client):
    UserFactory(email="taken@example.org")
    response = sign_up(client, email="taken@example.org")
    assert response.status_code == 302
    assert response["Location"] == reverse("account_email_verification_sent")
    assert User.objects.filter(email__iexact="taken@example.org").count() == 1
    assert len(mail.outbox) == 1
    assert "already" in mail.outbox[0].body


def test_password_reset_answers_the_same_for_unknown_email(client):
    UserFactory(email="known@example.org")
    known = client.post(reverse("account_reset_password"), {"email": "known@example.org"})
    unknown = client.post(reverse("account_reset_password"), {"email": "nobody@example.org"})
    assert known.status_code == unknown.status_code == 302
    assert known["Location"] == unknown["Location"] == reverse("account_reset_password_done")


def test_weak_password_is_refused_with_a_message_and_nothing_created(client):
    response = sign_up(client, password="123")
    assert response.status_code == 200
    assert "This password is too short" in response.content.decode()
    assert not User.objects.filter(email="new.person@example.org").exists()


def test_repeated_failed_logins_are_rate_limited(client):
    UserFactory(email="target@example.org")
    pages = [
        client.post(
            reverse("account_login"), {"login": "target@example.org", "password": "wrong"}
        ).content.decode()
        for _ in range(6)
    ]
    limited = "Too many failed login attempts. Try again later."
    assert [limited in page for page in pages] == [False] * 5 + [True]
    correct = client.post(
        reverse("account_login"), {"login": "target@example.org", "password": PASSWORD}
    )
    assert limited in correct.content.decode()


def test_admin_login_goes_through_the_rate_limited_login(client):
    response = client.get("/admin/login/?next=/admin/")
    assert response.status_code == 302
    assert response["Location"].startswith(reverse("account_login"))


def test_profile_time_zone_changes_how_times_are_shown(client):
    from django.template import Context, Template
    from django.utils import timezone

    user = UserFactory(time_zone="UTC")
    client.force_login(user)
    response = client.post(
        reverse("accounts:profile"), {"display_name": "Zed", "time_zone": "America/New_York"}
    )
    assert response.status_code == 302
    user.refresh_from_db()
    assert str(user.time_zone) == "America/New_York"
    with timezone.override(user.time_zone):
        shown = Template("{{ t|date:'H:i' }}").render(
            Context({"t": datetime(2026, 1, 15, 15, 0, tzinfo=UTC)})
        )
    assert shown == "10:00"


def test_profile_rejects_an_unknown_time_zone(client):
    user = UserFactory(time_zone="UTC")
    client.force_login(user)
    response = client.post(
        reverse("accounts:profile"), {"display_name": "Zed", "time_zone": "Mars/Olympus"}
    )
    assert response.status_code == 200
    user.refresh_from_db()
    assert str(user.time_zone) == "UTC"


HOSTILE = '"><img src=x onerror=alert(1)> <script>alert(1)</script> </title><b>x'


def test_allauth_emails_keep_a_hostile_name_out_of_any_markup(client):
    """allauth sends text only (no account/email/*.html here); should an HTML template be
    added, it must escape like the notification emails do."""
    sign_up(client)
    client.logout()
    user = User.objects.get(email="new.person@example.org")
    user.display_name = HOSTILE
    user.save()
    mail.outbox.clear()
    client.post(reverse("account_reset_password"), {"email": user.email})
    Client().post(
        reverse("account_signup"),
        {
            "email": "other.person@example.org",
            "password1": PASSWORD,
            "password2": PASSWORD,
            "display_name": HOSTILE,
            "time_zone": "UTC",
        },
    )
    assert len(mail.outbox) == 2
    assert f"because user {HOSTILE} has given your email" in mail.outbox[1].body  # plain text
    for email in mail.outbox:
        assert "<" not in email.subject
        for html, mimetype in email.alternatives:
            assert mimetype == "text/html"
            assert "<script>" not in html and "<img" not in html, email.subject
