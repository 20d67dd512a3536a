"""Coordinators invite colleagues to a program's staff: co-coordinators and reporting staff.

An invitation names one program, one email address and one role. Its link carries a token
that is never stored (see `StaffInvitation.link_token`); the row keeps only the token's hash.
Accepting grants exactly that role on exactly that program to an account whose confirmed
email is the invited address; a link used twice, revoked or expired changes nothing. The
changes are written to the admin's history (LogEntry) of the program and the invitation.
"""

import hashlib
import json
import secrets
from datetime import timedelta

from allauth.account.models import EmailAddress
from django.contrib.admin.models import CHANGE, LogEntry
from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.http import Http404
from django.utils import timezone, translation
from django.utils.translation import gettext

from audit.models import Action
from audit.services import audit_record
from mentoring.roles import REPORTING_GROUP
from notifications.models import Kind
from notifications.services import notification_queue, notifications_cancel
from programs.models import Program, StaffInvitation
from programs.services import program_add_coordinator

#: How long an invitation link works.
EXPIRY = timedelta(days=14)
Role = StaffInvitation.Role


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


def staff_invitation_for_token(*, token: str) -> StaffInvitation:
    """The invitation a link names, whatever its state; Http404 for an unknown token."""
    invitation = (
        StaffInvitation.objects.select_related("program", "invited_by")
        .filter(token_hash=token_hash(token))
        .first()
    )
    if invitation is None:
        raise Http404("No such invitation.")
    return invitation


def _email_clean(email: str) -> str:
    email = (email or "").strip()
    try:
        validate_email(email)
    except ValidationError:
        raise ValidationError(
            gettext("Enter a valid email address."), code="invalid_email"
        ) from None
    if len(email) > StaffInvitation._meta.get_field("email").max_length:
        raise ValidationError(gettext("Enter a valid email address."), code="invalid_email")
    return email.lower()


def _role_held(*, program: Program, email: str, role: str) -> str | None:
    """What `email` already is in `program`, when that covers `role` (coordinators see
    their program's reports already), as a message; None otherwise."""
    if program.coordinators.filter(email__iexact=email, is_staff=True).exists():
        return gettext("%(email)s is a coordinator of %(program)s already.")
    if role == Role.REPORTING and program.reporting_staff.filter(email__iexact=email).exists():
        return gettext("%(email)s is reporting staff of %(program)s already.")
    return None


def _english(text) -> str:
    # The admin's history stores names untranslated and translates them when it shows them.
    with translation.override(None):
        return str(text)


def _verbose_name(field: str) -> str:
    return Program._meta.get_field(field).verbose_name


def _log(*, user, obj, flag: int, message: list) -> None:
    if user is None or not user.is_authenticated:
        return
    LogEntry.objects.log_actions(
        user_id=user.pk,
        queryset=[obj],
        action_flag=flag,
        change_message=json.dumps(message),
        single_object=True,
    )


@transaction.atomic
def staff_invitation_create(
    *, program: Program, email: str, role: str, invited_by
) -> StaffInvitation:
    """Invite `email` to `program` as `role` and queue the invitation email (the link works
    for EXPIRY). An expired pending invitation for the same address and role is revoked
    first. Raises ValidationError, writing nothing, for a malformed address, an unknown role,
    someone who has the role already or a pending invitation."""
    email = _email_clean(email)
    if role not in Role.values:
        raise ValidationError(gettext("Choose co-coordinator or reporting staff."), code="role")
    held = _role_held(program=program, email=email, role=role)
    if held:
        raise ValidationError(held % {"email": email, "program": program}, code="has_role")
    now = timezone.now()
    pending = StaffInvitation.objects.select_for_update().filter(
        program=program, email=email, role=role, accepted_at__isnull=True, revoked_at__isnull=True
    )
    for invitation in pending:
        if not invitation.is_expired(now=now):
            raise ValidationError(
                gettext(
                    "%(email)s has a pending invitation to this role already; revoke it to "
                    "send a new one."
                )
                % {"email": email},
                code="pending",
            )
        invitation.revoked_at = now
        invitation.save(update_fields=["revoked_at"])
    salt = secrets.token_urlsafe(32)
    invitation = StaffInvitation(
        program=program,
        email=email,
        role=role,
        link_salt=salt,
        invited_by=invited_by if invited_by is not None and invited_by.is_authenticated else None,
        created_at=now,
        expires_at=now + EXPIRY,
    )
    invitation.token_hash = token_hash(invitation.link_token)
    try:
        with transaction.atomic():
            invitation.save()
    except IntegrityError:
        raise ValidationError(
            gettext("%(email)s was invited meanwhile.") % {"email": email}, code="pending"
        ) from None
    notification_queue(kind=Kind.STAFF_INVITATION, to=email, subject=invitation, program=program)
    _log(
        user=invited_by,
        obj=program,
        flag=CHANGE,
        message=[{"added": {"name": "staff invitation", "object": _english(invitation)}}],
    )
    return invitation


