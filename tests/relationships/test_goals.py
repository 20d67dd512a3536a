"""A pair's goals: access, setting them, milestones, progress from the log and directly, the
timeline on the match page, stale goals as a pairs-at-risk reason, and query counts."""

from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone

from evaluation.models import RiskFlag
from evaluation.services import risk_flags_refresh
from evaluation.services.risk import risk_reasons
from programs.models import Goal as VocabularyGoal
from relationships.models import Goal, GoalProgress, Milestone
from relationships.selectors import goals_stale
from relationships.services.goals import (
    goal_create,
    goal_progress_from_log,
    goal_progress_record,
    milestone_add,
    milestone_set_done,
)
from sessions.models import Meeting, SessionLog
from tests.relationships.helpers import make_pair, make_program, today

pytestmark = pytest.mark.django_db

SCRIPT = "<script>alert(1)</script>"


def _goals(match) -> str:
    return reverse("relationships:goals", args=[match.pk])


def _match_page(match) -> str:
    return reverse("matching:match-detail", args=[match.pk])


def _messages(response) -> list[str]:
    return [str(m) for m in response.context["messages"]]


def _goal(match, title="Land a first internship", **fields) -> Goal:
    fields.setdefault("target_on", today() + timedelta(days=60))
    return goal_create(match=match, by=match.mentee.user, title=title, **fields)


def _started_meeting(match) -> Meeting:
    start = (timezone.now() - timedelta(hours=2)).replace(microsecond=0)
    return Meeting.objects.create(
        program=match.program,
        mentor=match.mentor.user,
        match=match,
        start=start,
        end=start + timedelta(hours=1),
    )


def _snapshot() -> tuple:
    return (
        list(Goal.objects.values_list("title", "why", "measure", "target_on", "status")),
        list(Milestone.objects.values_list("title", "due_on", "status")),
        list(GoalProgress.objects.values_list("level", "note")),
    )


# --- access -------------------------------------------------------------------------------


def test_every_goal_url_is_404_for_someone_outside_the_pair_and_changes_nothing(client):
    match = make_pair()
    goal = _goal(match)
    milestone = milestone_add(goal=goal, by=match.mentor.user, title="CV", due_on=today())
    other = make_pair(match.program)
    client.force_login(other.mentee.user)
    before = _snapshot()

    urls = [
        ("get", _goals(match), {}),
        ("post", _goals(match), {"title": "Mine now", "target_on": "2040-01-01"}),
        ("get", reverse("relationships:goal-edit", args=[goal.pk]), {}),
        ("post", reverse("relationships:goal-edit", args=[goal.pk]), {"title": "Mine"}),
        ("post", reverse("relationships:goal-status", args=[goal.pk]), {"status": "dropped"}),
        ("post", reverse("relationships:milestone-add", args=[goal.pk]), {}),
        ("post", reverse("relationships:goal-progress", args=[goal.pk]), {}),
        ("post", reverse("relationships:milestone-done", args=[milestone.pk]), {}),
    ]
    codes = [getattr(client, method)(url, data).status_code for method, url, data in urls]

    assert codes == [404] * len(urls)
    assert _snapshot() == before


def test_the_goals_page_needs_a_login(client):
    match = make_pair()

    response = client.get(_goals(match))

    assert response.status_code == 302


# --- setting goals ------------------------------------------------------------------------


def test_the_mentee_sets_a_smart_goal_from_the_page(client):
    match = make_pair()
    client.force_login(match.mentee.user)
    target = today() + timedelta(days=90)

    response = client.post(
        _goals(match),
        {
            "title": "  Land a first internship ",
            "why": "To try the work before choosing",
            "measure": "An offer in writing",
            "target_on": target.isoformat(),
        },
    )

    goal = Goal.objects.get()
    assert response.status_code == 302
    assert response.url == f"{_goals(match)}#goal-{goal.pk}"
    assert (goal.match, goal.title, goal.why, goal.measure, goal.start_on, goal.target_on) == (
        match,
        "Land a first internship",
        "To try the work before choosing",
        "An offer in writing",
        today(),
        target,
    )
    assert goal.status == Goal.Status.OPEN


def test_a_goal_starts_from_the_programs_goal_vocabulary(client):
    match = make_pair()
    network = VocabularyGoal.objects.create(program=match.program, name="Build a network")
    client.force_login(match.mentor.user)

    page = client.get(_goals(match)).content.decode()
    client.post(_goals(match), {"vocabulary": network.pk, "title": "", "target_on": "2040-01-01"})

    assert "Build a network" in page
    assert list(Goal.objects.values_list("title", "vocabulary")) == [
        ("Build a network", network.pk)
    ]


