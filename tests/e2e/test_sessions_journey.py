"""Journey 4: a mentor publishes availability, the matched mentee books on a phone, both see
it, and afterwards the mentee logs it with a private note the mentor's pages never show."""

from datetime import timedelta

import pytest
from django.utils import timezone

from notifications.services import notifications_deliver_due
from sessions.models import Meeting, PrivateNote, SessionLog
from tests.e2e.helpers import log_in, log_out
from tests.evaluation.helpers import make_application, make_pair, make_program
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
WEEKDAYS = ["Monday", "Tuesday", "Wednesday", "Thursday", "Friday", "Saturday", "Sunday"]


def test_mentor_publishes_mentee_books_on_a_phone_and_logs_privately(page, live_server, artifacts):
    page.set_default_timeout(15_000)
    base = live_server.url
    program = make_program(name="Peer Careers")
    mo = UserFactory(email="mo@example.org", display_name="Mo Mentor", time_zone="Europe/London")
    ana = UserFactory(
        email="ana@example.org", display_name="Ana Mentee", time_zone="America/New_York"
    )
    mentor = make_application(program, "mentor", user=mo)
    mentee = make_application(program, "mentee", user=ana)
    match = make_pair(program, mentor=mentor, mentee=mentee)
    in_two_days = (timezone.localdate() + timedelta(days=2)).weekday()

    log_in(page, base, "mo@example.org")
    page.goto(f"{base}/sessions/availability/")
    weekly = page.get_by_role("region", name="Every week")
    weekly.get_by_label("Weekday").select_option(WEEKDAYS[in_two_days])
    weekly.get_by_label("Start time").fill("18:00")
    weekly.get_by_label("End time").fill("20:00")
    weekly.get_by_label("Location").fill("Library room 2")
    page.get_by_role("button", name="Add window").click()
    page.get_by_text("Weekly window added.").wait_for()
    page.screenshot(path=artifacts / "01-availability.png", full_page=True)
    log_out(page)

    page.set_viewport_size({"width": 375, "height": 800})
    log_in(page, base, "ana@example.org")
    page.goto(f"{base}/sessions/")
    page.get_by_role("link", name="Book with your mentor Mo Mentor").click()
    page.get_by_role("heading", name="Book a session with Mo Mentor").wait_for()
    page.screenshot(path=artifacts / "02-slots-375.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.locator("main form button[type=submit]").first.click()
    page.get_by_text("Booked. You both have a confirmation email.").wait_for()
    page.screenshot(path=artifacts / "03-booked-375.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    meeting = Meeting.objects.get()
    local = timezone.localtime(meeting.start, mentee.user.time_zone)
    assert f"{local:%H:%M}" in page.locator("p.lead").inner_text()
    assert notifications_deliver_due() == 2  # both confirmations
    log_out(page)

    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, base, "mo@example.org")
    page.goto(f"{base}/sessions/")
    page.get_by_role("link", name="with Ana Mentee").wait_for()
    log_out(page)

    # The session takes place.
    Meeting.objects.filter(pk=meeting.pk).update(
        start=meeting.start - timedelta(days=3), end=meeting.end - timedelta(days=3)
    )
    page.set_viewport_size({"width": 375, "height": 800})
    log_in(page, base, "ana@example.org")
    page.goto(f"{base}/sessions/{meeting.pk}/")
    page.get_by_label("Held").check()
    page.get_by_label("How long (minutes)").fill("55")
    page.get_by_label("Shared notes (both of you see these)").fill("Mock interview practice")
    page.get_by_label("Private note (only you, ever)").fill(
        "I still feel unsure about salary talks"
    )
    page.get_by_role("button", name="Save log").click()
    page.get_by_text("Your log is saved.").wait_for()
    page.screenshot(path=artifacts / "04-logged-375.png", full_page=True)
    assert "I still feel unsure about salary talks" in page.content()
    assert SessionLog.objects.get().duration_minutes == 55
    assert PrivateNote.objects.get().author == mentee.user
    log_out(page)

    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, base, "mo@example.org")
    for path in ("/", "/sessions/", f"/sessions/{meeting.pk}/", f"/matching/matches/{match.pk}/"):
        page.goto(base + path)
        assert "salary talks" not in page.content(), path
    page.goto(f"{base}/sessions/{meeting.pk}/")
    page.get_by_text("Mock interview practice").wait_for()
    page.screenshot(path=artifacts / "05-mentor-sees-shared-only.png", full_page=True)
