from datetime import timedelta

import pytest
from django.contrib import admin
from django.contrib.auth.models import Permission
from django.urls import reverse
from django.utils import timezone

from relationships.models import Goal, GoalProgress
from sessions.models import Meeting, PrivateNote, SessionLog
from sessions.services import booking_cancel, session_log_save
from tests.e2e.helpers import make_coordinator
from tests.factories import UserFactory
from tests.sessions.helpers import meeting_at, pair

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


def _coordinator_of(program):
    user = make_coordinator(email=f"coordinator-{program.pk}@example.org")
    program.coordinators.add(user)
    return user


def test_coordinator_sees_sessions_per_pair_of_their_programs_without_private_notes(client):
    mine, other = pair(), pair()
    meeting = _logged_meeting(mine, minutes=90)
    _logged_meeting(mine, minutes=30, days_ago=2)
    booking_cancel(meeting=meeting_at(mine, hours_from_now=72), by=mine.mentee.user)
    foreign = _logged_meeting(other)
    client.force_login(_coordinator_of(mine.program))

    summary = client.get(reverse("admin:mentoring_sessions_pairsessions_changelist"))
    [row] = summary.context["cl"].result_list
    counts = (row.pk, row.sessions_booked, row.sessions_held, row.sessions_cancelled)
    assert counts == (mine.pk, 2, 2, 1)
    assert row.booked_time == timedelta(hours=2)
    assert "2.0" in summary.content.decode()

    page = client.get(reverse("admin:mentoring_sessions_meeting_change", args=[meeting.pk]))
    body = page.content.decode()
    assert page.status_code == 200 and "SHARED-NOTE" in body and "PRIVATE-NOTE" not in body
    assert 'name="shared_notes"' not in body  # read-only, not a form field
    listing = client.get(reverse("admin:mentoring_sessions_meeting_changelist"))
    assert sorted(m.pk for m in listing.context["cl"].result_list) == sorted(
        mine.meetings.values_list("pk", flat=True)
    )
    assert "PRIVATE-NOTE" not in listing.content.decode()
    foreign_url = reverse("admin:mentoring_sessions_meeting_change", args=[foreign.pk])
    assert client.get(foreign_url).status_code == 404
    pair_url = reverse("admin:mentoring_sessions_pairsessions_change", args=[other.pk])
    assert client.get(pair_url).status_code == 404
    assert client.get(reverse("admin:index")).content.decode().count("rivate note") == 0


def test_private_notes_are_nowhere_in_the_admin_even_for_a_superuser(client):
    match = pair()
    meeting = _logged_meeting(match)
    assert not admin.site.is_registered(PrivateNote)
    superuser = UserFactory(is_staff=True, is_superuser=True)
    client.force_login(superuser)
    for url in [
        reverse("admin:index"),
        reverse("admin:mentoring_sessions_meeting_changelist"),
        reverse("admin:mentoring_sessions_meeting_change", args=[meeting.pk]),
        reverse("admin:mentoring_sessions_pairsessions_changelist"),
        reverse("admin:mentoring_sessions_pairsessions_change", args=[match.pk]),
    ]:
        response = client.get(url)
        assert response.status_code == 200, url
        assert "PRIVATE-NOTE" not in response.content.decode(), url
    assert client.get("/admin/mentoring_sessions/privatenote/").status_code == 404


def test_the_session_admin_is_read_only_and_shows_goal_progress_by_name(client):
    match = pair()
    meeting = _logged_meeting(match)
    log = session_log_save(
        meeting=meeting, author=match.mentor.user, outcome="held", duration_minutes=60
    )
    goal = Goal.objects.create(match=match, title="Find an internship")
    GoalProgress.objects.create(goal=goal, level="good", author=match.mentor.user, log=log)
    coordinator = _coordinator_of(match.program)
    client.force_login(coordinator)
    url = reverse("admin:mentoring_sessions_meeting_change", args=[meeting.pk])
    body = client.get(url).content.decode()
    assert "Find an internship: Good progress" in body
    client.post(url, {"status": "cancelled"})
    meeting.refresh_from_db()
    assert meeting.status == "booked"
    delete = reverse("admin:mentoring_sessions_meeting_delete", args=[meeting.pk])
    assert client.post(delete, {"post": "yes"}).status_code == 403
    assert Meeting.objects.count() == 1
    assert (
        not Permission.objects.filter(codename__icontains="privatenote")
        .filter(group__user=coordinator)
        .exists()
    )


@pytest.mark.parametrize("members", [2, 5])
def test_a_group_sessions_admin_page_takes_the_same_queries_for_few_and_many_logs(
    client, django_assert_num_queries, members
):
    from tests.sessions.helpers import group, group_meeting_at, make_guides

    program, mentor, people = group(size=members)
    (guide,) = make_guides(program, 1)
    meeting = group_meeting_at(program, mentor, people, hours_from_now=-24)
    for person in people:
        log = SessionLog.objects.create(meeting=meeting, author=person, outcome="held", guide=guide)
        log.topics.set(program.topics.all()[:2])
    client.force_login(_coordinator_of(program))
    url = reverse("admin:mentoring_sessions_meeting_change", args=[meeting.pk])
    client.get(url)

    with django_assert_num_queries(GROUP_MEETING_ADMIN_QUERIES):
        page = client.get(url).content.decode()

    assert page.count(str(guide)) >= members


# With the logs and their goals progress, read once; the coordinator's permissions and groups
# are kept from the page before (mentoring/rights.py).
GROUP_MEETING_ADMIN_QUERIES = 10
