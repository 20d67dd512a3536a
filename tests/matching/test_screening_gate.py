"""A waitlisted mentee is approved when matching places them, so one whose screening checklist
is incomplete is not placed (runs, added pairs, waitlist proposals) until it is complete, and
an informal program's "a mentor has room again" approval leaves them waiting."""

import pytest
from django.core.exceptions import ValidationError

from matching.models import Match, WaitlistOffer
from matching.services.runs import pair_add, run_start
from matching.services.waitlist import waitlist_place_freed
from programs.models import Application, Program, ScreeningItem
from programs.screening import screening_save
from programs.services import application_decide
from tests.factories import ApplicationFactory
from tests.matching.helpers import approved, make_formal_program
from tests.programs.helpers import make_program

pytestmark = pytest.mark.django_db


def _waitlisted(program, name, topics=(0,)):
    """A mentee put on the waitlist before the checklist existed."""
    application = approved(program, "mentee", name=name, stage=0, topics=topics)
    return application_decide(application=application, status="waitlisted")


def _checklist(program) -> list[ScreeningItem]:
    return [
        ScreeningItem.objects.create(program=program, label="Interview held", audience="both"),
        ScreeningItem.objects.create(program=program, label="Reference", audience="mentors"),
    ]


@pytest.fixture
def formal():
    program = make_formal_program()
    mentor = approved(program, "mentor", name="Mo", stage=2, topics=(0,), capacity=2)
    ana, ben = _waitlisted(program, "Ana"), _waitlisted(program, "Ben")
    items = _checklist(program)
    screening_save(application=ben, checked=items[:1], note="")
    return program, mentor, ana, ben


def test_a_run_holds_back_a_waitlisted_mentee_whose_screening_is_incomplete(formal):
    program, _mentor, ana, ben = formal

    run = run_start(program=program)

    assert [p.mentee_id for p in run.pairs.all()] == [ben.pk]
    assert [
        (e.application_id, e.reason, e.detail) for e in run.unmatched.filter(reason="screening")
    ] == [(ana.pk, "screening", "screening not complete (0 of 1 item)")]


def test_a_pair_the_coordinator_adds_is_refused_until_screening_is_complete(formal):
    program, mentor, ana, _ben = formal
    run = run_start(program=program)

    with pytest.raises(ValidationError) as refused:
        pair_add(run=run, mentee=ana, mentor=mentor)

    assert refused.value.messages == [
        "Ana cannot be matched until their screening is complete (Interview held)."
    ]
    assert not run.pairs.filter(mentee=ana).exists()


def test_waitlist_proposals_skip_the_unscreened(formal):
    _program, mentor, ana, ben = formal

    offers = waitlist_place_freed(mentor=mentor, trigger=WaitlistOffer.Trigger.MENTOR_APPROVED)

    assert [offer.mentee_id for offer in offers] == [ben.pk]
    assert not WaitlistOffer.objects.filter(mentee=ana).exists()


def test_informal_room_again_approves_the_screened_and_leaves_the_rest_waiting():
    program = make_program(kind=Program.Kind.INFORMAL)
    ana, ben = _waitlisted(program, "Ana"), _waitlisted(program, "Ben")
    items = _checklist(program)
    screening_save(application=ben, checked=items[:1], note="")
    mentor = ApplicationFactory(program=program, role="mentor", status="approved", capacity=2)

    waitlist_place_freed(mentor=mentor, trigger=WaitlistOffer.Trigger.MENTOR_APPROVED)

    ana.refresh_from_db()
    ben.refresh_from_db()
    assert (ana.status, ben.status) == (Application.Status.WAITLISTED, Application.Status.APPROVED)
    assert not Match.objects.exists()


def test_re_optimisation_leaves_an_unscreened_waitlisted_mentee_waiting(formal):
    from matching.services.reoptimise import reoptimise_apply, reoptimise_plan

    program, _mentor, ana, ben = formal
    program.status = Program.Status.RUNNING
    program.save(update_fields=["status"])

    plan = reoptimise_plan(program=program)
    reoptimise_apply(program=program, plan=plan)

    ana.refresh_from_db()
    assert [m for m, _ in plan.newly_matched] == [ben.pk]
    assert ana.status == Application.Status.WAITLISTED
    assert not Match.objects.filter(mentee=ana).exists()
