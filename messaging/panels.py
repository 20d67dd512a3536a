"""The messages panel on the match page (`matching.panels`): the pair's last few messages,
how many are new to the viewer, and a link to their conversation. Two reads at most; the
conversation is made when someone opens it."""

from django.db.models import Count, IntegerField, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse

from matching.models import Match
from mentoring.compiled import compiled
from messaging.models import Conversation, ConversationMember, Message
from messaging.selectors import counted_q, latest_messages

SHOWN = 3


def _with_unread(conversations, user):
    read = ConversationMember.objects.filter(conversation=OuterRef(OuterRef("pk")), user=user)
    unread = (
        Message.objects.filter(conversation=OuterRef("pk"))
        .filter(pk__gt=Coalesce(Subquery(read.values("last_read_id")[:1]), 0))
        .filter(counted_q(user.pk))
        .order_by()
        .values("conversation")
        .annotate(n=Count("pk"))
        .values("n")
    )
    return conversations.annotate(unread=Coalesce(Subquery(unread, output_field=IntegerField()), 0))


@compiled
def _pair_conversation(*, match, user):
    pair = Conversation.objects.filter(kind=Conversation.Kind.PAIR, match=match)
    return _with_unread(pair, user).order_by("pk")[:1]


def messages_panel(*, match: Match, user, request):
    conversation = _pair_conversation.first(match=match, user=user)
    context = {"url": reverse("messaging:match", args=[match.pk]), "messages": [], "unread": 0}
    if conversation is not None:
        context["messages"] = latest_messages(conversation=conversation, count=SHOWN)
        context["unread"] = conversation.unread
    return "messaging/_match_panel.html", context
