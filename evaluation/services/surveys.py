"""Survey invitations for each moment, and answering them."""

from dataclasses import dataclass
from datetime import date, timedelta

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from evaluation.models import (
    AnonymousResponse,
    Moment,
    Survey,
    SurveyAnswer,
    SurveyInvitation,
    SurveyResponse,
)
from evaluation.questions import answer_clean, answer_is_empty, answer_number
from evaluation.services.common import reminder_due_at, today_utc, week_start
from matching.models import Match
from notifications.models import Kind
from notifications.services import notification_queue, notifications_cancel
from programs.models import Application, Program
from sessions.selectors import counted_attendance_q

#: Date-driven surveys still go out this many days after their date (a worker that was down
#: catches up), but not later: a "mid-program" survey a month late measures something else.
SCHEDULED_GRACE_DAYS = 14


def _active_surveys(*, program: Program, moment: str, role: str | None = None):
    surveys = Survey.objects.filter(program=program, moment=moment, is_active=True)
    return [s for s in surveys if role is None or role in s.roles]


def survey_invite(
    *, survey: Survey, application: Application, meeting=None, today: date | None = None
) -> SurveyInvitation | None:
    """Invite one person to one survey (per meeting for after-session surveys); idempotent.

    Queues a SURVEY_INVITATION email now and a SURVEY_REMINDER `reminder_days` before the due
    date. Returns the new invitation, or None when they were already invited.
    """
    today = today or today_utc()
    invitation, created = SurveyInvitation.objects.get_or_create(
        survey=survey,
        application=application,
        meeting=meeting,
        defaults={"due_on": today + timedelta(days=survey.answer_days)},
    )
    if not created:
        return None
    user = application.user
    notification_queue(
        kind=Kind.SURVEY_INVITATION, to=user, subject=invitation, program=survey.program
    )
    if survey.reminder_days:
        remind_at = reminder_due_at(
            user=user, day=invitation.due_on - timedelta(days=survey.reminder_days)
        )
        if remind_at is not None:
            notification_queue(
                kind=Kind.SURVEY_REMINDER,
                to=user,
                subject=invitation,
                program=survey.program,
                due_at=remind_at,
            )
    return invitation


def survey_invitations_for_approval(
    *, application: Application, today: date | None = None
) -> list[SurveyInvitation]:
    """Baseline surveys for a just-approved application (call it from the approval).

    Creates an invitation to every active baseline survey of the program whose audience
    includes the application's role, and queues their emails; safe to call twice.
    """
    if application.status != Application.Status.APPROVED:
        return []
    surveys = _active_surveys(
        program=application.program, moment=Moment.BASELINE, role=application.role
    )
    invited = [survey_invite(survey=s, application=application, today=today) for s in surveys]
    return [i for i in invited if i is not None]


def survey_send(*, survey: Survey, today: date | None = None) -> int:
    """Invite every approved participant in the survey's audience who has not had it
    (baseline, mid and end surveys; admin action and daily task). Returns how many."""
    if survey.moment == Moment.AFTER_SESSION:
        raise ValidationError(_("After-session surveys go out when a session is logged."))
    applications = Application.objects.filter(
        program=survey.program, status=Application.Status.APPROVED, role__in=survey.roles
    ).select_related("user")
    return sum(
        survey_invite(survey=survey, application=application, today=today) is not None
        for application in applications
    )


def moment_dates(*, program: Program) -> dict[str, date]:
    """When the date-driven moments fall: mid is halfway from starts_on to ends_on (rounded
    down), end is ends_on. Programs without both dates have none."""
    if program.starts_on is None or program.ends_on is None:
        return {}
    half = (program.ends_on - program.starts_on).days // 2
    return {Moment.MID: program.starts_on + timedelta(days=half), Moment.END: program.ends_on}


def surveys_send_scheduled(*, program: Program, today: date | None = None) -> int:
    """Send the program's mid and end surveys on their date (and for SCHEDULED_GRACE_DAYS
    after, to catch up and to reach people approved in between); idempotent."""
    today = today or today_utc()
    sent = 0
    for moment, day in moment_dates(program=program).items():
        if day <= today < day + timedelta(days=SCHEDULED_GRACE_DAYS):
            for survey in _active_surveys(program=program, moment=moment):
                sent += survey_send(survey=survey, today=today)
    return sent


