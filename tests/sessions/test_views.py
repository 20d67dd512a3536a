from datetime import UTC, datetime, time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.urls import reverse
from django.utils import timezone

from sessions.models import Meeting, PrivateNote, SessionLog
from sessions.services import booking_create, session_log_save, slots_free
from tests.sessions.helpers import group, make_pair, next_year_clock_changes, pair, weekly

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


def test_huge_notes_leave_an_existing_log_exactly_as_it_was(client):
    match = pair()
    meeting = _past(match)
    session_log_save(
        meeting=meeting, author=match.mentee.user, outcome="held", duration_minutes=40,
        shared_notes="Before", private_note="Mine",
    )  # fmt: skip
    client.force_login(match.mentee.user)
    response = client.post(
        reverse("sessions:meeting-log", args=[meeting.pk]),
        {"outcome": "missed", "shared_notes": "ok", "private_note": "y" * 1_000_000},
    )
    assert response.status_code == 400
    assert "Notes can be at most 10,000 characters." in response.content.decode()
    log = SessionLog.objects.get()
    assert (log.outcome, log.duration_minutes, log.shared_notes) == ("held", 40, "Before")
    assert PrivateNote.objects.get().text == "Mine"


def test_booking_page_shows_the_mentors_times_in_the_mentees_zone_grouped_by_day(client):
    match = pair(mentor_zone="Europe/London", mentee_zone="Asia/Tokyo")
    today = timezone.localdate()
    weekly(match.mentor.user, weekday=(today.weekday() + 3) % 7, start=time(20), end=time(22))
    client.force_login(match.mentee.user)
    page = client.get(reverse("sessions:booking-create", args=[match.pk]))
    tokyo = ZoneInfo("Asia/Tokyo")
    [(day, slots), *_] = page.context["days"]
    assert [s.start.astimezone(tokyo).date() for s in slots] == [day, day]
    body = page.content.decode()
    for slot in slots:
        assert f">{slot.start.astimezone(tokyo):%H:%M}<" in body
    assert "Asia/Tokyo" in body


def test_reschedule_from_the_page_and_an_ended_match_cannot_book(client):
    match = pair()
    weekly(match.mentor.user, weekday=(timezone.localdate().weekday() + 3) % 7)
    first, second = slots_free(mentor=match.mentor.user)[:2]
    meeting = booking_create(match=match, start=first.start, booked_by=match.mentee.user)
    client.force_login(match.mentor.user)
    url = reverse("sessions:meeting-reschedule", args=[meeting.pk])
    response = client.post(url, {"start": second.start.isoformat()}, follow=True)
    assert "Moved. You both have an updated calendar invitation." in response.content.decode()
    meeting.refresh_from_db()
    assert (meeting.start, meeting.sequence) == (second.start, 1)
    stale = datetime(2020, 1, 1, tzinfo=UTC).isoformat()
    response = client.post(url, {"start": stale}, follow=True)
    assert "that time was just taken" in response.content.decode()
    match.status, match.ended_at = "ended", timezone.now()
    match.save()
    client.force_login(match.mentee.user)
    assert client.get(reverse("sessions:booking-create", args=[match.pk])).status_code == 404


def test_script_in_a_cancel_reason_is_shown_as_text(client):
    match = pair()
    weekly(match.mentor.user, weekday=(timezone.localdate().weekday() + 3) % 7)
    meeting = booking_create(
        match=match, start=slots_free(mentor=match.mentor.user)[0].start,
        booked_by=match.mentee.user,
    )  # fmt: skip
    client.force_login(match.mentee.user)
    client.post(reverse("sessions:meeting-cancel", args=[meeting.pk]), {"reason": "<script>x"})
    client.force_login(match.mentor.user)
    page = client.get(reverse("sessions:meeting-detail", args=[meeting.pk])).content.decode()
    assert "<script>x" not in page and "&lt;script&gt;x" in page


