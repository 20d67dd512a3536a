"""Who may see or change programs and applications. Objects outside a person's reach are 404."""

from django.db.models import Q, QuerySet
from django.http import Http404
from django.shortcuts import get_object_or_404

from mentoring.admin_scope import scope_ids
from mentoring.compiled import compiled
from mentoring.rights import rights_kept, rights_marked
from programs.models import Application, Program


def programs_coordinated_by(*, user) -> QuerySet[Program]:
    """Programs a staff user may manage: all for superusers, else the ones they coordinate."""
    if not user.is_authenticated or not user.is_active:
        return Program.objects.none()
    if user.is_superuser:
        return Program.objects.all()
    if not user.is_staff:
        return Program.objects.none()
    return Program.objects.filter(coordinators=user)


def programs_reportable_by(*, user) -> QuerySet[Program]:
    """Programs whose dashboard and reports a user may see: coordinators' own programs and
    those they were named reporting staff of; superusers see all."""
    if not user.is_authenticated or not user.is_active:
        return Program.objects.none()
    if user.is_superuser:
        return Program.objects.all()
    return Program.objects.filter(
        Q(coordinators=user, coordinators__is_staff=True) | Q(reporting_staff=user)
    ).distinct()


@compiled
def _program(*, pk: int):
    return Program.objects.filter(pk=pk)


def program_for_reporting(*, user, pk) -> Program:
    """A program the user may report on; 404 otherwise."""
    try:
        if rights_marked(user):
            # The request's own user: the programs they may report on are kept with their
            # rights (mentoring/rights.py), instead of joining both staff lists on each page.
            if int(pk) not in reportable_program_ids(user):
                raise Program.DoesNotExist
            program = _program.first(pk=int(pk))
            if program is None:  # deleted since the rights were kept
                raise Program.DoesNotExist
            return program
        return programs_reportable_by(user=user).get(pk=pk)
    except (Program.DoesNotExist, ValueError, TypeError):
        raise Http404("No such program.") from None


def reportable_program_ids(user) -> frozenset[int]:
    """The ids of `programs_reportable_by(user=user)`, kept with the user's rights."""
    return rights_kept(
        user,
        "reportable programs",
        lambda: frozenset(programs_reportable_by(user=user).values_list("pk", flat=True)),
    )


@compiled
def _programs_in(*, ids: list[int]):
    return Program.objects.filter(pk__in=ids).order_by("name", "pk")


def reportable_programs(*, user) -> list[Program]:
    """`programs_reportable_by(user=user)` by name, as a list; for a request's own user, read by
    the ids kept with their rights (one plain query by key instead of joining both staff
    lists with DISTINCT)."""
    if rights_marked(user):
        ids = sorted(reportable_program_ids(user))
        return _programs_in(ids=ids) if ids else []
    return list(programs_reportable_by(user=user).order_by("name", "pk"))


def coordinates(*, user, pk) -> bool:
    """Whether `user` may manage the program `pk` (`programs_coordinated_by`); for a request's
    own user, from the ids the admin's scope keeps with their rights (programs registers
    `programs_coordinated_by` as that scope) instead of a query."""
    if rights_marked(user):
        return int(pk) in scope_ids(user)
    return programs_coordinated_by(user=user).filter(pk=pk).exists()


def program_for_coordinator(*, user, pk) -> Program:
    """The program if `user` coordinates it; 404 otherwise (another program's existence is
    not revealed)."""
    try:
        return programs_coordinated_by(user=user).get(pk=pk)
    except (Program.DoesNotExist, ValueError, TypeError):
        raise Http404("No such program.") from None


@compiled
def _own_application(*, user, pk):
    return Application.objects.select_related("program", "career_stage").filter(pk=pk, user=user)


def application_for_owner(*, user, pk) -> Application:
    """A participant's own application; anyone else's is 404."""
    application = _own_application.first(user=user, pk=pk)
    if application is None:
        raise Http404("No such application.")
    return application


def program_visible(*, slug) -> Program:
    """A program participants may see: anything but drafts."""
    return get_object_or_404(Program.objects.exclude(status=Program.Status.DRAFT), slug=slug)
