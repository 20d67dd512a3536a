"""Reads for the message pages, the navigation badge and the batched emails.

A message is new to a member when its id is past their read mark and it counts for them
(`counted_q`): not their own, and, in a conversation with the coordinators, the coordinators
are one side: a coordinator is not told about what another coordinator wrote there.
"""

from django.db.models import (
    Count,
    Exists,
    F,
    IntegerField,
    OuterRef,
    Q,
    QuerySet,
    Subquery,
    TextField,
    Value,
)
from django.db.models.functions import Coalesce, NullIf
from django.utils.translation import gettext as _

from accounts.models import User
from mentoring.compiled import compiled
from messaging.models import Conversation, ConversationMember, Message

#: Messages a conversation page shows at once; "Earlier messages" pages back.
PAGE_SIZE = 50
#: Messages shown before and after a reported one.
REPORT_CONTEXT = 5


def counted_q(user_id: int, prefix: str = "") -> Q:
    """Messages that count as new for the person `user_id` (a lookup `prefix` from the model
    queried to Message)."""
    kind, participant = f"{prefix}conversation__kind", f"{prefix}conversation__participant"
    return ~Q(**{f"{prefix}author": user_id}) & (
        ~Q(**{kind: Conversation.Kind.COORDINATORS})
        | Q(**{participant: user_id})
        | Q(**{f"{prefix}author": F(participant)})
    )


def _unread(user_id: int) -> QuerySet[Message]:
    return Message.objects.filter(
        conversation__members__user=user_id,
        pk__gt=F("conversation__members__last_read_id"),
    ).filter(counted_q(user_id))


@compiled
def _unread_ids(*, user_id: int) -> QuerySet[Message]:
    return _unread(user_id).order_by().values("pk")


def unread_total(*, user) -> int:
    """Messages new to `user` across their conversations: one query (the navigation badge,
    on every page: its SQL is kept)."""
    return _unread_ids.count(user_id=user.pk)


def _shown_text() -> Coalesce:
    """A message's own text, or its announcement's."""
    return Coalesce(
        NullIf(F("text"), Value("")), F("announcement__text"), Value(""), output_field=TextField()
    )


def member_list_for_user(*, user) -> QuerySet[ConversationMember]:
    """The person's conversations (as their member rows), latest activity first, each with
    `unread` and `last_text`."""
    unread = (
        Message.objects.filter(conversation=OuterRef("conversation_id"))
        .filter(pk__gt=OuterRef("last_read_id"))
        .filter(counted_q(user.pk))
        .order_by()
        .values("conversation")
        .annotate(n=Count("pk"))
        .values("n")
    )
    last = (
        Message.objects.filter(conversation=OuterRef("conversation_id"))
        .order_by("-pk")
        .annotate(shown=_shown_text())
        .values("shown")[:1]
    )
    return (
        ConversationMember.objects.filter(user=user)
        .select_related(
            "conversation__program",
            "conversation__match__mentor__user",
            "conversation__match__mentee__user",
            "conversation__mentor__user",
            "conversation__participant",
        )
        .annotate(
            unread=Coalesce(Subquery(unread, output_field=IntegerField()), 0),
            last_text=Subquery(last),
        )
        .order_by(F("conversation__last_message_at").desc(nulls_last=True), "conversation__pk")
    )


def conversation_title(*, conversation: Conversation, viewer) -> str:
    """What the conversation is called for `viewer`: the other person, the group, or the
    coordinators (for a coordinator, the participant). Needs the relations
    `conversation_for_member` loads."""
    if conversation.kind == Conversation.Kind.PAIR:
        match = conversation.match
        other = match.mentee if match.mentor.user_id == viewer.pk else match.mentor
        return other.user.name
    if conversation.kind == Conversation.Kind.GROUP:
        if conversation.mentor.user_id == viewer.pk:
            return _("Your group in %(program)s") % {"program": conversation.program.name}
        return _("%(mentor)s's group") % {"mentor": conversation.mentor.user.name}
    if conversation.participant_id == viewer.pk:
        return _("Coordinators of %(program)s") % {"program": conversation.program.name}
    return _("%(person)s (to the coordinators of %(program)s)") % {
        "person": conversation.participant.name,
        "program": conversation.program.name,
    }


def _with_related(messages: QuerySet[Message]) -> QuerySet[Message]:
    return messages.select_related("author", "announcement")


def conversation_page(*, conversation: Conversation, before: int | None = None) -> dict:
    """The latest PAGE_SIZE messages (or those before message id `before`), oldest first,
    and whether earlier ones exist."""
    messages = Message.objects.filter(conversation=conversation)
    if before is not None:
        messages = messages.filter(pk__lt=before)
    page = list(_with_related(messages).order_by("-pk")[: PAGE_SIZE + 1])
    earlier = len(page) > PAGE_SIZE
    page = page[:PAGE_SIZE]
    page.reverse()
    return {"messages": page, "earlier": page[0].pk if earlier else None}


def messages_after(*, conversation: Conversation, after: int) -> list[Message]:
    """Messages posted since message id `after`, oldest first (what the page polls for)."""
    messages = Message.objects.filter(conversation=conversation, pk__gt=after)
    return list(_with_related(messages).order_by("pk")[:PAGE_SIZE])


@compiled(static=["count"])
def _latest(*, conversation, count: int):
    return _with_related(Message.objects.filter(conversation=conversation)).order_by("-pk")[:count]


def latest_messages(*, conversation: Conversation, count: int) -> list[Message]:
    latest = _latest(conversation=conversation, count=count)
    latest.reverse()
    return latest


def message_in_context(*, message: Message) -> list[Message]:
    """The reported message with the REPORT_CONTEXT messages before and after it, in order:
    all a coordinator sees of a pair's or group's conversation."""
    around = Message.objects.filter(conversation_id=message.conversation_id)
    before = list(_with_related(around.filter(pk__lt=message.pk)).order_by("-pk")[:REPORT_CONTEXT])
    after = list(_with_related(around.filter(pk__gt=message.pk)).order_by("pk")[:REPORT_CONTEXT])
    return [*reversed(before), message, *after]


def member_new_messages_summary(*, member: ConversationMember) -> dict:
    """How many messages are new to `member` and who wrote them, first writer first."""
    authors = list(
        Message.objects.filter(conversation_id=member.conversation_id, pk__gt=member.last_read_id)
        .filter(counted_q(member.user_id))
        .order_by("pk")
        .values_list("author_id", flat=True)
    )
    people = User.objects.in_bulk(set(authors))
    names = [people[pk].name for pk in dict.fromkeys(authors) if pk in people]
    return {"count": len(authors), "senders": names}


def coordinator_conversations(*, program) -> QuerySet[Conversation]:
    """A program's conversations with the coordinators in which the participant wrote,
    latest activity first (the coordinators' inbox for the program)."""
    wrote = Message.objects.filter(conversation=OuterRef("pk"), author=OuterRef("participant"))
    return (
        Conversation.objects.filter(program=program, kind=Conversation.Kind.COORDINATORS)
        .filter(Exists(wrote))
        .select_related("participant")
        .order_by(F("last_message_at").desc(nulls_last=True), "pk")
    )
