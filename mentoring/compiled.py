"""Queries whose SQL is compiled once and run again with each call's values.

Django builds a queryset (`filter`, `select_related`, `only`...) and compiles it to SQL on
every evaluation. For the queries of a busy page that is most of their time: the meetings
coming up on the home page take 1.4 ms through the ORM and 0.25 ms with their SQL kept.
`compiled` keeps it:

    @compiled
    def _upcoming(*, user, now):
        return Meeting.objects.filter(mentor=user, end__gt=now).order_by("start")[:3]

    meetings = _upcoming(user=request.user, now=timezone.now())  # a list

The first call of each *shape* builds the queryset three times, with the call's values and
with two other sets of values of the same types, and compiles each. Where the SQL is the same
and each value is found, converted the way Django converts it, at the same places of the
parameters, the SQL is kept with those places; later calls of that shape only put their
values in and run it, and the rows become models (or tuples, or dicts) through Django's own
iterables, with the builder's `prefetch_related` done after. Anything else, a value of a type
it cannot vary or one it does not find, is not kept: those calls build the queryset each time,
as without it, and give the same rows.

A model instance among the values stands for its key alone. A builder must not read its
other fields (pass them as values of their own): they are varied too in the other calls
(booleans flipped), so a builder that reads them makes other SQL or parameters and is not kept.

A shape is the values' types (a list's length and whether its items all differ) and the
`static` values, passed as they are (a slice's bound, a flag, anything that changes the SQL's
text). SQL that changes with the active time zone or language (a date truncated in the
person's zone) is kept per zone and language; the first call of a shape compiles once more in
another zone and language to see. A builder takes keyword arguments and returns a queryset; it
uses its values only as values of the query (no `if` on them) and does not start from a model
instance's related manager (its rows would be attached to that instance). With
`COMPILED_QUERIES_VERIFY` on (the test suite turns it on), every call also builds and compiles
the queryset as Django would and fails if the SQL or a parameter differs.
"""

from __future__ import annotations

import datetime
import functools
from collections.abc import Callable, Iterable
from contextvars import ContextVar

from django.conf import settings
from django.db import DEFAULT_DB_ALIAS, connections
from django.db.models import Model, QuerySet
from django.db.models.base import ModelState
from django.db.models.sql.query import Query
from django.utils import timezone, translation
from django.utils.functional import LazyObject, empty

#: Shapes kept per compiled query; past this the kept ones are dropped and found again.
MOST_SHAPES = 64


#: While a `mentoring.kept_results` computation runs: the (SQL, parameters) of each compiled
#: call it makes, None for a call whose SQL is not kept (or that prefetches: more than one query).
calls_recorded: ContextVar[list | None] = ContextVar("calls_recorded", default=None)


def _record(kept: _Kept | None, sql: str, params: list) -> None:
    recorded = calls_recorded.get()
    if recorded is not None:
        recorded.append((sql, params) if kept is not None and not kept.prefetch else None)


class CompiledQueryMismatch(AssertionError):
    """With COMPILED_QUERIES_VERIFY on: the kept SQL is not what Django compiles now."""


def _varied(value, k: int, n: int = 0):
    """Another value of `value`'s type for the n-th value of a call, differing for k = 1 and
    2 in every part Django might keep of it (a datetime's date, hour, minute, second and
    microsecond), and from the other values' (two ids equal in a call are not in its varied
    calls, so each is found where it goes); None when this type is not varied (the shape is
    then not kept)."""
    kind = type(value)
    if kind is int:
        return value + (1_000_003 + 1_009 * n) * k
    if kind is str:
        # Both cases (a builder's .lower() shows) and what LIKE escapes (SQLite's `iexact`
        # sends the value escaped, the same text only when it has none of these).
        return f"{value}\x1fXy%_\\'{k}.{n}"
    if kind is datetime.datetime:
        step = datetime.timedelta(days=1, hours=1, minutes=1, seconds=1 + n, microseconds=1 + n)
        return value + k * step
    if kind is datetime.date:
        return value + datetime.timedelta(days=k + 3 * n)
    if isinstance(value, Model) and type(value.pk) is int:
        return _other_instance(value, k, n)
    if kind in (list, tuple):
        items = [_varied(item, k, n * 1_000 + i + 1) for i, item in enumerate(value)]
        return None if any(item is None for item in items) else kind(items)
    return None


