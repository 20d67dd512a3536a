"""The database, not a form, keeps a mentor from being double-booked (PostgreSQL)."""

import threading
from datetime import timedelta

import pytest
from django.db import IntegrityError, connection, transaction
from django.test import Client
from django.urls import reverse
from django.utils import timezone

from sessions.models import Meeting
from tests.evaluation.helpers import make_application, make_pair, make_program
from tests.sessions.helpers import weekly

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
