"""One map of personal data: every model says what it holds about people, how a person's copy
is exported and how it is erased.

Each app declares its models in `<app>/personal_data.py` (discovered by the privacy app the way
`admin.py` is), calling `register()` for a model that holds personal data and `not_personal()`
for one that does not, with the reason. The privacy app builds a person's archive, erases a
person and anonymises a program past its retention period from these declarations alone, so
nothing else has to know every model; `tests/privacy/test_map.py` fails when a model of ours is
in neither list.

A declaration names:
- `people`: how a row reaches a person, as lookups to a user (`"user"`, `"application__user"`)
  or functions `f(user) -> Q` (an invitation reaches a person by email);
- `export`: the fields (or lookups) that go into the person's archive, and optionally
  `export_rows(user) -> queryset` when only some rows reachable from the person are theirs to
  take (their own logs, not the partner's);
- `erase`: what erasing a person does to the rows that reach them: `DELETE` them (their own
  data), `BLANK` the `blank` fields and keep the rows (records shared with other people, which
  then name the "Deleted user"), `KEEP` them as they are (nothing in them but links to the
  account, which itself becomes the "Deleted user"), or a function `f(user) -> int`;
- `program`: the lookup from a row to its program, for retention (None: not per program);
  `retention` says what the retention run does to a program's rows: DELETE, BLANK (the
  `blank` fields) or KEEP, or a function `f(program) -> int`. Whatever it keeps, the run
  re-points the rows' direct user links (`user_fields`) from participants to pseudonymous
  accounts.
"""

from collections.abc import Callable, Iterable
from dataclasses import dataclass, field
from enum import StrEnum
from typing import Any

from django.db.models import Model, Q

#: What stands in for an erased person's name wherever other people's records quoted it.
DELETED_NAME = "Deleted user"


class Erase(StrEnum):
    DELETE = "delete"
    BLANK = "blank"
    KEEP = "keep"


PeopleLookup = str | Callable[[Any], Q]


@dataclass(frozen=True)
class Declaration:
    model: type[Model]
    people: tuple[PeopleLookup, ...]
    export: tuple[str, ...]
    erase: Erase | Callable[[Any], int]
    blank: dict[str, Any] = field(default_factory=dict)
    program: str | None = None
    retention: Erase | Callable[[Any], int] = Erase.KEEP
    export_rows: Callable[[Any], Any] | None = None
    section: str = ""

    @property
    def label(self) -> str:
        return self.model._meta.label

    def people_q(self, user) -> Q:
        """Rows that reach `user` through any of the declared paths."""
        q = Q(pk__in=[])
        for lookup in self.people:
            q |= lookup(user) if callable(lookup) else Q(**{lookup: user})
        return q

    def rows_for(self, user):
        """The rows of this model that reach `user` (what erasure works on)."""
        return self.model._default_manager.filter(self.people_q(user)).distinct()

    def export_queryset(self, user):
        """The rows that go into `user`'s archive."""
        if self.export_rows is not None:
            return self.export_rows(user)
        return self.rows_for(user)

    @property
    def user_fields(self) -> tuple[str, ...]:
        """Every direct foreign key from this model to a user (what retention re-points from
        participants to pseudonymous accounts), whether or not it is among `people`."""
        from django.conf import settings

        return tuple(
            f.name
            for f in self.model._meta.concrete_fields
            if f.is_relation
            and f.related_model is not None
            and f.related_model._meta.label == settings.AUTH_USER_MODEL
        )


@dataclass(frozen=True)
class NotPersonal:
    model: type[Model]
    reason: str


_DECLARED: dict[type[Model], Declaration] = {}
_NOT_PERSONAL: dict[type[Model], NotPersonal] = {}


def register(
    model: type[Model],
    *,
    people: Iterable[PeopleLookup],
    export: Iterable[str],
    erase: Erase | Callable[[Any], int],
    blank: dict[str, Any] | None = None,
    program: str | None = None,
    retention: Erase | Callable[[Any], int] = Erase.KEEP,
    export_rows: Callable[[Any], Any] | None = None,
    section: str = "",
) -> Declaration:
    """Declare `model` as holding personal data (see the module docstring)."""
    if model in _DECLARED or model in _NOT_PERSONAL:
        raise ValueError(f"{model._meta.label} is declared twice in the personal data map.")
    people = tuple(people)
    if not people:
        raise ValueError(f"{model._meta.label}: say how a row reaches a person (people=...).")
    if erase == Erase.BLANK and not blank:
        raise ValueError(f"{model._meta.label}: Erase.BLANK needs the fields to blank.")
    declaration = Declaration(
        model=model,
        people=people,
        export=tuple(export),
        erase=erase,
        blank=dict(blank or {}),
        program=program,
        retention=retention,
        export_rows=export_rows,
        section=section or str(model._meta.verbose_name_plural),
    )
    _DECLARED[model] = declaration
    return declaration


