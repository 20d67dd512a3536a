"""Every kind of email escapes user text in its HTML part.

Each kind is queued the way the app queues it, once with benign text and once with hostile
text in every user-controlled field its templates show, and rendered by the real
`notification_render`. The hostile HTML must have exactly the elements and attribute names
of the benign one (so none came from the input), no <img> or <script>, and the hostile text
as text; the plain-text part keeps it as typed.
"""

import secrets
from collections.abc import Callable
from datetime import timedelta
from html.parser import HTMLParser

import pytest
from django.utils import timezone

from evaluation.models import RiskFlag
from evaluation.services import (
    checkins_create_due,
    coordinator_digests_queue,
    no_session_nudges_queue,
    survey_invitations_for_approval,
)
from matching.models import Match, MatchRequest, WaitlistOffer
from matching.services.ending import end_request_create, match_end
from matching.services.requests import request_decline
from matching.services.waitlist import waitlist_place_freed
from notifications.models import Kind, Notification
from notifications.rendering import notification_render
from notifications.services import notification_queue
from programs.models import Application, Invitation, Program, StaffInvitation, Topic
from programs.roster import invitations_send_pending
from programs.services import application_decide
from programs.staff_invitations import staff_invitation_create
from relationships.services import (
    agreement_reminders_queue,
    agreement_save,
    matches_close_planned,
    today_utc,
)
from sessions.models import Attendance, Meeting, SessionLog
from sessions.services.common import reminders_schedule, tell
from tests.evaluation.helpers import make_survey
from tests.factories import ApplicationFactory, ProgramFactory, UserFactory
from training.models import TrainingStep
from training.services import training_reminders_queue_program

pytestmark = pytest.mark.django_db

HOSTILE = '"><img src=x onerror=alert(1)> <script>alert(1)</script> </title><b>x'
BENIGN = "Plain words only"


def _user(text: str, **fields):
    return UserFactory(display_name=text, **fields)


def _program(text: str, **fields) -> Program:
    fields.setdefault("status", Program.Status.RUNNING)
    return ProgramFactory(name=text, description=text, **fields)


def _application(program: Program, role: str, text: str, **fields) -> Application:
    fields.setdefault("status", Application.Status.APPROVED)
    return ApplicationFactory(program=program, role=role, user=_user(text), **fields)


def _pair(text: str, *, days_ago: int = 0, **program_fields) -> Match:
    program = _program(text, **program_fields)
    return Match.objects.create(
        program=program,
        mentor=_application(program, "mentor", text),
        mentee=_application(program, "mentee", text),
        started_at=timezone.now() - timedelta(days=days_ago),
        explanation=[{"label": text, "text": text, "contribution": 1.0}],
    )


def _coordinator(program: Program, text: str):
    coordinator = _user(text, is_staff=True)
    program.coordinators.add(coordinator)
    return coordinator


def _meeting(match: Match, text: str, **fields) -> Meeting:
    start = timezone.now().replace(microsecond=0) + timedelta(days=3)
    return Meeting.objects.create(
        program=match.program,
        mentor=match.mentor.user,
        match=match,
        start=start,
        end=start + timedelta(hours=1),
        location=text,
        online_link=f"https://meet.example.org/{text}",
        **fields,
    )


def _group_meeting(text: str) -> Meeting:
    match = _pair(text, format="group", group_size=3)
    meeting = _meeting(match, text, kind=Meeting.Kind.GROUP, title=text)
    meeting.match = None
    meeting.save(update_fields=["match"])
    Attendance.objects.create(meeting=meeting, member=match.mentee.user)
    return meeting


def _ledger(kind: str, **filters) -> list[Notification]:
    return list(Notification.objects.filter(kind=kind, **filters).order_by("pk"))


def _request(text: str, **fields) -> MatchRequest:
    match = _pair(text, kind=Program.Kind.INFORMAL)
    return MatchRequest.objects.create(
        program=match.program, mentee=match.mentee, mentor=match.mentor, message=text, **fields
    )


def application_decision(text):
    application = _application(_program(text), "mentee", text, status=Application.Status.APPLIED)
    application_decide(application=application, status="declined", reason=text)
    return _ledger(Kind.APPLICATION_DECISION, recipient=application.user)


