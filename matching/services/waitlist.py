"""The waitlist: who gets a place when one frees up.

A place frees up when a match ends, a mentor raises their capacity, or a mentor is approved
late (`matching.apps` connects the last two to the programs app's signals). In a formal
program the best-scoring waitlisted mentees for that mentor are proposed to the coordinators
as `WaitlistOffer`s, with the same per-criterion explanation as the review page; accepting one
makes the match, with the mentor's application row locked as `request_accept` does. In an
informal program waitlisted mentees are approved and told a mentor has room, so they can ask
one themselves. A waitlisted mentee who is matched is approved again (approved and in an
active match is what "matched" means here) and told as for a published match.

The training gate holds here too: a mentor whose training gates them and is not done frees
no place (it is offered once they are done and matching runs), and mentees held back by
their training are not proposed.
"""

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from matching.explain import pair_explanation, pair_score_explanation
from matching.models import Match, WaitlistOffer
from matching.selectors import (
    matchable_split,
    mentor_active_count,
    screening_gate_message,
    screening_split,
    training_gate_message,
)
from mentoring.events import MATCH_PUBLISHED, event_emit
from notifications.models import Kind
from notifications.services import notification_queue
from programs.models import Application, Program
from programs.screening import ScreeningIncomplete
from programs.services import application_decide, application_decision_audit
from programs.signals import application_decided

A = Application.Status
O = WaitlistOffer.Status  # noqa: E741


def mentor_capacity(mentor: Application) -> int:
    """How many mentees `mentor` takes in total (a group program caps it at the group size)."""
    capacity = mentor.capacity or 0
    program = mentor.program
    if program.is_group and program.group_size:
        capacity = min(capacity, program.group_size)
    return capacity


def waitlisted_mentees(*, program: Program) -> QuerySet[Application]:
    """Waitlisted mentees of `program` who are not in an active match."""
    return (
        Application.objects.filter(program=program, role="mentee", status=A.WAITLISTED)
        .exclude(mentee_matches__status=Match.Status.ACTIVE)
        .order_by("pk")
    )


def waitlist_place_freed(*, mentor: Application, trigger: str) -> list[WaitlistOffer]:
    """React to a place freeing up with `mentor` (`trigger` is a `WaitlistOffer.Trigger`).

    Formal programs: propose the best-scoring waitlisted mentees for the mentor's free places
    (free = capacity - active matches - proposals still open) and email each coordinator.
    Informal programs: approve every waitlisted mentee and email them that a mentor has room.
    Nothing happens for a mentor who is not approved or a program that is not open."""
    program = mentor.program
    if program.status not in (Program.Status.ENROLLING, Program.Status.RUNNING):
        return []
    if mentor.role != "mentor" or mentor.status != A.APPROVED:
        return []
    if training_gate_message(application=mentor):
        return []  # the place is offered once their training is done and matching runs
    if program.is_formal:
        return _propose(mentor=mentor, trigger=trigger)
    if mentor_active_count(mentor=mentor) < mentor_capacity(mentor):
        _tell_waitlist(program)
    return []


def _tell_waitlist(program: Program) -> None:
    for application in waitlisted_mentees(program=program).select_related("user", "program"):
        try:
            with transaction.atomic():
                application_decide(
                    application=application,
                    status=A.APPROVED,
                    reason=_("A mentor has room again."),
                )
        except ScreeningIncomplete:
            continue  # stays on the waitlist until a coordinator completes the screening


@transaction.atomic
def _propose(*, mentor: Application, trigger: str) -> list[WaitlistOffer]:
    # Locking the mentor's row counts one freed place after the other, like request_accept.
    mentor = (
        Application.objects.select_for_update().select_related("program", "user").get(pk=mentor.pk)
    )
    program = mentor.program
    open_offers = WaitlistOffer.objects.filter(mentor=mentor, status=O.PROPOSED).count()
    free = mentor_capacity(mentor) - mentor_active_count(mentor=mentor) - open_offers
    if free <= 0:
        return []
    candidates = list(
        waitlisted_mentees(program=program)
        .exclude(pk__in=WaitlistOffer.objects.filter(status=O.PROPOSED).values("mentee"))
        .exclude(
            pk__in=WaitlistOffer.objects.filter(mentor=mentor, status=O.DISMISSED).values("mentee")
        )
        .select_related("user", "career_stage")
        .prefetch_related("topics", "goals", "availability")
    )
    candidates, _held = matchable_split(program=program, applications=candidates)
    candidates, _unscreened = screening_split(applications=candidates)
    if not candidates:
        return []
    import numpy as np  # the numeric core: imported when first scored, not at start-up

    from matching.features import program_features

    features = program_features(program=program, mentees=candidates, mentors=[mentor])
    scores = features.source().block(slice(0, len(candidates)))[:, 0]
    # Best first; equal scores go to whoever has waited longest (lowest application id).
    order = [int(i) for i in np.argsort(-scores, kind="stable") if np.isfinite(scores[i])]
    offers = []
    for i in order:
        if len(offers) == free:
            break
        explanation = pair_explanation(features=features, i=i, j=0)
        try:
            with transaction.atomic():
                offer = WaitlistOffer.objects.create(
                    program=program,
                    mentee=candidates[i],
                    mentor=mentor,
                    score=round(sum(item["contribution"] for item in explanation), 6),
                    explanation=explanation,
                    trigger=trigger,
                )
        except IntegrityError:  # proposed for another mentor's place at the same moment
            continue
        offers.append(offer)
        for coordinator in program.coordinators.all():
            notification_queue(
                kind=Kind.WAITLIST_OFFER, to=coordinator, subject=offer, program=program
            )
    return offers


