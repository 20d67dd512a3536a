"""Reads: who has finished which step, checklists for participants, the completion table, and
the question matching asks (`training_unready`: who is held back by unfinished training).

Counts are set-based: however many applications are asked about, `training_unready` takes two
queries (the required steps per role, and per person the required steps they completed).
"""

from collections.abc import Iterable
from dataclasses import dataclass, field
from datetime import date, datetime, timedelta

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from mentoring.compiled import compiled
from programs.models import Application, Program
from training.models import ROLE_AUDIENCES, StepCompletion, TrainingStep

ROLES = ("mentor", "mentee")


def _role_filter(role: str, prefix: str = "") -> Q:
    return Q(**{f"{prefix}audience__in": list(ROLE_AUDIENCES[role])})


def _people(applications) -> list[tuple[int, int, str]]:
    """(application id, user id, role) of each application, from a queryset or objects."""
    if isinstance(applications, QuerySet):
        return list(applications.values_list("pk", "user_id", "role"))
    return [(a.pk, a.user_id, a.role) for a in applications]


def gated_roles(program: Program) -> tuple[str, ...]:
    """The roles whose matching waits for the training, by the program's settings."""
    return tuple(
        role
        for role, gated in (
            ("mentor", program.training_gates_mentors),
            ("mentee", program.training_gates_mentees),
        )
        if gated
    )


@compiled(static=("roles",))
def _required_counts(*, program: Program, roles: tuple[str, ...]):
    """One row (none when the program has no required step): each role's required steps."""
    counts = {role: Count("pk", filter=_role_filter(role)) for role in roles}
    steps = TrainingStep.objects.filter(program=program, required=True).order_by()
    return steps.values("program").annotate(**counts).values(*roles)


@compiled(static=("roles",))
def _required_done(*, program: Program, roles: tuple[str, ...]):
    """Per person who completed any of `program`'s required steps: how many for each role."""
    counts = {role: Count("pk", filter=_role_filter(role, "step__")) for role in roles}
    completed = StepCompletion.objects.filter(step__program=program, step__required=True)
    return completed.values("user_id").annotate(**counts)


def _required(program: Program, roles: tuple[str, ...]) -> dict[str, int]:
    """The number of required steps of `program` for each of `roles` (read on every
    suggestions page and matching check: its SQL is kept)."""
    rows = _required_counts(program=program, roles=roles)
    return {role: rows[0][role] if rows else 0 for role in roles}


def training_progress(
    *,
    program: Program,
    applications: Iterable[Application],
    roles: Iterable[str] = ROLES,
    required: dict[str, int] | None = None,
) -> dict[int, tuple[int, int]]:
    """Application id -> (required steps done, required steps) for each application of
    `program` in `applications` whose role is in `roles`. Two queries whatever the size (one
    fewer when the caller read the `required` counts)."""
    roles = tuple(roles)
    if not roles:
        return {}
    people = [person for person in _people(applications) if person[2] in roles]
    if not people:  # nobody asked about has a role asked about: no query
        return {}
    if required is None:
        required = _required(program, roles)
    if not any(required.values()):
        return {pk: (0, 0) for pk, _user, _role in people}
    done = {row["user_id"]: row for row in _required_done(program=program, roles=roles)}
    progress = {}
    for pk, user_id, role in people:
        progress[pk] = (done.get(user_id, {}).get(role, 0), required[role])
    return progress


def training_unready(
    *, program: Program, applications: Iterable[Application]
) -> dict[int, tuple[int, int]]:
    """The applications the training holds back from matching: id -> (required steps done,
    required steps), only for roles the program gates and people with required steps left.
    Everyone not in the result is ready. Two queries (none when nothing is gated); for a
    queryset of applications, the required steps are counted first and the applications are
    read only when some are required."""
    roles = gated_roles(program)
    required = None
    if roles and isinstance(applications, QuerySet):
        required = _required(program, roles)
        if not any(required.values()):
            return {}
    progress = training_progress(
        program=program, applications=applications, roles=roles, required=required
    )
    return {pk: (done, total) for pk, (done, total) in progress.items() if done < total}


def application_training_unready(*, application: Application) -> tuple[int, int] | None:
    """(required steps done, required steps) if the training holds this application back
    from matching, else None."""
    return training_unready(program=application.program, applications=[application]).get(
        application.pk
    )


# --- participants' checklists ----------------------------------------------------------------


def due_on(*, step: TrainingStep, decided_at: datetime | None) -> date | None:
    if step.due_days is None or decided_at is None:
        return None
    return timezone.localdate(decided_at) + timedelta(days=step.due_days)


@dataclass
class StepState:
    step: TrainingStep
    completed_at: datetime | None
    due: date | None

    @property
    def done(self) -> bool:
        return self.completed_at is not None

    @property
    def overdue(self) -> bool:
        return not self.done and self.due is not None and self.due < timezone.localdate()


@dataclass
class Checklist:
    program: Program
    applications: list[Application]
    steps: list[StepState] = field(default_factory=list)
    gates: bool = False

    @property
    def required(self) -> int:
        return sum(s.step.required for s in self.steps)

    @property
    def done(self) -> int:
        return sum(s.step.required and s.done for s in self.steps)

    @property
    def finished(self) -> bool:
        return self.done >= self.required

    @property
    def percent(self) -> int:
        return 100 if not self.required else self.done * 100 // self.required

    @property
    def next_step(self) -> StepState | None:
        return next((s for s in self.steps if not s.done and s.step.required), None)


