"""The match page shows the pair's next and last sessions (issue 16, item 5): its own and the
mentor's group sessions the mentee is in, never another pair's, in two queries."""

import pytest
from django.urls import reverse

from sessions.models import Meeting
from sessions.panels import SHOWN
from sessions.selectors import meetings_of_match
from tests.sessions.helpers import group, group_meeting_at, meeting_at, pair

pytestmark = pytest.mark.django_db


def test_the_panel_lists_the_pairs_coming_and_past_sessions_and_no_one_elses(client):
    match = pair()
    soon = meeting_at(match, hours_from_now=30)
    later = meeting_at(match, hours_from_now=60)
    held = meeting_at(match, hours_from_now=-48)
    cancelled = meeting_at(match, hours_from_now=72)
    Meeting.objects.filter(pk=cancelled.pk).update(status=Meeting.Status.CANCELLED)
    other = meeting_at(pair(match.program), hours_from_now=40)

    upcoming, past = meetings_of_match(match=match, limit=SHOWN)
    assert [m.pk for m in upcoming] == [soon.pk, later.pk]
    assert [m.pk for m in past] == [cancelled.pk, held.pk]

    client.force_login(match.mentee.user)
    page = client.get(reverse("matching:match-detail", args=[match.pk])).content.decode()
    assert "Your sessions" in page
    for meeting in (soon, later, held, cancelled):
        assert reverse("sessions:meeting-detail", args=[meeting.pk]) in page
    assert reverse("sessions:meeting-detail", args=[other.pk]) not in page


def test_a_group_members_panel_has_the_mentors_group_sessions_they_are_in():
    program, mentor, members = group(size=2)
    circle = group_meeting_at(program, mentor, members[:1], hours_from_now=24)
    match_in = program.matches.get(mentee__user=members[0])
    match_out = program.matches.get(mentee__user=members[1])

    assert [m.pk for m in meetings_of_match(match=match_in, limit=SHOWN)[0]] == [circle.pk]
    assert meetings_of_match(match=match_out, limit=SHOWN)[0] == []


@pytest.mark.parametrize("count", [1, 6])
def test_the_panel_takes_two_queries_however_many_sessions(django_assert_num_queries, count):
    match = pair()
    for hours in range(count):
        meeting_at(match, hours_from_now=24 + 30 * hours)
        meeting_at(match, hours_from_now=-24 - 30 * hours)
    with django_assert_num_queries(2):
        upcoming, past = meetings_of_match(match=match, limit=SHOWN)
    assert len(upcoming) == len(past) == min(count, SHOWN)
