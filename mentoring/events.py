"""Domain events other systems may hear about: one small hook every app can call.

A service says what happened with `event_emit(name=..., program=..., payload=...)`; the signal
goes out synchronously, so a receiver (the API's webhooks) writes in the caller's transaction
and is undone with it. This module sits on the bottom floor: any app may emit, none needs to
know who listens. Payloads carry ids and codes only, never names or free text.
"""

from django.dispatch import Signal

APPLICATION_SUBMITTED = "application.submitted"
APPLICATION_DECIDED = "application.decided"
MATCH_PUBLISHED = "match.published"
MATCH_ENDED = "match.ended"
SESSION_BOOKED = "session.booked"
SESSION_LOGGED = "session.logged"
CHECKIN_LOW = "checkin.low"

EVENT_NAMES = (
    APPLICATION_SUBMITTED,
    APPLICATION_DECIDED,
    MATCH_PUBLISHED,
    MATCH_ENDED,
    SESSION_BOOKED,
    SESSION_LOGGED,
    CHECKIN_LOW,
)

# Sent with `name=` (one of EVENT_NAMES), `program=` and `payloads=` (a list of dicts, one
# per occurrence: a published matching run makes thousands at once). Raising undoes the cause.
event_occurred = Signal()


def event_emit(*, name: str, program, payload: dict) -> None:
    """Announce one occurrence of `name` in `program`, inside the caller's transaction."""
    events_emit(name=name, program=program, payloads=[payload])


def events_emit(*, name: str, program, payloads: list[dict]) -> None:
    """Announce many occurrences of `name` in `program` at once (one signal for the lot)."""
    if name not in EVENT_NAMES:
        raise ValueError(f"Unknown event {name!r}.")
    if payloads:
        event_occurred.send(sender=None, name=name, program=program, payloads=payloads)