def _approved_for(user) -> QuerySet[Application]:
    return Application.objects.filter(user=user, status=Application.Status.APPROVED)


#: What a checklist reads of an application and its program (for `applications=`).
CHECKLIST_FIELDS = (
    "program_id", "role", "status", "decided_at",
    "program__name", "program__training_gates_mentors", "program__training_gates_mentees",
)  # fmt: skip


@compiled
def _steps_of(*, programs: list[int]):
    return TrainingStep.objects.filter(program__in=programs).order_by("position", "pk")


@compiled
def _completions(*, user, steps: list[int]):
    """(step id, when) of the person's completions of `steps`."""
    return StepCompletion.objects.filter(user=user, step__in=steps).values_list(
        "step_id", "completed_at"
    )


def training_checklists_for_user(
    *, user, program: Program | None = None, applications: list[Application] | None = None
) -> list[Checklist]:
    """The user's training per program they are approved in (those with steps for their
    role), steps in order with when each was done and when it is due. Three queries, two when
    the caller passes the user's `applications` it has read (with `CHECKLIST_FIELDS`)."""
    if applications is None:
        applications = _approved_for(user).select_related("program")
        if program is not None:
            applications = applications.filter(program=program)
    applications = sorted(
        (
            a
            for a in applications
            if a.status == Application.Status.APPROVED
            and (program is None or a.program_id == program.pk)
        ),
        key=lambda a: (a.program.name.casefold(), a.pk),
    )
    by_program: dict[int, Checklist] = {}
    for application in applications:
        checklist = by_program.setdefault(
            application.program_id, Checklist(program=application.program, applications=[])
        )
        checklist.applications.append(application)
        checklist.gates |= application.role in gated_roles(application.program)
    if not by_program:
        return []
    steps = _steps_of(programs=list(by_program))
    completed = dict(_completions(user=user, steps=[step.pk for step in steps])) if steps else {}
    for step in steps:
        checklist = by_program[step.program_id]
        mine = [a for a in checklist.applications if step.applies_to(a.role)]
        if not mine:
            continue
        decided = min((a.decided_at for a in mine if a.decided_at), default=None)
        checklist.steps.append(
            StepState(
                step=step,
                completed_at=completed.get(step.pk),
                due=due_on(step=step, decided_at=decided),
            )
        )
    return [c for c in by_program.values() if c.steps]


# --- coordinators' completion table ------------------------------------------------------------


@dataclass
class CompletionRow:
    application: Application
    cells: list[tuple[bool, datetime | None]]  # (step is for this role, completed at)
    done: int
    required: int


@dataclass
class CompletionTable:
    program: Program
    steps: list[TrainingStep]
    rows: list[CompletionRow]


def completion_table(*, program: Program) -> CompletionTable:
    """Every approved participant of `program` (by name, then role) against every step: when
    they completed it, or that it is not for their role. Three queries."""
    steps = list(TrainingStep.objects.filter(program=program).order_by("position", "pk"))
    applications = (
        Application.objects.filter(program=program, status=Application.Status.APPROVED)
        .select_related("user")
        .order_by("user__display_name", "user__email", "role", "pk")
    )
    completed = {
        (user_id, step_id): at
        for user_id, step_id, at in StepCompletion.objects.filter(
            step__program=program
        ).values_list("user_id", "step_id", "completed_at")
    }
    rows = []
    for application in applications:
        cells, done, required = [], 0, 0
        for step in steps:
            applies = step.applies_to(application.role)
            at = completed.get((application.user_id, step.pk)) if applies else None
            cells.append((applies, at))
            if applies and step.required:
                required += 1
                done += at is not None
        rows.append(
            CompletionRow(application=application, cells=cells, done=done, required=required)
        )
    return CompletionTable(program=program, steps=steps, rows=rows)


def completion_export(*, program: Program) -> tuple[list[str], list[list[object]]]:
    """The completion table as a header and rows for CSV/XLSX: a completion time, "" when
    not done yet, "n/a" when the step is not for that person's role."""
    table = completion_table(program=program)
    header = [_("Name"), _("Email"), _("Role"), _("Required done"), _("Required steps")]
    header += [f"{n}. {step.title}" for n, step in enumerate(table.steps, start=1)]
    not_applicable = _("n/a")
    rows = [
        [
            row.application.user.name,
            row.application.user.email,
            row.application.role,
            row.done,
            row.required,
            *[
                (at if at is not None else "") if applies else not_applicable
                for applies, at in row.cells
            ],
        ]
        for row in table.rows
    ]
    return header, rows


def workshop_attendees(*, step: TrainingStep) -> set[int]:
    """User ids recorded as having come to the workshop."""
    return set(step.completions.values_list("user_id", flat=True))


def step_participants(*, step: TrainingStep) -> QuerySet:
    """The people a step is for: users with an approved application in its program in a
    role the step applies to."""
    from accounts.models import User

    roles = [role for role in ROLES if step.applies_to(role)]
    return (
        User.objects.filter(
            applications__program_id=step.program_id,
            applications__status=Application.Status.APPROVED,
            applications__role__in=roles,
        )
        .distinct()
        .order_by("display_name", "email")
    )
