"""Session logs: what each side records afterwards, and their private notes."""

from django.core.exceptions import ValidationError
from django.db import transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from mentoring.compiled import compiled
from mentoring.events import SESSION_LOGGED, event_emit
from notifications.models import Kind
from notifications.services import notifications_cancel
from sessions.log_sections import log_sections
from sessions.models import Meeting, PrivateNote, SessionGuide, SessionLog
from sessions.services.common import BookingError, is_participant
from sessions.signals import session_logged

NOTES_LIMIT = 10_000
REFLECTION_LIMIT = 2_000


@transaction.atomic
def session_log_save(
    *,
    meeting: Meeting,
    author,
    outcome: str,
    duration_minutes: int | None = None,
    topics=(),
    sections: dict | None = None,
    shared_notes: str = "",
    private_note: str = "",
    guide: SessionGuide | None = None,
    reflections=(),
) -> SessionLog:
    """Create or update `author`'s log of a session that has started.

    Shared notes are seen by both sides; the private note is stored apart and shown to its
    author only. `guide` records which of the program's guides the session followed and
    `reflections` the answers to its prompts, as (prompt, answer) pairs. `sections` holds
    the values of the form's registered sections ({key: {field name: value}}, see
    `sessions.log_sections`), each saved by its section in this transaction (the pair's goal
    progress, by relationships); a section that refuses its values refuses the whole log.
    Cancels the author's pending log nudge and sends `session_logged`.
    """
    if not is_participant(meeting, author):
        raise BookingError(_("You can only log your own sessions."))
    if meeting.status != Meeting.Status.BOOKED:
        raise BookingError(_("This session was cancelled."))
    if meeting.start > timezone.now():
        raise BookingError(_("You can log a session once it has started."))
    for text in (shared_notes, private_note):
        if len(text) > NOTES_LIMIT:
            raise BookingError(
                _("Notes can be at most %(limit)s characters.") % {"limit": f"{NOTES_LIMIT:,}"}
            )
    answers = _reflections_clean(meeting, guide, reflections)
    log, _created = SessionLog.objects.select_for_update().get_or_create(
        meeting=meeting,
        author=author,
        defaults={"outcome": outcome},
    )
    log.outcome = outcome
    log.duration_minutes = duration_minutes if outcome == SessionLog.Outcome.HELD else None
    log.shared_notes = shared_notes.strip()
    log.guide = guide
    log.reflections = answers
    try:
        log.full_clean(exclude=["meeting", "author"])
    except ValidationError as exc:
        raise BookingError(" ".join(exc.messages)) from exc
    log.save()
    log.topics.set(topics)
    _sections_save(log, sections or {})
    _private_note_set(meeting, author, private_note.strip())
    notifications_cancel(subject=meeting, kinds=[Kind.LOG_NUDGE], recipient=author)
    session_logged.send(sender=SessionLog, log=log)
    event_emit(
        name=SESSION_LOGGED,
        program=meeting.program,
        payload={"session_id": meeting.pk, "log_id": log.pk, "outcome": log.outcome},
    )
    return log


def _sections_save(log: SessionLog, sections: dict) -> None:
    for section in log_sections():
        if section.key in sections:
            try:
                section.save(log=log, values=sections[section.key])
            except ValidationError as exc:
                raise BookingError(" ".join(exc.messages)) from exc


def _reflections_clean(meeting: Meeting, guide, reflections) -> list[dict]:
    """The answered prompts as stored: [{"prompt", "answer"}] in the guide's order."""
    if guide is not None and guide.program_id != meeting.program_id:
        raise BookingError(_("Choose one of this program's session guides."))
    given = {}
    for prompt, answer in reflections:
        answer = (answer or "").strip()
        if len(answer) > REFLECTION_LIMIT:
            raise BookingError(_("Each reflection can be at most 2,000 characters."))
        if answer:
            given[prompt] = answer
    prompts = guide.prompt_list if guide is not None else []
    if set(given) - set(prompts):
        raise BookingError(_("Answer the reflection prompts of the guide you chose."))
    return [{"prompt": p, "answer": given[p]} for p in prompts if p in given]


def _private_note_set(meeting: Meeting, author, text: str) -> None:
    if text:
        PrivateNote.objects.update_or_create(
            meeting=meeting, author=author, defaults={"text": text}
        )
    else:
        PrivateNote.objects.filter(meeting=meeting, author=author).delete()


@compiled
def _private_notes(*, meeting, author):
    return PrivateNote.objects.filter(meeting=meeting, author=author).only("text")[:1]


def private_note_for(*, meeting: Meeting, author) -> str:
    """The author's own private note (the only way any page reads one)."""
    note = _private_notes.first(meeting=meeting, author=author)
    return note.text if note else ""