def test_another_programs_vocabulary_goal_is_refused():
    match = make_pair()
    foreign = VocabularyGoal.objects.create(program=make_program(), name="Elsewhere")

    with pytest.raises(Exception, match="this program's goals"):
        goal_create(match=match, by=match.mentee.user, vocabulary=foreign)

    assert Goal.objects.count() == 0


@pytest.mark.parametrize(
    "data, field, message",
    [
        ({"title": "", "target_on": "2040-01-01"}, "title", "Say what the goal is"),
        ({"title": "   ", "target_on": "2040-01-01"}, "title", "Say what the goal is"),
        ({"title": "Goal"}, "target_on", "This field is required."),
        (
            {"title": "Goal", "start_on": "2040-02-01", "target_on": "2040-01-01"},
            "target_on",
            "The target date cannot be before the start date.",
        ),
        ({"title": "x" * 201, "target_on": "2040-01-01"}, "title", "at most 200 characters"),
    ],
)
def test_a_bad_goal_is_refused_with_a_clear_message_and_nothing_saved(client, data, field, message):
    match = make_pair()
    client.force_login(match.mentee.user)

    response = client.post(_goals(match), data)

    assert response.status_code == 400
    errors = response.context["goal_form"].errors[field]
    assert any(message in error for error in errors), errors
    assert Goal.objects.count() == 0


def test_user_text_is_escaped_on_the_goals_page_and_the_match_page(client):
    match = make_pair()
    goal = _goal(match, title=SCRIPT, why=SCRIPT, measure=SCRIPT)
    milestone_add(goal=goal, by=match.mentee.user, title=SCRIPT, due_on=today())
    goal_progress_record(goal=goal, by=match.mentor.user, note=SCRIPT)
    client.force_login(match.mentor.user)

    for url in (_goals(match), _match_page(match)):
        body = client.get(url).content.decode()
        assert SCRIPT not in body, url
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in body, url


def test_either_side_edits_a_goal(client):
    match = make_pair()
    goal = _goal(match)
    client.force_login(match.mentor.user)
    url = reverse("relationships:goal-edit", args=[goal.pk])

    page = client.get(url)
    response = client.post(
        url,
        {
            "title": "An internship in data",
            "start_on": goal.start_on.isoformat(),
            "target_on": "2040-01-01",
        },
    )

    assert page.status_code == 200
    assert response.status_code == 302
    goal.refresh_from_db()
    assert (goal.title, goal.target_on.isoformat()) == ("An internship in data", "2040-01-01")


def test_closing_a_goal_and_opening_it_again(client):
    match = make_pair()
    goal = _goal(match)
    client.force_login(match.mentee.user)
    url = reverse("relationships:goal-status", args=[goal.pk])

    client.post(url, {"status": "achieved"})
    goal.refresh_from_db()
    achieved = (goal.status, goal.closed_at is not None)
    client.post(url, {"status": "open"})
    goal.refresh_from_db()
    bad = client.post(url, {"status": "forgotten"}, follow=True)

    assert achieved == ("achieved", True)
    assert (goal.status, goal.closed_at) == ("open", None)
    assert _messages(bad)[-1] == "Choose achieved, dropped or open."


def test_an_ended_match_keeps_its_goals_but_they_no_longer_change(client):
    match = make_pair()
    goal = _goal(match)
    match.status = match.Status.ENDED
    match.ended_at = timezone.now()
    match.save()
    client.force_login(match.mentee.user)
    before = _snapshot()

    page = client.get(_goals(match)).content.decode()
    refused = [
        client.post(url, data, follow=True)
        for url, data in [
            (reverse("relationships:goal-progress", args=[goal.pk]), {f"p{goal.pk}-level": "some"}),
            (reverse("relationships:milestone-add", args=[goal.pk]), {}),
            (_goals(match), {"title": "New", "target_on": "2040-01-01"}),
            (reverse("relationships:goal-edit", args=[goal.pk]), {"title": "Changed"}),
            (reverse("relationships:goal-status", args=[goal.pk]), {"status": "dropped"}),
        ]
    ]

    assert "This match has ended; its goals can no longer change." in page
    assert [_messages(response)[-1] for response in refused] == [
        "This match has ended; its goals can no longer change."
    ] * len(refused)
    assert _snapshot() == before