def program_invitation(text):
    program = _program(text, status=Program.Status.ENROLLING)
    Invitation.objects.create(
        program=program,
        email=f"invitee{secrets.token_hex(4)}@example.org",
        name=text,
        role="mentee",
        token=secrets.token_urlsafe(32),
        invited_by=_user(text),
    )
    invitations_send_pending(program=program)
    return _ledger(Kind.PROGRAM_INVITATION, program=program)


def staff_invitation(text):
    program = _program(text, status=Program.Status.DRAFT)
    staff_invitation_create(
        program=program,
        email=f"colleague{secrets.token_hex(4)}@example.org",
        role=StaffInvitation.Role.COORDINATOR,
        invited_by=_user(text),
    )
    staff_invitation_create(
        program=program,
        email=f"colleague{secrets.token_hex(4)}@example.org",
        role=StaffInvitation.Role.REPORTING,
        invited_by=None,
    )
    return _ledger(Kind.STAFF_INVITATION, program=program)


def match_published(text):
    match = _pair(text)
    for person in (match.mentee.user, match.mentor.user):
        notification_queue(
            kind=Kind.MATCH_PUBLISHED, to=person, subject=match, program=match.program
        )
    return _ledger(Kind.MATCH_PUBLISHED, program=match.program)


def match_request(text):
    request = _request(text)
    notification_queue(
        kind=Kind.MATCH_REQUEST, to=request.mentor.user, subject=request, program=request.program
    )
    return _ledger(Kind.MATCH_REQUEST, program=request.program)


def request_accepted(text):
    request = _request(text, status=MatchRequest.Status.ACCEPTED, response=text)
    notification_queue(
        kind=Kind.REQUEST_ACCEPTED, to=request.mentee.user, subject=request, program=request.program
    )
    return _ledger(Kind.REQUEST_ACCEPTED, program=request.program)


def request_declined(text):
    request = _request(text)
    request_decline(request=request, response=text)
    return _ledger(Kind.REQUEST_DECLINED, program=request.program)


def match_ended(text):
    match = _pair(text)
    match_end(match=match)
    return _ledger(Kind.MATCH_ENDED, program=match.program)


def end_requested(text):
    match = _pair(text)
    _coordinator(match.program, text)
    end_request_create(match=match, by=match.mentee.user, reason=text)
    return _ledger(Kind.END_REQUESTED, program=match.program)


def _told(kind: str, text: str, **context):
    meeting = _meeting(_pair(text), text)
    tell(meeting, kind, by=_user(text), context=context)
    return _ledger(kind, program=meeting.program)


def booking_confirmed(text):
    return _told(Kind.BOOKING_CONFIRMED, text)


def booking_rescheduled(text):
    return _told(Kind.BOOKING_RESCHEDULED, text)


def booking_cancelled(text):
    return _told(Kind.BOOKING_CANCELLED, text, reason=text)


def group_session_scheduled(text):
    meeting = _group_meeting(text)
    tell(meeting, Kind.GROUP_SESSION_SCHEDULED, by=meeting.mentor)
    return _ledger(Kind.GROUP_SESSION_SCHEDULED, program=meeting.program)


def _scheduled(kind: str, text: str):
    one_on_one, group = _meeting(_pair(text), text), _group_meeting(text)
    for meeting in (one_on_one, group):
        reminders_schedule(meeting)
    return _ledger(kind, program=one_on_one.program) + _ledger(kind, program=group.program)


def session_reminder(text):
    return _scheduled(Kind.SESSION_REMINDER, text)


def log_nudge(text):
    return _scheduled(Kind.LOG_NUDGE, text)


def _checkins(kind: str, text: str):
    match = _pair(text, cadence_days=14, days_ago=14)
    checkins_create_due(program=match.program)
    return _ledger(kind, program=match.program)


def checkin_invitation(text):
    return _checkins(Kind.CHECKIN_INVITATION, text)


def checkin_reminder(text):
    return _checkins(Kind.CHECKIN_REMINDER, text)


def _surveys(kind: str, text: str):
    program = _program(text)
    make_survey(program, title=text)
    survey_invitations_for_approval(application=_application(program, "mentee", text))
    return _ledger(kind, program=program)


def survey_invitation(text):
    return _surveys(Kind.SURVEY_INVITATION, text)


def survey_reminder(text):
    return _surveys(Kind.SURVEY_REMINDER, text)