def not_personal(model: type[Model], *, reason: str) -> None:
    """Declare that `model` holds nothing about a person, and why."""
    if model in _DECLARED or model in _NOT_PERSONAL:
        raise ValueError(f"{model._meta.label} is declared twice in the personal data map.")
    _NOT_PERSONAL[model] = NotPersonal(model=model, reason=reason)


def declarations() -> list[Declaration]:
    """Every personal-data declaration, in registration order (apps in INSTALLED_APPS order)."""
    return list(_DECLARED.values())


def declaration_for(model: type[Model]) -> Declaration | None:
    return _DECLARED.get(model)


def not_personal_models() -> list[NotPersonal]:
    return list(_NOT_PERSONAL.values())


def is_declared(model: type[Model]) -> bool:
    return model in _DECLARED or model in _NOT_PERSONAL


def person_emails(user) -> set[str]:
    """Every email address the person is known by: the account's, and the other addresses on
    it (allauth keeps one row per address, earlier ones included), lower-cased."""
    emails = {user.email}
    addresses = getattr(user, "emailaddress_set", None)
    if addresses is not None and user.pk is not None:
        emails |= set(addresses.values_list("email", flat=True))
    return {email.strip().lower() for email in emails if email and email.strip()}


def emails_q(field: str, user) -> Q:
    """Rows whose email column `field` holds any of the person's addresses."""
    q = Q(pk__in=[])
    for email in person_emails(user):
        q |= Q(**{f"{field}__iexact": email})
    return q


def identifying_strings(user) -> set[str]:
    """The strings that name `user` in other people's records: every email address, the part
    before the @ (how `User.name` shows someone with no name), display name and full name
    (blank ones and very short ones, which would match unrelated text, left out)."""
    emails = person_emails(user)
    candidates = {
        *emails,
        *(email.split("@")[0] for email in emails),
        user.display_name,
        user.get_full_name(),
    }
    return {text.strip() for text in candidates if text and len(text.strip()) >= 3}


def json_contains(field: str, names: Iterable[str]) -> Q:
    """Rows whose JSON column `field` holds any of `names`, as stored: SQLite keeps JSON with
    non-ASCII letters escaped ("Zo\\u00eb"), so the escaped spelling is looked for too."""
    import json

    q = Q(pk__in=[])
    for name in names:
        for spelling in {name, json.dumps(name)[1:-1]}:
            q |= Q(**{f"{field}__icontains": spelling})
    return q


def scrub(value, names: set[str], replacement: str):
    """`value` (text, or JSON made of dicts, lists and text) with every occurrence of any of
    `names` replaced, ignoring case."""
    import re

    if isinstance(value, str):
        for name in sorted(names, key=len, reverse=True):
            value = re.sub(re.escape(name), replacement, value, flags=re.IGNORECASE)
        return value
    if isinstance(value, list):
        return [scrub(item, names, replacement) for item in value]
    if isinstance(value, dict):
        return {key: scrub(item, names, replacement) for key, item in value.items()}
    return value


def quoting_q(model: type[Model], fields: Iterable[str], names: Iterable[str]) -> Q:
    """Rows of `model` whose text or JSON column among `fields` holds any of `names`."""
    from django.db.models import JSONField

    names = list(names)
    q = Q(pk__in=[])
    for name in fields:
        if isinstance(model._meta.get_field(name), JSONField):
            q |= json_contains(name, names)
        else:
            for text in names:
                q |= Q(**{f"{name}__icontains": text})
    return q


def rows_scrub(rows, *, fields: list[str], names: set[str]) -> int:
    """Take `names` out of `fields` of each of `rows` (other people's records that quote an
    erased person), saving the rows that changed; returns how many."""
    changed = 0
    for row in rows:
        before = [getattr(row, name) for name in fields]
        after = [scrub(value, names, DELETED_NAME) for value in before]
        if after != before:
            for name, value in zip(fields, after, strict=True):
                setattr(row, name, value)
            row.save(update_fields=fields)
            changed += 1
    return changed
