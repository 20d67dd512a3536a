"""Builders for privacy tests: one person with data in every app, and their partner's.

`make_person_with_everything()` writes rows directly (no services, so no emails, audit
entries or signals beyond the ones listed) at fixed moments, so a test can write the
person's archive out by hand. The partner, the coordinators and the other people it makes
hold texts that must never reach the person's archive (`NEVER_IN_ARCHIVE`).
"""

from dataclasses import dataclass, field
from datetime import UTC, date, datetime, time, timedelta

from django.contrib.auth.models import Group

from accounts.models import User, Visibility
from audit.models import Action, AuditEntry
from evaluation.models import (
    AnonymousResponse,
    CheckIn,
    RiskFlag,
    Survey,
    SurveyAnswer,
    SurveyInvitation,
    SurveyQuestion,
    SurveyResponse,
)
from matching.models import EndRequest, Exclusion, ExclusionRequest, Match
from mentoring.roles import COORDINATORS_GROUP
from notifications.models import Kind, Notification, NotificationPreference
from outcomes.models import OutcomePerson, OutcomeRecord
from privacy.models import NoticeAcceptance, PrivacyNotice
from programs.models import (
    Answer,
    Application,
    AvailabilityWindow,
    Invitation,
    Program,
    Question,
    RecordsConsent,
    ScreeningCheck,
    ScreeningItem,
    ScreeningNote,
)
from programs.services import program_set_vocabulary
from relationships.models import Agreement
from sessions.models import CalendarFeed, Meeting, PrivateNote, SessionGuide, SessionLog
from tests.factories import ApplicationFactory, ProgramFactory, UserFactory
from training.models import QuizAttempt, QuizQuestion, StepCompletion, TrainingStep

#: The moment everything is measured from: the person's account was opened then.
T0 = datetime(2025, 2, 3, 9, 0, tzinfo=UTC)


def at(days: float = 0, hours: float = 0) -> datetime:
    """T0 plus `days` and `hours`."""
    return T0 + timedelta(days=days, hours=hours)


# Texts in other people's rows (or in rows kept from the person) that the person's archive
# must never contain, whatever else changes.
PARTNER_PRIVATE_NOTE = "Partner-private-note: worried about the mentee's exams"
PARTNER_LOG_NOTES = "Partner-log-notes: we covered revision plans"
ANONYMOUS_ANSWER = "Anonymous-answer: the program feels rushed"
COORDINATOR_NOTE = "Coordinator-screening-note: reference still to chase"
COORDINATOR_EXCLUSION_REASON = "Coordinator-exclusion-reason: same department"
RISK_DETAIL = "Risk-detail: no session for 30 days"
NEVER_IN_ARCHIVE = (
    PARTNER_PRIVATE_NOTE,
    PARTNER_LOG_NOTES,
    ANONYMOUS_ANSWER,
    COORDINATOR_NOTE,
    COORDINATOR_EXCLUSION_REASON,
    RISK_DETAIL,
)


@dataclass
class Everything:
    """What `make_person_with_everything` made. `person` is the one whose data it is."""

    person: User
    partner: User  # the person's mentor
    coordinator: User
    program: Program
    application: Application  # the person's (mentee)
    partner_application: Application  # the partner's (mentor)
    question: Question
    answer: Answer
    window: AvailabilityWindow
    invitation: Invitation
    screening_check: ScreeningCheck
    screening_note: ScreeningNote
    consent: RecordsConsent
    step: TrainingStep
    quiz: TrainingStep
    quiz_question: QuizQuestion
    attempt: QuizAttempt
    completions: list[StepCompletion]
    match: Match
    agreement: Agreement
    meeting: Meeting
    guide: SessionGuide
    log: SessionLog
    private_note: PrivateNote
    partner_log: SessionLog
    partner_note: PrivateNote
    calendar_feed: CalendarFeed
    checkin: CheckIn
    survey: Survey
    survey_answer: SurveyAnswer
    anonymous_survey: Survey
    anonymous_answer: SurveyAnswer
    exclusion_request: ExclusionRequest
    exclusion: Exclusion  # the one the person asked for
    end_request: EndRequest
    notification: Notification
    preference: NotificationPreference
    outcome_person: OutcomePerson
    outcome_record: OutcomeRecord
    notice: PrivacyNotice
    acceptance: NoticeAcceptance
    audit_entry: AuditEntry
    others: dict[str, User] = field(default_factory=dict)  # xavier, yan, zed