# --- milestones ---------------------------------------------------------------------------


def test_milestones_are_added_with_their_dates_and_one_is_marked_done(client):
    match = make_pair()
    goal = _goal(match)
    client.force_login(match.mentee.user)
    add = reverse("relationships:milestone-add", args=[goal.pk])
    first_due, second_due = today() + timedelta(days=10), today() + timedelta(days=30)

    client.post(add, {f"m{goal.pk}-title": "A CV", f"m{goal.pk}-due_on": first_due.isoformat()})
    client.post(add, {f"m{goal.pk}-title": "Ten applications", f"m{goal.pk}-due_on": second_due})
    first = Milestone.objects.get(title="A CV")
    client.post(reverse("relationships:milestone-done", args=[first.pk]))

    rows = list(Milestone.objects.values_list("title", "due_on", "status"))
    assert rows == [("A CV", first_due, "done"), ("Ten applications", second_due, "open")]
    first.refresh_from_db()
    assert first.done_at is not None
    body = client.get(_match_page(match)).content.decode()
    assert "Ten applications" in body and "✔" in body


def test_a_milestone_due_before_the_goal_starts_is_refused(client):
    match = make_pair()
    goal = _goal(match, start_on=today())
    client.force_login(match.mentee.user)
    day = today() - timedelta(days=1)

    response = client.post(
        reverse("relationships:milestone-add", args=[goal.pk]),
        {f"m{goal.pk}-title": "Too early", f"m{goal.pk}-due_on": day.isoformat()},
    )

    assert response.status_code == 400
    body = response.content.decode()
    assert "A milestone cannot be due before its goal starts" in body
    assert Milestone.objects.count() == 0


def test_moving_the_start_after_a_milestone_is_refused(client):
    match = make_pair()
    goal = _goal(match)
    milestone_add(goal=goal, by=match.mentee.user, title="CV", due_on=today())
    client.force_login(match.mentee.user)

    response = client.post(
        reverse("relationships:goal-edit", args=[goal.pk]),
        {"title": goal.title, "start_on": (today() + timedelta(days=5)).isoformat(),
         "target_on": "2040-01-01"},
    )  # fmt: skip

    assert response.status_code == 400
    assert "before this start date" in str(response.context["form"].errors["start_on"])
    goal.refresh_from_db()
    assert goal.start_on == today()


def test_an_empty_milestone_title_is_refused(client):
    match = make_pair()
    goal = _goal(match)
    client.force_login(match.mentee.user)

    response = client.post(
        reverse("relationships:milestone-add", args=[goal.pk]),
        {f"m{goal.pk}-title": "", f"m{goal.pk}-due_on": today().isoformat()},
    )

    assert response.status_code == 400
    assert Milestone.objects.count() == 0


# --- progress -----------------------------------------------------------------------------


def test_progress_recorded_directly_shows_as_a_timeline_newest_first(client):
    match = make_pair()
    goal = _goal(match)
    client.force_login(match.mentee.user)
    url = reverse("relationships:goal-progress", args=[goal.pk])

    client.post(url, {f"p{goal.pk}-level": "some", f"p{goal.pk}-note": "Wrote the CV"})
    GoalProgress.objects.update(created_at=timezone.now() - timedelta(days=3))
    client.post(url, {f"p{goal.pk}-level": "", f"p{goal.pk}-note": "Sent two applications"})
    refused = client.post(url, {f"p{goal.pk}-level": "", f"p{goal.pk}-note": "  "})

    rows = list(GoalProgress.objects.values_list("level", "note", "author", "log"))
    assert rows == [
        ("", "Sent two applications", match.mentee.user.pk, None),
        ("some", "Wrote the CV", match.mentee.user.pk, None),
    ]
    assert refused.status_code == 400
    body = client.get(_match_page(match)).content.decode()
    assert body.index("Sent two applications") < body.index("Wrote the CV")
    assert "Some progress" in body


def _log_post(**extra) -> dict:
    return {"outcome": "held", "duration_minutes": "50", **extra}


