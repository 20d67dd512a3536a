"""The coordinator's review of a draft run, in the admin and through the services it calls."""

from datetime import time

import pytest
from django.core import mail
from django.urls import reverse

from matching.models import Match, MatchingConfig, MatchingRun, UnmatchedEntry
from matching.services.runs import (
    pair_swap,
    run_publish,
    run_refresh_stats,
    run_rerun,
    run_start,
)
from notifications.services import notifications_deliver_due
from tests.e2e.helpers import make_coordinator
from tests.matching.helpers import approved, make_formal_program

pytestmark = pytest.mark.django_db


def pairs_of(run) -> dict[str, str]:
    return {
        p.mentee.user.display_name: p.mentor.user.display_name
        for p in run.pairs.select_related("mentee__user", "mentor__user")
    }


def draft(program) -> MatchingRun:
    run = run_start(program=program)
    run.refresh_from_db()
    assert run.status == "draft"
    return run


@pytest.fixture
def coordinator_client(client):
    def log_in(program):
        coordinator = make_coordinator()
        program.coordinators.add(coordinator)
        client.force_login(coordinator)
        return client

    return log_in


def review(client, run) -> str:
    response = client.get(reverse("admin:matching_matchingrun_change", args=[run.pk]))
    assert response.status_code == 200
    return response.content.decode()


@pytest.mark.parametrize("algorithm", ["optimal", "stable"])
def test_an_unchanged_pair_stays_put_when_the_draft_is_run_again(algorithm):
    """Everyone suits everyone equally; after two pairs are swapped (and so locked), the other
    two pairs are as good where they are as anywhere else, so re-running must not move them."""
    program = make_formal_program()
    MatchingConfig.objects.create(program=program, algorithm=algorithm)
    for name in ("Ana", "Ben", "Cat", "Dan"):
        approved(program, "mentee", name=name, stage=0)
    for name in ("Mo", "Nia", "Oz", "Pat"):
        approved(program, "mentor", name=name, stage=2, capacity=1)
    run = draft(program)
    before = pairs_of(run)
    ana, ben = (run.pairs.get(mentee__user__display_name=n) for n in ("Ana", "Ben"))
    pair_swap(first=ana, second=ben)
    run_rerun(run=run)
    run.refresh_from_db()
    after = pairs_of(run)
    assert after == {**before, "Ana": before["Ben"], "Ben": before["Ana"]}
    assert run.stats["kept_from_draft"] == {"kept": 2, "of": 2}
    assert len(set(run.pairs.values_list("score", flat=True))) == 1  # truly equally good


def test_removing_a_pair_records_that_the_coordinator_removed_it(coordinator_client):
    program = make_formal_program()
    approved(program, "mentee", name="Ana", stage=0)
    mo = approved(program, "mentor", name="Mo", stage=2, capacity=1)
    run = draft(program)
    client = coordinator_client(program)
    pair = run.pairs.get()
    url = reverse("admin:matching_matchingrun_action", args=[run.pk, "remove"])
    client.post(url, {"pair": pair.pk})
    entry = run.unmatched.get(application=pair.mentee)
    assert (entry.reason, entry.detail) == ("removed", "Removed from the draft by the coordinator.")
    assert run.unmatched.get(application=mo).detail == "1 place left."
    page = review(client, run)
    assert "Removed by the coordinator" in page
    assert "Outscored for the last places" not in page
    run_rerun(run=run)  # Mo is now ruled out for Ana; the reason still says why
    entry = run.unmatched.get(application=pair.mentee)
    assert (entry.reason, entry.detail) == (
        "removed",
        "Removed from the draft by the coordinator; no other mentor can be matched with them.",
    )


def test_the_lowest_score_is_rounded_like_the_pair_it_comes_from(coordinator_client):
    program = make_formal_program()
    approved(program, "mentee", name="Ana", stage=0)
    approved(program, "mentee", name="Ben", stage=0, topics=(1,))
    approved(program, "mentor", name="Mo", stage=2, capacity=2)
    run = draft(program)
    low, high = run.pairs.order_by("score")
    # 0.66649 shows as 0.666; rounded to 4 places first it became 0.6665, shown as 0.667.
    low.score, high.score = 0.66649, 0.9
    for pair in (low, high):
        pair.save(update_fields=["score"])
    run_refresh_stats(run=run)
    page = review(coordinator_client(program), run)
    assert "Lowest score<strong>0.666</strong>" in page
    assert "<td>0.666</td>" in page
    assert "0.667" not in page


