"""A person's archive: `data.json` and a readable `index.html` in a ZIP, built from the
personal data map alone (`mentoring/personal_data.py`).

For each declaration with `export` fields: the rows `declaration.export_queryset(user)` gives,
ordered by primary key, and those fields. Nothing else is read, so what the map keeps out
(another person's logs and private notes, anonymous answers, coordinators' working notes)
never reaches an archive. `privacy/export.py` asks for, builds, stores and hands out archives.
"""

import io
import json
import zipfile
from datetime import UTC, date, datetime, time, timedelta, tzinfo
from decimal import Decimal
from uuid import UUID

from django.core.exceptions import FieldDoesNotExist
from django.db import models
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.functional import Promise
from django.utils.text import capfirst
from django.utils.translation import gettext

from mentoring.personal_data import Declaration, declarations

FORMAT = 1


def _json_safe(value):
    """`value` as JSON can hold it: times ISO 8601, zones, decimals and UUIDs as text."""
    if isinstance(value, datetime | date | time):
        return value.isoformat()
    if isinstance(value, Decimal | UUID | tzinfo | Promise):
        return str(value)
    if isinstance(value, timedelta):
        return value.total_seconds()
    if isinstance(value, list | tuple | set):
        return [_json_safe(item) for item in value]
    if isinstance(value, dict):
        return {str(key): _json_safe(item) for key, item in value.items()}
    return value


def _path(model, lookup: str) -> list:
    """The fields a lookup ("application__program__name") walks through, from `model`."""
    fields = []
    for part in lookup.split("__"):
        if model is None:
            raise FieldDoesNotExist(f"{lookup}: {part} follows a field that is not a relation")
        field = model._meta.get_field(part)
        fields.append(field)
        model = field.related_model if field.is_relation else None
    return fields


def _many_valued(fields) -> bool:
    return any(f.many_to_many or f.one_to_many for f in fields)


def _choice_labels(field) -> dict | None:
    """Code -> label for a field with choices of plain codes (text or numbers)."""
    if not getattr(field, "choices", None):
        return None
    labels = dict(field.flatchoices)
    if not all(isinstance(code, str | int) for code in labels):
        return None  # e.g. time zones, whose "codes" are zone objects
    return labels


def _label(model, lookup: str) -> str:
    """A column heading: the verbose names along the lookup ("Program name")."""
    return capfirst(" ".join(str(getattr(f, "verbose_name", f.name)) for f in _path(model, lookup)))


def section_rows(declaration: Declaration, user) -> list[dict]:
    """The person's rows of one declaration, ordered by primary key: each row the declared
    `export` fields (lookups through relations as `.values()` gives them; a lookup through a
    many-to-many relation as the sorted text of what it reaches), JSON-safe, with a
    `<field>_display` label after each field that has choices."""
    model = declaration.model
    paths = {lookup: _path(model, lookup) for lookup in declaration.export}
    single = [lookup for lookup in declaration.export if not _many_valued(paths[lookup])]
    queryset = declaration.export_queryset(user).order_by("pk")
    found = list(queryset.values("pk", *single))
    if not found:
        return []
    many = {
        lookup: _many_values(queryset, lookup, paths[lookup])
        for lookup in declaration.export
        if lookup not in single
    }
    rows = []
    for values in found:
        row = {}
        for lookup in declaration.export:
            if lookup in many:
                row[lookup] = many[lookup].get(values["pk"], [])
                continue
            value = values[lookup]
            row[lookup] = _json_safe(value)
            labels = _choice_labels(paths[lookup][-1])
            if labels is not None:
                label = "" if value in (None, "") else labels.get(value, value)
                row[f"{lookup}_display"] = str(label)
        rows.append(row)
    return rows


def _many_values(queryset, lookup: str, fields) -> dict[int, list]:
    """pk -> sorted text of what `lookup` reaches through a many-valued relation: the related
    objects' str() when it ends on a relation, else the values."""
    pairs = [(pk, value) for pk, value in queryset.values_list("pk", lookup) if value is not None]
    last = fields[-1]
    if last.is_relation:
        objects = last.related_model._default_manager.in_bulk({value for _, value in pairs})
        pairs = [(pk, str(objects[value])) for pk, value in pairs if value in objects]
    else:
        pairs = [(pk, str(_json_safe(value))) for pk, value in pairs]
    grouped: dict[int, list] = {}
    for pk, text in pairs:
        grouped.setdefault(pk, []).append(text)
    return {pk: sorted(set(texts)) for pk, texts in grouped.items()}


def archive_data(*, user, now: datetime | None = None) -> dict:
    """What `data.json` holds: the person and one section per declaration with an `export`
    and rows for them, in the map's order."""
    sections = []
    for declaration in declarations():
        if not declaration.export:
            continue
        rows = section_rows(declaration, user)
        if rows:
            sections.append(
                {"model": declaration.label, "title": str(declaration.section), "rows": rows}
            )
    return {
        "format": FORMAT,
        "generated_at": (now or timezone.now()).isoformat(),
        "person": {"id": user.pk, "email": user.email},
        "sections": sections,
    }


def _cell(value, field) -> str:
    """One value as the page shows it: moments to the minute in UTC, yes/no, lists joined."""
    if value is None:
        return "—"
    if isinstance(field, models.DateTimeField) and isinstance(value, str):
        return datetime.fromisoformat(value).astimezone(UTC).strftime("%Y-%m-%d %H:%M UTC")
    if isinstance(field, models.TimeField) and isinstance(value, str):
        return value[:5]
    if isinstance(value, bool):
        return gettext("yes") if value else gettext("no")
    if isinstance(value, list) and all(isinstance(item, str | int | float) for item in value):
        return ", ".join(str(item) for item in value)
    if isinstance(value, list | dict):
        return json.dumps(value, ensure_ascii=False)
    return str(value)


def _readable(declaration: Declaration, section: dict) -> dict:
    """One section as the HTML page shows it: headings from the fields' names, choice labels
    in place of codes."""
    lookups = declaration.export
    fields = {lookup: _path(declaration.model, lookup)[-1] for lookup in lookups}
    return {
        "title": section["title"],
        "columns": [_label(declaration.model, lookup) for lookup in lookups],
        "rows": [
            [_cell(row.get(f"{key}_display") or row[key], fields[key]) for key in lookups]
            for row in section["rows"]
        ],
    }


def archive_html(*, user, data: dict) -> str:
    """The readable page of the archive (templates/privacy/archive.html), self-contained."""
    by_label = {d.label: d for d in declarations()}
    context = {
        "person": user,
        "generated_at": datetime.fromisoformat(data["generated_at"]),
        "sections": [_readable(by_label[s["model"]], s) for s in data["sections"]],
    }
    return render_to_string("privacy/archive.html", context)


def archive_build(*, user) -> bytes:
    """A ZIP with `data.json` (see `archive_data`) and `index.html`, the same data to read."""
    data = archive_data(user=user)
    buffer = io.BytesIO()
    with zipfile.ZipFile(buffer, "w", compression=zipfile.ZIP_DEFLATED) as archive:
        archive.writestr("data.json", json.dumps(data, ensure_ascii=False, indent=2))
        archive.writestr("index.html", archive_html(user=user, data=data))
    return buffer.getvalue()


def export_section_titles() -> list[str]:
    """What an archive can hold: the titles of the map's sections that are exported."""
    return [str(d.section) for d in declarations() if d.export]