def no_session_nudge(text):
    match = _pair(text, no_session_alert_days=30, days_ago=33)
    no_session_nudges_queue(program=match.program, today=timezone.localdate())
    return _ledger(Kind.NO_SESSION_NUDGE, program=match.program)


def coordinator_digest(text):
    match = _pair(text)
    coordinator = _coordinator(match.program, text)
    RiskFlag.objects.create(match=match, reason="no_session", detail=text, raised_at=timezone.now())
    coordinator_digests_queue()
    return _ledger(Kind.COORDINATOR_DIGEST, recipient=coordinator)


def waitlist_offer(text):
    # Names, the program and the explanation (a topic the coordinator named, a language the
    # participants typed) carry the text.
    program = _program(text)
    coordinator = _coordinator(program, text)
    topic = Topic.objects.create(program=program, name=text)
    mentor = _application(program, "mentor", text, capacity=1, languages=[text])
    mentee = _application(
        program, "mentee", text, status=Application.Status.WAITLISTED, languages=[text]
    )
    for application in (mentor, mentee):
        application.topics.add(topic)
    waitlist_place_freed(mentor=mentor, trigger=WaitlistOffer.Trigger.MENTOR_APPROVED)
    return _ledger(Kind.WAITLIST_OFFER, recipient=coordinator)


def training_reminder(text):
    # The program, the person and the step titles carry the text.
    program = _program(text)
    _application(program, "mentor", text, decided_at=timezone.now() - timedelta(days=10))
    for position, kind in enumerate(("resource", "workshop"), start=1):
        TrainingStep.objects.create(
            program=program, kind=kind, position=position, title=text, body=text, due_days=7
        )
    training_reminders_queue_program(program=program)
    return _ledger(Kind.TRAINING_REMINDER, program=program)


def agreement_reminder(text):
    # The sweep reminds both sides the day after the match starts; the mentee has confirmed,
    # so the mentor's reminder says their partner is waiting.
    match = _pair(text, days_ago=1, ends_on=timezone.localdate() + timedelta(days=60))
    agreement_save(
        match=match,
        by=match.mentee.user,
        data={
            "meeting_frequency": "weekly",
            "channel": "video",
            "confidentiality": True,
            "mentee_hopes": text,
        },
        confirm=True,
    )
    agreement_reminders_queue(program=match.program, today=today_utc())
    return _ledger(Kind.AGREEMENT_REMINDER, program=match.program)


def match_closing(text):
    # The closing sweep once the end date has passed (the closing message carries the text);
    # the mentor held a session, enough for a certificate, so theirs says it is ready.
    match = _pair(
        text,
        days_ago=30,
        closing_message=text,
        ends_on=timezone.localdate() - timedelta(days=1),
        certificate_min_sessions=1,
    )
    start = timezone.now().replace(microsecond=0) - timedelta(days=5)
    meeting = Meeting.objects.create(
        program=match.program,
        mentor=match.mentor.user,
        match=match,
        start=start,
        end=start + timedelta(hours=1),
    )
    SessionLog.objects.create(meeting=meeting, author=match.mentor.user, outcome="held")
    matches_close_planned(program=match.program, today=today_utc())
    return _ledger(Kind.MATCH_CLOSING, program=match.program)


def data_export_ready(text):
    import shutil
    import tempfile

    from django.test import override_settings

    from privacy.export import data_export_build, data_export_request

    person = _user(text)
    media = tempfile.mkdtemp()
    try:
        with override_settings(MEDIA_ROOT=media):
            data_export_build(export_id=data_export_request(user=person).pk)
    finally:
        shutil.rmtree(media)
    return _ledger(Kind.DATA_EXPORT_READY, recipient=person)


def account_deletion_scheduled(text):
    from privacy.deletion import account_deletion_request

    person = _user(text)
    account_deletion_request(user=person)
    return _ledger(Kind.ACCOUNT_DELETION_SCHEDULED, recipient=person)


def partner_account_deleted(text):
    from privacy.deletion import account_deletion_request

    match = _pair(text)
    account_deletion_request(user=match.mentee.user)
    return _ledger(Kind.PARTNER_ACCOUNT_DELETED, recipient=match.mentor.user)


