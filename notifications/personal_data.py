from django.db.models import Q
from django.utils.translation import gettext_lazy as _

from mentoring.personal_data import (
    Erase,
    emails_q,
    identifying_strings,
    json_contains,
    register,
    rows_scrub,
)
from notifications.models import Notification, NotificationPreference


def _notifications_erase(user) -> int:
    """Email sent to the person goes; email sent to others that quotes their name (a partner's
    nudge, say) keeps its row with the name taken out."""
    deleted, _ = Notification.objects.filter(
        Q(recipient=user) | emails_q("to_email", user)
    ).delete()
    names = identifying_strings(user)
    quoting = Notification.objects.filter(json_contains("context", names))
    return deleted + rows_scrub(quoting, fields=["context"], names=names)


register(
    Notification,
    people=["recipient", lambda user: emails_q("to_email", user)],
    export=["kind", "to_email", "program__name", "due_at", "status", "sent_at"],
    erase=_notifications_erase,
    program="program",
    retention=Erase.DELETE,
    section=_("Emails sent to you"),
)

register(
    NotificationPreference,
    people=["user"],
    export=["kind", "enabled"],
    erase=Erase.DELETE,
    section=_("Email preferences"),
)
