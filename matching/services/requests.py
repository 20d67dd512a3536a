"""Informal programs: mentors saying whether they take requests, requests, and accepting
within capacity (the suggestions they are asked from: `matching.suggestions`)."""

from __future__ import annotations

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from matching.explain import pair_explanation
from matching.models import Match, MatchRequest
from matching.selectors import mentor_active_count, training_gate_check
from matching.suggestions import _ranking
from mentoring.events import MATCH_PUBLISHED, event_emit
from notifications.models import Kind
from notifications.services import notification_queue
from programs.models import Application, RequestStatus

A = Application.Status


def mentor_request_status_set(*, mentor: Application, status: str) -> Application:
    """A mentor of an informal program says whether they take new requests. Full or away
    takes them out of mentees' suggestions and refuses new requests to them; requests
    already sent stay for them to answer (or expire). Changes `request_status` only."""
    if mentor.role != "mentor" or mentor.program.is_formal:
        raise ValidationError(_("Only mentors of programs where mentees ask them say this."))
    if status not in RequestStatus.values:
        raise ValidationError(_("Choose whether you take requests, are full or are away."))
    mentor.request_status = status
    mentor.save(update_fields=["request_status"])
    return mentor


def _taking_requests_check(mentor: Application) -> None:
    """ValidationError saying so when the mentor marked themselves full or away."""
    if mentor.request_status == RequestStatus.FULL:
        raise ValidationError(
            _("%(name)s is full and is not taking requests right now; ask another mentor.")
            % {"name": mentor.user.name}
        )
    if mentor.request_status == RequestStatus.AWAY:
        raise ValidationError(
            _("%(name)s is away and is not taking requests right now; ask another mentor.")
            % {"name": mentor.user.name}
        )


@transaction.atomic
def request_create(*, mentee: Application, mentor: Application, message: str) -> MatchRequest:
    """A mentee asks a mentor of the same informal program; the mentor is emailed. Refused
    when the mentor is full or away, has no place left, or would not be suggested."""
    program = mentee.program
    if program.is_formal:
        raise ValidationError(_("In this program the coordinators do the matching."))
    if mentee.role != "mentee" or mentor.role != "mentor" or mentor.program_id != program.pk:
        raise ValidationError(_("You can only ask a mentor of this program."))
    if mentee.status != A.APPROVED or mentor.status != A.APPROVED:
        raise ValidationError(_("Both applications must be approved first."))
    if Match.objects.filter(mentee=mentee, status=Match.Status.ACTIVE).exists():
        raise ValidationError(_("You already have a mentor in this program."))
    training_gate_check(applications=[mentor, mentee])
    _taking_requests_check(mentor)
    ranking = _ranking(mentee)
    if ranking is None or mentor.pk not in {ranking.features.mentors[j].pk for j in ranking.order}:
        raise ValidationError(_("This mentor cannot take a request from you right now."))
    if MatchRequest.objects.filter(mentee=mentee, mentor=mentor, status="pending").exists():
        raise ValidationError(_("You have already asked this mentor; wait for their answer."))
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
        raise ValidationError(_("This request has already been answered."))
    training_gate_check(applications=[mentor])
    if mentor_active_count(mentor=mentor) >= (mentor.capacity or 0):
        raise ValidationError(
            _("You have no free places left; end a match or raise your capacity.")
        )
    mentee = Application.objects.select_for_update().get(pk=request.mentee_id)
    if Match.objects.filter(mentee=mentee, status=Match.Status.ACTIVE).exists():
        raise ValidationError(_("This mentee has found a mentor in the meantime."))
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
    event_emit(
        name=MATCH_PUBLISHED,
        program=request.program,
        payload={
            "match_id": match.pk,
            "mentor_application_id": match.mentor_id,
            "mentee_application_id": match.mentee_id,
            "origin": match.origin,
        },
    )
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
        raise ValidationError(_("This request has already been answered."))
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
        raise ValidationError(_("This request has already been answered."))
    request.refresh_from_db()
    return request


def _answer(request: MatchRequest, status: str, response: str) -> None:
    if len(response) > 2000:
        raise ValidationError(_("Keep your note under 2,000 characters."))
    request.status = status
    request.response = response.strip()
    request.responded_at = timezone.now()
    request.save(update_fields=["status", "response", "responded_at"])