def waitlist_offer_accept(*, offer: WaitlistOffer, by=None) -> Match:
    """Make the proposed match (origin waitlist) and email both sides as for a published
    match; the mentee's application is approved again and their other proposals close.

    Checked again at this moment, with the mentor's application row locked: the mentor is
    approved and has a free place, the mentee is still waiting, and the pair is allowed (no
    exclusion, not the same person, no earlier match that ended). If any of that no longer
    holds the proposal is marked stale and ValidationError says why."""
    with transaction.atomic():
        match, problem = _accept(offer=offer, by=by)
    if problem:
        raise ValidationError(problem)
    return match


def _accept(*, offer: WaitlistOffer, by) -> tuple[Match | None, str]:
    mentor = (
        Application.objects.select_for_update()
        .select_related("program", "user")
        .get(pk=offer.mentor_id)
    )
    offer = WaitlistOffer.objects.select_for_update().get(pk=offer.pk)
    if offer.status != O.PROPOSED:
        return None, _("This proposal has already been answered.")
    mentee = Application.objects.select_for_update().select_related("user").get(pk=offer.mentee_id)
    problem = _accept_problem(mentor=mentor, mentee=mentee)
    if not problem:
        try:
            score, explanation = pair_score_explanation(mentor.program, mentee, mentor)
        except ValidationError as exc:
            problem = " ".join(exc.messages)
    if problem:
        _close(offer, O.STALE, by, note=problem)
        return None, problem
    match = Match.objects.create(
        program=mentor.program,
        mentor=mentor,
        mentee=mentee,
        origin=Match.Origin.WAITLIST,
        score=score,
        explanation=explanation,
    )
    offer.match = match
    _close(offer, O.ACCEPTED, by)
    event_emit(
        name=MATCH_PUBLISHED,
        program=mentor.program,
        payload={
            "match_id": match.pk,
            "mentor_application_id": match.mentor_id,
            "mentee_application_id": match.mentee_id,
            "origin": match.origin,
        },
    )
    matched_from_waitlist(mentee=mentee, by=by)
    for person in (mentee.user, mentor.user):
        notification_queue(
            kind=Kind.MATCH_PUBLISHED, to=person, subject=match, program=mentor.program
        )
    return match, ""


def _accept_problem(*, mentor: Application, mentee: Application) -> str:
    program = mentor.program
    if program.status not in (Program.Status.ENROLLING, Program.Status.RUNNING):
        return _("%(program)s is not open.") % {"program": program.name}
    if mentor.status != A.APPROVED:
        return _("%(name)s is no longer an approved mentor.") % {"name": mentor.user.name}
    if mentor_active_count(mentor=mentor) >= mentor_capacity(mentor):
        return _("%(name)s has no free place left.") % {"name": mentor.user.name}
    if mentee.status not in (A.WAITLISTED, A.APPROVED):
        return _("%(name)s is no longer waiting for a mentor.") % {"name": mentee.user.name}
    if Match.objects.filter(mentee=mentee, status=Match.Status.ACTIVE).exists():
        return _("%(name)s has been matched in the meantime.") % {"name": mentee.user.name}
    return (
        training_gate_message(application=mentor)
        or training_gate_message(application=mentee)
        or screening_gate_message(application=mentee)
    )


def _close(offer: WaitlistOffer, status: str, by, note: str = "") -> None:
    offer.status, offer.note = status, note[:300]
    offer.decided_at, offer.decided_by = timezone.now(), by
    offer.save(update_fields=["status", "note", "decided_at", "decided_by", "match"])
    if status == O.ACCEPTED:
        WaitlistOffer.objects.filter(mentee_id=offer.mentee_id, status=O.PROPOSED).update(
            status=O.STALE, note=_("Matched from another proposal.")
        )


@transaction.atomic
def waitlist_offer_dismiss(*, offer: WaitlistOffer, by=None) -> WaitlistOffer:
    """The coordinator turns a proposal down. That mentee is not proposed for this mentor
    again; the place stays free (running matching fills it, or the next freed place)."""
    offer = WaitlistOffer.objects.select_for_update().get(pk=offer.pk)
    if offer.status != O.PROPOSED:
        raise ValidationError(_("This proposal has already been answered."))
    _close(offer, O.DISMISSED, by)
    return offer


def matched_from_waitlist(*, mentee: Application, by=None) -> None:
    """A waitlisted mentee has just been matched: their application is approved again (the
    decision is recorded, in the audit trail too with `by` as who decided, so
    `application_decided` goes out: evaluation's baseline surveys)."""
    if mentee.status != A.WAITLISTED:
        return
    mentee.status, mentee.decided_at = A.APPROVED, timezone.now()
    mentee.save(update_fields=["status", "decided_at"])
    application_decision_audit(application=mentee, by=by, previous=A.WAITLISTED, matched=True)
    application_decided.send(sender=Application, application=mentee, status=A.APPROVED)


def waitlist_offers_close_for(*, mentees: list[int], note: str) -> int:
    """Proposals still open for these mentees (matched another way) become stale."""
    return WaitlistOffer.objects.filter(mentee_id__in=mentees, status=O.PROPOSED).update(
        status=O.STALE, note=note[:300], decided_at=timezone.now()
    )
