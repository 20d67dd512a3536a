"""Informal programs: ranked mentor suggestions, requests, and accepting within capacity."""

from dataclasses import dataclass

from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Count, Q, prefetch_related_objects
from django.utils import timezone

from matching.explain import pair_explanation, pairs_explanation
from matching.models import Match, MatchRequest
from matching.selectors import (
    application_training_unready,
    mentor_active_count,
    mentors_matchable,
    training_gate_check,
)
from notifications.models import Kind
from notifications.services import notification_queue
from programs.models import Application

A = Application.Status


@dataclass
class Suggestion:
    mentor: Application
    score: float
    explanation: list[dict]
    open_places: int


def mentors_with_room(*, program) -> list[Application]:
    """Approved, matchable mentors of `program` with a free place (`active`: their active
    matches), by id. Their topics, goals and availability are read by `program_features`."""
    mentors = (
        mentors_matchable(program=program)
        .annotate(active=Count("mentor_matches", filter=Q(mentor_matches__status="active")))
        .select_related("user", "career_stage")
        .order_by("pk")
    )
    return [m for m in mentors if m.active < (m.capacity or 0)]


def suggestions_for(*, mentee: Application, limit: int = 10) -> list[Suggestion]:
    """Mentors with room, best first, each with the same explanation coordinators see.
    Forbidden pairs (the same person, exclusions, ended matches) and mentors whose training
    is not done (when it gates them) are never suggested; a mentee whose own training gates
    them gets no suggestions until it is done. The suggested mentors come with their topics."""
    if mentee.status != A.APPROVED or application_training_unready(application=mentee):
        return []
    mentors = mentors_with_room(program=mentee.program)
    if not mentors:
        return []
    import numpy as np  # the numeric core: imported when first scored, not at start-up

    from matching.features import program_features

    features = program_features(program=mentee.program, mentees=[mentee], mentors=mentors)
    scorer = features.scorer()
    scorer_row = scorer.block(slice(0, 1))[0].astype(np.float64)
    scorer_row[features.forbidden[0].indices] = -np.inf
    order = [j for j in np.argsort(-scorer_row, kind="stable") if np.isfinite(scorer_row[j])]
    top = [int(j) for j in order[:limit]]
    if not top:
        return []
    # Explained all at once, and only the suggested mentors' topics are read for the page.
    explanations = pairs_explanation(features=features, rows=[0] * len(top), cols=top)
    prefetch_related_objects([mentors[j] for j in top], "topics")
    return [
        Suggestion(
            mentor=mentors[j],
            score=float(scorer_row[j]),
            explanation=explanation,
            open_places=(mentors[j].capacity or 0) - mentors[j].active,
        )
        for j, explanation in zip(top, explanations, strict=True)
    ]


@transaction.atomic
def request_create(*, mentee: Application, mentor: Application, message: str) -> MatchRequest:
    """A mentee asks a mentor of the same informal program; the mentor is emailed."""
    program = mentee.program
    if program.is_formal:
        raise ValidationError("In this program the coordinators do the matching.")
    if mentee.role != "mentee" or mentor.role != "mentor" or mentor.program_id != program.pk:
        raise ValidationError("You can only ask a mentor of this program.")
    if mentee.status != A.APPROVED or mentor.status != A.APPROVED:
        raise ValidationError("Both applications must be approved first.")
    if Match.objects.filter(mentee=mentee, status=Match.Status.ACTIVE).exists():
        raise ValidationError("You already have a mentor in this program.")
    training_gate_check(applications=[mentor, mentee])
    allowed = {s.mentor.pk for s in suggestions_for(mentee=mentee, limit=10**6)}
    if mentor.pk not in allowed:
        raise ValidationError("This mentor cannot take a request from you right now.")
    if MatchRequest.objects.filter(mentee=mentee, mentor=mentor, status="pending").exists():
        raise ValidationError("You have already asked this mentor; wait for their answer.")
    request = MatchRequest(program=program, mentee=mentee, mentor=mentor, message=message.strip())
    request.full_clean()
    request.save()
    notification_queue(kind=Kind.MATCH_REQUEST, to=mentor.user, subject=request, program=program)
    return request


@transaction.atomic
def request_accept(*, request: MatchRequest, response: str = "") -> Match:
    """The mentor accepts: a match is created unless the mentor is full. The mentor's
    application row is locked first, so two accepts at the same instant are counted one
    after the other and capacity can never be exceeded."""
    mentor = Application.objects.select_for_update().get(pk=request.mentor_id)
    request = MatchRequest.objects.select_for_update().get(pk=request.pk)
    if request.status != MatchRequest.Status.PENDING:
        raise ValidationError("This request has already been answered.")
    training_gate_check(applications=[mentor])
    if mentor_active_count(mentor=mentor) >= (mentor.capacity or 0):
        raise ValidationError("You have no free places left; end a match or raise your capacity.")
    mentee = Application.objects.select_for_update().get(pk=request.mentee_id)
    if Match.objects.filter(mentee=mentee, status=Match.Status.ACTIVE).exists():
        raise ValidationError("This mentee has found a mentor in the meantime.")
    training_gate_check(applications=[mentee])
    from matching.features import program_features  # the numeric core: not at start-up

    features = program_features(program=request.program, mentees=[mentee], mentors=[mentor])
    explanation = pair_explanation(features=features, i=0, j=0)
    match = Match.objects.create(
        program=request.program,
        mentor=mentor,
        mentee=mentee,
        origin=Match.Origin.REQUEST,
        score=sum(item["contribution"] for item in explanation),
        explanation=explanation,
    )
    _answer(request, MatchRequest.Status.ACCEPTED, response)
    MatchRequest.objects.filter(mentee=mentee, status="pending").exclude(pk=request.pk).update(
        status=MatchRequest.Status.WITHDRAWN, responded_at=timezone.now()
    )
    notification_queue(
        kind=Kind.REQUEST_ACCEPTED, to=mentee.user, subject=request, program=request.program
    )
    return match


@transaction.atomic
def request_decline(*, request: MatchRequest, response: str = "") -> MatchRequest:
    request = MatchRequest.objects.select_for_update().get(pk=request.pk)
    if request.status != MatchRequest.Status.PENDING:
        raise ValidationError("This request has already been answered.")
    _answer(request, MatchRequest.Status.DECLINED, response)
    notification_queue(
        kind=Kind.REQUEST_DECLINED,
        to=request.mentee.user,
        subject=request,
        program=request.program,
    )
    return request


def request_withdraw(*, request: MatchRequest) -> MatchRequest:
    updated = MatchRequest.objects.filter(pk=request.pk, status="pending").update(
        status=MatchRequest.Status.WITHDRAWN, responded_at=timezone.now()
    )
    if not updated:
        raise ValidationError("This request has already been answered.")
    request.refresh_from_db()
    return request


def _answer(request: MatchRequest, status: str, response: str) -> None:
    if len(response) > 2000:
        raise ValidationError("Keep your note under 2,000 characters.")
    request.status = status
    request.response = response.strip()
    request.responded_at = timezone.now()
    request.save(update_fields=["status", "response", "responded_at"])