def _shape_of(value):
    """A value's part of a call's shape: its type; a list's length and its items' types, and
    whether they are all different (Django sends `__in` a list's different items only)."""
    if type(value) not in (list, tuple):
        return type(value)
    try:
        different = len(set(value)) == len(value)
    except TypeError:  # unhashable items: not kept
        different = False
    return (type(value), len(value), frozenset(type(item) for item in value), different)


def _items(values: dict, names) -> list[tuple[tuple[str, int | None], object]]:
    """((name, index), value) of each value that goes in the SQL: a list's items one by one."""
    items = []
    for name in names:
        value = values[name]
        if type(value) in (list, tuple):
            items += [((name, i), item) for i, item in enumerate(value)]
        else:
            items.append(((name, None), value))
    return items


def _other_instance(instance: Model, k: int, n: int) -> Model:
    """A copy of `instance` with another key and, as far as they can be varied, other field
    values (booleans flipped): a builder that reads more of an instance than its key (a
    branch on `user.is_staff`, a filter on `meeting.start`) then makes other SQL or other
    parameters for the copies, and its shape is not kept. Its related objects are not copied."""
    other = instance.__class__.__new__(instance.__class__)
    other.__dict__ = dict(instance.__dict__)
    other._state = ModelState()
    other._state.db, other._state.adding = instance._state.db, False
    for field in instance._meta.concrete_fields:
        value = other.__dict__.get(field.attname)
        if field.primary_key:
            other.__dict__[field.attname] = _varied(value, k, n)
        elif type(value) is bool:
            other.__dict__[field.attname] = not value
        elif value is not None and _varied(value, k, n) is not None:
            other.__dict__[field.attname] = _varied(value, k, n)
    return other


def _conversions(connection) -> tuple[Callable, ...]:
    """How Django may turn a value into a parameter: as it is, a model as its key, a date or
    a datetime as the backend adapts it (SQLite takes text)."""
    ops = connection.ops

    def as_is(value):
        return value

    def key(value):
        return value.pk if isinstance(value, Model) else _NOT

    def as_datetime(value):
        return ops.adapt_datetimefield_value(value) if type(value) is datetime.datetime else _NOT

    def as_date(value):
        return ops.adapt_datefield_value(value) if type(value) is datetime.date else _NOT

    return as_is, key, as_datetime, as_date


_NOT = object()
#: A zone far from most people's, to see whether a query's SQL follows the active one.
_OTHER_ZONE = "Pacific/Kiritimati"


def _context() -> tuple[str, str | None]:
    return timezone.get_current_timezone_name(), translation.get_language()


#: What a compiler works out while compiling and its results need (Django's iterables read it).
_COMPILER_STATE = ("select", "klass_info", "annotation_col_map", "col_count", "has_extra_select")


def _unwrapped(values: dict) -> dict:
    """`values` with lazy objects (`request.user`) as what they stand for."""
    if not any(isinstance(value, LazyObject) for value in values.values()):
        return values
    return {
        name: _wrapped(value) if isinstance(value, LazyObject) else value
        for name, value in values.items()
    }


def _wrapped(lazy: LazyObject):
    if lazy._wrapped is empty:
        lazy._setup()
    return lazy._wrapped


def _same(a, b) -> bool:
    return type(a) is type(b) and a == b


def _same_sql(sql: str, params, other_sql: str, other_params) -> bool:
    """The same SQL with the same parameters (each of the same type)."""
    return (
        sql == other_sql
        and len(params) == len(other_params)
        and all(_same(a, b) for a, b in zip(params, other_params, strict=True))
    )


