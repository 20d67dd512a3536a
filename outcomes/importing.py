"""Outcome import: check an uploaded file, then apply it all or nothing.

`outcome_import_check` reads every row and writes nothing but the import's own summary: the
row errors (line by line), the people it names, how many of them took part in the program and
how many comparison students are new. `outcome_import_apply` reads the file again inside one
transaction, creates the comparison students, and upserts the records: the same person, term
and measure replace the value uploaded before. Memory stays bounded: rows are never held as
objects, only four small numbers each in typed arrays, and the people as one dictionary.

Who is who. A row names a person by institutional ID or email. An email must belong to an
account (a mistyped email would otherwise quietly become a stranger); an institutional ID that
belongs to no account is a student who did not take part, known to this program by that ID
alone (refused when the program's comparison policy is "none").
"""

from __future__ import annotations

import logging
from array import array
from collections.abc import Callable
from contextlib import closing
from dataclasses import dataclass, field
from datetime import timedelta

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import connection, transaction
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext as _

from accounts.models import User
from audit.models import Action
from audit.services import audit_record
from mentoring.uploads import header_key
from outcomes.measures import Measure, measure_for, value_read
from outcomes.models import OutcomeImport, OutcomePerson, OutcomeRecord
from outcomes.reading import HEADER_ALIASES, UnreadableFile, rows_read
from outcomes.selectors import participant_user_ids
from programs.models import Program

logger = logging.getLogger(__name__)

MAX_BYTES = 100 * 1024 * 1024
MAX_ROWS = 2_000_000
MAX_ERRORS_KEPT = 200
INLINE_BYTES = 512 * 1024
_CHUNK = 5000
S = OutcomeImport.Status


class ImportProblem(ValueError):
    """The import cannot go on; the message says why."""


@dataclass
class _Scan:
    """What one pass over a file found, in compact form."""

    keys: dict[tuple[str, str], int] = field(default_factory=dict)
    first_line: array = field(default_factory=lambda: array("i"))
    key_email: dict[int, str] = field(default_factory=dict)
    key_stage: dict[int, str] = field(default_factory=dict)
    people: array = field(default_factory=lambda: array("i"))
    term_of: array = field(default_factory=lambda: array("H"))
    measure_of: array = field(default_factory=lambda: array("H"))
    values: array = field(default_factory=lambda: array("d"))
    lines: array = field(default_factory=lambda: array("i"))
    terms: list[str] = field(default_factory=list)
    measures: list[str] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    error_count: int = 0

    def error(self, message: str) -> None:
        self.error_count += 1
        if len(self.errors) < MAX_ERRORS_KEPT:
            self.errors.append(message)


@dataclass
class _People:
    """Each key of the scan resolved to a person: an existing row, or one to create. Plain
    tuples, not model instances: a file can name 200,000 people."""

    person_ids: list[int | None]
    user_ids: list[int | None]
    to_create: list[tuple[int, int | None, str, int | None]]  # key, user, ID, stage
    to_update: list[tuple[int, int | None, int | None]]  # pk, user, stage


# --- Creating and dispatching ------------------------------------------------------------