def staff_invitations_revoke(*, invitations, by) -> int:
    """Revoke the pending ones of `invitations` (accepted and revoked ones stay as they are)
    and cancel their emails not sent yet; returns how many were revoked."""
    now = timezone.now()
    with transaction.atomic():
        rows = list(
            StaffInvitation.objects.select_for_update(of=("self",))
            .select_related("program")
            .filter(
                pk__in=[i.pk for i in invitations],
                accepted_at__isnull=True,
                revoked_at__isnull=True,
            )
        )
        for invitation in rows:
            invitation.revoked_at, invitation.revoked_by = now, by
            invitation.save(update_fields=["revoked_at", "revoked_by"])
            audit_record(
                action=Action.STAFF_INVITATION_REVOKED,
                actor=by,
                program=invitation.program,
                target=invitation,
                detail={"role": invitation.role},
            )
            notifications_cancel(subject=invitation, kinds=[Kind.STAFF_INVITATION])
            _log(
                user=by,
                obj=invitation,
                flag=CHANGE,
                message=[{"changed": {"fields": ["revoked"]}}],
            )
    return len(rows)


def staff_invitation_problem(*, invitation: StaffInvitation, user) -> ValidationError | None:
    """Why `user` cannot accept `invitation` now (a ValidationError with a code: "accepted",
    "revoked", "expired", "wrong_account"), or None. `user` may be anonymous."""
    if invitation.accepted_at is not None:
        if user.is_authenticated and invitation.accepted_by_id == user.pk:
            return ValidationError(
                gettext("You accepted this invitation already; nothing more to do."),
                code="accepted",
            )
        return ValidationError(
            gettext("This invitation has been used already. Ask the coordinator for a new one."),
            code="accepted",
        )
    if invitation.revoked_at is not None:
        return ValidationError(
            gettext("This invitation was withdrawn. Ask the coordinator for a new one."),
            code="revoked",
        )
    if invitation.is_expired():
        return ValidationError(
            gettext("This invitation has expired. Ask the coordinator for a new one."),
            code="expired",
        )
    if user.is_authenticated and not _email_confirmed(user=user, email=invitation.email):
        return ValidationError(
            gettext(
                "This invitation is for %(invited)s, and you are signed in as %(you)s. Sign "
                "out, then sign in or create an account with %(invited)s (and confirm it)."
            )
            % {"invited": invitation.email, "you": user.email},
            code="wrong_account",
        )
    return None


def _email_confirmed(*, user, email: str) -> bool:
    return EmailAddress.objects.filter(user=user, email__iexact=email, verified=True).exists()


def staff_invitation_accept(*, invitation: StaffInvitation, user) -> StaffInvitation:
    """Give `user` the invitation's role on its program: a co-coordinator joins the program's
    coordinators (staff access and the Coordinators group), reporting staff join its reporting
    staff (and the Reporting staff group). Marks the invitation accepted and writes the
    program's admin history. Raises ValidationError, changing nothing, when the invitation
    was used, revoked or expired, or is for another email address than the user's confirmed
    ones."""
    with transaction.atomic():
        invitation = (
            StaffInvitation.objects.select_for_update(of=("self",))
            .select_related("program")
            .get(pk=invitation.pk)
        )
        problem = staff_invitation_problem(invitation=invitation, user=user)
        if problem is not None:
            raise problem
        program = invitation.program
        if invitation.role == Role.COORDINATOR:
            program_add_coordinator(program=program, user=user)
            field = "coordinators"
        else:
            user.groups.add(Group.objects.get_or_create(name=REPORTING_GROUP)[0])
            program.reporting_staff.add(user)
            field = "reporting_staff"
        invitation.accepted_at, invitation.accepted_by = timezone.now(), user
        invitation.save(update_fields=["accepted_at", "accepted_by"])
        audit_record(
            action=Action.STAFF_ROLE_GRANTED,
            actor=user,
            program=program,
            person=user,
            target=invitation,
            detail={"role": invitation.role},
        )
        _log(
            user=user,
            obj=program,
            flag=CHANGE,
            message=[
                {"changed": {"fields": [_english(Program._meta.get_field(field).verbose_name)]}}
            ],
        )
    return invitation
