import pytest
from django.core import mail
from django.core.exceptions import ValidationError

from matching.models import Match, MatchingRun, ProposedPair, WaitlistOffer
from matching.services.runs import (
    pair_add,
    pair_remove,
    pair_set_locked,
    pair_swap,
    run_publish,
    run_rerun,
    run_start,
)
from notifications.services import notifications_deliver_due
from tests.matching.helpers import approved, make_formal_program, make_informal_program

pytestmark = pytest.mark.django_db


@pytest.fixture
def cohort():
    program = make_formal_program()
    people = {
        "ana": approved(program, "mentee", name="Ana", stage=0, topics=(0,)),
        "ben": approved(program, "mentee", name="Ben", stage=0, topics=(1,)),
        "cat": approved(program, "mentee", name="Cat", stage=1, topics=(2,)),
        "mo": approved(program, "mentor", name="Mo", stage=2, topics=(0, 2), capacity=1),
        "nia": approved(program, "mentor", name="Nia", stage=2, topics=(1,), capacity=1),
    }
    notifications_deliver_due()  # the approval emails
    mail.outbox.clear()
    return program, people


def pairs_of(run) -> dict[str, str]:
    return {
        p.mentee.user.display_name: p.mentor.user.display_name
        for p in run.pairs.select_related("mentee__user", "mentor__user")
    }


def test_run_proposes_the_best_pairs_and_explains_the_unmatched(cohort):
    program, people = cohort
    run = run_start(program=program)
    run.refresh_from_db()
    assert run.status == "draft"
    assert pairs_of(run) == {"Ana": "Mo", "Ben": "Nia"}
    unmatched = run.unmatched.get(application=people["cat"])
    # Cat scores with Mo exactly as Ana does; Nia covers none of Cat's topics.
    assert unmatched.reason == "outscored"
    assert unmatched.detail == (
        "All 2 compatible mentors are full; 2 of them took mentees who score at least as well "
        "with them (best score for this person: 1.000)."
    )
    assert run.stats["n_matched"] == 2 and run.stats["match_rate"] == pytest.approx(2 / 3, 1e-3)
    assert run.stats["optimal_proven"] is True
    for pair in run.pairs.all():
        assert sum(i["contribution"] for i in pair.explanation) == pytest.approx(pair.score, 1e-6)


def test_only_one_open_run_per_program(cohort):
    program, _ = cohort
    run_start(program=program)
    with pytest.raises(ValidationError, match="already in progress"):
        run_start(program=program)


def test_swap_remove_lock_rerun_and_publish(cohort):
    program, people = cohort
    run = run_start(program=program)
    run.refresh_from_db()
    ana = run.pairs.get(mentee=people["ana"])
    ben = run.pairs.get(mentee=people["ben"])
    pair_swap(first=ana, second=ben)
    assert pairs_of(run) == {"Ana": "Nia", "Ben": "Mo"}
    pair_remove(pair=run.pairs.get(mentee=people["ben"]))
    pair_set_locked(pair=run.pairs.get(mentee=people["ana"]), locked=True)
    run_rerun(run=run)
    run.refresh_from_db()
    # Ana keeps her locked mentor; Ben may not get Mo again (removed); Cat takes Mo.
    assert pairs_of(run) == {"Ana": "Nia", "Cat": "Mo"}
    matches = run_publish(run=run)
    assert len(matches) == 2
    run.refresh_from_db()
    assert run.status == "published"
    people["ben"].refresh_from_db()
    assert people["ben"].status == "waitlisted"
    assert notifications_deliver_due() == 5  # 2 matches x 2 people + Ben's waitlist email
    subjects = sorted(m.subject for m in mail.outbox)
    assert f"Meet your mentor: Nia ({program.name})" in subjects


def test_manual_pair_respects_capacity(cohort):
    program, people = cohort
    run = run_start(program=program)
    run.refresh_from_db()
    with pytest.raises(ValidationError, match="Mo has no free place left"):
        pair_add(run=run, mentee=people["cat"], mentor=people["mo"])
    assert ProposedPair.objects.filter(run=run).count() == 2


def test_running_again_after_publishing_places_late_joiners_without_moving_anyone(cohort):
    program, people = cohort
    run = run_start(program=program)
    run_publish(run=MatchingRun.objects.get(pk=run.pk))
    before = set(Match.objects.values_list("mentee_id", "mentor_id"))
    people["cat"].refresh_from_db()
    assert people["cat"].status == "waitlisted"  # publishing put her on the waitlist
    late_mentor = approved(program, "mentor", name="Lee", stage=3, topics=(2,), capacity=2)
    WaitlistOffer.objects.all().delete()  # Lee's approval proposed Cat; here the run places her
    second = run_start(program=program)
    second.refresh_from_db()
    assert pairs_of(second) == {"Cat": "Lee"}
    run_publish(run=second)
    after = set(Match.objects.values_list("mentee_id", "mentor_id"))
    assert after == before | {(people["cat"].pk, late_mentor.pk)}
    people["cat"].refresh_from_db()
    assert people["cat"].status == "approved"  # matched: approved and in an active match


def test_publish_is_all_or_nothing(cohort):
    program, people = cohort
    run = run_start(program=program)
    run.refresh_from_db()
    Match.objects.create(program=program, mentor=people["nia"], mentee=people["cat"])
    people["nia"].capacity = 1
    people["nia"].save()
    with pytest.raises(ValidationError, match="Nia would be over capacity"):
        run_publish(run=run)
    assert Match.objects.count() == 1
    run.refresh_from_db()
    assert run.status == "draft"


def test_informal_program_has_no_runs():
    program = make_informal_program()
    with pytest.raises(ValidationError, match="Informal programs have no matching runs"):
        run_start(program=program)


def test_group_program_forms_groups_whose_members_want_the_same_topics():
    program = make_formal_program(format="group", group_size=2)
    for name, topic in [("Ana", 0), ("Ben", 1), ("Cat", 0), ("Dan", 1)]:
        approved(program, "mentee", name=name, stage=0, topics=(topic,))
    for name in ["Mo", "Nia"]:
        approved(program, "mentor", name=name, stage=2, topics=(0, 1), capacity=5)

    run = run_start(program=program)
    run.refresh_from_db()

    groups: dict[str, set[str]] = {}
    for mentee, mentor in pairs_of(run).items():
        groups.setdefault(mentor, set()).add(mentee)
    assert sorted(map(sorted, groups.values())) == [["Ana", "Cat"], ["Ben", "Dan"]]
    assert run.stats["groups"]["cohesion_after"] == 1.0
    assert run.stats["n_matched"] == 4