def test_the_log_form_records_progress_on_the_pairs_open_goals(client):
    match = make_pair()
    goal, other = _goal(match), _goal(match, title="Speak up in meetings")
    closed = _goal(match, title="Closed goal")
    Goal.objects.filter(pk=closed.pk).update(status=Goal.Status.DROPPED)
    meeting = _started_meeting(match)
    client.force_login(match.mentor.user)
    detail = reverse("sessions:meeting-detail", args=[meeting.pk])

    form = client.get(detail).context["log_form"]
    client.post(
        reverse("sessions:meeting-log", args=[meeting.pk]),
        _log_post(**{f"goal_{goal.pk}": "good", f"goal_{other.pk}": ""}),
    )

    assert [name for name in form.fields if name.startswith("goal_")] == [
        f"goal_{goal.pk}",
        f"goal_{other.pk}",
    ]
    log = SessionLog.objects.get()
    assert list(GoalProgress.objects.values_list("goal", "level", "log", "author")) == [
        (goal.pk, "good", log.pk, match.mentor.user.pk)
    ]
    assert log.goal_progress == {}
    page = client.get(detail)
    assert page.context["log_form"].initial[f"goal_{goal.pk}"] == "good"
    assert "Land a first internship: Good progress" in page.content.decode()
    match_page = client.get(_match_page(match)).content.decode()
    assert "in a session log" in match_page


def test_a_milestone_is_ticked_done_in_the_session_log(client):
    match = make_pair()
    goal = _goal(match)
    cv = milestone_add(goal=goal, by=match.mentee.user, title="A CV", due_on=today())
    later = milestone_add(goal=goal, by=match.mentee.user, title="Apply", due_on=today())
    meeting = _started_meeting(match)
    client.force_login(match.mentee.user)
    detail = reverse("sessions:meeting-detail", args=[meeting.pk])

    page = client.get(detail).content.decode()
    client.post(
        reverse("sessions:meeting-log", args=[meeting.pk]),
        _log_post(**{f"milestone_{cv.pk}": "on", f"goal_{goal.pk}": "some"}),
    )

    assert "Milestone reached: “A CV” (Land a first internship)" in page
    assert list(Milestone.objects.values_list("title", "status")) == [
        ("A CV", "done"),
        ("Apply", "open"),
    ]
    form = client.get(detail).context["log_form"]
    assert f"milestone_{cv.pk}" not in form.fields and f"milestone_{later.pk}" in form.fields


def test_editing_the_log_updates_or_removes_its_progress(client):
    match = make_pair()
    goal, other = _goal(match), _goal(match, title="Speak up")
    meeting = _started_meeting(match)
    client.force_login(match.mentee.user)
    log_url = reverse("sessions:meeting-log", args=[meeting.pk])

    client.post(log_url, _log_post(**{f"goal_{goal.pk}": "some", f"goal_{other.pk}": "none"}))
    client.post(log_url, _log_post(**{f"goal_{goal.pk}": "done", f"goal_{other.pk}": ""}))

    assert list(GoalProgress.objects.values_list("goal", "level")) == [(goal.pk, "done")]


def test_a_log_cannot_record_progress_on_another_pairs_goal():
    match = make_pair()
    foreign = _goal(make_pair(match.program))
    meeting = _started_meeting(match)
    log = SessionLog.objects.create(meeting=meeting, author=match.mentor.user, outcome="held")

    with pytest.raises(Exception, match="your own pair's goals"):
        goal_progress_from_log(log=log, values={foreign.pk: "good"})

    assert GoalProgress.objects.count() == 0


def test_the_log_form_of_a_group_session_has_no_goals(client):
    match = make_pair()
    _goal(match)
    start = timezone.now() - timedelta(hours=2)
    meeting = Meeting.objects.create(
        program=match.program,
        mentor=match.mentor.user,
        kind=Meeting.Kind.GROUP,
        title="Group",
        start=start,
        end=start + timedelta(hours=1),
    )
    client.force_login(match.mentor.user)

    form = client.get(reverse("sessions:meeting-detail", args=[meeting.pk])).context["log_form"]

    assert not [name for name in form.fields if name.startswith("goal_")]


# --- stale goals: pairs at risk -----------------------------------------------------------


