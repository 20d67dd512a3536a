from django.db.models import Q, QuerySet
from django.utils import timezone

from mentoring.compiled import compiled
from programs.models import Application, CareerStage, Invitation, Program, Topic


def program_list_open(*, on=None) -> QuerySet[Program]:
    """Programs a participant can apply to today."""
    today = on or timezone.localdate()
    return (
        Program.objects.filter(status__in=[Program.Status.ENROLLING, Program.Status.RUNNING])
        .filter(Q(enrollment_opens__isnull=True) | Q(enrollment_opens__lte=today))
        .filter(Q(enrollment_closes__isnull=True) | Q(enrollment_closes__gte=today))
        .order_by("enrollment_closes", "name")
    )


@compiled
def program_topics(*, program) -> list[Topic]:
    """The program's topics by name, as `program.topics.all()` gives them: kept SQL, for the
    choice lists shown on every visit (a mentee's search, a session's log)."""
    return Topic.objects.filter(program=program)


@compiled
def program_stages(*, program) -> list[CareerStage]:
    """The program's career stages in their order, as `program.career_stages.all()`."""
    return CareerStage.objects.filter(program=program)


def application_list_for_user(*, user) -> QuerySet[Application]:
    return (
        Application.objects.filter(user=user)
        .select_related("program", "career_stage")
        .order_by("-submitted_at")
    )


@compiled
def _invitations_open(*, email: str, today, applied_to: list[int]):
    return (
        Invitation.objects.filter(
            email__iexact=email,
            accepted_at__isnull=True,
            program__in=program_list_open(on=today).values("pk"),
        )
        .exclude(program_id__in=applied_to)
        .select_related("program")
        .only("role", "program__name", "program__slug")
        .order_by("pk")
    )


def invitations_open_for(*, user, applied_to) -> list[Invitation]:
    """Roster invitations for this person's email that they have not acted on yet, to open
    programs other than those in `applied_to` (the ids of the programs they have applied to,
    which the caller has read), each with the program's name and slug. Found by the email's
    index (`invitation_email_ci`) however many people the rosters hold."""
    return _invitations_open(
        email=user.email, today=timezone.localdate(), applied_to=_distinct(applied_to)
    )


@compiled(static=["limit"])
def _programs_open_named(*, today, applied_to: list[int], limit: int):
    return program_list_open(on=today).exclude(pk__in=applied_to).only("name", "slug")[:limit]


def programs_open_besides(*, applied_to, limit: int) -> list[Program]:
    """The first `limit` programs open today (`program_list_open`'s order) other than those
    in `applied_to` (program ids), with their names and slugs."""
    return _programs_open_named(
        today=timezone.localdate(), applied_to=_distinct(applied_to), limit=limit
    )


def _distinct(ids) -> list[int]:
    """Each id once, in order: a compiled query's list for `__in` (a person applied as mentor
    and mentee to one program names it twice)."""
    return sorted(set(ids))


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