TUESDAY = [(1, time(9), time(11))]


def test_the_coordinators_weights_change_the_result(coordinator_client):
    """Ana wants Study skills on Monday evenings. Mo offers the topic but is free on Tuesdays;
    Nia offers another topic and is free when Ana is."""
    program = make_formal_program()
    approved(program, "mentee", name="Ana", stage=0, topics=(0,))
    approved(program, "mentor", name="Mo", stage=2, topics=(0,), capacity=1, windows=TUESDAY)
    approved(program, "mentor", name="Nia", stage=2, topics=(1,), capacity=1)
    assert pairs_of(draft(program)) == {"Ana": "Mo"}  # topics weigh 3, availability 2
    MatchingRun.objects.update(status="discarded")
    config = MatchingConfig.objects.get(program=program)
    config.weight_topics, config.weight_availability = 0.5, 10
    config.full_clean()
    config.save()
    run = draft(program)
    assert pairs_of(run) == {"Ana": "Nia"}
    assert run.weights["availability"] == 10 and run.weights["topics"] == 0.5
    pair = run.pairs.get()
    weights = {item["criterion"]: item["weight"] for item in pair.explanation}
    assert weights["availability"] == pytest.approx(10)
    page = review(coordinator_client(program), run)
    assert "Topics 0.5 · Goals 2 · Career stage 2 · Availability 10" in page


def test_rerunning_a_draft_takes_the_weights_as_they_are_now():
    program = make_formal_program()
    approved(program, "mentee", name="Ana", stage=0, topics=(0,))
    approved(program, "mentor", name="Mo", stage=2, topics=(0,), capacity=1, windows=TUESDAY)
    approved(program, "mentor", name="Nia", stage=2, topics=(1,), capacity=1)
    run = draft(program)
    MatchingConfig.objects.filter(program=program).update(weight_topics=0.5, weight_availability=10)
    run_rerun(run=run)
    run.refresh_from_db()
    assert run.weights["availability"] == 10
    assert pairs_of(run) == {"Ana": "Nia"}


def test_a_stable_run_goes_from_draft_to_published(coordinator_client):
    program = make_formal_program(name="Stable Cohort")
    MatchingConfig.objects.create(program=program, algorithm="stable")
    ana = approved(program, "mentee", name="Ana", stage=0, topics=(0,))
    approved(program, "mentee", name="Ben", stage=0, topics=(0, 1))
    approved(program, "mentor", name="Mo", stage=2, topics=(0,), capacity=1)
    approved(program, "mentor", name="Nia", stage=2, topics=(1,), capacity=1)
    notifications_deliver_due()
    mail.outbox.clear()
    client = coordinator_client(program)
    client.post(reverse("admin:matching_matchingrun_start", args=[program.pk]))
    run = MatchingRun.objects.get()
    assert (run.status, run.algorithm) == ("draft", "stable")
    stability = run.stats["stability"]
    assert stability["stable_total"] <= stability["optimal_total"]
    page = review(client, run)
    assert "Stable (no pair would both rather be together)" in page
    ratio = round(stability["ratio"] * 100)
    assert f"Cost of stability<strong>{ratio}% of optimal</strong>" in page
    assert f"({stability['stable_total']} vs {stability['optimal_total']})" in page
    response = client.post(reverse("admin:matching_matchingrun_action", args=[run.pk, "publish"]))
    assert response["Location"] == reverse("admin:matching_match_changelist")
    run.refresh_from_db()
    assert run.status == "published"
    assert Match.objects.filter(program=program, run=run).count() == 2
    assert Match.objects.get(mentee=ana).origin == "formal"
    assert notifications_deliver_due() == 4


def test_a_waitlisted_mentee_in_a_later_run_has_an_accurate_reason():
    program = make_formal_program()
    approved(program, "mentee", name="Ana", stage=0)
    ben = approved(program, "mentee", name="Ben", stage=0, topics=(1,))
    approved(program, "mentor", name="Mo", stage=2, capacity=1)
    run_publish(run=draft(program))
    ben.refresh_from_db()
    assert ben.status == "waitlisted"
    assert ben.decision_reason == (
        "No place this round: the mentors who suit you are full. "
        "You will be matched when a place frees up."
    )
    later = draft(program)  # Ben takes part again; Mo is full with Ana's match
    entry = later.unmatched.get(application=ben)
    assert (entry.reason, entry.detail) == (
        UnmatchedEntry.Reason.CAPACITY,
        "The only compatible mentor is full: 1 with existing matches.",
    )