class _Kept:
    """One shape's SQL, where each value goes in it, and what turns its rows into results."""

    __slots__ = ("compiler_state", "fields", "follows_context", "iterable", "model", "params",
                 "prefetch", "query", "slots", "sql")  # fmt: skip


class _KeptQuery(Query):
    """A kept query for one call: its compiler gives the kept SQL with the call's values."""

    def get_compiler(self, using=None, connection=None, elide_empty=True):
        compiler = super().get_compiler(using, connection, elide_empty)
        compiler.__dict__.update(self._kept.compiler_state)
        sql, params = self._kept.sql, self._call_params
        compiler.as_sql = lambda *args, **kwargs: (sql, params)
        return compiler

    def clone(self):
        raise TypeError("A compiled query is only run; put filters in its builder.")


class CompiledQuery:
    def __init__(self, build: Callable[..., QuerySet], static: Iterable[str] = ()):
        self.build = build
        self.static = frozenset(static)
        self._kept: dict[tuple, _Kept | None] = {}
        functools.update_wrapper(self, build)

    def __call__(self, **values) -> list:
        values = _unwrapped(values)
        kept, params = self._kept_for(values)
        _record(kept, kept.sql if kept else "", params)
        if kept is None:
            return list(self.build(**values))
        query = _KeptQuery.__new__(_KeptQuery)
        query.__dict__ = {**kept.query.__dict__, "_kept": kept, "_call_params": params}
        rows = QuerySet(model=kept.model, query=query, using=DEFAULT_DB_ALIAS)
        rows._iterable_class, rows._fields = kept.iterable, kept.fields
        rows._prefetch_related_lookups = kept.prefetch
        return list(rows)

    def first(self, **values):
        """The call's first row, or None when it has none (a builder that wants one row
        slices `[:1]`)."""
        rows = self(**values)
        return rows[0] if rows else None

    def count(self, **values) -> int:
        """How many rows the call would give, counted by the database (`SELECT COUNT(*)` over
        the kept SQL): a builder counted this way selects as little as it can (`values("pk")`)."""
        values = _unwrapped(values)
        kept, params = self._kept_for(values)
        sql = f"SELECT COUNT(*) FROM ({kept.sql}) counted" if kept else ""  # noqa: S608
        _record(kept, sql, params)
        if kept is None:
            return self.build(**values).count()
        with connections[DEFAULT_DB_ALIAS].cursor() as cursor:
            cursor.execute(sql, params)
            return cursor.fetchone()[0]

    def _kept_for(self, values) -> tuple[_Kept | None, list]:
        """The kept SQL of this call's shape (compiled on its first call) and the call's
        parameters; (None, []) when this shape is not kept."""
        key = self._shape(values)
        entry = self._kept.get(key, _NOT)
        if entry is _NOT:
            if len(self._kept) >= MOST_SHAPES:
                self._kept.clear()
            kept = self._compile(values)
            entry = {_context(): kept} if kept and kept.follows_context else kept
            self._kept[key] = entry
        if isinstance(entry, dict):  # SQL that follows the time zone or the language
            kept = entry.get(_context(), _NOT)
            if kept is _NOT:
                if len(entry) >= MOST_SHAPES:
                    entry.clear()
                kept = entry[_context()] = self._compile(values)
        else:
            kept = entry
        if kept is None:
            return None, []
        params = list(kept.params)
        for place, name, index, convert in kept.slots:
            value = values[name]
            params[place] = convert(value if index is None else value[index])
        if settings.COMPILED_QUERIES_VERIFY:
            self._verify(kept, params, values)
        return kept, params

    def is_kept(self, **values) -> bool:
        """Whether calls of this shape run kept SQL (after this call's values are tried)."""
        return self._kept_for(_unwrapped(values))[0] is not None

    def _shape(self, values) -> tuple:
        return tuple(
            sorted(
                (name, value if name in self.static else _shape_of(value))
                for name, value in values.items()
            )
        )

    def _compiled(self, values) -> tuple[QuerySet, object, str, tuple]:
        queryset = self.build(**values)
        compiler = queryset.query.get_compiler(using=queryset.db)
        sql, params = compiler.as_sql()
        return queryset, compiler, sql, tuple(params)

    def _compile(self, values) -> _Kept | None:
        # None is a shape of its own (it makes `IS NULL`), kept with the other static values.
        varying = [n for n, value in values.items() if n not in self.static and value is not None]
        if any(type(values[name]) in (list, tuple) and not _shape_of(values[name])[3]
               for name in varying):  # fmt: skip
            return None  # a list with an item twice
        tries = []
        for k in (1, 2):
            other = {**values}
            for n, name in enumerate(varying):
                other[name] = _varied(values[name], k, n)
                if other[name] is None:
                    return None
            tries.append(other)
        try:
            queryset, compiler, sql, params = self._compiled(values)
            if queryset.db != DEFAULT_DB_ALIAS or queryset._known_related_objects:
                return None
            runs = [(other, *self._compiled(other)[2:]) for other in tries]
        except Exception:  # no SQL (an empty `__in`), or a builder that cannot take other values
            return None
        if any(other_sql != sql or len(p) != len(params) for _, other_sql, p in runs):
            return None
        slots, found = [], set()
        conversions = _conversions(connections[DEFAULT_DB_ALIAS])
        items = _items(values, varying)
        other_items = [dict(_items(other, varying)) for other, _, _ in runs]
        for place, param in enumerate(params):
            if all(_same(p[place], param) for _, _, p in runs):
                continue  # a constant of the builder's
            owners = [
                (key, convert)
                for key, item in items
                for convert in conversions
                if _same(convert(item), param)
                and all(
                    _same(convert(others[key]), p[place])
                    for others, (_, _, p) in zip(other_items, runs, strict=True)
                )
            ]
            if len({key for key, _ in owners}) != 1:
                return None
            (name, index), convert = owners[0]
            slots.append((place, name, index, convert))
            found.add((name, index))
        if found != {key for key, _ in items}:
            return None  # a value that did not reach the parameters as itself
        kept = _Kept()
        kept.sql, kept.params, kept.slots = sql, params, tuple(slots)
        kept.follows_context = self._follows_context(values, sql, params)
        kept.compiler_state = {name: getattr(compiler, name) for name in _COMPILER_STATE}
        kept.query = queryset.query
        kept.iterable, kept.fields = queryset._iterable_class, queryset._fields
        kept.prefetch, kept.model = queryset._prefetch_related_lookups, queryset.model
        return kept

    def _follows_context(self, values, sql: str, params: tuple) -> bool:
        """Whether the SQL or its parameters change with the active time zone or language (a
        date truncated in the person's zone, a translated text): then it is kept per zone and
        language; most is kept once for all of them."""
        zone = "UTC" if timezone.get_current_timezone_name() == _OTHER_ZONE else _OTHER_ZONE
        current = translation.get_language()
        language = next((code for code, _ in settings.LANGUAGES if code != current), current)
        with timezone.override(zone), translation.override(language):
            _, _, other_sql, other_params = self._compiled(values)
        return not _same_sql(sql, params, other_sql, other_params)

    def _verify(self, kept: _Kept, params: list, values) -> None:
        _, _, sql, fresh = self._compiled(values)
        if not _same_sql(kept.sql, params, sql, fresh):
            raise CompiledQueryMismatch(
                f"{self.build.__qualname__}: kept {kept.sql!r} {params!r}, "
                f"Django now {sql!r} {list(fresh)!r}"
            )


def compiled(build=None, *, static: Iterable[str] = ()):
    """`build` (keyword arguments -> queryset) as a `CompiledQuery`: calling it returns the
    queryset's results as a list. `static` names the arguments that change the SQL's text."""
    if build is None:
        return functools.partial(CompiledQuery, static=static)
    return CompiledQuery(build, static=static)
