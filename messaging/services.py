"""Writes for messages: conversations kept in step with matches, sending, reading,
announcements and reports.

New-message emails are batched through the notification ledger: the first message a member
has not read queues one NEW_MESSAGES row about their member row, due EMAIL_DELAY later; the
messages after it join that row (it counts what is new when it goes out), and reading the
conversation cancels it. So a recipient gets at most one email per conversation per
EMAIL_DELAY, and none while they are reading.
"""

from datetime import timedelta

from django.contrib.contenttypes.models import ContentType
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from matching.models import Match
from mentoring.compiled import compiled
from messaging.files import attachment_validate
from messaging.models import (
    MAX_MESSAGE_LENGTH,
    MAX_REASON_LENGTH,
    Announcement,
    Conversation,
    ConversationMember,
    Message,
    Report,
)
from messaging.permissions import conversation_writable
from notifications.models import Kind, Notification
from notifications.services import notifications_cancel, notifications_queue_many
from programs.models import Application, Program
from programs.permissions import programs_coordinated_by

EMAIL_DELAY = timedelta(minutes=15)
C = Conversation.Kind


def _text_checked(text: str, *, limit: int, required: bool, empty_message: str) -> str:
    text = (text or "").strip()
    if required and not text:
        raise ValidationError(empty_message)
    if len(text) > limit:
        raise ValidationError(
            _("Keep it to %(limit)s characters (this one has %(n)s).")
            % {"limit": limit, "n": len(text)}
        )
    return text


# --- who belongs ------------------------------------------------------------------------


def conversation_member_ids(*, conversation: Conversation) -> set[int]:
    """The users who belong to the conversation now (coordinators: the program's current
    ones)."""
    if conversation.kind == C.PAIR:
        return {conversation.match.mentor.user_id, conversation.match.mentee.user_id}
    if conversation.kind == C.GROUP:
        mentees = Match.objects.filter(
            mentor_id=conversation.mentor_id, status=Match.Status.ACTIVE
        ).values_list("mentee__user_id", flat=True)
        return {conversation.mentor.user_id, *mentees}
    coordinators = conversation.program.coordinators.filter(is_active=True, is_staff=True)
    return {conversation.participant_id, *coordinators.values_list("pk", flat=True)}


def _members_sync(conversation: Conversation) -> list[ConversationMember]:
    """Member rows for exactly the people who belong now: rows for newcomers, none for those
    who left (a mentee whose match ended, a former coordinator). Returns the rows, users
    loaded."""
    wanted = conversation_member_ids(conversation=conversation)
    rows = ConversationMember.objects.filter(conversation=conversation)
    have = set(rows.values_list("user_id", flat=True))
    if have - wanted:
        rows.filter(user_id__in=have - wanted).delete()
    ConversationMember.objects.bulk_create(
        [ConversationMember(conversation=conversation, user_id=pk) for pk in wanted - have],
        ignore_conflicts=True,
    )
    return list(rows.select_related("user"))


def _conversation_create(**fields) -> Conversation:
    """Get or make a conversation with its members' rows. A conversation with the
    coordinators starts with the participant's row only: the coordinators get theirs when
    the participant first writes, so their inbox lists the people who did."""
    conversation, created = Conversation.objects.get_or_create(**fields)
    if created and conversation.kind == C.COORDINATORS:
        ConversationMember.objects.create(conversation=conversation, user=conversation.participant)
    elif created:
        _members_sync(conversation)
    return conversation


def conversation_for_match(*, match: Match) -> Conversation:
    """The pair's conversation, made (with both members) the first time it is needed."""
    return _conversation_create(kind=C.PAIR, match=match, program_id=match.program_id)


def conversation_for_group(*, mentor: Application) -> Conversation:
    return _conversation_create(kind=C.GROUP, mentor=mentor, program_id=mentor.program_id)


def conversation_with_coordinators(*, program: Program, participant) -> Conversation:
    return _conversation_create(kind=C.COORDINATORS, program=program, participant=participant)


@compiled
def _matches_of(*, user):
    return Match.objects.filter(Q(mentor__user=user) | Q(mentee__user=user)).values(
        "pk", "program_id", "mentor_id", "status", "program__format"
    )


@compiled
def _approved_programs_of(*, user):
    approved = Application.objects.filter(user=user, status=Application.Status.APPROVED)
    return approved.values_list("program_id", flat=True)


@compiled
def _conversations_existing(*, user, matches: list[int], mentors: list[int], programs: list[int]):
    return Conversation.objects.filter(
        Q(kind=C.PAIR, match_id__in=matches)
        | Q(kind=C.GROUP, mentor_id__in=mentors)
        | Q(kind=C.COORDINATORS, participant=user, program_id__in=programs)
    ).values_list("pk", "kind", "match_id", "mentor_id", "program_id")


@compiled
def _member_rows_of(*, user):
    return ConversationMember.objects.filter(user=user).values_list(
        "conversation_id", "conversation__kind"
    )