def _set(obj, **fields) -> None:
    """Set fields Django fills itself (auto_now, auto_now_add) to fixed values."""
    type(obj)._default_manager.filter(pk=obj.pk).update(**fields)
    for name, value in fields.items():
        setattr(obj, name, value)


def make_person_with_everything(
    *, email: str = "pat.person@example.org", partner_email: str = "mo.mentor@example.org"
) -> Everything:
    """Pat Person, a mentee in a formal program, with a row in every app; Mo Mentor, their
    partner, with his own log and private note of their session; a coordinator with a
    screening note; people Pat excluded or who excluded Pat; an anonymous answer by Pat.

    Nothing here is sent, queued or audited but the rows listed; every moment is fixed
    (`T0` and `at()`), so archives and search results can be written out by hand."""
    person = UserFactory(
        email=email,
        display_name="Pat Person",
        first_name="Patricia",
        last_name="Person",
        institutional_id="S1234567",
        time_zone="Europe/Paris",
        email_visibility=Visibility.MATCHES,
    )
    _set(person, date_joined=T0)
    partner = UserFactory(email=partner_email, display_name="Mo Mentor", time_zone="Europe/London")
    coordinator = UserFactory(
        email=f"cora.{email.split('@')[0]}@example.org",
        display_name="Cora Coordinator",
        is_staff=True,
    )
    coordinator.groups.add(Group.objects.get(name=COORDINATORS_GROUP))
    others = {
        name: UserFactory(email=f"{name}.{email.split('@')[0]}@example.org", display_name=label)
        for name, label in (("xavier", "Xavier Example"), ("yan", "Yan Other"), ("zed", "Zed Z"))
    }

    # --- programs ---------------------------------------------------------------------
    program = ProgramFactory(
        name="Spring Mentoring 2025", kind=Program.Kind.FORMAL, status=Program.Status.RUNNING
    )
    program.coordinators.add(coordinator)
    program_set_vocabulary(
        program=program,
        topics=["Study skills", "Careers"],
        goals=["Settle in"],
        stages=["First-year", "Final-year"],
    )
    study, careers = program.topics.get(name="Study skills"), program.topics.get(name="Careers")
    settle = program.goals.get(name="Settle in")
    first_year = program.career_stages.get(name="First-year")
    application = ApplicationFactory(
        program=program,
        user=person,
        role="mentee",
        status=Application.Status.APPROVED,
        career_stage=first_year,
        languages=["English", "French"],
        format_preference=Application.Format.ONLINE,
        time_zone="Europe/Paris",
        motivation="I want to find my feet in my first year.",
        submitted_at=at(1),
        decided_at=at(2),
        decided_by=coordinator,
    )
    application.topics.set([study, careers])
    application.goals.set([settle])
    window = AvailabilityWindow.objects.create(
        application=application, weekday=0, start=time(17), end=time(19)
    )
    question = Question.objects.create(
        program=program, text="What do you hope to learn?", kind=Question.Kind.SHORT_TEXT
    )
    answer = Answer.objects.create(
        application=application, question=question, value="How to plan my studies"
    )
    partner_application = ApplicationFactory(
        program=program,
        user=partner,
        role="mentor",
        status=Application.Status.APPROVED,
        career_stage=program.career_stages.get(name="Final-year"),
        capacity=2,
        motivation="I remember my own first year.",
        submitted_at=at(1),
        decided_at=at(2),
    )
    invitation = Invitation.objects.create(
        program=program,
        email=email.upper(),  # reaches the person whatever the case of the address
        name="Pat Person",
        role="mentee",
        token=f"invitation-{email}",
        invited_by=coordinator,
        accepted_at=at(1),
    )
    _set(invitation, created_at=at(0, -1))
    item = ScreeningItem.objects.create(program=program, label="Interview held")
    screening_check = ScreeningCheck.objects.create(
        application=application, item=item, checked_by=coordinator, checked_at=at(1, 3)
    )
    screening_note = ScreeningNote.objects.create(
        application=application, text=COORDINATOR_NOTE, updated_by=coordinator
    )
    consent = RecordsConsent.objects.create(
        program=program,
        user=person,
        granted=True,
        decided_at=at(1),
        source=RecordsConsent.Source.APPLICATION,
    )

    # --- training ---------------------------------------------------------------------
    step = TrainingStep.objects.create(
        program=program, position=1, title="Read the mentee handbook", body="The handbook."
    )
    quiz = TrainingStep.objects.create(
        program=program, position=2, kind=TrainingStep.Kind.QUIZ, title="Code of conduct quiz"
    )
    quiz_question = QuizQuestion.objects.create(
        step=quiz, position=1, text="May you share your partner's notes?", choices="*No\nYes"
    )
    attempt = QuizAttempt.objects.create(
        step=quiz,
        user=person,
        number=1,
        answers={str(quiz_question.pk): [0]},
        correct=1,
        total=1,
        score=100,
        passed=True,
        submitted_at=at(3),
    )
    completions = [
        StepCompletion.objects.create(step=step, user=person, completed_at=at(3, -1)),
        StepCompletion.objects.create(step=quiz, user=person, completed_at=at(3), attempt=attempt),
    ]

    # --- matching ---------------------------------------------------------------------
    match = Match.objects.create(
        program=program, mentor=partner_application, mentee=application, started_at=at(5)
    )
    exclusion_request = ExclusionRequest.objects.create(
        program=program, person=person, named="Xavier Example", key="xavier example"
    )
    _set(exclusion_request, created_at=at(4))
    exclusion = Exclusion.objects.create(
        program=program,
        person=person,
        other=others["xavier"],
        source=Exclusion.Source.PARTICIPANT,
        request=exclusion_request,
    )
    _set(exclusion, created_at=at(4))
    # Not the person's to see: a coordinator's exclusion, and one someone else asked for.
    Exclusion.objects.create(
        program=program,
        person=person,
        other=others["yan"],
        source=Exclusion.Source.COORDINATOR,
        reason=COORDINATOR_EXCLUSION_REASON,
    )
    Exclusion.objects.create(
        program=program, person=others["zed"], other=person, source=Exclusion.Source.PARTICIPANT
    )
    end_request = EndRequest.objects.create(
        match=match,
        requested_by=person,
        reason="Our timetables no longer fit.",
        end_reason="schedules",
    )
    _set(end_request, created_at=at(40))

    # --- relationships ----------------------------------------------------------------
    agreement = Agreement.objects.create(
        match=match,
        meeting_frequency="every_two_weeks",
        channel="video",
        planned_end_on=date(2025, 6, 30),
        mentor_hopes="To pass on what I learned.",
        mentee_hopes="To find my feet.",
        mentor_confidentiality=True,
        mentee_confidentiality=True,
        mentor_confirmed_at=at(6),
        mentee_confirmed_at=at(6, 2),
    )

    # --- sessions ---------------------------------------------------------------------
    meeting = Meeting.objects.create(
        program=program,
        mentor=partner,
        match=match,
        start=at(10, 5),
        end=at(10, 6),
        location="Library, room 2",
        booked_by=person,
    )
    guide = SessionGuide.objects.create(
        program=program, number=1, title="Getting to know each other", reflection_prompts="Why?"
    )
    log = SessionLog.objects.create(
        meeting=meeting,
        author=person,
        outcome=SessionLog.Outcome.HELD,
        duration_minutes=55,
        goal_progress={str(settle.pk): "some"},
        guide=guide,
        reflections=[{"prompt": "Why?", "answer": "To settle in."}],
        shared_notes="We planned my first term.",
    )
    log.topics.set([study])
    _set(log, created_at=at(10, 7))
    private_note = PrivateNote.objects.create(
        meeting=meeting, author=person, text="I was nervous but it went well."
    )
    _set(private_note, updated_at=at(10, 7))
    partner_log = SessionLog.objects.create(
        meeting=meeting,
        author=partner,
        outcome=SessionLog.Outcome.HELD,
        duration_minutes=60,
        shared_notes=PARTNER_LOG_NOTES,
    )
    partner_note = PrivateNote.objects.create(
        meeting=meeting, author=partner, text=PARTNER_PRIVATE_NOTE
    )
    calendar_feed = CalendarFeed.objects.create(user=person)
    _set(calendar_feed, created_at=at(5))

    # --- evaluation -------------------------------------------------------------------
    checkin = CheckIn.objects.create(
        match=match,
        application=application,
        opens_on=date(2025, 3, 3),
        due_on=date(2025, 3, 10),
        score=4,
        met=True,
        blocking="Finding a quiet room.",
        answered_at=at(28),
    )
    RiskFlag.objects.create(match=match, reason="no_session", detail=RISK_DETAIL, raised_at=at(40))
    survey = Survey.objects.create(program=program, title="Baseline survey", moment="baseline")
    survey_question = SurveyQuestion.objects.create(
        survey=survey, text="What do you expect?", kind=SurveyQuestion.Kind.TEXT
    )
    survey_invitation = SurveyInvitation.objects.create(
        survey=survey, application=application, due_on=date(2025, 2, 19), completed=True
    )
    _set(survey_invitation, created_at=at(2))
    response = SurveyResponse.objects.create(invitation=survey_invitation, submitted_at=at(3, 2))
    survey_answer = SurveyAnswer.objects.create(
        response=response, question=survey_question, value="Some guidance on exams."
    )
    anonymous_survey = Survey.objects.create(
        program=program, title="Mid-program survey", moment="mid", anonymous=True
    )
    anonymous_question = SurveyQuestion.objects.create(
        survey=anonymous_survey, text="How is it going?", kind=SurveyQuestion.Kind.TEXT
    )
    anonymous_invitation = SurveyInvitation.objects.create(
        survey=anonymous_survey, application=application, due_on=date(2025, 4, 1), completed=True
    )
    _set(anonymous_invitation, created_at=at(40))
    anonymous_response = AnonymousResponse.objects.create(
        survey=anonymous_survey, program=program, moment="mid", submitted_week=date(2025, 3, 17)
    )
    anonymous_answer = SurveyAnswer.objects.create(
        anonymous_response=anonymous_response, question=anonymous_question, value=ANONYMOUS_ANSWER
    )

    # --- outcomes ---------------------------------------------------------------------
    outcome_person = OutcomePerson.objects.create(
        program=program, user=person, institutional_id="S1234567", career_stage=first_year
    )
    outcome_record = OutcomeRecord.objects.create(
        person=outcome_person, term="2025-spring", measure="gpa", value=3.5
    )

    # --- notifications ----------------------------------------------------------------
    notification = Notification.objects.create(
        kind=Kind.MATCH_PUBLISHED,
        idempotency_key=f"test|match_published|{email}",
        recipient=person,
        to_email=email,
        program=program,
        context={"partner": "Mo Mentor"},
        due_at=at(5),
        status=Notification.Status.SENT,
        sent_at=at(5, 0.1),
    )
    preference = NotificationPreference.objects.create(
        user=person, kind=Kind.LOG_NUDGE, enabled=False
    )

    # --- audit and privacy ------------------------------------------------------------
    audit_entry = AuditEntry.objects.create(
        at=at(2),
        action=Action.APPLICATION_APPROVED,
        actor=coordinator,
        program=program,
        person=person,
        detail={"role": "mentee"},
    )
    notice = PrivacyNotice.objects.filter(version=1).first() or PrivacyNotice.objects.create(
        version=1, body="We keep what you tell us.", published_at=T0 - timedelta(days=30)
    )
    acceptance = NoticeAcceptance.objects.create(user=person, notice=notice, accepted_at=T0)
    for someone in (partner, coordinator, *others.values()):
        NoticeAcceptance.objects.create(user=someone, notice=notice, accepted_at=T0)

    return Everything(
        person=person,
        partner=partner,
        coordinator=coordinator,
        program=program,
        application=application,
        partner_application=partner_application,
        question=question,
        answer=answer,
        window=window,
        invitation=invitation,
        screening_check=screening_check,
        screening_note=screening_note,
        consent=consent,
        step=step,
        quiz=quiz,
        quiz_question=quiz_question,
        attempt=attempt,
        completions=completions,
        match=match,
        agreement=agreement,
        meeting=meeting,
        guide=guide,
        log=log,
        private_note=private_note,
        partner_log=partner_log,
        partner_note=partner_note,
        calendar_feed=calendar_feed,
        checkin=checkin,
        survey=survey,
        survey_answer=survey_answer,
        anonymous_survey=anonymous_survey,
        anonymous_answer=anonymous_answer,
        exclusion_request=exclusion_request,
        exclusion=exclusion,
        end_request=end_request,
        notification=notification,
        preference=preference,
        outcome_person=outcome_person,
        outcome_record=outcome_record,
        notice=notice,
        acceptance=acceptance,
        audit_entry=audit_entry,
        others=others,
    )
