"""Consent to use a participant's academic records in a program's outcome analysis.

Every decision is a RecordsConsent row; the newest row for (program, person) is in force, so
what was decided when stays on record after a change. A program that does not require
consent (`Program.records_consent_required` off) analyses its participants under the
institution's own legal basis, and these rows are not consulted.
"""

from django.db import transaction

from audit.models import Action
from audit.services import audit_record
from programs.models import Program, RecordsConsent


def records_consent_in_force(*, program: Program, user) -> bool | None:
    """The person's decision in force for the program: True, False, or None (never asked)."""
    newest = (
        RecordsConsent.objects.filter(program=program, user=user)
        .order_by("-decided_at", "-id")
        .values_list("granted", flat=True)
        .first()
    )
    return newest


@transaction.atomic
def records_consent_set(*, program: Program, user, granted: bool, source: str) -> RecordsConsent:
    """Record the person's decision when it differs from the one in force, and return the
    row in force. A first "no" is recorded too (the record shows they were asked) but is no
    audit event; giving consent records CONSENT_GIVEN and withdrawing it CONSENT_WITHDRAWN in
    the audit trail, with the program and the person."""
    newest = (
        RecordsConsent.objects.filter(program=program, user=user).order_by("-decided_at", "-id")
    ).first()
    if newest is not None and newest.granted == granted:
        return newest
    row = RecordsConsent(program=program, user=user, granted=bool(granted), source=source)
    row.full_clean()
    row.save()
    if granted or newest is not None:
        audit_record(
            action=Action.CONSENT_GIVEN if granted else Action.CONSENT_WITHDRAWN,
            actor=user,
            program=program,
            person=user,
            target=row,
            detail={"source": source},
        )
    return row


def records_decisions(*, program: Program) -> dict[int, bool]:
    """user id -> the decision in force for the program, for everyone who decided, in one
    query (every decision row of the program, oldest first, the newest per person winning)."""
    in_force: dict[int, bool] = {}
    for user_id, granted in (
        RecordsConsent.objects.filter(program=program)
        .order_by("decided_at", "id")
        .values_list("user_id", "granted")
    ):
        in_force[user_id] = granted
    return in_force


def records_consenting_user_ids(*, program: Program) -> set[int]:
    """Ids of the people whose decision in force for the program is consent."""
    return {user_id for user_id, granted in records_decisions(program=program).items() if granted}


def records_withdrawn_user_ids(*, program: Program) -> set[int]:
    """Ids of the people whose decision in force for the program is a refusal or withdrawal:
    left out of the analysis even where the program does not ask for consent."""
    return {
        user_id for user_id, granted in records_decisions(program=program).items() if not granted
    }


def records_consents_for_user(*, user, programs) -> dict[int, bool]:
    """program id -> the person's decision in force, for the programs given (one query);
    programs without a decision are absent."""
    in_force: dict[int, bool] = {}
    for program_id, granted in (
        RecordsConsent.objects.filter(user=user, program__in=programs)
        .order_by("decided_at", "id")
        .values_list("program_id", "granted")
    ):
        in_force[program_id] = granted
    return in_force
