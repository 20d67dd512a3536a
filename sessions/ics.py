"""iCalendar files: one per booking email, and each participant's subscription feed.

The UID is stable for a meeting; SEQUENCE is the meeting's sequence, bumped on every
reschedule and on cancellation, so calendars update the event they already have.

icalendar is imported where a file is made, not when Django loads the project (start-up).
"""

from __future__ import annotations

from datetime import datetime
from email.utils import parseaddr
from typing import TYPE_CHECKING
from urllib.parse import urlsplit

from django.conf import settings
from django.urls import reverse
from django.utils.translation import gettext as _

from accounts.visibility import Relation, can_see
from notifications.models import Kind
from sessions.models import Meeting
from sessions.services.common import participants

if TYPE_CHECKING:
    from icalendar import Event, vCalAddress

PRODID = "-//Mentoring//Sessions//EN"


def _uid(meeting: Meeting) -> str:
    host = urlsplit(settings.SITE_URL).hostname or "mentoring.local"
    return f"{meeting.uid}@{host}"


def _title(meeting: Meeting) -> str:
    if meeting.kind == Meeting.Kind.GROUP:
        return meeting.title or _("Group mentoring session")
    pair = f"{meeting.match.mentor.user.name} & {meeting.match.mentee.user.name}"
    return _("Mentoring: %(pair)s") % {"pair": pair}


def _shows_email(person, viewer) -> bool:
    """Everyone a meeting names is the viewer's partner (the pair, or a group's mentor and
    members); whether the viewer sees their address is the person's choice."""
    relation = Relation.PARTNER if viewer is not None else Relation.NOBODY
    return can_see(viewer=viewer, person=person, detail="email", relation=relation)


def _address(user, *, role: str | None = None) -> vCalAddress:
    return _named(user, f"mailto:{user.email}", role=role)


def _no_reply(user) -> vCalAddress:
    """The organizer when their address is not shared: the site's sender, under their name
    (calendars need an organizer's address to show an invitation)."""
    return _named(user, f"mailto:{parseaddr(settings.DEFAULT_FROM_EMAIL)[1]}")


def _named(user, uri: str, *, role: str | None = None) -> vCalAddress:
    from icalendar import vCalAddress, vText

    address = vCalAddress(uri)
    address.params["cn"] = vText(user.name)
    if role:
        address.params["role"] = vText(role)
        address.params["partstat"] = vText("NEEDS-ACTION")
        address.params["rsvp"] = vText("FALSE")
    return address


def _attendees(meeting: Meeting, viewer) -> list:
    """Who the calendar file names as attendees. Group members never see each other's email
    addresses: a member's file names only them; the mentor's names the members who share
    their address with the people they are matched with (visibility settings), as a pair's
    file names the other side only if they do."""
    people = [p for p in participants(meeting) if p.pk != meeting.mentor_id]
    if meeting.kind == Meeting.Kind.GROUP and (viewer is None or viewer.pk != meeting.mentor_id):
        people = [p for p in people if viewer is not None and p.pk == viewer.pk]
    return [p for p in people if _shows_email(p, viewer)]


def meeting_event(meeting: Meeting, *, cancelled: bool = False, viewer=None) -> Event:
    from icalendar import Event

    event = Event()
    event.add("uid", _uid(meeting))
    event.add("sequence", meeting.sequence)
    event.add("dtstamp", meeting.updated_at)
    event.add("dtstart", meeting.start)
    event.add("dtend", meeting.end)
    event.add("summary", _title(meeting))
    event.add("status", "CANCELLED" if cancelled else "CONFIRMED")
    if meeting.location:
        event.add("location", meeting.location)
    link = settings.SITE_URL + reverse("sessions:meeting-detail", args=[meeting.pk])
    event.add("url", meeting.online_link or link)
    event.add("description", f"{meeting.program.name}\n{meeting.online_link or ''}\n{link}")
    mentor = meeting.mentor
    event.add("organizer", _address(mentor) if _shows_email(mentor, viewer) else _no_reply(mentor))
    for person in _attendees(meeting, viewer):
        event.add("attendee", _address(person, role="REQ-PARTICIPANT"))
    return event


def calendar_bytes(
    meetings, *, method: str | None = "REQUEST", name: str = "", viewer=None
) -> bytes:
    from icalendar import Calendar

    calendar = Calendar()
    calendar.add("prodid", PRODID)
    calendar.add("version", "2.0")
    if method:
        calendar.add("method", method)
    if name:
        calendar.add("x-wr-calname", name)
    for meeting in meetings:
        cancelled = meeting.status == Meeting.Status.CANCELLED
        calendar.add_component(meeting_event(meeting, cancelled=cancelled, viewer=viewer))
    return calendar.to_ical()


def meeting_ics(meeting: Meeting, *, viewer=None) -> bytes:
    """One meeting as an invitation (METHOD:REQUEST) or, once cancelled, METHOD:CANCEL."""
    method = "CANCEL" if meeting.status == Meeting.Status.CANCELLED else "REQUEST"
    return calendar_bytes([meeting], method=method, viewer=viewer)


ICS_KINDS = (
    Kind.BOOKING_CONFIRMED,
    Kind.BOOKING_RESCHEDULED,
    Kind.BOOKING_CANCELLED,
    Kind.GROUP_SESSION_SCHEDULED,
)


def email_attachment(notification, subject):
    """Attachment builder for the notification renderer (registered in SessionsConfig)."""
    if not isinstance(subject, Meeting):
        return None
    snapshot = notification.context.get("ics")
    if snapshot:  # the meeting as it was when the email was queued
        subject.sequence = snapshot["sequence"]
        subject.start = datetime.fromisoformat(snapshot["start"])
        subject.end = datetime.fromisoformat(snapshot["end"])
        subject.status = snapshot["status"]
    body = meeting_ics(subject, viewer=notification.recipient)
    return ("session.ics", body, "text/calendar; charset=utf-8")
