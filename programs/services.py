"""Writes for programs and enrollment. Views, admin actions, commands and tests call these."""

from collections.abc import Iterable, Sequence
from dataclasses import dataclass, field
from datetime import time

from django.contrib.auth.models import Group
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.text import slugify
from django.utils.translation import gettext as _

from audit.models import Action
from audit.services import audit_record
from mentoring.events import APPLICATION_DECIDED, APPLICATION_SUBMITTED, event_emit
from mentoring.roles import COORDINATORS_GROUP
from mentoring.services import model_field_values
from notifications.models import Kind
from notifications.services import notification_queue
from programs.models import (
    Answer,
    Application,
    AvailabilityWindow,
    CareerStage,
    Goal,
    Program,
    Question,
    Role,
    ScreeningItem,
    Topic,
)
from programs.questions import answer_clean, answer_is_empty
from programs.roster import account_institutional_id_fill, invitations_send_pending
from programs.screening import ScreeningIncomplete, screening_missing
from programs.signals import application_decided, application_updated, program_copied

P = Program.Status
TRANSITIONS = {
    P.DRAFT: {P.ENROLLING},
    P.ENROLLING: {P.DRAFT, P.RUNNING, P.CLOSED},
    P.RUNNING: {P.CLOSED},
    P.CLOSED: set(),
}


def program_create(*, name: str, slug: str = "", coordinators: Iterable = (), **fields) -> Program:
    """Create a program (draft unless `status` is given) and attach its coordinators."""
    program = Program(name=name, slug=slug or slugify(name)[:80], **fields)
    program.full_clean()
    program.save()
    for user in coordinators:
        program_add_coordinator(program=program, user=user)
    return program


def program_add_coordinator(*, program: Program, user) -> None:
    """Make `user` a coordinator of `program`: staff access and the Coordinators group."""
    if not user.is_staff:
        user.is_staff = True
        user.save(update_fields=["is_staff"])
    user.groups.add(Group.objects.get_or_create(name=COORDINATORS_GROUP)[0])
    program.coordinators.add(user)


@transaction.atomic
def program_transition(*, program: Program, to: str) -> Program:
    """Move a program along draft -> enrolling -> running -> closed (enrolling may go back to
    draft while nobody has applied). Opening enrollment emails pending roster invitations."""
    program = Program.objects.select_for_update().get(pk=program.pk)
    if to not in TRANSITIONS[program.status]:
        # Translators: both are program statuses, lower case (draft, enrolling, running, closed).
        raise ValidationError(
            _("A %(status)s program cannot become %(to)s.")
            % {"status": program.get_status_display().lower(), "to": P(to).label.lower()}
        )
    if to == P.DRAFT and program.applications.exists():
        raise ValidationError(_("People have applied already; close the program instead."))
    program.status = to
    fields = ["status", "updated_at"]
    if to == P.CLOSED:
        # The retention period counts from here (privacy's daily task).
        program.closed_at = timezone.now()
        fields.append("closed_at")
    program.save(update_fields=fields)
    if to == P.ENROLLING:
        invitations_send_pending(program=program)
    return program


#: Program fields a copy does not take over; every other field, including ones added later,
#: comes along. Identity and history, the name and slug (given for the copy), the status (a
#: copy starts as a draft) and the dates, which belong to one cohort and are set again.
PROGRAM_COPY_SKIPS = frozenset(
    {
        "id",
        "name",
        "slug",
        "status",
        "enrollment_opens",
        "enrollment_closes",
        "starts_on",
        "ends_on",
        "copied_from",
        "closed_at",
        "anonymised_at",
        "created_at",
        "updated_at",
    }
)


