"""Participants ask not to be matched with someone they name.

A participant names a person by email or by name as it appears in the program. The request
keeps what they typed and every participant of the program it names (email, or display name,
or first and last name, case-insensitively) gets an `Exclusion` with source "participant",
now and whenever someone with that email or name is approved later. The page only ever shows
the request back as typed, so it never reveals whether that person takes part. Removing the
request removes its exclusions; the solver, suggestions and waitlist proposals read
exclusions as they always did.
"""

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import CharField, Q, QuerySet, Value
from django.db.models.functions import Concat
from django.utils.translation import gettext as _

from matching.models import Exclusion, ExclusionRequest
from programs.models import Application, Program

MAX_REQUESTS = 10  # per person and program: enough for real needs, not a way to opt out


def _key(text: str) -> str:
    return " ".join(text.split()).lower()


def _user_keys(user) -> set[str]:
    keys = {_key(user.email), _key(user.display_name), _key(user.get_full_name())}
    return keys - {""}


def _people_named(program: Program, key: str) -> QuerySet:
    users = get_user_model().objects.filter(applications__program=program)
    if "@" in key:
        return users.filter(email__iexact=key).distinct()
    full = Concat("first_name", Value(" "), "last_name", output_field=CharField())
    return (
        users.annotate(full=full)
        .filter(Q(display_name__iexact=key) | Q(display_name="", full__iexact=key))
        .distinct()
    )


def _exclude(request: ExclusionRequest, other) -> None:
    Exclusion.objects.get_or_create(
        program_id=request.program_id,
        person_id=request.person_id,
        other=other,
        defaults={
            "source": Exclusion.Source.PARTICIPANT,
            "request": request,
            "reason": _("Asked for by the participant."),
        },
    )


def _resolve(request: ExclusionRequest) -> None:
    for other in _people_named(request.program, request.key).exclude(pk=request.person_id):
        _exclude(request, other)


def exclusion_requests_for(*, person, program: Program) -> QuerySet[ExclusionRequest]:
    return ExclusionRequest.objects.filter(person=person, program=program).order_by(
        "created_at", "pk"
    )


@transaction.atomic
def exclusion_request_create(*, program: Program, person, named: str) -> ExclusionRequest:
    """Record that `person` does not want to be matched with whoever `named` names in
    `program`, and exclude every current participant it names. Asking twice is harmless.
    Sends nothing: nobody is told, least of all the person named."""
    named = " ".join(named.split())
    if not named:
        raise ValidationError(_("Give a name or an email address."))
    if len(named) > 200:
        raise ValidationError(_("Keep it under 200 characters."))
    if _key(named) in _user_keys(person):
        raise ValidationError(_("That is you."))
    existing = ExclusionRequest.objects.filter(program=program, person=person, key=_key(named))
    if not existing.exists() and (
        exclusion_requests_for(person=person, program=program).count() >= MAX_REQUESTS
    ):
        raise ValidationError(
            _("You can name up to %(n)d people; remove one first.") % {"n": MAX_REQUESTS}
        )
    request, _created = ExclusionRequest.objects.get_or_create(
        program=program, person=person, key=_key(named), defaults={"named": named}
    )
    _resolve(request)
    return request


@transaction.atomic
def exclusion_request_delete(*, request: ExclusionRequest) -> None:
    """Withdraw a request and the exclusions it made. Another request of the same person that
    names the same participant keeps its exclusion (it is made again); exclusions a
    coordinator set are never touched."""
    person_id, program = request.person_id, request.program
    request.delete()
    for other in ExclusionRequest.objects.filter(program=program, person_id=person_id):
        _resolve(other)


def exclusion_requests_apply(*, application: Application) -> int:
    """Someone was approved in a program: requests there that name them take effect.
    Returns how many requests named them."""
    user = application.user
    requests = ExclusionRequest.objects.filter(
        program_id=application.program_id, key__in=_user_keys(user)
    ).exclude(person_id=user.pk)
    count = 0
    for request in requests:
        _exclude(request, user)
        count += 1
    return count