def test_the_availability_page_takes_a_link_without_a_scheme_as_https(client):
    match = pair()
    client.force_login(match.mentor.user)
    url = reverse("sessions:availability")

    page = client.get(url).content.decode()
    rule = {"rule-weekday": 2, "rule-start_time": "18:00", "rule-end_time": "20:00",
            "rule-session_minutes": 60, "rule-online_link": "zoom.us/j/123"}  # fmt: skip
    saved = client.post(url, rule)
    refused = client.post(url, {**rule, "rule-online_link": "javascript:alert(1)"})

    assert 'type="url"' not in page
    assert saved.status_code == 302
    assert [r.online_link for r in match.mentor.user.availability_rules.all()] == [
        "https://zoom.us/j/123"
    ]
    assert refused.status_code == 200
    assert (
        '<p id="error_1_id_rule-online_link"><strong>Enter a web address for the meeting, '
        "like https://zoom.us/j/123.</strong></p>"
    ) in refused.content.decode()


def _one_off(day, start, end, **extra):
    return {"slot-start": f"{day}T{start}", "slot-end": f"{day}T{end}", **extra}


def test_a_one_off_time_the_clocks_skip_is_explained_next_to_the_field(client):
    spring, _ = next_year_clock_changes()
    match = pair(mentor_zone="America/New_York")
    client.force_login(match.mentor.user)

    response = client.post(reverse("sessions:availability"), _one_off(spring, "02:30", "04:00"))

    body = response.content.decode()
    on = f"{spring.day} {spring:%B %Y}"
    assert (
        f'<p id="error_1_id_slot-start"><strong>02:30 does not exist on {on} in '
        "America/New_York: the clocks go forward from 02:00 to 03:00. Choose a time before "
        "02:00 or from 03:00.</strong></p>"
    ) in body
    assert "be interpreted" not in body  # Django's own "couldn't be interpreted" message
    assert match.mentor.user.one_off_slots.count() == 0


def test_a_one_off_time_the_clocks_repeat_offers_both_instants_and_saves_the_chosen(client):
    _, fall = next_year_clock_changes()
    match = pair(mentor_zone="America/New_York")
    client.force_login(match.mentor.user)
    url = reverse("sessions:availability")

    asked = client.post(url, _one_off(fall, "01:30", "03:00"))
    chosen = client.post(url, _one_off(fall, "01:30", "03:00", **{"slot-start_instant": "later"}))

    body = asked.content.decode()
    assert 'name="slot-start_instant" value="earlier"' in body
    assert "01:30 EDT (UTC-4)" in body and "01:30 EST (UTC-5)" in body
    assert "Choose which 01:30 you mean." in body
    assert chosen.status_code == 302
    [slot] = match.mentor.user.one_off_slots.all()
    new_york = ZoneInfo("America/New_York")
    assert (slot.start, slot.end) == (
        datetime.combine(fall, time(6, 30), tzinfo=UTC),
        datetime.combine(fall, time(3), tzinfo=new_york).astimezone(UTC),
    )


def test_the_booking_page_offers_the_programs_horizon_and_says_so(client):
    match = pair(booking_horizon_weeks=3)
    weekly(match.mentor.user, weekday=(timezone.localdate().weekday() + 2) % 7)
    client.force_login(match.mentee.user)

    page = client.get(reverse("sessions:booking-create", args=[match.pk]))

    assert "Free times in the next 3 weeks" in page.content.decode()
    days = [day for day, _ in page.context["days"]]
    assert len(days) == 3
    assert days[-1] - days[0] == timedelta(days=14)


def test_group_session_page_refuses_a_time_inside_the_programs_notice(client):
    program, mentor, _ = group(2)
    program.min_booking_notice_hours = 48
    program.save()
    client.force_login(mentor)
    soon = timezone.localtime() + timedelta(hours=24)

    response = client.post(
        reverse("sessions:group-session-create"),
        {"program": program.pk, "start": f"{soon:%Y-%m-%dT%H:%M}", "minutes": 60},
    )

    assert response.status_code == 400
    assert "scheduled at least 48 hours ahead" in response.content.decode()
    assert Meeting.objects.count() == 0