def test_an_open_goal_without_progress_for_the_programs_days_is_stale():
    program = make_program(goal_stale_days=30)
    match = make_pair(program, days_ago=60)
    fresh = _goal(match, title="Fresh", start_on=today() - timedelta(days=40))
    quiet = _goal(match, title="Quiet", start_on=today() - timedelta(days=40))
    young = _goal(match, title="Young", start_on=today() - timedelta(days=29))
    dropped = _goal(match, title="Dropped", start_on=today() - timedelta(days=50))
    Goal.objects.filter(pk=dropped.pk).update(status=Goal.Status.DROPPED)
    goal_progress_record(goal=fresh, by=match.mentee.user, level="some")
    old = goal_progress_record(goal=quiet, by=match.mentee.user, level="some")
    GoalProgress.objects.filter(pk=old.pk).update(created_at=timezone.now() - timedelta(days=31))

    stale = goals_stale(program=program, today=today())

    assert [(g.title, g.days) for g in stale[match.pk]] == [("Quiet", 31)]
    assert young.pk not in [g.goal_id for g in stale[match.pk]]


def test_a_stale_goal_puts_the_pair_at_risk_until_progress_is_recorded():
    program = make_program(goal_stale_days=14)
    match = make_pair(program, days_ago=20)
    goal = _goal(match, title="Find a placement", start_on=today() - timedelta(days=15))

    reasons = risk_reasons(program=program, matches=[match], today=today())
    risk_flags_refresh(program=program, today=today())
    raised = list(RiskFlag.objects.filter(reason="stale_goal").values_list("detail", "cleared_at"))
    goal_progress_record(goal=goal, by=match.mentor.user, note="Called two firms")
    risk_flags_refresh(program=program, today=today())

    assert reasons[match.pk][RiskFlag.Reason.STALE_GOAL] == (
        "No progress on “Find a placement” for 15 days"
    )
    assert raised == [("No progress on “Find a placement” for 15 days", None)]
    flag = RiskFlag.objects.get(reason="stale_goal")
    assert flag.cleared_at is not None


# --- query counts -------------------------------------------------------------------------


def _fill(match, goals: int) -> None:
    for n in range(goals):
        goal = _goal(match, title=f"Goal {n}")
        for m in range(goals):
            milestone = milestone_add(
                goal=goal, by=match.mentee.user, title=f"Step {m}", due_on=today()
            )
            milestone_set_done(milestone=milestone, by=match.mentor.user)
            goal_progress_record(goal=goal, by=match.mentor.user, level="some", note=f"N{m}")


@pytest.mark.parametrize("goals", [1, 5])
def test_the_goals_page_takes_the_same_queries_for_few_and_many_goals(
    client, django_assert_num_queries, goals
):
    match = make_pair()
    VocabularyGoal.objects.create(program=match.program, name="Build a network")
    _fill(match, goals)
    client.force_login(match.mentee.user)

    # session, user, the match; goals, their milestones, their progress with authors; roles;
    # the program's goal list (read once: whether to show it, and its choices)
    with django_assert_num_queries(9):
        response = client.get(_goals(match))

    assert response.status_code == 200


@pytest.mark.parametrize("goals", [1, 5])
def test_the_match_page_with_goals_takes_the_same_queries_for_few_and_many(
    client, django_assert_num_queries, goals
):
    match = make_pair()
    _fill(match, goals)
    client.force_login(match.mentee.user)

    # session, user, roles, the match, its open end request; agreement panel: template,
    # agreement, answers; goals panel: goals, their milestones, their progress with authors
    # (the mentee sees no certificate panel)
    with django_assert_num_queries(15):
        response = client.get(_match_page(match))

    assert response.status_code == 200


# --- personal data ------------------------------------------------------------------------


def test_both_sides_export_the_pairs_goals_and_an_erased_sides_notes_go():
    from mentoring.personal_data import declaration_for
    from privacy.archive import section_rows
    from privacy.erasure import person_erase

    match = make_pair()
    goal = _goal(match, why="Try the work")
    milestone_add(goal=goal, by=match.mentee.user, title="A CV", due_on=today())
    goal_progress_record(goal=goal, by=match.mentee.user, level="some", note="Mine")
    goal_progress_record(goal=goal, by=match.mentor.user, note="Theirs")

    exported = {
        side: [
            len(section_rows(declaration_for(model), person))
            for model in (Goal, Milestone, GoalProgress)
        ]
        for side, person in (("mentor", match.mentor.user), ("mentee", match.mentee.user))
    }
    person_erase(user=match.mentee.user)

    assert exported == {"mentor": [1, 1, 2], "mentee": [1, 1, 2]}
    assert list(Goal.objects.values_list("title", "why")) == [
        ("Land a first internship", "Try the work")
    ]
    assert list(GoalProgress.objects.order_by("pk").values_list("level", "note")) == [
        ("some", "(removed)"),
        ("", "Theirs"),
    ]
