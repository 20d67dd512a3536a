"""Matching decisions in the audit trail: publishing a run, placing a waitlisted mentee,
ending a match (by a coordinator, or by the system at the program's end)."""

from datetime import timedelta

import pytest
from django.contrib.admin import helpers
from django.core.exceptions import ValidationError
from django.urls import reverse

from matching.models import Match, MatchingRun, WaitlistOffer
from matching.services.ending import match_end
from matching.services.runs import run_publish, run_start
from programs.services import application_decide
from relationships.services.closure import matches_close_planned
from tests.audit.helpers import entries_since, make_coordinator, mark, target
from tests.matching.helpers import approved, make_formal_program
from tests.relationships.helpers import make_pair, today
from tests.relationships.helpers import make_program as make_running_program

pytestmark = pytest.mark.django_db


def _cohort():
    """Ana and Ben find a mentor each; Cat (who wants what only full mentors offer) waits."""
    program = make_formal_program()
    people = {
        "ana": approved(program, "mentee", name="Ana", stage=0, topics=(0,)),
        "ben": approved(program, "mentee", name="Ben", stage=0, topics=(1,)),
        "cat": approved(program, "mentee", name="Cat", stage=1, topics=(2,)),
        "mo": approved(program, "mentor", name="Mo", stage=2, topics=(0, 2), capacity=1),
        "nia": approved(program, "mentor", name="Nia", stage=2, topics=(1,), capacity=1),
    }
    return program, people


def test_publishing_a_run_in_the_admin_records_who_with_the_counts(client):
    program, people = _cohort()
    run = run_start(program=program)
    coordinator = make_coordinator(program)
    client.force_login(coordinator)
    since = mark()

    response = client.post(reverse("admin:matching_matchingrun_action", args=[run.pk, "publish"]))

    assert response.status_code == 302
    run = MatchingRun.objects.get(pk=run.pk)
    assert run.status == "published"
    cat = people["cat"]
    assert entries_since(since) == [
        (
            "application_waitlisted",
            coordinator,
            program,
            cat.user,
            target(cat),
            {"role": "mentee", "from": "approved", "reason_given": True},
        ),
        ("run_published", coordinator, program, None, target(run), {"pairs": 2, "waitlisted": 1}),
    ]


def test_a_run_that_cannot_be_published_records_nothing():
    program, people = _cohort()
    run = run_start(program=program)
    Match.objects.create(program=program, mentor=people["nia"], mentee=people["ana"])
    since = mark()

    with pytest.raises(ValidationError):
        run_publish(run=run)

    assert entries_since(since) == []


def test_a_waitlisted_mentee_placed_by_a_run_is_approved_on_record():
    program, people = _cohort()
    cat = application_decide(application=people["cat"], status="waitlisted", reason="Full")
    approved(program, "mentor", name="Oz", stage=2, topics=(2,), capacity=1)
    run = run_start(program=program)
    coordinator = make_coordinator(program)
    since = mark()

    run_publish(run=run, by=coordinator)

    assert entries_since(since) == [
        (
            "application_approved",
            coordinator,
            program,
            cat.user,
            target(cat),
            {"role": "mentee", "from": "waitlisted", "matched": True},
        ),
        ("run_published", coordinator, program, None, target(run), {"pairs": 3, "waitlisted": 0}),
    ]


def test_accepting_a_waitlist_proposal_in_the_admin_records_the_approval(client):
    program = make_formal_program(status="running")
    mo = approved(program, "mentor", name="Mo", stage=2, topics=(0,), capacity=1)
    match = Match.objects.create(
        program=program, mentor=mo, mentee=approved(program, "mentee", name="Ana", stage=0)
    )
    ben = approved(program, "mentee", name="Ben", stage=0)
    ben = application_decide(application=ben, status="waitlisted")
    match_end(match=match)
    offer = WaitlistOffer.objects.get()
    coordinator = make_coordinator(program)
    client.force_login(coordinator)
    since = mark()

    response = client.post(
        reverse("admin:matching_waitlistoffer_changelist"),
        {"action": "accept_offers", "_selected_action": [offer.pk], "index": 0},
    )

    assert response.status_code == 302
    assert entries_since(since) == [
        (
            "application_approved",
            coordinator,
            program,
            ben.user,
            target(ben),
            {"role": "mentee", "from": "waitlisted", "matched": True},
        )
    ]


def test_ending_a_match_in_the_admin_records_who_and_the_reason_code_only(client):
    program = make_running_program()
    match = make_pair(program)
    coordinator = make_coordinator(program)
    client.force_login(coordinator)
    since = mark()

    response = client.post(
        reverse("admin:matching_match_changelist"),
        {
            "action": "end_matches",
            helpers.ACTION_CHECKBOX_NAME: [match.pk],
            "apply": "1",
            "end_reason": "other",
            "end_reason_text": "Graduated early",
        },
    )

    assert response.status_code == 302
    assert entries_since(since) == [
        ("match_ended", coordinator, program, None, target(match), {"end_reason": "other"})
    ]


def test_the_planned_closure_is_recorded_as_the_systems():
    program = make_running_program(ends_on=today() - timedelta(days=1))
    match = make_pair(program)
    since = mark()

    assert matches_close_planned(program=program, today=today()) == 1

    assert entries_since(since) == [
        ("match_ended", None, program, None, target(match), {"end_reason": "program_ended"})
    ]


def test_ending_a_match_already_ended_records_nothing_more():
    match = make_pair(make_running_program())
    match_end(match=match, end_reason="schedules")
    since = mark()

    match_end(match=match, end_reason="schedules")

    assert entries_since(since) == []