def conversations_ensure(*, user) -> None:
    """Make the conversations `user` belongs to (one per match, their group in a group
    program, one with the coordinators of each program they were approved for) and their
    member rows, and drop their rows in groups and coordinator inboxes they have left. A
    few reads when nothing is missing (the conversation list calls it on every visit), each
    by kept SQL."""
    matches = _matches_of(user=user)
    groups = {
        m["mentor_id"]: m["program_id"]
        for m in matches
        if m["status"] == Match.Status.ACTIVE and m["program__format"] == Program.Format.GROUP
    }
    programs = set(_approved_programs_of(user=user))
    existing = _conversations_existing(
        user=user,
        matches=[m["pk"] for m in matches],
        mentors=sorted(groups),
        programs=sorted(programs),
    )
    keys = {(kind, match or mentor or program): pk for pk, kind, match, mentor, program in existing}
    wanted = set(keys.values())
    for m in matches:
        if (C.PAIR, m["pk"]) not in keys:
            match = Match.objects.select_related("mentor", "mentee").get(pk=m["pk"])
            wanted.add(conversation_for_match(match=match).pk)
    for mentor_id in groups.keys() - {key for kind, key in keys if kind == C.GROUP}:
        mentor = Application.objects.select_related("program").get(pk=mentor_id)
        wanted.add(conversation_for_group(mentor=mentor).pk)
    for program_id in programs - {key for kind, key in keys if kind == C.COORDINATORS}:
        program = Program.objects.get(pk=program_id)
        wanted.add(conversation_with_coordinators(program=program, participant=user).pk)
    _own_rows_sync(user, wanted)


def _own_rows_sync(user, wanted: set[int]) -> None:
    rows = ConversationMember.objects.filter(user=user)
    have = dict(_member_rows_of(user=user))
    ConversationMember.objects.bulk_create(
        [ConversationMember(conversation_id=pk, user=user) for pk in wanted - have.keys()],
        ignore_conflicts=True,
    )
    # Rows in groups the person left, and in coordinator inboxes of programs they no
    # longer coordinate (their own conversations with coordinators always stay).
    stale = [pk for pk, kind in have.items() if kind == C.GROUP and pk not in wanted]
    coordinating = {pk for pk, kind in have.items() if kind == C.COORDINATORS} - wanted
    if coordinating:
        still = programs_coordinated_by(user=user)
        stale += list(
            Conversation.objects.filter(pk__in=coordinating)
            .exclude(participant=user)
            .exclude(program__in=still)
            .values_list("pk", flat=True)
        )
    if stale:
        rows.filter(conversation_id__in=stale).delete()


# --- sending and reading ----------------------------------------------------------------


@transaction.atomic
def message_send(*, conversation: Conversation, author, text: str, attachment=None) -> Message:
    """Post a message (text, an attachment or both) from a member; brings the member rows in
    step, marks the conversation read for the author and queues the batched NEW_MESSAGES
    email for the others (none for one already waiting). Raises ValidationError, saving
    nothing, for an empty or over-long message, a refused file, or a read-only conversation."""
    Conversation.objects.select_for_update().filter(pk=conversation.pk).first()
    if not conversation_writable(conversation=conversation):
        raise ValidationError(_("This match has ended; its conversation is read-only."))
    text = _text_checked(
        text,
        limit=MAX_MESSAGE_LENGTH,
        required=attachment is None,
        empty_message=_("Write a message or attach a file."),
    )
    message = Message(conversation=conversation, author=author, text=text)
    if attachment is not None:
        attachment_validate(attachment)
        message.attachment = attachment
        message.attachment_name = attachment.name[-200:]
        message.attachment_size = attachment.size
    message.save()
    Conversation.objects.filter(pk=conversation.pk).update(last_message_at=message.created_at)
    members = _members_sync(conversation)
    ConversationMember.objects.filter(conversation=conversation, user=author).update(
        last_read_id=message.pk, last_read_at=message.created_at
    )
    _new_messages_email(conversation, [m for m in members if m.user_id != author.pk], author)
    return message


def _new_messages_email(conversation: Conversation, members, author) -> None:
    """Queue one NEW_MESSAGES row per member who has none waiting. A coordinator writing to a
    participant tells the participant only, not the other coordinators."""
    if conversation.kind == C.COORDINATORS and author.pk != conversation.participant_id:
        members = [m for m in members if m.user_id == conversation.participant_id]
    waiting = set(
        Notification.objects.filter(
            kind=Kind.NEW_MESSAGES,
            subject_type=ContentType.objects.get_for_model(ConversationMember),
            subject_id__in=[m.pk for m in members],
            status__in=[Notification.Status.QUEUED, Notification.Status.RETRYING],
        ).values_list("subject_id", flat=True)
    )
    notifications_queue_many(
        kind=Kind.NEW_MESSAGES,
        recipients=[(m.user, m) for m in members if m.pk not in waiting],
        program=conversation.program,
        due_at=timezone.now() + EMAIL_DELAY,
    )


