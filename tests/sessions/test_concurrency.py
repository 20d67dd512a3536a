"""The database, not a form, keeps a mentor from being double-booked (PostgreSQL)."""

import threading
from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from sessions.models import Meeting
from sessions.services import BookingError, booking_create, one_off_slot_create, slots_free
from tests.sessions.helpers import make_application, make_pair, make_program, weekly

pytestmark = [pytest.mark.postgres, pytest.mark.django_db(transaction=True)]


def test_twenty_simultaneous_bookings_of_one_slot_give_one_booking_and_clear_messages():
    program = make_program()
    mentor = make_application(program, "mentor", capacity=20)
    matches = [make_pair(program, mentor=mentor) for _ in range(20)]
    today = timezone.localdate()
    weekly(mentor.user, weekday=(today.weekday() + 2) % 7)
    clients = []
    for match in matches:
        client = Client()
        client.force_login(match.mentee.user)
        page = client.get(reverse("sessions:booking-create", args=[match.pk]))
        clients.append((client, match, page.context["days"][0][1][0].start))
    assert len({start for _, _, start in clients}) == 1
    barrier = threading.Barrier(len(clients))
    results = []

    def book(client, match, start):
        barrier.wait()
        try:
            response = client.post(
                reverse("sessions:booking-create", args=[match.pk]),
                {"start": start.isoformat()},
            )
            results.append((response.status_code, response.content.decode()))
        finally:
            connection.close()

    threads = [threading.Thread(target=book, args=args) for args in clients]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()

    codes = sorted(code for code, _ in results)
    assert codes == [302] + [400] * 19
    refused = [body for code, body in results if code == 400]
    assert all("that time was just taken" in body for body in refused)
    assert Meeting.objects.filter(mentor=mentor.user, status="booked").count() == 1


def _race(work, arguments):
    """Run work(*args) for every args in as many threads, all released at once; returns the
    outcome of each: the result or the exception raised."""
    barrier = threading.Barrier(len(arguments))
    outcomes = []

    def run(*args):
        try:
            barrier.wait()
            outcomes.append(work(*args))
        except Exception as exc:  # recorded and asserted on below
            outcomes.append(exc)
        finally:
            connection.close()

    threads = [threading.Thread(target=run, args=args) for args in arguments]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return outcomes


def test_twenty_threads_calling_the_service_give_one_meeting_and_nineteen_booking_errors():
    program = make_program()
    mentor = make_application(program, "mentor", capacity=20)
    matches = [make_pair(program, mentor=mentor) for _ in range(20)]
    weekly(mentor.user, weekday=(timezone.localdate().weekday() + 2) % 7)
    start = slots_free(mentor=mentor.user, program=program)[0].start
    outcomes = _race(
        lambda match: booking_create(match=match, start=start, booked_by=match.mentee.user),
        [(match,) for match in matches],
    )
    booked = [o for o in outcomes if isinstance(o, Meeting)]
    refused = [o for o in outcomes if isinstance(o, BookingError)]
    assert (len(booked), len(refused), len(outcomes)) == (1, 19, 20), outcomes
    assert {e.message for e in refused} == {
        "Sorry, that time was just taken or is no longer offered. Please choose another."
    }
    assert list(Meeting.objects.values_list("pk", flat=True)) == [booked[0].pk]


def test_overlapping_slots_of_different_lengths_cannot_both_be_booked():
    # A one-off 90-minute slot at 18:30 overlaps the weekly 18:00 and 19:00 slots: different
    # starts, so only the row lock and the exclusion constraint stand between them.
    program = make_program()
    mentor = make_application(program, "mentor", capacity=3)
    matches = [make_pair(program, mentor=mentor) for _ in range(3)]
    weekly(mentor.user, weekday=(timezone.localdate().weekday() + 2) % 7)
    first = slots_free(mentor=mentor.user, program=program)[0].start
    one_off_slot_create(
        mentor=mentor.user,
        start=first + timedelta(minutes=30),
        end=first + timedelta(minutes=120),
    )
    starts = [first, first + timedelta(minutes=30), first + timedelta(hours=1)]
    outcomes = _race(
        lambda match, start: booking_create(match=match, start=start, booked_by=match.mentee.user),
        list(zip(matches, starts, strict=True)),
    )
    assert all(isinstance(o, Meeting | BookingError) for o in outcomes), outcomes
    booked = sorted(Meeting.objects.values_list("start", flat=True))
    # Whoever wins, the result is one of the two non-overlapping outcomes.
    assert booked in ([first, first + timedelta(hours=1)], [first + timedelta(minutes=30)])


def test_the_exclusion_constraint_refuses_an_overlap_that_skips_the_service():
    program = make_program()
    match = make_pair(program)
    start = timezone.now().replace(microsecond=0) + timedelta(days=2)
    fields = {"program": program, "mentor": match.mentor.user, "match": match}
    Meeting.objects.create(start=start, end=start + timedelta(hours=1), **fields)
    with pytest.raises(IntegrityError, match="meeting_no_overlap_per_mentor"), transaction.atomic():
        Meeting.objects.create(
            start=start + timedelta(minutes=30), end=start + timedelta(minutes=90), **fields
        )
    # Back to back is fine, and a cancelled meeting does not block its time.
    Meeting.objects.create(
        start=start + timedelta(hours=1), end=start + timedelta(hours=2), **fields
    )
    Meeting.objects.filter(start=start).update(status="cancelled")
    Meeting.objects.create(
        start=start + timedelta(minutes=15), end=start + timedelta(minutes=45), **fields
    )
    assert Meeting.objects.filter(status="booked").count() == 2
