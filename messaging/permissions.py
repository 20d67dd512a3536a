"""Who may read and write a conversation. Members only: the two people of a match, a mentor
and the mentees of their active matches for a group, the participant and the program's
coordinators for a conversation with the coordinators. Coordinators are not members of pair
or group conversations (they see a message only when someone reports it, `report_for_
coordinator`). Everything else is 404, so nobody learns that a conversation exists."""

from django.http import Http404
from django.shortcuts import get_object_or_404

from matching.models import Match
from mentoring.compiled import compiled
from messaging.models import Conversation, Message, Report
from programs.permissions import program_for_coordinator, programs_coordinated_by

__all__ = [
    "conversation_for_member",
    "conversation_writable",
    "message_for_member",
    "program_for_coordinator",
    "report_for_coordinator",
]


def _is_member(conversation: Conversation, user) -> bool:
    kind = conversation.kind
    if kind == Conversation.Kind.PAIR:
        return conversation.match.has_participant(user)
    if kind == Conversation.Kind.GROUP:
        if conversation.mentor.user_id == user.pk:
            return True
        return Match.objects.filter(
            mentor_id=conversation.mentor_id, mentee__user=user, status=Match.Status.ACTIVE
        ).exists()
    if conversation.participant_id == user.pk:
        return True
    return programs_coordinated_by(user=user).filter(pk=conversation.program_id).exists()


@compiled
def _conversation(*, pk):
    """A conversation with what its page shows (kept SQL: six tables joined)."""
    return Conversation.objects.select_related(
        "program", "match__mentor__user", "match__mentee__user", "mentor__user", "participant"
    ).filter(pk=pk)[:1]


def conversation_for_member(*, user, pk) -> Conversation:
    """The conversation if `user` is one of its members; 404 otherwise."""
    conversation = _conversation.first(pk=pk)
    if conversation is None or not user.is_authenticated or not _is_member(conversation, user):
        raise Http404("No such conversation.")
    return conversation


def conversation_writable(*, conversation: Conversation) -> bool:
    """A pair's conversation is read-only once its match has ended; the others stay open."""
    if conversation.kind == Conversation.Kind.PAIR:
        return conversation.match.is_active
    return True


def message_for_member(*, conversation: Conversation, pk) -> Message:
    """A message of a conversation the caller already checked membership of; 404 otherwise."""
    return get_object_or_404(Message, pk=pk, conversation=conversation)


def report_for_coordinator(*, user, pk) -> Report:
    """A report about a message in a program `user` coordinates; 404 otherwise."""
    return get_object_or_404(
        Report.objects.select_related(
            "message__conversation__program", "message__author", "reporter"
        ),
        pk=pk,
        message__conversation__program__in=programs_coordinated_by(user=user),
    )
