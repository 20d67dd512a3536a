"""Journey 4: a mentor publishes availability, the matched mentee books on a phone, both see
it, and afterwards the mentee logs it with a private note the mentor's pages never show."""

from datetime import timedelta

import pytest
from django.core import mail
from django.utils import timezone

from notifications.services import notifications_deliver_due
from sessions.models import Meeting, PrivateNote, SessionLog
from tests.e2e.helpers import log_in
from tests.factories import UserFactory
from tests.sessions.helpers import make_application, make_pair, make_program

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]
PRIVATE = "I still feel unsure about salary talks"


def _fits(page) -> bool:
    return page.evaluate("document.documentElement.scrollWidth") <= 375


def test_mentor_publishes_mentee_books_on_a_phone_and_logs_privately(
    page, browser, live_server, artifacts
):
    page.set_default_timeout(15_000)
    base = live_server.url
    program = make_program(name="Peer Careers")
    mo = UserFactory(email="mo@example.org", display_name="Mo Mentor", time_zone="Europe/London")
    ana = UserFactory(
        email="ana@example.org", display_name="Ana Mentee", time_zone="America/New_York"
    )
    match = make_pair(
        program,
        mentor=make_application(program, "mentor", user=mo),
        mentee=make_application(program, "mentee", user=ana),
    )
    in_two_days = (timezone.localdate() + timedelta(days=2)).weekday()

    # The mentor publishes a weekly window on a laptop.
    log_in(page, base, mo.email)
    page.goto(f"{base}/sessions/")
    page.get_by_role("link", name="My availability").click()
    weekly = page.get_by_role("region", name="Every week")
    weekly.get_by_label("Weekday").select_option(WEEKDAYS[in_two_days])
    weekly.get_by_label("Start time").fill("18:00")
    weekly.get_by_label("End time").fill("20:00")
    weekly.get_by_label("Session length (minutes)").fill("45")
    weekly.get_by_label("Location").fill("Library room 2")
    page.get_by_role("button", name="Add window").click()
    page.get_by_text("Weekly window added.").wait_for()
    page.screenshot(path=artifacts / "01-availability.png", full_page=True)

    # The mentee books on a 375 px phone, in her own time zone.
    phone = browser.new_context(viewport={"width": 375, "height": 800})
    mobile = phone.new_page()
    mobile.set_default_timeout(15_000)
    log_in(mobile, base, ana.email)
    mobile.goto(f"{base}/sessions/")
    mobile.get_by_role("link", name="Book with your mentor Mo Mentor").click()
    mobile.get_by_role("heading", name="Book a session with Mo Mentor").wait_for()
    assert "America/New_York" in mobile.content()
    mobile.screenshot(path=artifacts / "02-slots-375.png", full_page=True)
    assert _fits(mobile)
    mobile.locator("main form button[type=submit]").first.click()
    mobile.get_by_text("Booked. You both have a confirmation email.").wait_for()
    mobile.screenshot(path=artifacts / "03-booked-375.png", full_page=True)
    assert _fits(mobile)
    meeting = Meeting.objects.get()
    assert meeting.end - meeting.start == timedelta(minutes=45)
    local = timezone.localtime(meeting.start, ana.time_zone)
    assert f"{local:%H:%M}" in mobile.locator("p.lead").inner_text()
    assert notifications_deliver_due() == 2  # both confirmations, each with its .ics
    assert sorted(m.to[0] for m in mail.outbox) == [ana.email, mo.email]
    assert all(m.attachments[0][0] == "session.ics" for m in mail.outbox)

    # Both see it on their sessions page.
    mobile.goto(f"{base}/sessions/")
    mobile.get_by_role("link", name="with Mo Mentor").wait_for()
    mobile.screenshot(path=artifacts / "04-mentee-list-375.png", full_page=True)
    page.goto(f"{base}/sessions/")
    page.get_by_role("link", name="with Ana Mentee").wait_for()
    mentor_local = timezone.localtime(meeting.start, mo.time_zone)
    assert f"{mentor_local:%H:%M}" in page.get_by_role("link", name="with Ana Mentee").inner_text()
    page.screenshot(path=artifacts / "05-mentor-list.png", full_page=True)

    # The session takes place; afterwards the mentee logs it on her phone.
    Meeting.objects.filter(pk=meeting.pk).update(
        start=meeting.start - timedelta(days=3), end=meeting.end - timedelta(days=3)
    )
    mobile.goto(f"{base}/sessions/{meeting.pk}/")
    mobile.get_by_label("Held").check()
    mobile.get_by_label("How long (minutes)").fill("55")
    mobile.get_by_label("Shared notes (both of you see these)").fill("Mock interview practice")
    mobile.get_by_label("Private note (only you, ever)").fill(PRIVATE)
    mobile.get_by_role("button", name="Save log").click()
    mobile.get_by_text("Your log is saved.").wait_for()
    mobile.screenshot(path=artifacts / "06-logged-375.png", full_page=True)
    assert _fits(mobile)
    assert PRIVATE in mobile.content()
    assert SessionLog.objects.get().duration_minutes == 55
    assert PrivateNote.objects.get().author == ana
    phone.close()

    # The mentor sees the shared notes and never the private note.
    for path in ("/", "/sessions/", f"/sessions/{meeting.pk}/", f"/matching/matches/{match.pk}/"):
        page.goto(base + path)
        assert "salary talks" not in page.content(), path
    page.goto(f"{base}/sessions/{meeting.pk}/")
    page.get_by_text("Mock interview practice").wait_for()
    page.screenshot(path=artifacts / "07-mentor-sees-shared-only.png", full_page=True)
