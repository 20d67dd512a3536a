from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from sessions.models import Meeting
from sessions.services import session_log_save
from tests.evaluation.helpers import make_coordinator
from tests.sessions.helpers import pair

pytestmark = pytest.mark.django_db


def _logged_meeting(match, minutes=60, days_ago=1):
    start = timezone.now().replace(microsecond=0) - timedelta(days=days_ago)
    meeting = Meeting.objects.create(
        program=match.program, mentor=match.mentor.user, match=match, start=start,
        end=start + timedelta(minutes=minutes),
    )  # fmt: skip
    session_log_save(
        meeting=meeting, author=match.mentee.user, outcome="held", duration_minutes=minutes,
        shared_notes="SHARED-NOTE", private_note="PRIVATE-NOTE",
    )  # fmt: skip
    return meeting


def test_coordinator_sees_sessions_per_pair_of_their_programs_without_private_notes(client):
    mine, other = pair(), pair()
    meeting = _logged_meeting(mine, minutes=90)
    _logged_meeting(mine, minutes=30, days_ago=2)
    foreign = _logged_meeting(other)
    client.force_login(make_coordinator(mine.program))

    summary = client.get(reverse("admin:mentoring_sessions_pairsessions_changelist"))
    [row] = summary.context["cl"].result_list
    assert (row.pk, row.sessions_booked, row.sessions_held, row.booked_time) == (
        mine.pk, 2, 2, timedelta(hours=2),
    )  # fmt: skip
    assert "2.0" in summary.content.decode()

    page = client.get(reverse("admin:mentoring_sessions_meeting_change", args=[meeting.pk]))
    body = page.content.decode()
    assert page.status_code == 200 and "SHARED-NOTE" in body and "PRIVATE-NOTE" not in body
    listing = client.get(reverse("admin:mentoring_sessions_meeting_changelist"))
    assert sorted(m.pk for m in listing.context["cl"].result_list) == sorted(
        mine.meetings.values_list("pk", flat=True)
    )
    foreign_url = reverse("admin:mentoring_sessions_meeting_change", args=[foreign.pk])
    assert client.get(foreign_url).status_code == 404
    assert client.get(reverse("admin:index")).content.decode().count("rivate note") == 0
