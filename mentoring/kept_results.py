"""Results kept between requests while the rows they were computed from are the same.

A page that computes something from many small queries (a mentee's suggestions score every
mentor with room: eleven queries, model instances and arrays) can keep the result and, on the
next request, ask the database in one statement whether those queries would still give the
same rows:

    _rankings = KeptResults(most=512, most_weight=20_000, weight=len)

    ranking = _rankings.get(mentee.pk, inputs=(mentee_fields, today), compute=score_everyone)

`compute` is run with its queries recorded. Only a computation whose every query was a call
of a `compiled` query with kept SQL is kept (one that ran any other statement, wrote, or
prefetched is simply returned, and computed again next time): then the result depends on
nothing but those queries' rows, `inputs` and the code, so if each query gives the same rows
again, computing again would make the same queries with the same values and give the same
result. The next `get` with the same key and equal `inputs` reads a digest of each query's
rows (PostgreSQL: one statement of `md5(string_agg(row::text))` per query; SQLite, in the
process: its rows hashed) and returns the kept result when every digest is unchanged; any
write, by any path (a bulk `update()`, a raw statement, another process), changes a digest.

The computation and its digests are read in one snapshot: a transaction of their own, in
REPEATABLE READ on PostgreSQL (a SQLite transaction reads one snapshot already; with the
settings' IMMEDIATE transactions it also holds SQLite's write lock while it computes). Inside
a caller's transaction there is no such snapshot to be had, so nothing is kept there. The
check itself is one statement on PostgreSQL; SQLite's is one read per query, each as it is
then, as the computation's own reads would be without this.

What a kept computation must keep to:
- its queries read a determined set of rows (a slice ordered by unique keys, not "any ten"),
  so the same data gives the same digest;
- what it returns is not changed afterwards, and its callers do not load more onto it: a
  deferred field or relation read later on a kept model instance is one query no digest
  covers, and then its value is served from the instance on every later request. The
  inputs are copied when kept, so a caller changing its own objects later changes nothing.

PostgreSQL prepares each result's statement once a connection has run it five times (psycopg's
`prepare_threshold`), among its 100 prepared statements per connection: planning the digests of
eleven queries takes about a millisecond, as long as running them.

Kept per process, least recently used first out: at most `most` results and `most_weight`
of their summed `weight` (a ranking weighs its mentors).
"""

from __future__ import annotations

import copy
import hashlib
import threading
from collections import OrderedDict
from collections.abc import Callable, Hashable
from contextlib import contextmanager
from dataclasses import dataclass

from django.db import DEFAULT_DB_ALIAS, connections, transaction

from mentoring.compiled import calls_recorded


@dataclass
class _Entry:
    inputs: object
    statement: str | list  # what reads the digests of its queries' rows (`digest_statement`)
    digests: tuple
    value: object
    weight: int

    def unchanged(self) -> bool:
        return digests(self.statement) == self.digests


class _Recording:
    """The compiled calls made while it is open, and every statement run: they agree when
    each statement run was the next call's SQL with its parameters."""

    def __init__(self):
        self.calls: list[tuple[str, list] | None] = []
        self.statements: list[tuple[str, list] | None] = []

    def __call__(self, execute, sql, params, many, context):
        self.statements.append(None if many else (sql, list(params or ())))
        return execute(sql, params, many, context)

    @property
    def plan(self) -> list[tuple[str, list]] | None:
        """The calls' SQL and parameters; None when a statement was not a kept call."""
        if None in self.calls or self.statements != self.calls:
            return None
        return list(self.calls)


@contextmanager
def _recorded(connection):
    recording = _Recording()
    token = calls_recorded.set(recording.calls)
    try:
        with connection.execute_wrapper(recording):
            yield recording
    finally:
        calls_recorded.reset(token)


def digest_statement(plan: list[tuple[str, list]]):
    """What `digests` runs for `plan`: on PostgreSQL one statement giving each query's
    `md5(string_agg(row::text))`, its values written in as literals by psycopg (sent as it
    is, it is prepared once a connection repeats it: PostgreSQL plans it once); on SQLite the
    queries themselves."""
    connection = connections[DEFAULT_DB_ALIAS]
    if connection.vendor != "postgresql" or not plan:
        return plan
    import psycopg

    # Our own kept SQL; psycopg quotes each value as a literal.
    parts = ", ".join(
        f"(SELECT md5(string_agg(r::text, '|')) FROM ({sql}) r)"  # noqa: S608
        for sql, _ in plan
    )
    connection.ensure_connection()
    with psycopg.ClientCursor(connection.connection) as client:
        return client.mogrify(f"SELECT {parts}", [p for _, params in plan for p in params])


def digests(statement) -> tuple:
    """A digest of the rows each query gives now (`statement`: from `digest_statement`)."""
    if not statement:
        return ()
    with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
        if isinstance(statement, str):
            cursor.execute(statement)
            return tuple(cursor.fetchone())
        found = []
        for sql, params in statement:
            cursor.execute(sql, params)
            found.append(hashlib.blake2b(repr(cursor.fetchall()).encode()).hexdigest())
        return tuple(found)


class KeptResults:
    """Results of `compute` by key, kept while their queries' rows and `inputs` are the same."""

    def __init__(self, *, most: int, most_weight: int, weight: Callable[[object], int]):
        self.most, self.most_weight, self.weight = most, most_weight, weight
        self._entries: OrderedDict[Hashable, _Entry] = OrderedDict()
        self._weight = 0
        self._lock = threading.Lock()

    def get(self, key: Hashable, *, inputs: object, compute: Callable[[], object]):
        """`compute()`'s result, the kept one when nothing it read has changed."""
        with self._lock:
            entry = self._entries.get(key)
        if entry is not None and entry.inputs == inputs and entry.unchanged():
            with self._lock:
                if key in self._entries:
                    self._entries.move_to_end(key)
            return entry.value
        connection = connections[DEFAULT_DB_ALIAS]
        if connection.in_atomic_block:  # no snapshot of our own: computed, not kept
            return compute()
        with transaction.atomic():
            if connection.vendor == "postgresql":
                with connection.cursor() as cursor:
                    cursor.execute("SET TRANSACTION ISOLATION LEVEL REPEATABLE READ")
            with _recorded(connection) as recording:
                value = compute()
            plan = recording.plan
            if plan is not None:
                statement = digest_statement(plan)
                entry = _Entry(
                    copy.deepcopy(inputs), statement, digests(statement), value, self.weight(value)
                )
                self._keep(key, entry)
            else:
                self.forget(key)
        return value

    def _keep(self, key: Hashable, entry: _Entry) -> None:
        with self._lock:
            self._drop(key)
            if entry.weight > self.most_weight:
                return
            self._entries[key] = entry
            self._weight += entry.weight
            while len(self._entries) > self.most or self._weight > self.most_weight:
                self._drop(next(iter(self._entries)))

    def _drop(self, key: Hashable) -> None:
        entry = self._entries.pop(key, None)
        if entry is not None:
            self._weight -= entry.weight

    def forget(self, key: Hashable | None = None) -> None:
        """Drop the result kept for `key`, or every kept result."""
        with self._lock:
            if key is None:
                self._entries.clear()
                self._weight = 0
            else:
                self._drop(key)

    def __len__(self) -> int:
        return len(self._entries)

    @property
    def total_weight(self) -> int:
        return self._weight
