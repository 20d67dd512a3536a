"""What a signed-in person may do, read from the database once per change of it instead of
on every page.

Every page asks which role groups the person is in (the navigation: `mentoring/roles.py`);
every staff page asks again, and whether they have an authenticator app (the two-factor rule:
`accounts/mfa.py`), has Django's auth backend read their permissions (two queries through four
tables) and scopes every admin query to the programs they coordinate
(`mentoring/admin_scope.py`); every report page checks the programs they may report on
(`programs/permissions.py`). These follow only from rows that rarely change: the person's
groups, their own and their groups' permissions, those groups' and permissions' names, their
authenticators, and the programs they coordinate or report on. Every change to such a row adds
one to `rights_stamp` on the user row of each person it concerns, in the same transaction
(`accounts/rights.py`, and programs for its staff), and the user row is read on every request
anyway. So the answers are kept per process under (user id, stamp, staff flag): a change of
rights gives a new key, never a stale answer.

Only the person a request authenticated has a stamp as fresh as the request, so only that
user object is answered from what is kept (`RightsMiddleware` marks it); any other user
object asks the database, as Django does. Superusers and inactive people are left to Django:
what they may do does not come from these rows.
"""

import threading
from collections.abc import Callable
from contextlib import contextmanager
from typing import Any

from django.contrib.auth.middleware import get_user
from django.utils.functional import SimpleLazyObject

from mentoring.kept import Kept

#: The user row's field that every change of the person's rights increments.
STAMP_FIELD = "rights_stamp"
#: People x stamps kept per process before all are forgotten.
RIGHTS_KEPT = 4096
# Django's ModelBackend keeps what it reads on the user object under these names for the
# rest of the request; they are filled from what is kept before it asks.
_BACKEND_CACHES = ("_user_perm_cache", "_group_perm_cache")

_kept = Kept(size=RIGHTS_KEPT)
# The people whose rights changed in the thread's current request (`rights_forget`).
_request = threading.local()


def _key(user):
    # getattr, not the object's __dict__: `request.user` is a lazy object in front of the user.
    return getattr(user, "_rights_key", None)


def rights_marked(user) -> bool:
    """Whether `user` is a request's own, answered from what is kept."""
    return _key(user) is not None


def _changing(key) -> bool:
    """Whether the rights of the key's person changed in this request: what is read now may
    belong to a transaction that is yet to be rolled back, so it is not kept (the stamp the
    key holds would then still be current)."""
    changed = getattr(_request, "changed", None)
    return changed is not None and key[0] in changed


def _entry(key) -> dict:
    """What is kept under `key`, made empty the first time."""
    entry = _kept.get(key)
    return entry if entry is not None else _kept.put(key, {})


def rights_kept(user, name: str, compute: Callable[[], Any]):
    """What `compute()` returns for `user`, kept under `name` for a request's own user until
    their rights change; computed afresh for any other user object. `compute` must read only
    what moves the stamp (see the module's docstring) and the user's staff flag."""
    key = _key(user)
    if key is None or _changing(key):
        return compute()
    entry = _entry(key)
    if name not in entry:
        entry[name] = compute()
    return entry[name]


def group_names(user) -> frozenset[str]:
    """The names of the groups `user` is in."""
    return rights_kept(
        user, "groups", lambda: frozenset(user.groups.values_list("name", flat=True))
    )


def rights_attach(user):
    """Mark the request's authenticated `user` as answerable from what is kept, and hand its
    permissions to the auth backend if they are kept."""
    if not user.is_authenticated or not user.is_active or user.is_superuser:
        return user
    stamp = getattr(user, STAMP_FIELD, None)
    if stamp is None:
        return user
    # With when the account was made: an id that a rolled-back transaction gave out can be
    # given out again (SQLite), to a person with a stamp of the same value.
    key = (user.pk, getattr(user, "date_joined", None), stamp, user.is_staff)
    user._rights_key = key
    entry = _kept.get(key)
    if entry is not None and all(name in entry for name in _BACKEND_CACHES):
        for name in _BACKEND_CACHES:
            setattr(user, name, set(entry[name]))  # copies: the backend hands them out
    return user


def rights_keep(user) -> None:
    """Keep the permissions the auth backend read for the request's `user`, if it did."""
    key = _key(user)
    if key is None or _changing(key) or not all(hasattr(user, name) for name in _BACKEND_CACHES):
        return
    entry = _entry(key)
    for name in _BACKEND_CACHES:
        entry.setdefault(name, frozenset(getattr(user, name)))


def rights_forget(user_ids) -> None:
    """Forget what is kept for these people, and keep nothing more of theirs for the rest of
    the request (their rights are changing in this process: a user object already marked in
    this request must not be answered from before, nor from a change yet to be committed)."""
    ids = set(user_ids)
    if not ids:
        return
    _kept.forget(lambda key: key[0] in ids)
    changed = getattr(_request, "changed", None)
    if changed is not None:
        changed.update(ids)


@contextmanager
def rights_request():
    """The span of one request, for `rights_forget` (RightsMiddleware opens it)."""
    _request.changed = set()
    try:
        yield
    finally:
        _request.changed = None


class RightsMiddleware:
    """After AuthenticationMiddleware: the request's user, once loaded, is marked and handed
    its kept permissions; after the response, what the backend read is kept."""

    def __init__(self, get_response):
        self.get_response = get_response

    def __call__(self, request):
        loaded = []  # the user, once something on the request asked for it

        def authenticated():
            loaded.append(rights_attach(get_user(request)))
            return loaded[0]

        request.user = SimpleLazyObject(authenticated)
        with rights_request():
            response = self.get_response(request)
            if loaded:
                rights_keep(loaded[0])
        return response
