"""Deleting one's account (journey 8): asked for with the password, erased after a grace
period unless the person signs in again; or processed by a coordinator for someone, erased at
once. The erasure itself is `privacy.erasure.person_erase`.

Asking ends what involves other people straight away, through each app's own services, so
partners hear the usual emails: upcoming sessions are cancelled, active matches end (reason
"account deleted") and each partner is told, pending mentoring requests are closed, open
applications are withdrawn. None of that is undone by cancelling the deletion (the page says
so); the account and its data stay untouched until the erasure.
"""

import logging
from datetime import timedelta

from django.conf import settings
from django.contrib import messages
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from accounts.models import User
from audit.models import Action
from audit.services import audit_record
from matching.models import EndReason, Match, MatchRequest
from matching.services.ending import match_end
from matching.services.requests import request_decline, request_withdraw
from matching.services.waitlist import waitlist_offers_close_for
from mentoring.compiled import compiled
from notifications.models import Kind
from notifications.services import notification_queue
from privacy.erasure import is_tombstone, person_erase, user_sessions_end
from privacy.models import ErasureRequest
from programs.models import Application, Program
from programs.services import application_withdraw
from sessions.models import Attendance, Meeting
from sessions.services import attendance_rsvp, booking_cancel

logger = logging.getLogger(__name__)

S = ErasureRequest.Status
OPEN_APPLICATION = (
    Application.Status.APPLIED,
    Application.Status.APPROVED,
    Application.Status.WAITLISTED,
)
LIVE_PROGRAM = (Program.Status.ENROLLING, Program.Status.RUNNING)


def erasure_grace() -> timedelta:
    return timedelta(days=settings.PRIVACY_ERASURE_GRACE_DAYS)


def scheduled_erasure_for(*, user) -> ErasureRequest | None:
    return ErasureRequest.objects.filter(user=user, status=S.SCHEDULED).first()


def _leaving():
    """Accounts on their way out: a deletion is scheduled for them."""
    return ErasureRequest.objects.filter(status=S.SCHEDULED).values("user_id")


@compiled
def sole_coordinator_programs(*, user) -> list[Program]:
    """Programs enrolling or running that would be left without a coordinator: no other
    active coordinator whose own deletion is not scheduled (two coordinators asking to leave
    the same program cannot both go)."""
    others = (
        User.objects.filter(coordinated_programs=OuterRef("pk"), is_active=True)
        .exclude(pk=user.pk)
        .exclude(pk__in=_leaving())
    )
    return (
        Program.objects.filter(coordinators=user, status__in=LIVE_PROGRAM)
        .annotate(has_other=Exists(others))
        .filter(has_other=False)
        .order_by("name")
    )


def account_deletion_blockers(*, user) -> list[str]:
    """What must happen before `user`'s account can be deleted, one message each (plain
    text: escape where shown): a program still enrolling or running must keep a coordinator,
    and the site must keep a superuser (nobody else could add coordinators)."""
    blockers = [
        _(
            "You are the only coordinator of %(program)s. Ask a superuser or another coordinator "
            "to add a coordinator to it (Programs > %(program)s > coordinators) before you "
            "delete your account."
        )
        % {"program": program.name}
        for program in sole_coordinator_programs(user=user)
    ]
    if user.is_superuser and not (
        User.objects.filter(is_superuser=True, is_active=True)
        .exclude(pk=user.pk)
        .exclude(pk__in=_leaving())
        .exists()
    ):
        blockers.append(
            _(
                "You are the only superuser. Make another account a superuser (Accounts > "
                "Users) before you delete yours."
            )
        )
    return blockers


@compiled
def active_matches_of(*, user) -> list[Match]:
    """`user`'s active matches, with what a page or an email shows of them."""
    return (
        Match.objects.filter(Q(mentor__user=user) | Q(mentee__user=user), status="active")
        .select_related("program", "mentor__user", "mentee__user")
        .order_by("program__name", "pk")
    )


@compiled
def open_applications_of(*, user) -> list[Application]:
    return (
        Application.objects.filter(user=user, status__in=OPEN_APPLICATION)
        .select_related("program")
        .order_by("program__name", "pk")
    )


