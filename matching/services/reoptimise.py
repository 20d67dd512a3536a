"""Re-optimising a running program: what a full re-match would gain, and what it would move.

Placing late joiners never moves anyone (see runs.py). Waitlisted mentees take part like
approved ones and are approved when matched. A full re-optimisation can raise the
total score, but typically moves a noticeable share of existing pairs for a tiny gain, and a
moved pair loses the relationship it has built. So it is a separate, explicit action: every
existing pair gets a `keep_bonus` added to its score, the solver weighs keeping it against
the gain elsewhere, and the coordinator sees how many pairs would move before anything
changes.
"""

from dataclasses import dataclass

import numpy as np
from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils.translation import gettext as _

from matching.explain import pair_score_explanation
from matching.features import program_features
from matching.models import Match
from matching.selectors import (
    MATCHABLE,
    matchable_split,
    screening_gate_message,
    screening_split,
)
from matching.services.ending import match_end
from matching.services.waitlist import matched_from_waitlist, waitlist_offers_close_for
from matching.solver import solve_optimal
from mentoring.events import MATCH_PUBLISHED, event_emit
from notifications.models import Kind
from notifications.services import notification_queue
from programs.models import Application, Program


@dataclass
class ReoptimisePlan:
    keep_bonus: float
    current_total: float
    new_total: float
    moved: list[tuple[int, int, int]]  # (mentee application, old mentor, new mentor)
    newly_matched: list[tuple[int, int]]
    kept: int

    @property
    def gain(self) -> float:
        return self.new_total - self.current_total

    @property
    def moved_share(self) -> float:
        existing = self.kept + len(self.moved)
        return len(self.moved) / existing if existing else 0.0


class _BonusSource:
    """Scores with a bonus on the existing pairs (capped at the solver's [0, 1] range by
    rescaling: score / (1 + bonus), bonus added before)."""

    def __init__(self, *, source, existing: dict[int, int], bonus: float):
        self.source, self.existing, self.bonus = source, existing, bonus
        self.shape, self.block_rows = source.shape, source.block_rows

    def block(self, rows):
        out = self.source.block(rows)
        index = np.arange(self.shape[0])[rows]
        for k, i in enumerate(index):
            j = self.existing.get(int(i))
            if j is not None and np.isfinite(out[k, j]):
                out[k, j] += self.bonus
        return out / (1 + self.bonus)


def reoptimise_plan(*, program: Program, keep_bonus: float = 0.1) -> ReoptimisePlan:
    """Solve the whole program again with a bonus for keeping existing pairs; change nothing."""
    if keep_bonus < 0 or keep_bonus > 1:
        raise ValidationError(_("The bonus for keeping a pair must be between 0 and 1."))
    related = ("topics", "goals", "availability")
    mentees = (
        Application.objects.filter(program=program, role="mentee", status__in=MATCHABLE)
        .select_related("user")
        .prefetch_related(*related)
        .order_by("pk")
    )
    mentors = (
        Application.objects.filter(
            program=program, role="mentor", status=Application.Status.APPROVED
        )
        .select_related("user")
        .prefetch_related(*related)
        .order_by("pk")
    )
    ready, held = matchable_split(program=program, applications=[*mentees, *mentors])
    # Waitlisted mentees whose screening is incomplete are not placed (placing approves them).
    ready, _unscreened = screening_split(applications=ready)
    # A pair whose mentor (or mentee) the training now holds back is left as it is: neither
    # side is moved, nor given to someone else.
    kept_out = [
        (mentee_id, mentor_id)
        for mentee_id, mentor_id in Match.objects.filter(
            program=program, status=Match.Status.ACTIVE
        ).values_list("mentee_id", "mentor_id")
        if mentor_id in held or mentee_id in held
    ]
    features = program_features(
        program=program,
        mentees=[a for a in ready if a.role == "mentee" and a.pk not in dict(kept_out)],
        mentors=[a for a in ready if a.role == "mentor"],
    )
    row = {a.pk: i for i, a in enumerate(features.mentees)}
    col = {a.pk: j for j, a in enumerate(features.mentors)}
    for _mentee_id, mentor_id in kept_out:  # their place stays taken
        if mentor_id in col:
            features.capacities[col[mentor_id]] = max(0, features.capacities[col[mentor_id]] - 1)
    current = {
        row[m.mentee_id]: col[m.mentor_id]
        for m in Match.objects.filter(program=program, status=Match.Status.ACTIVE)
        if m.mentee_id in row and m.mentor_id in col
    }
    source = _BonusSource(source=features.source(), existing=current, bonus=keep_bonus)
    result = solve_optimal(scores=source, capacities=features.capacities)
    scorer = features.scorer()
    raw = {i: float(scorer.block(slice(i, i + 1))[0, j]) for i, j in current.items()}
    moved, newly, kept, new_total = [], [], 0, 0.0
    for i, j in enumerate(result.assignment.tolist()):
        if j < 0:
            continue
        new_total += float(scorer.block(slice(i, i + 1))[0, j])
        old = current.get(i)
        if old is None:
            newly.append((features.mentees[i].pk, features.mentors[j].pk))
        elif old == j:
            kept += 1
        else:
            moved.append((features.mentees[i].pk, features.mentors[old].pk, features.mentors[j].pk))
    return ReoptimisePlan(
        keep_bonus=keep_bonus,
        current_total=sum(raw.values()),
        new_total=new_total,
        moved=moved,
        newly_matched=newly,
        kept=kept,
    )


@transaction.atomic
def reoptimise_apply(*, program: Program, plan: ReoptimisePlan, by=None) -> int:
    """Carry out a plan the coordinator has seen: end the moved matches, start the new ones
    and email everyone concerned. Returns the number of matches created."""
    Program.objects.select_for_update().get(pk=program.pk)
    created = 0
    for mentee_id, old_mentor_id, _new_mentor_id in plan.moved:
        match = Match.objects.filter(
            program=program, mentee_id=mentee_id, mentor_id=old_mentor_id, status="active"
        ).first()
        if match is None:
            raise ValidationError(_("Matches changed since the plan was made; make a new plan."))
        match_end(match=match, by=by, offer_place=False)
    pairs = [(m, new) for m, _, new in plan.moved] + list(plan.newly_matched)
    for mentee_id, mentor_id in pairs:
        mentee = Application.objects.get(pk=mentee_id, program=program)
        mentor = Application.objects.select_for_update().get(pk=mentor_id, program=program)
        active = Match.objects.filter(mentor=mentor, status="active").count()
        if active >= (mentor.capacity or 0):
            raise ValidationError(_("Capacities changed since the plan was made; make a new plan."))
        if message := screening_gate_message(application=mentee):
            raise ValidationError(message)
        score, explanation = pair_score_explanation(program, mentee, mentor)
        match = Match.objects.create(
            program=program,
            mentor=mentor,
            mentee=mentee,
            origin=Match.Origin.FORMAL,
            score=score,
            explanation=explanation,
        )
        for person in (mentee.user, mentor.user):
            notification_queue(kind=Kind.MATCH_PUBLISHED, to=person, subject=match, program=program)
        event_emit(
            name=MATCH_PUBLISHED,
            program=program,
            payload={
                "match_id": match.pk,
                "mentor_application_id": match.mentor_id,
                "mentee_application_id": match.mentee_id,
                "origin": match.origin,
            },
        )
        matched_from_waitlist(mentee=mentee, by=by)
        waitlist_offers_close_for(mentees=[mentee.pk], note=_("Matched by a re-optimisation."))
        created += 1
    return created
