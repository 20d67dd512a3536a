from django.db.models import Q, QuerySet
from django.utils import timezone

from programs.models import Application, CareerStage, Invitation, Program


def program_list_open(*, on=None) -> QuerySet[Program]:
    """Programs a participant can apply to today."""
    today = on or timezone.localdate()
    return (
        Program.objects.filter(status__in=[Program.Status.ENROLLING, Program.Status.RUNNING])
        .filter(Q(enrollment_opens__isnull=True) | Q(enrollment_opens__lte=today))
        .filter(Q(enrollment_closes__isnull=True) | Q(enrollment_closes__gte=today))
        .order_by("enrollment_closes", "name")
    )


def application_list_for_user(*, user) -> QuerySet[Application]:
    return (
        Application.objects.filter(user=user)
        .select_related("program", "career_stage")
        .order_by("-submitted_at")
    )


def invitations_open_for(*, user, programs: list[Program]) -> list[Invitation]:
    """Roster invitations for this person's email that they have not acted on yet, to one of
    `programs`: the open programs they have not applied to, which the caller has read (a
    participant's home page lists some of them too). Each comes with its program."""
    by_id = {program.pk: program for program in programs}
    invitations = list(
        Invitation.objects.filter(
            email__iexact=user.email, accepted_at__isnull=True, program_id__in=by_id
        )
        .only("role", "program")
        .order_by("pk")
    )
    for invitation in invitations:
        invitation.program = by_id[invitation.program_id]
    return invitations


def invitation_career_stage_for(*, program: Program, user, role: str) -> CareerStage | None:
    """The career stage a roster row gave this person (by email) in `program`: the row for
    `role` if it has one, else their row for the other role; None if no row names one."""
    invitations = Invitation.objects.filter(
        program=program,
        email__iexact=user.email,
        career_stage__isnull=False,
        career_stage__program=program,
    ).select_related("career_stage")
    stages = {invitation.role: invitation.career_stage for invitation in invitations}
    return stages.get(role) or next(iter(stages.values()), None)