@transaction.atomic
def account_deletion_request(
    *, user, by=None, note: str = "", immediate: bool = False
) -> ErasureRequest:
    """Schedule the erasure of `user`'s account: in `PRIVACY_ERASURE_GRACE_DAYS` days, or now
    with `immediate` (a coordinator processing a request that reached them: `by`, with `note`
    saying how). Refused (ValidationError) while a blocker stands or one is already scheduled.

    At once, in this transaction: upcoming sessions are cancelled (the other side gets the
    usual cancellation), active matches end with the reason "account deleted" and each
    partner is emailed PARTNER_ACCOUNT_DELETED, pending mentoring requests are withdrawn or
    declined, open applications are withdrawn, the person is signed out everywhere, emailed
    ACCOUNT_DELETION_SCHEDULED (not when immediate: the address is erased with the rest) and
    the audit trail records ERASURE_REQUESTED. With `immediate` the erasure runs before this
    returns, in a savepoint: if it fails, the request stays scheduled and due, the error is
    logged and the hourly `privacy.daily` task erases the account."""
    user = User.objects.select_for_update().get(pk=user.pk)
    if is_tombstone(user):
        raise ValidationError(_("This account has already been deleted."))
    blockers = account_deletion_blockers(user=user)
    if blockers:
        raise ValidationError(blockers)
    existing = scheduled_erasure_for(user=user)
    if existing is not None:
        raise ValidationError(
            _("Deletion of this account is already scheduled for %(date)s.")
            % {"date": date_format(timezone.localtime(existing.due_at), "j F Y")}
        )
    actor = by or user
    now = timezone.now()
    try:
        with transaction.atomic():
            erasure = ErasureRequest.objects.create(
                user=user,
                requested_by=actor,
                on_behalf=actor.pk != user.pk,
                note=note.strip()[:300],
                requested_at=now,
                due_at=now if immediate else now + erasure_grace(),
            )
    except IntegrityError as exc:  # the same request sent twice at the same moment
        raise ValidationError(_("Deletion of this account is already scheduled.")) from exc
    sessions = _sessions_cancel(user=user, now=now)
    ended = _matches_end(user=user, by=actor)
    _requests_close(user=user)
    withdrawn = _applications_withdraw(user=user)
    user_sessions_end(user=user)
    if not immediate:
        notification_queue(kind=Kind.ACCOUNT_DELETION_SCHEDULED, to=user, subject=erasure)
    _audit_per_program(
        _programs_of(user),
        action=Action.ERASURE_REQUESTED,
        actor=actor,
        person=user,
        target=erasure,
        detail={
            "on_behalf": erasure.on_behalf,
            "immediate": immediate,
            "matches_ended": ended,
            "sessions_cancelled": sessions,
            "applications_withdrawn": withdrawn,
        },
    )
    if immediate:
        _erase_now(erasure)
    return erasure


def _erase_now(erasure: ErasureRequest) -> None:
    try:
        with transaction.atomic():
            erasure_process(erasure_id=erasure.pk)
    except Exception:
        logger.exception("Erasure %s failed; the hourly task will try again", erasure.pk)
    erasure.refresh_from_db()


def _sessions_cancel(*, user, now) -> int:
    """Cancel the person's upcoming sessions (one-on-one, and group sessions they run) and
    decline the group sessions they were invited to, through the sessions services so the
    others get the usual emails. Returns how many sessions changed."""
    booked = Meeting.objects.filter(status=Meeting.Status.BOOKED, start__gt=now)
    theirs = booked.filter(
        Q(mentor=user) | Q(kind=Meeting.Kind.ONE_ON_ONE, match__mentee__user=user)
    ).order_by("start", "pk")
    count = 0
    for meeting in theirs:
        booking_cancel(
            meeting=meeting, by=user, reason=_("Account closed"), now=now, enforce_cutoff=False
        )
        count += 1
    invited = Attendance.objects.filter(
        member=user,
        meeting__kind=Meeting.Kind.GROUP,
        meeting__status=Meeting.Status.BOOKED,
        meeting__start__gt=now,
    ).exclude(rsvp=Attendance.Rsvp.NO)
    for attendance in invited.select_related("meeting"):
        attendance_rsvp(meeting=attendance.meeting, member=user, rsvp=Attendance.Rsvp.NO, now=now)
        count += 1
    return count


def _matches_end(*, user, by) -> int:
    """End each active match (the freed mentor's place goes to the waitlist when the person
    was the mentee) and tell the partner, without the person's email."""
    count = 0
    for match in active_matches_of(user=user):
        was_mentor = match.mentor.user_id == user.pk
        match_end(
            match=match,
            by=by,
            end_reason=EndReason.ACCOUNT_DELETED,
            notify=False,
            offer_place=not was_mentor,
        )
        partner = match.mentee.user if was_mentor else match.mentor.user
        notification_queue(
            kind=Kind.PARTNER_ACCOUNT_DELETED,
            to=partner,
            subject=match,
            program=match.program,
            context={"partner_role": "mentor" if was_mentor else "mentee"},
        )
        count += 1
    return count