@transaction.atomic
def program_copy(*, program: Program, name: str, slug: str = "", by=None) -> Program:
    """A new draft program for the next cohort with every setting of `program`: its fields
    but the dates, coordinators (and `by`) and reporting staff, topics, goals, career stages,
    questions and the screening checklist. Sends `program_copied` in the same transaction, so
    the apps above copy the settings they own (matching weights, surveys, session guides)."""
    copy = Program(
        **model_field_values(program, exclude=PROGRAM_COPY_SKIPS),
        name=name,
        slug=slug or slugify(name)[:80],
        copied_from=program,
        status=P.DRAFT,
    )
    copy.full_clean()
    copy.save()
    for user in [*program.coordinators.all(), *([by] if by else [])]:
        program_add_coordinator(program=copy, user=user)
    for m2m in Program._meta.many_to_many:
        if m2m.name != "coordinators":
            getattr(copy, m2m.name).set(getattr(program, m2m.name).all())
    for model in (Topic, Goal, CareerStage, Question, ScreeningItem):
        model.objects.bulk_create(
            model(**model_field_values(row, exclude=["program"]), program=copy)
            for row in model.objects.filter(program=program)
        )
    program_copied.send(sender=Program, source=program, copy=copy)
    return copy


def program_set_vocabulary(
    *,
    program: Program,
    topics: Sequence[str] = (),
    goals: Sequence[str] = (),
    stages: Sequence[str] = (),
) -> None:
    """Add the given topics, goals and ordered career stages that the program lacks."""
    for name in topics:
        Topic.objects.get_or_create(program=program, name=name)
    for name in goals:
        Goal.objects.get_or_create(program=program, name=name)
    start = program.career_stages.count()
    existing = set(program.career_stages.values_list("name", flat=True))
    for offset, name in enumerate(n for n in stages if n not in existing):
        CareerStage.objects.create(program=program, name=name, position=start + offset)


@dataclass
class ApplicationData:
    role: str
    career_stage: CareerStage | None = None
    topics: Sequence[Topic] = ()
    goals: Sequence[Goal] = ()
    languages: Sequence[str] = ("English",)
    format_preference: str = Application.Format.EITHER
    time_zone: object = "UTC"
    capacity: int | None = None
    motivation: str = ""
    availability: Sequence[tuple[int, time, time]] = field(default_factory=list)
    answers: dict = field(default_factory=dict)  # Question -> raw value


def _check_can_apply(*, program: Program, user, role: str) -> None:
    if not program.enrollment_is_open():
        raise ValidationError(_("%(name)s is not open for enrollment.") % {"name": program.name})
    mine = Application.objects.filter(program=program, user=user).exclude(
        status=Application.Status.WITHDRAWN
    )
    if mine.filter(role=role).exists():
        if role == Role.MENTOR:
            text = _("You have already applied to %(name)s as a mentor.")
        else:
            text = _("You have already applied to %(name)s as a mentee.")
        raise ValidationError(text % {"name": program.name})
    if not program.allow_dual_role and mine.exists():
        raise ValidationError(
            _(
                "You have already applied to %(name)s in the other role; "
                "this program does not allow being both mentor and mentee."
            )
            % {"name": program.name}
        )


@transaction.atomic
def application_submit(*, program: Program, user, data: ApplicationData) -> Application:
    """Create a person's application (status applied) with topics, goals, availability and
    answers. Refuses a program not open for enrollment, a second application in the same
    role, and the other role when the program does not allow both. A withdrawn application
    in the same role is reopened. Roster invitations for this person are marked accepted, and
    an institutional ID one carries goes onto the account if it has none and the ID is free."""
    # Lock the program row so two simultaneous submissions are checked one after the other.
    Program.objects.select_for_update().filter(pk=program.pk).first()
    _check_can_apply(program=program, user=user, role=data.role)
    application = Application.objects.filter(program=program, user=user, role=data.role).first()
    application = application or Application(program=program, user=user, role=data.role)
    application.status = Application.Status.APPLIED
    application.submitted_at = timezone.now()
    application.decision_reason = ""
    _fill_application(application=application, data=data)
    invitations = program.invitations.filter(
        email__iexact=user.email, role=data.role, accepted_at__isnull=True
    )
    carried = invitations.exclude(institutional_id="").values_list("institutional_id", flat=True)
    institutional_id = carried.first()
    invitations.update(accepted_at=timezone.now())
    if institutional_id:
        account_institutional_id_fill(user=user, institutional_id=institutional_id)
    event_emit(
        name=APPLICATION_SUBMITTED,
        program=program,
        payload={"application_id": application.pk, "role": application.role},
    )
    return application