def _expiry_sweep(text: str, *, days_ago: float, kind: str) -> list[Notification]:
    # The request (its message, both names, the program carry the text) has waited
    # `days_ago` days, its reminder (if any) a day; the daily task does the rest.
    from matching.tasks import matching_daily

    request = _request(text)
    MatchRequest.objects.filter(pk=request.pk).update(
        created_at=timezone.now() - timedelta(days=days_ago),
        reminded_at=timezone.now() - timedelta(days=1) if days_ago >= 7 else None,
    )
    matching_daily()
    return _ledger(kind, program=request.program)


def request_expiring(text):
    return _expiry_sweep(text, days_ago=6.5, kind=Kind.REQUEST_EXPIRING)


def request_expired(text):
    return _expiry_sweep(text, days_ago=8, kind=Kind.REQUEST_EXPIRED)


def new_messages(text):
    from messaging.services import conversation_for_match, message_send

    match = _pair(text)
    conversation = conversation_for_match(match=match)
    message_send(conversation=conversation, author=match.mentor.user, text=text)
    return _ledger(Kind.NEW_MESSAGES, program=match.program)


def announcement(text):
    from messaging.services import announcement_send

    program = _program(text)
    _application(program, "mentee", text)
    coordinator = _coordinator(program, text)
    announcement_send(program=program, author=coordinator, audience="all", text=text)
    return _ledger(Kind.ANNOUNCEMENT, program=program)


def message_reported(text):
    from messaging.services import conversation_for_match, message_report, message_send

    match = _pair(text)
    _coordinator(match.program, text)
    conversation = conversation_for_match(match=match)
    message = message_send(conversation=conversation, author=match.mentor.user, text=text)
    message_report(message=message, reporter=match.mentee.user, reason=text)
    return _ledger(Kind.MESSAGE_REPORTED, program=match.program)


# One builder per kind: it queues that kind's emails with `text` in every user field.
BUILDERS: dict[str, Callable[[str], list[Notification]]] = {
    builder.__name__: builder
    for builder in (
        application_decision,
        program_invitation,
        match_published,
        match_request,
        request_accepted,
        request_declined,
        match_ended,
        end_requested,
        booking_confirmed,
        booking_rescheduled,
        booking_cancelled,
        group_session_scheduled,
        session_reminder,
        log_nudge,
        checkin_invitation,
        checkin_reminder,
        survey_invitation,
        survey_reminder,
        no_session_nudge,
        coordinator_digest,
        waitlist_offer,
        training_reminder,
        agreement_reminder,
        match_closing,
        data_export_ready,
        account_deletion_scheduled,
        partner_account_deleted,
        new_messages,
        announcement,
        message_reported,
        request_expiring,
        request_expired,
        staff_invitation,
    )
}


class _Markup(HTMLParser):
    """The elements (with their attribute names) and the text of an HTML document."""

    def __init__(self, html: str):
        super().__init__(convert_charrefs=True)
        self.elements: list[tuple[str, tuple[str, ...]]] = []
        self.text: list[str] = []
        self.feed(html)
        self.close()

    def handle_starttag(self, tag, attrs):
        self.elements.append((tag, tuple(name for name, _ in attrs)))

    def handle_endtag(self, tag):
        self.elements.append((f"/{tag}", ()))

    def handle_data(self, data):
        self.text.append(data)


def _renders(kind: str, text: str):
    notifications = BUILDERS[kind](text)
    assert notifications, f"the {kind} builder queued nothing"
    return [notification_render(notification=n) for n in notifications]


def test_every_kind_has_a_builder():
    assert set(BUILDERS) == set(Kind.values)


@pytest.mark.parametrize("kind", Kind.values)
def test_html_part_escapes_user_text(kind):
    if kind not in BUILDERS:
        pytest.fail(f"no builder for {kind}: add one above so its emails are checked")
    benign, hostile = _renders(kind, BENIGN), _renders(kind, HOSTILE)
    assert len(benign) == len(hostile)
    for plain, attacked in zip(benign, hostile, strict=True):
        [(html, mimetype)] = attacked.alternatives
        assert mimetype == "text/html"
        markup = _Markup(html)
        assert markup.elements == _Markup(plain.alternatives[0][0]).elements
        assert {"img", "script", "b"}.isdisjoint(tag for tag, _ in markup.elements)
        assert HOSTILE in "".join(markup.text)
        assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
        assert HOSTILE in attacked.body  # the text part stays plain
