from django.db import transaction
from django.utils.translation import gettext_lazy as _

from mentoring.personal_data import Erase, register
from messaging.models import Announcement, Conversation, ConversationMember, Message, Report

PROGRAM = "conversation__program"


def _own_messages(user):
    """A person's own messages; an announcement's copies are not (the announcement is)."""
    return Message.objects.filter(author=user, announcement__isnull=True)


def _messages_erase(user) -> int:
    """The other members keep the conversation's shape: the erased person's messages stay
    as "removed" placeholders, their text blanked and their files deleted from storage (once
    the erasure commits)."""
    messages = _own_messages(user).filter(removed=False)
    files = list(messages.exclude(attachment="").values_list("attachment", flat=True))
    if files:
        storage = Message._meta.get_field("attachment").storage
        transaction.on_commit(lambda: [storage.delete(name) for name in files])
    return messages.update(
        text="", attachment="", attachment_name="", attachment_size=0, removed=True
    )


register(
    Conversation,
    people=["participant"],
    export=[],
    erase=Erase.KEEP,
    program="program",
    retention=Erase.DELETE,
    section=_("Conversations"),
)
register(
    ConversationMember,
    people=["user"],
    export=["conversation__program__name", "conversation__kind", "last_read_at"],
    erase=Erase.DELETE,
    program=PROGRAM,
    retention=Erase.DELETE,
    section=_("Conversations you are in"),
)
# Messages are in their author's archive only: what others wrote to you is theirs.
register(
    Message,
    people=["author"],
    export=[
        "conversation__program__name",
        "conversation__kind",
        "created_at",
        "text",
        "attachment_name",
    ],
    export_rows=_own_messages,
    erase=_messages_erase,
    program=PROGRAM,
    retention=Erase.DELETE,
    section=_("Messages you sent"),
)
# Announcements are the program's word to its participants: they stay when their author's
# account is erased (naming "Deleted user"), and go with the program's retention.
register(
    Announcement,
    people=["author"],
    export=["program__name", "audience", "text", "recipients", "created_at"],
    erase=Erase.KEEP,
    program="program",
    retention=Erase.DELETE,
    section=_("Announcements you sent"),
)
register(
    Report,
    people=["reporter"],
    export=["message__conversation__program__name", "reason", "created_at"],
    erase=Erase.DELETE,
    program="message__conversation__program",
    retention=Erase.DELETE,
    section=_("Messages you reported"),
)