def _requests_close(*, user) -> None:
    """Requests the person sent are withdrawn; requests sent to them are declined (the mentee
    is told, so they can ask someone else)."""
    pending = MatchRequest.objects.filter(status=MatchRequest.Status.PENDING)
    for request in pending.filter(mentee__user=user):
        request_withdraw(request=request)
    for request in pending.filter(mentor__user=user).select_related("mentee__user", "program"):
        request_decline(request=request)


def _applications_withdraw(*, user) -> int:
    """Open applications (applied, approved, waitlisted) become withdrawn, so no matching
    run, suggestion or waitlist proposal picks the person up again."""
    applications = list(open_applications_of(user=user))
    for application in applications:
        application_withdraw(application=application)
    mentees = [a.pk for a in applications if a.role == "mentee"]
    if mentees:
        waitlist_offers_close_for(mentees=mentees, note=_("The mentee closed their account."))
    return len(applications)


def account_deletion_cancel(*, user) -> bool:
    """The person's own scheduled deletion is cancelled (signing in again during the grace
    period does this); what already ended stays ended. A deletion a coordinator processed
    for them is not theirs to cancel. Returns whether one was cancelled."""
    with transaction.atomic():
        erasure = (
            ErasureRequest.objects.select_for_update()
            .filter(user=user, status=S.SCHEDULED, on_behalf=False)
            .first()
        )
        if erasure is None:
            return False
        erasure.status, erasure.cancelled_at = S.CANCELLED, timezone.now()
        erasure.save(update_fields=["status", "cancelled_at"])
        audit_record(action=Action.ERASURE_CANCELLED, actor=user, person=user, target=erasure)
    return True


def deletion_cancel_on_login(sender, request, user, **kwargs) -> None:
    """`user_logged_in` receiver: signing in during the grace period keeps the account."""
    if account_deletion_cancel(user=user) and request is not None:
        messages.success(
            request, _("Welcome back: your account will not be deleted."), fail_silently=True
        )


@transaction.atomic
def erasure_process(*, erasure_id: int) -> bool:
    """Erase the account of one scheduled request whose time has come: claim it (row lock,
    skipping one another worker holds; the status is checked again under the lock), erase,
    mark it done with the counts and record ERASURE_PROCESSED (actor: the coordinator who
    processed it for the person, else the system). Returns whether this call erased it;
    False for a request cancelled, done or claimed elsewhere."""
    erasure = (
        ErasureRequest.objects.select_for_update(skip_locked=True)
        .filter(pk=erasure_id, status=S.SCHEDULED, due_at__lte=timezone.now())
        .first()
    )
    if erasure is None:
        return False
    blockers = account_deletion_blockers(user=erasure.user)
    if blockers:
        # Something changed since it was asked for (another coordinator left first): the
        # request waits, and is tried again every hour until someone takes over.
        logger.warning("Erasure %s waits: %s", erasure.pk, " ".join(blockers))
        return False
    programs = _programs_of(erasure.user)
    summary = person_erase(user=erasure.user)
    erasure.status, erasure.done_at, erasure.summary = S.DONE, timezone.now(), summary
    erasure.save(update_fields=["status", "done_at", "summary"])
    _audit_per_program(
        programs,
        action=Action.ERASURE_PROCESSED,
        actor=erasure.requested_by if erasure.on_behalf else None,
        person=erasure.user,
        target=erasure,
        detail={"on_behalf": erasure.on_behalf, "rows": sum(summary.values())},
    )
    return True


def _programs_of(user) -> list[Program]:
    return list(Program.objects.filter(applications__user=user).distinct().order_by("pk"))


def _audit_per_program(programs: list[Program], **entry) -> None:
    """One entry per program the person took part in, so each program's coordinators see
    who asked for and processed the erasure in their scoped trail (one without a program,
    seen by superusers, when they took part in none)."""
    for program in programs or [None]:
        audit_record(program=program, **entry)


def erasures_process_due() -> int:
    """Erase every account whose grace period is over (the hourly `privacy.daily` task).
    Each in its own transaction; one failing is logged and the others go on, and it is tried
    again next time. Safe to run twice, or in two workers at once. Returns how many it erased."""
    due = ErasureRequest.objects.filter(status=S.SCHEDULED, due_at__lte=timezone.now())
    erased = 0
    for erasure_id in list(due.order_by("due_at", "pk").values_list("pk", flat=True)):
        try:
            erased += erasure_process(erasure_id=erasure_id)
        except Exception:
            logger.exception("Erasure %s failed; it will be tried again", erasure_id)
    return erased
