"""Every reason a run gives for leaving someone unmatched, and what a waitlisted mentee is
told, is true for that run."""

import pytest

from matching.models import Exclusion, Match, UnmatchedEntry
from matching.services.runs import pair_remove, pair_set_locked, run_publish, run_rerun, run_start
from programs.services import application_decide, application_submit
from tests.matching.helpers import approved, make_formal_program
from tests.programs.helpers import make_data

pytestmark = pytest.mark.django_db
R = UnmatchedEntry.Reason


def draft(program):
    run = run_start(program=program)
    run.refresh_from_db()
    return run


def reason(run, application) -> tuple[str, str]:
    entry = run.unmatched.get(application=application)
    return entry.reason, entry.detail


def test_no_allowed_mentor_counts_each_cause():
    program = make_formal_program(allow_dual_role=True)
    ana = approved(program, "mentee", name="Ana", stage=0)
    mo = approved(program, "mentor", name="Mo", stage=2, capacity=1)
    nia = approved(program, "mentor", name="Nia", stage=2, capacity=1)
    oz = approved(program, "mentor", name="Oz", stage=2, capacity=1)
    Exclusion.objects.create(program=program, person=mo.user, other=ana.user)
    Exclusion.objects.create(program=program, person=ana.user, other=nia.user)
    Match.objects.create(
        program=program, mentor=oz, mentee=ana, status="ended", ended_at="2026-01-01T00:00Z"
    )
    # Ana also mentors here: she can never be her own mentor.
    application_decide(
        application=application_submit(
            program=program, user=ana.user, data=make_data(program, "mentor")
        ),
        status="approved",
    )
    run = draft(program)
    assert reason(run, ana) == (
        R.NO_ALLOWED_MENTOR,
        "All 4 mentors are ruled out: 2 by exclusions, 1 by an earlier match that ended, "
        "1 is this person in the mentor role.",
    )
    run_publish(run=run)
    ana.refresh_from_db()
    assert (ana.status, ana.decision_reason) == (
        "waitlisted",
        "No mentor of this round can be matched with you. The coordinators will be in touch.",
    )


def test_a_program_without_mentors_says_so():
    program = make_formal_program()
    ana = approved(program, "mentee", name="Ana", stage=0)
    assert reason(draft(program), ana) == (
        R.NO_ALLOWED_MENTOR,
        "The program has no approved mentor.",
    )


def test_outscored_when_the_places_went_to_mentees_who_score_better():
    program = make_formal_program()
    approved(program, "mentee", name="Ana", stage=0, topics=(0,))
    ben = approved(program, "mentee", name="Ben", stage=0, topics=(1,))
    approved(program, "mentor", name="Mo", stage=2, topics=(0,), capacity=1)
    assert reason(draft(program), ben) == (
        R.OUTSCORED,
        "All 1 compatible mentors are full; 1 of them took mentees who score at least as well "
        "with them (best score for this person: 0.727).",
    )


def test_capacity_when_every_compatible_place_is_locked():
    program = make_formal_program()
    ana = approved(program, "mentee", name="Ana", stage=0, topics=(1,))
    ben = approved(program, "mentee", name="Ben", stage=0, topics=(0,))
    approved(program, "mentor", name="Mo", stage=2, topics=(0,), capacity=1)
    run = draft(program)
    assert reason(run, ana)[0] == R.OUTSCORED  # Ben suits Mo better
    pair_set_locked(pair=run.pairs.get(mentee=ben), locked=True)
    run_rerun(run=run)
    assert reason(run, ana) == (
        R.CAPACITY,
        "The only compatible mentor is full: 1 with a pair the coordinator locked.",
    )


def test_removed_with_other_mentors_full():
    program = make_formal_program()
    ana = approved(program, "mentee", name="Ana", stage=0, topics=(0,))
    ben = approved(program, "mentee", name="Ben", stage=0, topics=(1,))
    mo = approved(program, "mentor", name="Mo", stage=2, topics=(0,), capacity=1)
    approved(program, "mentor", name="Nia", stage=2, topics=(1,), capacity=1)
    Exclusion.objects.create(program=program, person=ben.user, other=mo.user)
    run = draft(program)
    pair_remove(pair=run.pairs.get(mentee=ana))  # Ana and Ben now both want Nia's place
    run_rerun(run=run)
    assert reason(run, ana) == (
        R.REMOVED,
        "Removed from the draft by the coordinator; their other compatible mentor is full.",
    )
    run_publish(run=run)
    ana.refresh_from_db()
    assert ana.decision_reason == (
        "The coordinators did not place you this round. You will be matched when a place frees up."
    )


def test_a_mentor_with_places_left_is_listed_with_how_many():
    program = make_formal_program()
    ana = approved(program, "mentee", name="Ana", stage=0)
    mo = approved(program, "mentor", name="Mo", stage=2, capacity=3)
    run = draft(program)
    assert reason(run, mo) == (R.NO_MENTEE, "2 places left.")
    pair_remove(pair=run.pairs.get(mentee=ana))
    assert reason(run, mo) == (R.NO_MENTEE, "3 places left.")
