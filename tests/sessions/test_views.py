from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from icalendar import Calendar

from sessions.models import CalendarFeed, Meeting, PrivateNote, SessionLog
from sessions.services import booking_create, calendar_feed_for, session_log_save, slots_free
from tests.evaluation.helpers import make_pair
from tests.sessions.helpers import pair, weekly

pytestmark = pytest.mark.django_db


def _past(match):
    start = timezone.now().replace(microsecond=0) - timedelta(hours=3)
    return Meeting.objects.create(
        program=match.program, mentor=match.mentor.user, match=match, start=start,
        end=start + timedelta(hours=1),
    )  # fmt: skip


def _urls(meeting):
    detail = [
        ("get", reverse("sessions:meeting-detail", args=[meeting.pk])),
        ("get", reverse("sessions:meeting-ics", args=[meeting.pk])),
    ]
    actions = [
        reverse(f"sessions:meeting-{name}", args=[meeting.pk])
        for name in ("reschedule", "cancel", "log", "rsvp", "attendance")
    ]
    return detail + [("post", url) for url in actions]


def test_every_session_url_needs_a_login(client):
    match = pair()
    meeting = _past(match)
    urls = [
        *_urls(meeting),
        ("get", reverse("sessions:list")),
        ("get", reverse("sessions:availability")),
        ("get", reverse("sessions:calendar")),
        ("get", reverse("sessions:booking-create", args=[match.pk])),
        ("get", reverse("sessions:group-session-create")),
    ]
    for method, url in urls:
        response = getattr(client, method)(url)
        assert response.status_code == 302 and "/accounts/login/" in response["Location"], url


def test_another_pairs_sessions_and_match_are_404(client):
    mine, theirs = pair(), pair()
    meeting = _past(theirs)
    client.force_login(mine.mentee.user)
    for method, url in [
        *_urls(meeting),
        ("get", reverse("sessions:booking-create", args=[theirs.pk])),
        ("post", reverse("sessions:booking-create", args=[theirs.pk])),
        (
            "post",
            reverse("sessions:availability-delete", args=["rule", weekly(theirs.mentor.user).pk]),
        ),
        ("post", reverse("sessions:availability-delete", args=["nonsense", 1])),
    ]:
        assert getattr(client, method)(url).status_code == 404, url
    assert Meeting.objects.get().status == "booked"


def test_mentee_books_from_the_page_and_a_taken_slot_gives_a_clear_message(client):
    match = pair()
    weekly(match.mentor.user, weekday=(timezone.localdate().weekday() + 2) % 7)
    client.force_login(match.mentee.user)
    url = reverse("sessions:booking-create", args=[match.pk])
    page = client.get(url)
    [first, second] = page.context["days"][0][1]
    rival = make_pair(match.program, mentor=match.mentor)  # another mentee of the same mentor
    booking_create(match=rival, start=first.start, booked_by=rival.mentee.user)  # meanwhile
    response = client.post(url, {"start": first.start.isoformat()})
    assert response.status_code == 400
    assert "that time was just taken" in response.content.decode()
    response = client.post(url, {"start": second.start.isoformat()})
    meeting = Meeting.objects.get(start=second.start)
    assert response["Location"] == reverse("sessions:meeting-detail", args=[meeting.pk])
    for garbage in ("", "yesterday", "2020-01-01T10:00:00+00:00", "<script>"):
        response = client.post(url, {"start": garbage})
        assert response.status_code == 400
    assert Meeting.objects.count() == 2


def test_log_with_huge_notes_is_refused_and_script_tags_are_escaped(client):
    match = pair()
    meeting = _past(match)
    client.force_login(match.mentee.user)
    url = reverse("sessions:meeting-log", args=[meeting.pk])
    response = client.post(
        url, {"outcome": "held", "duration_minutes": 60, "shared_notes": "x" * 1_000_000}
    )
    assert response.status_code == 400
    assert "Notes can be at most 10,000 characters." in response.content.decode()
    assert SessionLog.objects.count() == 0
    client.post(
        url,
        {"outcome": "held", "duration_minutes": 60, "shared_notes": "<script>alert(1)</script>"},
    )
    page = client.get(reverse("sessions:meeting-detail", args=[meeting.pk])).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page


