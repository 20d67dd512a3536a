from django.utils.translation import gettext_lazy as _

from mentoring.personal_data import Erase, not_personal, register
from sessions.models import (
    Attendance,
    AvailabilityRule,
    CalendarFeed,
    Meeting,
    OneOffSlot,
    PrivateNote,
    SessionGuide,
    SessionLog,
)

not_personal(SessionGuide, reason="session guides written by coordinators")

SLOT_FIELDS = ["location", "online_link", "created_at"]
register(
    AvailabilityRule,
    people=["mentor"],
    export=[
        "weekday",
        "start_time",
        "end_time",
        "time_zone",
        "session_minutes",
        "valid_from",
        "valid_until",
        *SLOT_FIELDS,
    ],
    erase=Erase.DELETE,
    section=_("Weekly availability for sessions"),
)
register(
    OneOffSlot,
    people=["mentor"],
    export=["start", "end", *SLOT_FIELDS],
    erase=Erase.DELETE,
    section=_("One-off session slots"),
)


def _meetings_erase(user) -> int:
    """Sessions belong to both sides (and to a group): they stay, naming "Deleted user". What
    the person typed goes: the place and link of the sessions they ran (a home address, a
    personal video-call link), the reason they gave for cancelling."""
    places = Meeting.objects.filter(mentor=user).update(location="", online_link="")
    reasons = Meeting.objects.filter(cancelled_by=user).exclude(cancel_reason="")
    return places + reasons.update(cancel_reason="")


register(
    Meeting,
    people=[
        "mentor",
        "booked_by",
        "match__mentor__user",
        "match__mentee__user",
        "attendance__member",
    ],
    export=[
        "program__name",
        "kind",
        "title",
        "start",
        "end",
        "status",
        "location",
        "online_link",
        "cancelled_at",
        "cancel_reason",
    ],
    erase=_meetings_erase,
    program="program",
    retention=Erase.BLANK,
    # The place is typed by the mentor ("Ana's office", a home address); nothing counts it.
    blank={"cancel_reason": "", "online_link": "", "location": ""},
    section=_("Sessions"),
)

register(
    Attendance,
    people=["member"],
    export=["meeting__title", "meeting__start", "rsvp", "attended"],
    erase=Erase.KEEP,
    program="meeting__program",
    retention=Erase.KEEP,
    section=_("Group session attendance"),
)

# A log's facts (held, minutes, topics) feed the program's figures and stay; what the
# author wrote goes.
register(
    SessionLog,
    people=["author"],
    export=[
        "meeting__program__name",
        "meeting__start",
        "outcome",
        "duration_minutes",
        "topics",
        "goal_progress",
        "guide__title",
        "reflections",
        "shared_notes",
        "created_at",
    ],
    erase=Erase.BLANK,
    blank={"shared_notes": "", "reflections": [], "goal_progress": {}},
    program="meeting__program",
    retention=Erase.BLANK,
    section=_("Your session logs"),
)

register(
    PrivateNote,
    people=["author"],
    export=["meeting__program__name", "meeting__start", "text", "updated_at"],
    erase=Erase.DELETE,
    program="meeting__program",
    retention=Erase.DELETE,
    section=_("Your private notes"),
)

# The token is a secret: the archive says the feed exists, not its address.
register(
    CalendarFeed,
    people=["user"],
    export=["created_at"],
    erase=Erase.DELETE,
    section=_("Calendar feed"),
)
