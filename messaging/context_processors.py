from django.utils.functional import SimpleLazyObject

from messaging.selectors import unread_total


def unread_messages(request):
    """`unread_messages` for the navigation badge: one count query, run only when a page
    shows it (partial htmx responses never do)."""
    user = getattr(request, "user", None)
    if user is None or not user.is_authenticated:
        return {}
    return {"unread_messages": SimpleLazyObject(lambda: unread_total(user=user))}