def application_is_editable(application: Application) -> bool:
    if application.status in (Application.Status.DECLINED, Application.Status.WITHDRAWN):
        return False
    return not _has_active_match(application)


def _has_active_match(application: Application) -> bool:
    matches = application.mentor_matches if application.is_mentor else application.mentee_matches
    return matches.filter(status="active").exists()


@transaction.atomic
def application_update(*, application: Application, data: ApplicationData) -> Application:
    """Change an application before it is matched; the status stays as it is. Sends
    `application_updated` (matching offers a raised capacity to the waitlist)."""
    application = Application.objects.select_for_update().get(pk=application.pk)
    if not application_is_editable(application):
        raise ValidationError(_("This application can no longer be changed."))
    data.role = application.role
    capacity_before = application.capacity
    _fill_application(application=application, data=data)
    application_updated.send(
        sender=Application, application=application, capacity_before=capacity_before
    )
    return application


@transaction.atomic
def application_withdraw(*, application: Application) -> Application:
    """Withdraw before being matched; a matched person asks to end the match instead."""
    application = Application.objects.select_for_update().get(pk=application.pk)
    if application.status == Application.Status.WITHDRAWN:
        return application
    if _has_active_match(application):
        raise ValidationError(_("You are matched already: ask to end the match instead."))
    application.status = Application.Status.WITHDRAWN
    application.save(update_fields=["status", "updated_at"])
    return application


def _clean_answers(application: Application, answers: dict) -> dict[Question, object]:
    questions = [q for q in application.program.questions.all() if q.applies_to(application.role)]
    cleaned = {}
    for question in questions:
        value = answer_clean(question, answers.get(question))
        if not answer_is_empty(value):
            cleaned[question] = value
    return cleaned


def _fill_application(*, application: Application, data: ApplicationData) -> None:
    program = application.program
    application.career_stage = data.career_stage
    application.languages = list(data.languages)
    application.format_preference = data.format_preference
    application.time_zone = data.time_zone
    application.capacity = (
        (data.capacity or program.default_mentor_capacity) if data.role == Role.MENTOR else None
    )
    application.motivation = data.motivation
    _check_vocabulary(program, data)
    answers = _clean_answers(application, data.answers)
    application.full_clean(validate_unique=False, validate_constraints=False)
    try:
        with transaction.atomic():
            application.save()
    except IntegrityError:
        raise ValidationError(_("You have already applied in this role.")) from None
    application.topics.set(data.topics)
    application.goals.set(data.goals)
    _replace_availability(application, data.availability)
    application.answers.all().delete()
    Answer.objects.bulk_create(
        Answer(application=application, question=q, value=v) for q, v in answers.items()
    )


def _check_vocabulary(program: Program, data: ApplicationData) -> None:
    items = [*data.topics, *data.goals, *([data.career_stage] if data.career_stage else [])]
    if any(item.program_id != program.pk for item in items):
        raise ValidationError(_("Topics, goals and career stage must come from this program."))


def _replace_availability(application: Application, windows) -> None:
    application.availability.all().delete()
    rows = [
        AvailabilityWindow(application=application, weekday=day, start=start, end=end)
        for day, start, end in windows
    ]
    for row in rows:
        if row.end <= row.start:
            raise ValidationError(_("Each availability window must end after it starts."))
        row.full_clean(exclude=["application"])
    AvailabilityWindow.objects.bulk_create(rows)


