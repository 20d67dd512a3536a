"""The erasure engine: one person's personal data erased as the map of personal data says
(`mentoring.personal_data`), nothing else known here.

Every declaration is applied in reverse registration order, so the account (declared first, by
accounts) becomes the "Deleted user" tombstone last, after every other app's function has
found the person's rows by their email and names. What each kind of declaration does:
- DELETE: the person's rows go, with whatever cascades from them. Every DELETE in the map was
  checked for cascades into other people's data (tests/privacy/test_erasure.py): an
  EmailAddress takes its confirmations, an OutcomePerson its records, an ExclusionRequest the
  exclusions it made; nothing of a partner's hangs off any of them.
- BLANK: the rows stay (shared with other people) with the declared fields blanked.
- KEEP: the rows stay as they are (links only, to the account that becomes "Deleted user").
- a function: called with the person, returns how many rows it changed.
"""

import logging

from django.conf import settings
from django.db import transaction
from django.utils import timezone
from django.utils.module_loading import import_string

from mentoring.personal_data import DELETED_NAME, Erase, declarations

logger = logging.getLogger(__name__)

# Session engines whose sessions are rows we can read back (the cached one too: deleting
# through its store clears the cache copy).
DB_SESSION_ENGINES = {
    "django.contrib.sessions.backends.db",
    "django.contrib.sessions.backends.cached_db",
}


def is_tombstone(user) -> bool:
    """Whether `user` is already the "Deleted user" an erasure leaves."""
    return (
        user.display_name == DELETED_NAME
        and user.email.endswith("@deleted.invalid")
        and not user.has_usable_password()
    )


def _add(summary: dict[str, int], label: str, count: int) -> None:
    if count:
        summary[label] = summary.get(label, 0) + count


def _erase_one(declaration, user, summary: dict[str, int]) -> None:
    model = declaration.model
    if callable(declaration.erase):
        _add(summary, declaration.label, int(declaration.erase(user) or 0))
        return
    if declaration.erase == Erase.KEEP:
        return
    # rows_for() may join (and is distinct()): act on the primary keys it selects.
    rows = model._default_manager.filter(pk__in=declaration.rows_for(user).values("pk"))
    if declaration.erase == Erase.DELETE:
        _total, per_model = rows.delete()
        for label, count in per_model.items():
            _add(summary, label, count)
    elif declaration.erase == Erase.BLANK:
        _add(summary, declaration.label, rows.update(**declaration.blank))


@transaction.atomic
def person_erase(*, user) -> dict[str, int]:
    """Erase `user`'s personal data everywhere the map of personal data says, in one
    transaction, and end their signed-in sessions. The account stays as an inactive "Deleted
    user" nobody can sign in to, so shared records (a partner's sessions, matches, the audit
    trail) keep their shape and name nobody. Returns how many rows changed per model label
    (models with none left out). Sends nothing.

    Idempotent: a tombstone has nothing left to erase and is returned {} unchanged (its email
    and name are the placeholder's, which must not be searched for in other people's text)."""
    user = type(user)._default_manager.select_for_update().get(pk=user.pk)
    if is_tombstone(user):
        return {}
    summary: dict[str, int] = {}
    for declaration in reversed(declarations()):
        _erase_one(declaration, user, summary)
    _add(summary, "sessions.Session", user_sessions_end(user=user))
    return summary


def user_sessions_end(*, user) -> int:
    """Sign `user` out everywhere: delete their sessions. Only with a database session engine,
    where the rows can be read (one pass over the unexpired sessions, decoding each: fine for
    something done once per deleted account). With another engine nothing is deleted and this
    returns 0: after an erasure the tombstone's unusable password invalidates every session
    anyway (Django checks the password hash stored in the session)."""
    if settings.SESSION_ENGINE not in DB_SESSION_ENGINES:
        return 0
    from django.contrib.auth import SESSION_KEY
    from django.contrib.sessions.models import Session

    store = import_string(f"{settings.SESSION_ENGINE}.SessionStore")
    wanted = str(user.pk)
    keys = [
        session.session_key
        for session in Session.objects.filter(expire_date__gt=timezone.now()).iterator()
        if str(session.get_decoded().get(SESSION_KEY)) == wanted
    ]
    for key in keys:
        store(session_key=key).delete()
    if keys:
        logger.info("Ended %s sessions of account %s", len(keys), user.pk)
    return len(keys)