def outcome_import_create(*, program: Program, user, upload) -> OutcomeImport:
    """Store an uploaded file as an import waiting to be checked, and check it: at once when
    it is small, otherwise in the worker (the page follows its progress)."""
    if upload.size > MAX_BYTES:
        raise ImportProblem(
            _("The file is %(size)s MB; at most %(max)s MB can be imported at once.")
            % {"size": upload.size // (1024 * 1024), "max": MAX_BYTES // (1024 * 1024)}
        )
    if upload.size == 0:
        raise ImportProblem(_("The file is empty."))
    record = OutcomeImport(
        program=program,
        uploaded_by=user,
        original_name=upload.name[-255:],
        size_bytes=upload.size,
    )
    record.file.save(upload.name, upload, save=False)
    record.save()
    _dispatch(record, "check")
    return record


def outcome_import_confirm(*, record: OutcomeImport, user) -> OutcomeImport:
    """Queue a checked import for applying; only a clean one can be confirmed."""
    updated = OutcomeImport.objects.filter(pk=record.pk, status=S.READY).update(
        status=S.QUEUED, confirmed_by=user
    )
    if not updated:
        raise ImportProblem(_("Only a checked file without errors can be imported."))
    record.refresh_from_db()
    _dispatch(record, "apply")
    return record


def outcome_import_discard(*, record: OutcomeImport) -> None:
    """Drop a checked import that will not be applied, and its file."""
    updated = OutcomeImport.objects.filter(pk=record.pk, status__in=[S.READY, S.REFUSED]).update(
        status=S.DISCARDED
    )
    if not updated:
        raise ImportProblem(_("This import can no longer be discarded."))
    record.refresh_from_db()
    _delete_file(record)


def _dispatch(record: OutcomeImport, step: str) -> None:
    if record.size_bytes <= INLINE_BYTES:
        (outcome_import_check if step == "check" else outcome_import_apply)(import_id=record.pk)
        record.refresh_from_db()
        return

    def enqueue():
        from outcomes.tasks import apply_import, check_import

        task = check_import if step == "check" else apply_import
        try:
            task.delay(import_id=record.pk)
        except Exception:  # broker down: the sweep picks it up within a minute
            logger.warning("Broker unavailable; outcome import %s left for the sweep", record.pk)

    transaction.on_commit(enqueue)


def outcome_imports_sweep(*, now=None) -> int:
    """Start imports whose task was lost, and put back those a dead worker left half done
    (applying runs in one transaction, so a dead worker wrote nothing). Returns how many."""
    now = now or timezone.now()
    stale = now - timedelta(minutes=30)
    OutcomeImport.objects.filter(status=S.CHECKING, started_at__lt=stale).update(status=S.UPLOADED)
    OutcomeImport.objects.filter(status=S.IMPORTING, started_at__lt=stale).update(status=S.QUEUED)
    waiting = now - timedelta(minutes=1)
    done = 0
    for pk, status in OutcomeImport.objects.filter(
        status__in=[S.UPLOADED, S.QUEUED], created_at__lt=waiting
    ).values_list("pk", "status"):
        step = outcome_import_check if status == S.UPLOADED else outcome_import_apply
        done += step(import_id=pk) is not None
    return done


# --- Checking ----------------------------------------------------------------------------


def outcome_import_check(*, import_id: int) -> OutcomeImport | None:
    """Read the file and record what it holds and every row error; writes no outcome.
    Safe to run twice: only the caller that claims the import checks it."""
    record = _claim(import_id, S.UPLOADED, S.CHECKING)
    if record is None:
        return None
    try:
        scan = _scan_file(record)
        people = _resolve(record.program, scan)
        _duplicates(scan)
    except UnreadableFile as exc:
        return _finish_check(record, None, None, problem=str(exc))
    except Exception:
        logger.exception("Outcome import %s could not be checked", import_id)
        return _finish_check(record, None, None, problem=_("The file could not be checked."))
    return _finish_check(record, scan, people)


def _claim(import_id: int, was: str, becomes: str) -> OutcomeImport | None:
    claimed = OutcomeImport.objects.filter(pk=import_id, status=was).update(
        status=becomes, started_at=timezone.now()
    )
    if not claimed:
        return None
    return OutcomeImport.objects.select_related("program", "confirmed_by").get(pk=import_id)


def _finish_check(record, scan: _Scan | None, people: _People | None, problem: str = ""):
    record.checked_at = timezone.now()
    if scan is None:
        record.errors, record.error_count = [problem], 1
    else:
        record.errors, record.error_count = scan.errors, scan.error_count
        record.rows = len(scan.values)
        record.people = len(scan.keys)
        record.terms = sorted({scan.terms[i] for i in set(scan.term_of)}, key=scan.terms.index)
        record.measures = [scan.measures[i] for i in sorted(set(scan.measure_of))]
        if people is not None:
            taking_part = participant_user_ids(program=record.program)
            record.participants = sum(1 for uid in people.user_ids if uid in taking_part)
            record.new_people = sum(1 for _key, user_id, *_rest in people.to_create if not user_id)
        if not record.rows and not record.error_count:
            record.errors, record.error_count = [_("The file has no rows under its header.")], 1
    record.status = S.REFUSED if record.error_count else S.READY
    record.save()
    return record


# --- Reading rows ------------------------------------------------------------------------


def _scan_file(record: OutcomeImport) -> _Scan:
    with record.file.open("rb") as file, closing(rows_read(file)) as rows:
        return _scan(record.program, rows)


def _scan(program: Program, rows) -> _Scan:
    scan = _Scan()
    terms = {term.lower(): i for i, term in enumerate(program.term_list)}
    scan.terms = program.term_list
    if not terms:
        scan.error(_("This program has no term list yet: a coordinator sets it on the program."))
        return scan
    _line, header = next(rows, (0, None))
    if header is None:
        raise UnreadableFile(_("The file is empty."))
    columns = _columns(header)
    measures: dict[str, tuple[int, Measure] | None] = {}
    read_row = _row_reader(scan, columns, terms, measures)
    for line, cells in rows:
        if len(scan.values) >= MAX_ROWS:
            scan.error(_("The file has more than %(max)s rows.") % {"max": f"{MAX_ROWS:,}"})
            break
        read_row(line, cells)
    return scan


def _columns(header: list[str]) -> dict[str, int]:
    columns: dict[str, int] = {}
    for index, cell in enumerate(header):
        name = HEADER_ALIASES.get(header_key(cell))
        if name and name not in columns:
            columns[name] = index
    missing = [name for name in ("term", "measure", "value") if name not in columns]
    if not ({"person", "institutional_id", "email"} & set(columns)):
        missing.insert(0, "person")
    if missing:
        raise UnreadableFile(
            _(
                "The first row must name the columns. Missing: %(missing)s. Expected: person "
                "(or institutional id, or email), term, measure, value, and optionally career "
                "stage."
            )
            % {"missing": ", ".join(missing)}
        )
    return columns


def _row_reader(scan: _Scan, columns, terms, measures) -> Callable[[int, list[str]], None]:
    """A function that reads one row into the scan (kept as a closure: it runs a million
    times, so its lookups are bound once)."""
    get = dict(columns)
    append_value, append_line = scan.values.append, scan.lines.append

    def cell(cells: list[str], name: str) -> str:
        index = get.get(name)
        return cells[index] if index is not None and index < len(cells) else ""

    def read(line: int, cells: list[str]) -> None:
        key, email, problem = _person_key(
            cell(cells, "person"), cell(cells, "institutional_id"), cell(cells, "email")
        )
        term_index = terms.get(cell(cells, "term").lower())
        measure_raw = cell(cells, "measure")
        if measure_raw not in measures:
            measures[measure_raw] = _measure_slot(scan, measure_raw)
        slot = measures[measure_raw]
        problems = [problem] if problem else []
        if term_index is None:
            problems.append(_term_problem(cell(cells, "term"), scan.terms))
        if slot is None:
            problems.append(
                _(
                    "“%(measure)s” is not a measure we know (GPA, credits, enrolled "
                    "next term, retained, graduated, or grade:COURSE)"
                )
                % {"measure": measure_raw[:60]}
            )
        else:
            value, value_problem = value_read(slot[1], cell(cells, "value"))
            if value_problem:
                problems.append(value_problem)
        if problems:
            scan.error(
                _("Line %(line)s: %(problems)s.") % {"line": line, "problems": "; ".join(problems)}
            )
            return
        index = _key_index(scan, key, line)
        if email:
            scan.key_email.setdefault(index, email)
        stage = cell(cells, "career_stage")
        if stage:
            scan.key_stage.setdefault(index, stage)
        scan.people.append(index)
        scan.term_of.append(term_index)
        scan.measure_of.append(slot[0])
        append_value(value)
        append_line(line)

    return read


def _person_key(person: str, institutional_id: str, email: str):
    """(key, email to check, problem) from a row's identity cells."""
    if person and not institutional_id and not email:
        if "@" in person:
            email = person
        else:
            institutional_id = person
    if institutional_id:
        if len(institutional_id) > 64:
            return None, "", _("the institutional ID is longer than 64 characters")
        return ("id", institutional_id), email.lower(), None
    if email:
        try:
            validate_email(email)
        except ValidationError:
            return None, "", _("“%(email)s” is not an email address") % {"email": email[:80]}
        return ("email", email.lower()), "", None
    return None, "", _("no person: give an institutional ID or an email")


def _term_problem(raw: str, terms: list[str]) -> str:
    if not raw:
        return _("the term is empty")
    return _("the term “%(term)s” is not in the program's terms (%(terms)s)") % {
        "term": raw[:40],
        "terms": ", ".join(terms),
    }


def _measure_slot(scan: _Scan, raw: str) -> tuple[int, Measure] | None:
    measure = measure_for(raw)
    if measure is None:
        return None
    if measure.code not in scan.measures:
        scan.measures.append(measure.code)
    return scan.measures.index(measure.code), measure


def _key_index(scan: _Scan, key, line: int) -> int:
    index = scan.keys.get(key)
    if index is None:
        index = scan.keys[key] = len(scan.keys)
        scan.first_line.append(line)
    return index


def _duplicates(scan: _Scan) -> None:
    """A person, term and measure twice in one file is an error on both lines: which value
    is meant cannot be guessed."""
    if not scan.values:
        return
    import numpy as np

    width = max(len(scan.measures), 1) * max(len(scan.terms), 1)
    codes = (
        np.frombuffer(scan.people, dtype=np.int32).astype(np.int64) * width
        + np.frombuffer(scan.term_of, dtype=np.uint16).astype(np.int64) * max(len(scan.measures), 1)
        + np.frombuffer(scan.measure_of, dtype=np.uint16)
    )
    order = np.argsort(codes, kind="stable")
    same = np.flatnonzero(codes[order][1:] == codes[order][:-1])
    lines = np.frombuffer(scan.lines, dtype=np.int32)
    for position in same:
        first, again = lines[order[position]], lines[order[position + 1]]
        scan.error(
            _("Line %(again)s repeats line %(first)s: the same person, term and measure.")
            % {"again": int(again), "first": int(first)}
        )


# --- Who is who --------------------------------------------------------------------------


def _resolve(program: Program, scan: _Scan) -> _People:
    """Match every key to an account and to this program's outcome person; record an error
    for an email nobody has, an ID and email that name two accounts, or an unknown stage."""
    ids = [value for kind, value in scan.keys if kind == "id"]
    emails = [value for kind, value in scan.keys if kind == "email"] + list(scan.key_email.values())
    by_id = _chunked_lookup(
        ids,
        lambda chunk: User.objects.filter(institutional_id__in=chunk).values_list(
            "institutional_id", "pk"
        ),
    )
    by_email = _chunked_lookup(
        emails,
        lambda chunk: (
            User.objects.annotate(lowered=Lower("email"))
            .filter(lowered__in=chunk)
            .values_list("lowered", "pk")
        ),
    )
    existing_by_user, existing_by_id = {}, {}
    for row in OutcomePerson.objects.filter(program=program).values_list(
        "pk", "user_id", "institutional_id", "career_stage_id"
    ):
        if row[1]:
            existing_by_user[row[1]] = row
        if row[2]:
            existing_by_id[row[2]] = row
    stages = {name.lower(): pk for pk, name in program.career_stages.values_list("pk", "name")}
    comparison = program.comparison_policy != "none"
    people = _People([], [], [], [])
    for (kind, value), index in scan.keys.items():
        line = scan.first_line[index]
        user_id = _account(scan, kind, value, index, line, by_id, by_email)
        if user_id is None and kind == "id" and not comparison:
            scan.error(
                _(
                    "Line %(line)s: no account has the institutional ID %(id)s, and this program "
                    "takes no comparison-group records (its privacy settings)."
                )
                % {"line": line, "id": value}
            )
        stage_id = _stage(scan, index, line, stages)
        person = existing_by_user.get(user_id) if user_id else None
        if person is None and kind == "id":
            person = existing_by_id.get(value)
        if person is None:
            people.to_create.append((index, user_id, value if kind == "id" else "", stage_id))
            people.person_ids.append(None)
        else:
            pk, had_user, _id, had_stage = person
            if (stage_id and had_stage != stage_id) or (user_id and had_user is None):
                people.to_update.append((pk, had_user or user_id, stage_id or had_stage))
            people.person_ids.append(pk)
        people.user_ids.append(user_id)
    return people


def _account(scan, kind, value, index, line, by_id, by_email) -> int | None:
    if kind == "email":
        user_id = by_email.get(value)
        if user_id is None:
            scan.error(
                _(
                    "Line %(line)s: nobody has an account with the email %(email)s; name students "
                    "without an account by their institutional ID."
                )
                % {"line": line, "email": value}
            )
        return user_id
    user_id = by_id.get(value)
    email = scan.key_email.get(index)
    email_user = by_email.get(email) if email else None
    if user_id and email_user and user_id != email_user:
        scan.error(
            _(
                "Line %(line)s: the institutional ID %(id)s and the email %(email)s belong to two "
                "different accounts."
            )
            % {"line": line, "id": value, "email": email}
        )
    return user_id or email_user


def _stage(scan: _Scan, index: int, line: int, stages: dict[str, int]) -> int | None:
    raw = scan.key_stage.get(index)
    if not raw:
        return None
    stage_id = stages.get(raw.lower())
    if stage_id is None:
        scan.error(
            _("Line %(line)s: “%(stage)s” is not one of this program's career stages.")
            % {"line": line, "stage": raw[:60]}
        )
    return stage_id


def _chunked_lookup(values: list[str], query) -> dict[str, int]:
    found: dict[str, int] = {}
    unique = list(dict.fromkeys(values))
    for start in range(0, len(unique), _CHUNK):
        found.update(query(unique[start : start + _CHUNK]))
    return found


# --- Applying ----------------------------------------------------------------------------


def outcome_import_apply(*, import_id: int) -> OutcomeImport | None:
    """Write a confirmed import's records, all or nothing: creates the comparison students it
    names, replaces values already held for the same person, term and measure, and records
    how many rows were added and updated (on the import, and in the audit trail with who
    confirmed it). Deletes the file afterwards. Safe to run twice."""
    record = _claim(import_id, S.QUEUED, S.IMPORTING)
    if record is None:
        return None
    try:
        with transaction.atomic():
            created, updated = _apply(record)
            audit_record(
                action=Action.OUTCOMES_IMPORTED,
                actor=record.confirmed_by,
                program=record.program,
                target=record,
                detail={"rows": created + updated, "added": created, "updated": updated},
            )
    except Exception as exc:
        logger.exception("Outcome import %s failed", import_id)
        record.status = S.FAILED
        record.errors = [
            str(exc)
            if isinstance(exc, ImportProblem)
            else _("The import failed and nothing was changed.")
        ]
        record.error_count = 1
        record.finished_at = timezone.now()
        record.save()
        return record
    record.status, record.created, record.updated = S.DONE, created, updated
    record.finished_at = timezone.now()
    record.save()
    _delete_file(record)
    return record


def _apply(record: OutcomeImport) -> tuple[int, int]:
    program = record.program
    scan = _scan_file(record)
    people = _resolve(program, scan)
    _duplicates(scan)
    if scan.error_count:
        raise ImportProblem(
            _(
                "The file no longer checks cleanly (%(n)s errors, e.g. %(first)s); nothing was "
                "imported. Upload it again to see every error."
            )
            % {"n": scan.error_count, "first": scan.errors[0]}
        )
    ids = _people_write(program, people)
    records = OutcomeRecord.objects.filter(person__program=program)
    before = records.count()
    writer = _copy_upsert if connection.vendor == "postgresql" else _bulk_upsert
    writer(scan, ids, record.pk)
    created = records.count() - before
    return created, len(scan.values) - created


def _people_write(program: Program, people: _People) -> list[int]:
    """Create the new people and update the changed ones, a chunk at a time; returns every
    key's person id."""
    ids = people.person_ids
    for start in range(0, len(people.to_create), _CHUNK):
        chunk = people.to_create[start : start + _CHUNK]
        created = OutcomePerson.objects.bulk_create(
            OutcomePerson(
                program=program, user_id=user_id, institutional_id=key, career_stage_id=stage
            )
            for _index, user_id, key, stage in chunk
        )
        for (index, *_rest), person in zip(chunk, created, strict=True):
            ids[index] = person.pk
    for start in range(0, len(people.to_update), _CHUNK):
        OutcomePerson.objects.bulk_update(
            [
                OutcomePerson(pk=pk, user_id=user_id, career_stage_id=stage)
                for pk, user_id, stage in people.to_update[start : start + _CHUNK]
            ],
            ["career_stage", "user"],
        )
    return ids


def _record_rows(scan: _Scan, ids: list[int]):
    terms, measures = scan.terms, scan.measures
    for person, term, measure, value in zip(
        scan.people, scan.term_of, scan.measure_of, scan.values, strict=True
    ):
        yield ids[person], terms[term], measures[measure], value


def _copy_upsert(scan: _Scan, ids: list[int], source_id: int) -> None:
    table = OutcomeRecord._meta.db_table
    with connection.cursor() as cursor:
        cursor.execute(
            "CREATE TEMP TABLE outcome_load (person_id bigint, term varchar(32), "
            "measure varchar(64), value double precision) ON COMMIT DROP"
        )
        with cursor.cursor.copy(
            "COPY outcome_load (person_id, term, measure, value) FROM STDIN"
        ) as copy:
            for row in _record_rows(scan, ids):
                copy.write_row(row)
        cursor.execute(
            f"INSERT INTO {table} (person_id, term, measure, value, source_id) "  # noqa: S608
            "SELECT person_id, term, measure, value, %s FROM outcome_load "
            "ON CONFLICT (person_id, term, measure) DO UPDATE "
            "SET value = EXCLUDED.value, source_id = EXCLUDED.source_id",
            [source_id],
        )
        # ON COMMIT DROP is not enough when this runs inside a longer transaction.
        cursor.execute("DROP TABLE outcome_load")


def _bulk_upsert(scan: _Scan, ids: list[int], source_id: int) -> None:
    batch: list[OutcomeRecord] = []
    for person_id, term, measure, value in _record_rows(scan, ids):
        batch.append(
            OutcomeRecord(
                person_id=person_id, term=term, measure=measure, value=value, source_id=source_id
            )
        )
        if len(batch) >= _CHUNK:
            _upsert(batch)
            batch = []
    if batch:
        _upsert(batch)


def _upsert(batch: list[OutcomeRecord]) -> None:
    OutcomeRecord.objects.bulk_create(
        batch,
        update_conflicts=True,
        unique_fields=["person", "term", "measure"],
        update_fields=["value", "source"],
    )


def _delete_file(record: OutcomeImport) -> None:
    if record.file:
        record.file.delete(save=False)
        OutcomeImport.objects.filter(pk=record.pk).update(file="")