def meeting_participants(*, meeting) -> list[Application]:
    """The applications of the people in a meeting: both sides of a one-on-one match, or a
    group mentor and the members of their group it counts for (`counted_attendance_q`)."""
    if meeting.match_id is not None:
        match = Match.objects.select_related("mentor__user", "mentee__user").get(
            pk=meeting.match_id
        )
        return [match.mentor, match.mentee]
    members = meeting.attendance.filter(counted_attendance_q()).values("member")
    matches = Match.objects.filter(
        program_id=meeting.program_id,
        status=Match.Status.ACTIVE,
        mentor__user_id=meeting.mentor_id,
        mentee__user__in=members,
    ).select_related("mentor__user", "mentee__user")
    people = {}
    for match in matches:
        people[match.mentor_id] = match.mentor
        people[match.mentee_id] = match.mentee
    return list(people.values())


def session_logged(*, log, today: date | None = None) -> int:
    """Hook for the sessions app, in the transaction that saves a SessionLog.

    A held session invites both sides (each group member who attended) to the program's
    after-session surveys: one invitation per person per meeting, however many people log it.
    Then the pair's risk flags are recomputed (a held session clears "no session" and "missed
    session"; a missed one raises "missed session"). Returns how many invitations were sent.
    """
    from evaluation.services.risk import risk_flags_refresh

    meeting = log.meeting
    people = meeting_participants(meeting=meeting)
    invited = 0
    if log.outcome == "held":
        for survey in _active_surveys(program=meeting.program, moment=Moment.AFTER_SESSION):
            for application in people:
                if application.role in survey.roles:
                    invited += (
                        survey_invite(
                            survey=survey, application=application, meeting=meeting, today=today
                        )
                        is not None
                    )
    application_ids = {a.pk for a in people}
    matches = Match.objects.filter(
        program_id=meeting.program_id, mentor__in=application_ids, mentee__in=application_ids
    )
    risk_flags_refresh(program=meeting.program, matches=matches, today=today)
    return invited


@dataclass(frozen=True)
class Answered:
    invitation: SurveyInvitation
    anonymous: bool


@transaction.atomic
def survey_answer(
    *, invitation: SurveyInvitation, answers: dict[int, object], today: date | None = None
) -> Answered:
    """Store a person's answers to their invitation (question id -> raw or cleaned value).

    Refuses (ValidationError, nothing stored) an invitation already answered or past its due
    date, and any invalid or missing required answer. Anonymous surveys store an
    AnonymousResponse that has no link to the invitation (see its docstring); others a
    SurveyResponse on the invitation. Marks the invitation completed and cancels its reminder.
    """
    today = today or timezone.localdate()
    invitation = (
        SurveyInvitation.objects.select_for_update()
        .select_related("survey__program")
        .get(pk=invitation.pk)
    )
    if invitation.completed:
        raise ValidationError(_("You have already answered this survey."))
    if today > invitation.due_on:
        raise ValidationError(
            _("This survey closed on %(date)s.") % {"date": date_format(invitation.due_on, "j F Y")}
        )
    survey = invitation.survey
    cleaned, errors = {}, []
    for question in survey.questions.all():
        try:
            cleaned[question] = answer_clean(question, answers.get(question.pk))
        except ValidationError as exc:
            errors.extend(exc.messages)
    if errors:
        raise ValidationError(errors)
    if survey.anonymous:
        response = AnonymousResponse.objects.create(
            survey=survey,
            program=survey.program,
            moment=survey.moment,
            submitted_week=week_start(today),
        )
        owner = {"anonymous_response": response}
    else:
        response = SurveyResponse.objects.create(invitation=invitation, submitted_at=timezone.now())
        owner = {"response": response}
    SurveyAnswer.objects.bulk_create(
        [
            SurveyAnswer(question=q, value=v, number=answer_number(q, v), **owner)
            for q, v in cleaned.items()
            if not answer_is_empty(v)
        ]
    )
    invitation.completed = True
    invitation.save(update_fields=["completed"])
    notifications_cancel(subject=invitation, kinds=[Kind.SURVEY_REMINDER])
    return Answered(invitation=invitation, anonymous=survey.anonymous)


def survey_copy(*, survey: Survey, moment: str, title: str = "") -> Survey:
    """A copy of a survey and its questions for another moment (e.g. the end-of-program twin
    of a baseline survey: same question texts, so the impact report can pair the answers)."""
    with transaction.atomic():
        copy = Survey.objects.create(
            program=survey.program,
            title=title or f"{survey.title} ({Moment(moment).label.split(' (')[0].lower()})",
            intro=survey.intro,
            moment=moment,
            audience=survey.audience,
            anonymous=survey.anonymous,
            is_active=False,
            answer_days=survey.answer_days,
            reminder_days=survey.reminder_days,
        )
        for question in survey.questions.all():
            question.pk = None
            question.survey = copy
            question.save()
    return copy
