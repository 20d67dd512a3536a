"""A run of a few hundred people: the draft stays what it was, publishing is all or nothing."""

import hashlib
import json
from datetime import date

import pytest
from django.db import transaction

from matching.models import Exclusion, Match, MatchingRun
from matching.services.runs import run_publish, run_start
from mentoring.demo import DEMO_DOMAIN, demo_user, seed_scale
from notifications.models import Kind, Notification
from programs.models import Application, Program
from programs.signals import application_decided

pytestmark = pytest.mark.django_db

MENTEES, MENTORS = 300, 90
# Computed by the code before the speed work (issue 15) on this instance; both databases agree.
DRAFT_PAIRS = 280
DRAFT_DIGEST = "1aa677c089adc7c7"
UNMATCHED_DIGEST = "f6ef45cadb16becb"


@pytest.fixture
def scale(monkeypatch):
    # Availability is compared over next week's hours: fix the week so DST cannot move it.
    monkeypatch.setattr("matching.features.reference_monday", lambda today=None: date(2026, 3, 2))
    coordinator = demo_user(
        email=f"coordinator@{DEMO_DOMAIN}", first="Bench", last="Coordinator", password="x"
    )
    slug = seed_scale(mentees=MENTEES, mentors=MENTORS, password="x")["program"]
    program = Program.objects.get(slug=slug)
    number = {
        a.pk: int(a.user.email.split("-")[0].removeprefix("scale"))
        for a in program.applications.select_related("user")
    }
    side = {
        role: sorted(
            program.applications.filter(role=role).select_related("user"),
            key=lambda a: number[a.pk],
        )
        for role in ("mentee", "mentor")
    }
    mentees, mentors = side["mentee"], side["mentor"]
    # A few exclusions (one mentee has no mentor left at all) and waitlisted mentees.
    excluded = [(mentees[0], mentors[0]), (mentees[1], mentors[1]), (mentors[2], mentees[2])]
    excluded += [(mentees[3], mentor) for mentor in mentors]
    for person, other in excluded:
        Exclusion.objects.create(program=program, person=person.user, other=other.user)
    waiting = [a.pk for a in mentees[10:15]]
    Application.objects.filter(pk__in=waiting).update(status=Application.Status.WAITLISTED)
    return program, coordinator, number


def _digest(rows) -> str:
    return hashlib.sha256(json.dumps(sorted(rows), sort_keys=True).encode()).hexdigest()[:16]


def _draft(program):
    run = run_start(program=program)
    run.refresh_from_db()
    assert run.status == MatchingRun.Status.DRAFT, run.error
    return run


@pytest.mark.parametrize("by_id_limit", [2000, 0])  # relations read by id, or by program
def test_draft_is_the_one_the_code_gave_before_the_speed_work(scale, monkeypatch, by_id_limit):
    monkeypatch.setattr("matching.features._BY_ID_LIMIT", by_id_limit)
    program, _, number = scale
    run = _draft(program)
    pairs = [
        [number[p.mentee_id], number[p.mentor_id], round(p.score, 6), _explained(p.explanation)]
        for p in run.pairs.all()
    ]
    unmatched = [[number[e.application_id], e.reason, e.detail] for e in run.unmatched.all()]
    assert (len(pairs), _digest(pairs), _digest(unmatched)) == (
        DRAFT_PAIRS,
        DRAFT_DIGEST,
        UNMATCHED_DIGEST,
    )
    assert run.stats["optimal_proven"] is True


def _explained(items) -> list:
    return [
        [i["criterion"], i["label"], i["text"], round(i["value"], 9), round(i["contribution"], 9),
         i["detail"]]
        for i in items
    ]  # fmt: skip


def test_publishing_a_large_run_writes_every_match_and_queues_every_email(scale):
    program, coordinator, _ = scale
    run = _draft(program)
    pairs = run.pairs.count()
    waiting = run.unmatched.filter(application__role="mentee").exclude(reason="no_mentee").count()
    matches = run_publish(run=run, by=coordinator)
    assert len(matches) == pairs == Match.objects.filter(run=run).count()
    assert Notification.objects.filter(kind=Kind.MATCH_PUBLISHED).count() == 2 * pairs
    waitlisted = Application.objects.filter(program=program, status="waitlisted")
    assert waitlisted.count() == waiting
    decisions = Notification.objects.filter(kind=Kind.APPLICATION_DECISION, program=program)
    # The five mentees waitlisted beforehand are told nothing again; the others once each.
    assert decisions.count() == waiting - waitlisted.filter(decision_reason="").count()
    run.refresh_from_db()
    assert run.status == MatchingRun.Status.PUBLISHED


def test_a_failure_in_the_middle_of_publishing_leaves_nothing_written(scale):
    program, coordinator, _ = scale
    run = _draft(program)
    before = (
        Notification.objects.count(),
        list(Application.objects.order_by("pk").values_list("status", flat=True)),
    )

    seen = []

    def fail(sender, application, status, **kwargs):
        # By now the matches are written and their emails queued: all of it must go.
        seen.append((Match.objects.filter(run=run).count(), Notification.objects.count()))
        raise RuntimeError("a receiver failed")

    application_decided.connect(fail, dispatch_uid="test.publish.fail")
    try:
        with pytest.raises(RuntimeError, match="a receiver failed"):
            run_publish(run=run, by=coordinator)
    finally:
        application_decided.disconnect(dispatch_uid="test.publish.fail")
    assert seen[0][0] == run.pairs.count() and seen[0][1] > before[0]
    assert Match.objects.count() == 0
    after = (
        Notification.objects.count(),
        list(Application.objects.order_by("pk").values_list("status", flat=True)),
    )
    assert after == before
    run.refresh_from_db()
    assert run.status == MatchingRun.Status.DRAFT
    assert not transaction.get_connection().needs_rollback
