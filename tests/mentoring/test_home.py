import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from mentoring.roles import COORDINATORS_GROUP, REPORTING_GROUP, user_roles
from tests.factories import ApplicationFactory, ProgramFactory, UserFactory

pytestmark = pytest.mark.django_db


def test_landing_page_invites_visitors_to_sign_up(client):
    ProgramFactory(name="Open Program")
    page = client.get(reverse("home")).content.decode()
    assert "Create an account" in page
    assert "Open Program" in page


def test_home_shows_empty_state_pointing_to_programs(client):
    client.force_login(UserFactory())
    page = client.get(reverse("home")).content.decode()
    assert "You are not in any program yet." in page
    assert f'href="{reverse("programs:list")}"' in page


def test_home_lists_my_applications_with_role_and_status(client):
    application = ApplicationFactory(program__name="Peer Circle", role="mentor")
    client.force_login(application.user)
    page = client.get(reverse("home")).content.decode()
    assert "Peer Circle" in page
    assert "as mentor" in page
    assert "Applied" in page


def test_navigation_follows_roles(client):
    participant = UserFactory()
    coordinator = UserFactory(is_staff=True)
    coordinator.groups.add(Group.objects.get(name=COORDINATORS_GROUP))
    reporter = UserFactory()
    reporter.groups.add(Group.objects.get(name=REPORTING_GROUP))
    assert user_roles(participant) == (True, False, False) or (
        user_roles(participant).coordinator is False
    )
    assert (user_roles(coordinator).coordinator, user_roles(coordinator).reporting) == (True, True)
    assert (user_roles(reporter).coordinator, user_roles(reporter).reporting) == (False, True)
    client.force_login(participant)
    assert "Coordinate" not in client.get(reverse("home")).content.decode()
    client.force_login(coordinator)
    assert "Coordinate" in client.get(reverse("home")).content.decode()


def test_hostile_program_text_is_escaped(client):
    ProgramFactory(name="<script>alert(1)</script>", description="<img src=x onerror=alert(1)>")
    page = client.get(reverse("programs:list")).content.decode()
    assert "<script>alert(1)</script>" not in page
    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in page
    assert "<img src=x" not in page


def test_draft_program_is_not_found(client):
    program = ProgramFactory(status="draft")
    assert client.get(program.get_absolute_url()).status_code == 404


def test_health_reports_database_ok(client):
    response = client.get(reverse("health"))
    assert (response.status_code, response.json()) == (200, {"status": "ok", "database": "ok"})


@pytest.mark.parametrize("programs", [1, 4])
def test_the_home_page_takes_the_same_queries_for_one_or_many_programs_with_training(
    client, django_assert_num_queries, programs
):
    """Applications, training checklists (steps half done) and matches in each program."""
    from datetime import timedelta

    from django.utils import timezone

    from matching.models import Match
    from tests.training.helpers import K, complete, make_step

    user = UserFactory()
    for n in range(programs):
        mine = ApplicationFactory(
            user=user, role="mentor", status="approved", program__name=f"P{n}"
        )
        partner = ApplicationFactory(program=mine.program, role="mentee", status="approved")
        Match.objects.create(
            program=mine.program, mentor=mine, mentee=partner,
            started_at=timezone.now() - timedelta(days=3),
        )  # fmt: skip
        done = make_step(mine.program, K.RESOURCE, title=f"Handbook {n}", audience="mentors")
        make_step(mine.program, K.ACKNOWLEDGEMENT, title=f"Conduct {n}", audience="mentors")
        complete(done, user)
    client.force_login(user)
    client.get(reverse("home"))  # sessions, site and content types cached as on any request

    with django_assert_num_queries(HOME_QUERIES):
        page = client.get(reverse("home")).content.decode()

    assert page.count("1 of 2 required steps done") == programs


# The training checklists reuse the applications the page has read; the person's groups (for
# the navigation's roles) are kept from the page before (mentoring/rights.py).
HOME_QUERIES = 13


def _mentor_with_pairs(ended: bool):
    """A mentor with two pairs, each with an open check-in and a booked session coming up;
    the second pair ended (its session and check-in still open) when `ended`."""
    from datetime import timedelta

    from django.utils import timezone

    from evaluation.models import CheckIn
    from matching.models import Match
    from tests.sessions.helpers import make_application, make_pair, make_program, meeting_at

    program = make_program()
    mentor = make_application(program, "mentor", capacity=2, user=UserFactory(display_name="Mo"))
    pairs = [
        make_pair(program, mentor=mentor, mentee=make_application(program, user=user))
        for user in (UserFactory(display_name="Ada"), UserFactory(display_name="Bea"))
    ]
    today = timezone.localdate()
    for hours, match in zip((30, 50), pairs, strict=True):
        meeting_at(match, hours_from_now=hours)
        CheckIn.objects.create(
            match=match, application=mentor, opens_on=today, due_on=today + timedelta(days=7)
        )
    if ended:
        Match.objects.filter(pk=pairs[1].pk).update(status="ended", ended_at=timezone.now())
    return mentor.user


@pytest.mark.parametrize("ended", [False, True])
def test_home_names_the_pair_of_each_check_in_and_session_ended_pairs_too(
    client, django_assert_num_queries, ended
):
    """Check-ins and sessions are named from the matches the page has read, ended ones
    included: no query more when a pair has ended with a session still booked."""
    client.force_login(_mentor_with_pairs(ended))
    client.get(reverse("home"))

    with django_assert_num_queries(MENTOR_HOME_QUERIES):
        page = client.get(reverse("home")).content.decode()

    for name in ("Ada", "Bea"):
        assert f"Check-in: how is it going with {name}" in page
        assert f"with <bdi>{name}" in page  # the session's row
    listed = page[page.index("My matches") : page.index("My programs")]
    assert "Your mentee <strong><bdi>Ada" in listed
    assert ("Your mentee <strong><bdi>Bea" in listed) is not ended


# Session, user, applications, matches, requests sent to them, roster invitations,
# check-ins, surveys, sessions, training steps, unread messages and open programs:
# completions are not asked for (no training steps), and the roles' groups are kept from
# the page before (mentoring/rights.py).
MENTOR_HOME_QUERIES = 12
