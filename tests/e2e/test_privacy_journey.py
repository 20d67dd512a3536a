"""Journey 8 in the browser: a new participant accepts the privacy notice at sign-up, chooses who
sees their email, downloads everything held about them (the ZIP opened here) and deletes their
account."""

import json
import re
import zipfile

import pytest
from django.core import mail
from django.utils import timezone

from accounts.models import User
from matching.models import Match
from notifications.models import Kind, Notification
from notifications.services import notifications_deliver_due
from privacy.export import data_export_build
from privacy.models import DataExport, ErasureRequest, NoticeAcceptance, PrivacyNotice
from privacy.notice import notice_default_text
from tests.factories import UserFactory
from tests.sessions.helpers import make_application, make_pair, make_program

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
CONFIRM = re.compile(r"https?://[^/\s]+(/accounts/confirm-email/[^\s]+/)")
DOWNLOAD = re.compile(r"https?://[^/\s]+(/accounts/data/[^\s]+/)")
NEW_PASSWORD = "a-long-and-unusual-passphrase"


def _sign_up(page, base_url: str, artifacts) -> User:
    page.goto(f"{base_url}/accounts/signup/")
    page.get_by_label("Email").fill("ines.duarte@example.org")
    page.get_by_label("Your name").fill("Inês Duarte")
    page.get_by_label("Time zone").select_option("Europe/Lisbon")
    page.get_by_label("Password*", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Password (again)*", exact=True).fill(NEW_PASSWORD)
    # Without the tick the account is not created, and the form says why.
    page.get_by_role("button", name="Sign Up").click()
    page.get_by_text("Accept the privacy notice to create an account.").wait_for()
    assert not User.objects.filter(email="ines.duarte@example.org").exists()
    page.screenshot(path=artifacts / "01-signup-needs-the-notice.png", full_page=True)

    page.get_by_label("Password*", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("Password (again)*", exact=True).fill(NEW_PASSWORD)
    page.get_by_label("I have read and accept the privacy notice (version 1)").check()
    page.get_by_role("button", name="Sign Up").click()
    page.get_by_role("heading", name="Verify Your Email Address").wait_for()
    page.goto(base_url + CONFIRM.search(mail.outbox[-1].body).group(1))
    page.get_by_role("button", name="Confirm").click()
    page.get_by_role("heading", name="Hello, Inês Duarte").wait_for()
    page.screenshot(path=artifacts / "02-signed-in.png", full_page=True)
    return User.objects.get(email="ines.duarte@example.org")


def test_participant_accepts_chooses_downloads_and_deletes(page, live_server, artifacts, tmp_path):
    page.set_default_timeout(10_000)
    notice = PrivacyNotice.objects.create(
        version=1, body=notice_default_text(), published_at=timezone.now()
    )
    page.goto(f"{live_server.url}/privacy/")
    page.get_by_role("heading", name="Privacy notice").first.wait_for()

    person = _sign_up(page, live_server.url, artifacts)
    acceptance = NoticeAcceptance.objects.get(user=person)
    assert acceptance.notice == notice

    # The person is matched with a mentor (the coordinator's work, outside this journey).
    program = make_program(name="Career Compass")
    mentor = UserFactory(email="tomas.reis@example.org", display_name="Tomás Reis")
    NoticeAcceptance.objects.create(user=mentor, notice=notice)
    match = make_pair(
        program,
        mentor=make_application(program, "mentor", user=mentor),
        mentee=make_application(program, "mentee", user=person),
    )

    # Who sees my email: from the user menu to the privacy page.
    page.goto(f"{live_server.url}/accounts/privacy/")
    page.get_by_role("heading", name="Who sees your details").wait_for()
    page.locator("input[name=email_visibility][value=matches]").check()
    page.get_by_role("button", name="Save").click()
    page.get_by_role("heading", name="Who sees your details").wait_for()
    page.screenshot(path=artifacts / "03-visibility-saved.png", full_page=True)
    person.refresh_from_db()
    assert person.email_visibility == "matches"

    # Download everything: the worker builds the ZIP and the email brings the link.
    page.get_by_role("link", name="Download everything we hold about you").click()
    page.get_by_role("button", name="Prepare my download").click()
    page.get_by_text("we will email you a link", exact=False).wait_for()
    page.screenshot(path=artifacts / "04-download-requested.png", full_page=True)
    export = DataExport.objects.get(user=person)
    assert data_export_build(export_id=export.pk) == "ready"
    notifications_deliver_due()
    (email,) = [m for m in mail.outbox if m.to == [person.email] and "/accounts/data/" in m.body]
    link = DOWNLOAD.search(email.body).group(1)

    with page.expect_download() as download_info:
        page.evaluate("url => { window.location.href = url; }", live_server.url + link)
    archive = tmp_path / "archive.zip"
    download_info.value.save_as(archive)
    with zipfile.ZipFile(archive) as opened:
        assert sorted(opened.namelist()) == ["data.json", "index.html"]
        data = json.loads(opened.read("data.json"))
        page_html = opened.read("index.html").decode()
    sections = {section["model"]: section["rows"] for section in data["sections"]}
    (account,) = sections["accounts.User"]
    assert (account["email"], account["display_name"]) == (person.email, "Inês Duarte")
    assert account["email_visibility"] == "matches"
    assert [row["notice__version"] for row in sections["privacy.NoticeAcceptance"]] == [1]
    (matched,) = sections["matching.Match"]
    assert (matched["program__name"], matched["mentor__user__display_name"]) == (
        "Career Compass",
        "Tomás Reis",
    )
    assert "Inês Duarte" in page_html and "Career Compass" in page_html
    # The link worked once.
    page.goto(live_server.url + link)
    page.get_by_text("used", exact=False).first.wait_for()
    page.screenshot(path=artifacts / "05-link-used.png", full_page=True)

    # Delete the account: the page says what happens, the password is asked for.
    page.goto(f"{live_server.url}/accounts/privacy/")
    page.get_by_role("link", name="Delete your account").click()
    page.get_by_role("heading", name="What happens as soon as you confirm").wait_for()
    assert page.get_by_text("Career Compass").first.is_visible()
    page.screenshot(path=artifacts / "06-delete-explained.png", full_page=True)
    # The form asks "are you sure?" before it is sent.
    page.on("dialog", lambda dialog: dialog.accept())
    page.get_by_label("Your current password").fill("not my password")
    page.get_by_role("button", name="Delete my account").click()
    page.get_by_text("That is not your current password. Nothing has been changed.").wait_for()
    assert not ErasureRequest.objects.filter(user=person).exists()
    assert Match.objects.get(pk=match.pk).is_active

    page.get_by_label("Your current password").fill(NEW_PASSWORD)
    page.get_by_role("button", name="Delete my account").click()
    page.get_by_text("will be erased on", exact=False).first.wait_for()
    page.screenshot(path=artifacts / "07-deletion-scheduled.png", full_page=True)
    erasure = ErasureRequest.objects.get(user=person)
    assert erasure.status == ErasureRequest.Status.SCHEDULED
    assert Match.objects.get(pk=match.pk).end_reason == "account_deleted"
    assert Notification.objects.filter(kind=Kind.PARTNER_ACCOUNT_DELETED, recipient=mentor).exists()
    # Signed out: the privacy page now asks to sign in.
    page.goto(f"{live_server.url}/accounts/privacy/")
    page.wait_for_url(re.compile(r".*/accounts/login/.*"))