DECISIONS = {
    Application.Status.APPROVED,
    Application.Status.DECLINED,
    Application.Status.WAITLISTED,
}


@transaction.atomic
def application_decide(
    *, application: Application, status: str, by=None, reason: str = ""
) -> Application:
    """Approve, decline (a reason is required) or waitlist an application, record it in the
    audit trail, email the applicant the decision and send `application_decided`
    (evaluation invites approved people to baseline surveys). Approval is refused
    (ScreeningIncomplete) while any of the program's screening items for the applicant's
    role is unchecked."""
    if status not in DECISIONS:
        raise ValidationError(_("Unknown decision %(status)r.") % {"status": status})
    reason = reason.strip()
    if status == Application.Status.DECLINED and not reason:
        raise ValidationError(_("A reason is required to decline an application."))
    if len(reason) > 2000:
        raise ValidationError(_("Keep the reason under 2,000 characters."))
    application = Application.objects.select_for_update().get(pk=application.pk)
    if application.status == Application.Status.WITHDRAWN:
        raise ValidationError(_("This application was withdrawn."))
    if status == Application.Status.APPROVED:
        missing = screening_missing(application=application)
        if missing:
            raise ScreeningIncomplete(application=application, missing=missing)
    previous = application.status
    application.status = status
    application.decision_reason = reason
    application.decided_at = timezone.now()
    application.decided_by = by
    application.save(update_fields=["status", "decision_reason", "decided_at", "decided_by"])
    application_decision_audit(
        application=application, by=by, previous=previous, reason_given=bool(reason)
    )
    notification_queue(
        kind=Kind.APPLICATION_DECISION,
        to=application.user,
        subject=application,
        program=application.program,
        context={"decision": status, "reason": reason},
        key_extra=application.decided_at.isoformat(),
    )
    application_decided.send(sender=Application, application=application, status=status)
    return application


DECISION_ACTIONS = {
    Application.Status.APPROVED: Action.APPLICATION_APPROVED,
    Application.Status.DECLINED: Action.APPLICATION_DECLINED,
    Application.Status.WAITLISTED: Action.APPLICATION_WAITLISTED,
}


def application_decision_audit(
    *, application: Application, by, previous: str, reason_given: bool = False, **extra
) -> None:
    """Put the decision just saved on `application` (its new status) in the audit trail, in
    the caller's transaction: who decided (None: the system), the program, the applicant,
    and in `detail` the role and the status it came from. A reason's text stays on the
    application; the trail only says one was given. `extra` adds codes (matching's
    `matched=True` when placing a waitlisted mentee approves them)."""
    detail = {"role": application.role, "from": previous}
    if reason_given:
        detail["reason_given"] = True
    audit_record(
        action=DECISION_ACTIONS[application.status],
        actor=by,
        program=application.program,
        person=application.user,
        target=application,
        detail={**detail, **extra},
    )
    event_emit(
        name=APPLICATION_DECIDED,
        program=application.program,
        payload={
            "application_id": application.pk,
            "role": application.role,
            "status": application.status,
            "previous": previous,
        },
    )


@dataclass
class Decisions:
    """What a bulk decision did: how many changed, and the approvals refused, with why."""

    changed: int = 0
    refused: list[ScreeningIncomplete] = field(default_factory=list)


def applications_decide(
    *, applications: Iterable[Application], status: str, by=None, reason: str = ""
) -> Decisions:
    """Decide many applications at once (admin bulk action); withdrawn ones and ones already
    in that status are left alone. An approval refused for incomplete screening is reported
    and the others go ahead; any other refusal (a decline without a reason) undoes them all."""
    decisions = Decisions()
    with transaction.atomic():
        for application in applications:
            if application.status in (status, Application.Status.WITHDRAWN):
                continue
            try:
                application_decide(application=application, status=status, by=by, reason=reason)
            except ScreeningIncomplete as refusal:
                decisions.refused.append(refusal)
            else:
                decisions.changed += 1
    return decisions