def test_the_mentor_never_sees_the_mentees_private_note(client):
    match = pair()
    meeting = _past(match)
    session_log_save(
        meeting=meeting, author=match.mentee.user, outcome="held", duration_minutes=60,
        shared_notes="We planned the CV", private_note="SECRET-NOTE-42",
    )  # fmt: skip
    client.force_login(match.mentor.user)
    for url in [
        reverse("sessions:meeting-detail", args=[meeting.pk]),
        reverse("sessions:list"),
        reverse("sessions:meeting-ics", args=[meeting.pk]),
        reverse("home"),
    ]:
        body = client.get(url).content.decode()
        assert "SECRET-NOTE-42" not in body, url
    assert (
        "We planned the CV"
        in client.get(reverse("sessions:meeting-detail", args=[meeting.pk])).content.decode()
    )
    client.force_login(match.mentee.user)
    page = client.get(reverse("sessions:meeting-detail", args=[meeting.pk])).content.decode()
    assert "SECRET-NOTE-42" in page
    assert PrivateNote.objects.count() == 1


def test_cancel_from_the_page_tells_both_and_a_second_cancel_is_refused(client):
    match = pair()
    weekly(match.mentor.user, weekday=(timezone.localdate().weekday() + 3) % 7)
    start = slots_free(mentor=match.mentor.user)[0].start
    meeting = booking_create(match=match, start=start, booked_by=match.mentee.user)
    client.force_login(match.mentor.user)
    url = reverse("sessions:meeting-cancel", args=[meeting.pk])
    client.post(url, {"reason": "Ill"})
    meeting.refresh_from_db()
    assert meeting.status == "cancelled"
    response = client.post(url, {"reason": "again"}, follow=True)
    assert "This session was cancelled." in response.content.decode()
    meeting.refresh_from_db()
    assert meeting.cancel_reason == "Ill"


def test_calendar_feed_lists_my_sessions_and_a_reset_token_stops_the_old_url(client):
    match = pair()
    meeting = _past(match)
    feed = calendar_feed_for(user=match.mentee.user)
    url = reverse("sessions:feed", args=[feed.token])
    response = client.get(url)  # no login: calendar apps fetch it
    assert response["Content-Type"].startswith("text/calendar")
    [event] = Calendar.from_ical(response.content).walk("VEVENT")
    assert str(event["UID"]).startswith(meeting.uid)
    client.force_login(match.mentee.user)
    client.post(reverse("sessions:calendar"))
    assert client.get(url).status_code == 404
    assert CalendarFeed.objects.get().token != feed.token
    assert client.get(reverse("sessions:feed", args=["not-a-token"])).status_code == 404


def test_availability_editor_adds_a_window_and_refuses_bad_ones(client):
    match = pair()
    client.force_login(match.mentor.user)
    url = reverse("sessions:availability")
    bad = {"rule-weekday": 2, "rule-start_time": "20:00", "rule-end_time": "18:00",
           "rule-session_minutes": 60}  # fmt: skip
    response = client.post(url, bad)
    assert "The window must end after it starts" in response.content.decode()
    good = {**bad, "rule-start_time": "18:00", "rule-end_time": "20:00", "rule-location": "Library"}
    assert client.post(url, good).status_code == 302
    [rule] = match.mentor.user.availability_rules.all()
    assert (str(rule.time_zone), rule.location) == ("Europe/London", "Library")
    past = {"slot-start": "2020-01-01T10:00", "slot-end": "2020-01-01T11:00"}
    assert "Choose a time in the future." in client.post(url, past).content.decode()
    assert match.mentor.user.one_off_slots.count() == 0