def conversation_mark_read(*, conversation: Conversation, user, up_to: int) -> None:
    """`user` has seen the conversation up to message id `up_to`: move their read mark and
    cancel the new-messages email waiting for them."""
    member, _created = ConversationMember.objects.get_or_create(
        conversation=conversation, user=user
    )
    if up_to <= member.last_read_id:
        return
    ConversationMember.objects.filter(pk=member.pk, last_read_id__lt=up_to).update(
        last_read_id=up_to, last_read_at=timezone.now()
    )
    notifications_cancel(subject=member, kinds=[Kind.NEW_MESSAGES], recipient=user)


# --- announcements ----------------------------------------------------------------------


def announcement_recipients(*, program: Program, audience: str, mentor=None) -> list:
    """The approved participants an announcement reaches, each person once."""
    approved = Application.objects.filter(program=program, status=Application.Status.APPROVED)
    if audience == Announcement.Audience.MENTORS:
        approved = approved.filter(role="mentor")
    elif audience == Announcement.Audience.MENTEES:
        approved = approved.filter(role="mentee")
    elif audience == Announcement.Audience.GROUP:
        mentees = Match.objects.filter(mentor=mentor, status=Match.Status.ACTIVE)
        approved = approved.filter(Q(pk=mentor.pk) | Q(pk__in=mentees.values("mentee_id")))
    users = {}
    for application in approved.select_related("user").order_by("pk"):
        users.setdefault(application.user_id, application.user)
    return list(users.values())


@transaction.atomic
def announcement_send(
    *, program: Program, author, audience: str, text: str, mentor=None
) -> Announcement:
    """Send an announcement: a copy in each recipient's conversation with the coordinators
    (made where missing) and an ANNOUNCEMENT email each. Raises ValidationError, sending
    nothing, for empty or over-long text, a group without its mentor, or nobody to send to."""
    text = _text_checked(
        text,
        limit=MAX_MESSAGE_LENGTH,
        required=True,
        empty_message=_("Write the announcement."),
    )
    if audience == Announcement.Audience.GROUP and (
        mentor is None or mentor.program_id != program.pk
    ):
        raise ValidationError(_("Choose the mentor whose group it goes to."))
    users = announcement_recipients(program=program, audience=audience, mentor=mentor)
    if not users:
        raise ValidationError(_("Nobody would receive it: no approved participant is in it."))
    announcement = Announcement.objects.create(
        program=program,
        author=author,
        audience=audience,
        mentor=mentor if audience == Announcement.Audience.GROUP else None,
        text=text,
        recipients=len(users),
    )
    conversations = _coordinator_conversations(program, users)
    Message.objects.bulk_create(
        Message(
            conversation=conversation,
            author=author,
            announcement=announcement,
            created_at=announcement.created_at,
        )
        for conversation in conversations
    )
    Conversation.objects.filter(pk__in=[c.pk for c in conversations]).update(
        last_message_at=announcement.created_at
    )
    notifications_queue_many(
        kind=Kind.ANNOUNCEMENT, recipients=[(u, announcement) for u in users], program=program
    )
    return announcement


def _coordinator_conversations(program: Program, users: list) -> list[Conversation]:
    """Each user's conversation with the program's coordinators, with their member row,
    made in bulk where missing."""
    ids = [u.pk for u in users]
    mine = Conversation.objects.filter(kind=C.COORDINATORS, program=program, participant_id__in=ids)
    have = set(mine.values_list("participant_id", flat=True))
    Conversation.objects.bulk_create(
        [
            Conversation(kind=C.COORDINATORS, program=program, participant_id=pk)
            for pk in ids
            if pk not in have
        ],
        ignore_conflicts=True,
    )
    conversations = list(mine)
    ConversationMember.objects.bulk_create(
        [ConversationMember(conversation=c, user_id=c.participant_id) for c in conversations],
        ignore_conflicts=True,
    )
    return conversations


# --- reports ----------------------------------------------------------------------------


@transaction.atomic
def message_report(*, message: Message, reporter, reason: str) -> Report:
    """A member reports someone else's message: the report is saved and the program's
    coordinators get a MESSAGE_REPORTED email. Raises ValidationError, saving nothing, for
    one's own message, a second report of the same message, or an empty or long reason."""
    reason = _text_checked(
        reason,
        limit=MAX_REASON_LENGTH,
        required=True,
        empty_message=_("Say what is wrong with the message."),
    )
    if message.author_id == reporter.pk:
        raise ValidationError(_("You cannot report your own message."))
    if Report.objects.filter(message=message, reporter=reporter).exists():
        raise ValidationError(_("You have already reported this message."))
    report = Report.objects.create(message=message, reporter=reporter, reason=reason)
    program = message.conversation.program
    coordinators = program.coordinators.filter(is_active=True, is_staff=True)
    notifications_queue_many(
        kind=Kind.MESSAGE_REPORTED,
        recipients=[(coordinator, report) for coordinator in coordinators],
        program=program,
    )
    return report
