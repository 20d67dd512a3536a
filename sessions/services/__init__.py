"""Sessions writes: availability, bookings, group sessions, logs and calendar feeds.

Import from here; the submodules are an implementation detail.
"""

from sessions.services.availability import (
    Slot,
    availability_remove,
    availability_rule_create,
    one_off_slot_create,
    slot_find,
    slots_free,
)
from sessions.services.booking import booking_cancel, booking_create, booking_reschedule
from sessions.services.common import BookingError, is_participant, participants
from sessions.services.feeds import calendar_feed_for, calendar_feed_reset, feed_meetings
from sessions.services.groups import (
    attendance_record,
    attendance_rsvp,
    group_members,
    group_session_schedule,
)
from sessions.services.guides import session_guides_copy
from sessions.services.logs import private_note_for, session_log_save

__all__ = [
    "BookingError",
    "Slot",
    "attendance_record",
    "attendance_rsvp",
    "availability_remove",
    "availability_rule_create",
    "booking_cancel",
    "booking_create",
    "booking_reschedule",
    "calendar_feed_for",
    "calendar_feed_reset",
    "feed_meetings",
    "group_members",
    "group_session_schedule",
    "is_participant",
    "one_off_slot_create",
    "participants",
    "private_note_for",
    "session_guides_copy",
    "session_log_save",
    "slot_find",
    "slots_free",
]
