"""Personal calendar feeds: a secret URL per person, revocable by resetting its token."""

from django.db.models import Q

from sessions.models import CalendarFeed, Meeting, _feed_token


def calendar_feed_for(*, user) -> CalendarFeed:
    return CalendarFeed.objects.get_or_create(user=user)[0]


def calendar_feed_reset(*, user) -> CalendarFeed:
    """Give the feed a new token; calendars subscribed to the old URL stop updating."""
    feed = calendar_feed_for(user=user)
    feed.token = _feed_token()
    feed.save(update_fields=["token", "created_at"])
    return feed


def feed_meetings(*, user):
    """Everything the person takes part in: as mentor, as mentee, as a group member who
    has not declined. Cancelled ones stay in the feed (as cancelled) so calendars drop them."""
    return (
        Meeting.objects.filter(
            Q(mentor=user)
            | Q(match__mentee__user=user)
            | (Q(attendance__member=user) & ~Q(attendance__rsvp="no"))
        )
        .distinct()
        .select_related("program", "mentor", "match__mentor__user", "match__mentee__user")
        .order_by("start")
    )
