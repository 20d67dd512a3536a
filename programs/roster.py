"""Roster import: invite a program's mentors and mentees from a CSV file.

`roster_parse` checks every row of an uploaded file and writes nothing; `roster_import` turns
a clean preview into invitations, all or nothing, and emails them once enrollment is open.

Files come from Excel, Numbers, LibreOffice and Google Sheets, so encodings, delimiters and
header spellings vary. Decoding tries UTF-8 (with or without a byte-order mark), UTF-16 when
the file starts with its byte-order mark, then Windows-1252 (what Excel writes on Windows; it
reads every printable Latin-1 character the same way) and finally Latin-1, which accepts any
byte. The delimiter, comma, semicolon or tab, is the one the header line uses most. The text
is NFC-normalised (mentoring/text.py), so a name is stored the way the forms store it.

An optional institutional ID column (student or staff number) is kept on each invitation and
given to the person's account when they accept it, or at import time if they have an account
already; an account's ID is never overwritten, and an ID held by another account is an error.
"""

import codecs
import csv
import io
import logging
import secrets
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field

from django.core.exceptions import ValidationError
from django.core.validators import validate_email
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.db.models.functions import Lower
from django.utils import timezone
from django.utils.translation import gettext, ngettext

from accounts.models import User
from mentoring.text import nfc
from mentoring.uploads import delimiter_of, header_key
from notifications.models import Kind
from notifications.services import notification_queue
from programs.models import Application, CareerStage, Invitation, Program, Role

MAX_BYTES = 5 * 1024 * 1024
MAX_ROWS = 20_000
NAME_MAX = Invitation._meta.get_field("name").max_length
EMAIL_MAX = Invitation._meta.get_field("email").max_length
INSTITUTIONAL_ID_MAX = Invitation._meta.get_field("institutional_id").max_length
REQUIRED_COLUMNS = ("email", "name", "role")
HEADER_ALIASES = {
    "email": "email",
    "e mail": "email",
    "email address": "email",
    "e mail address": "email",
    "mail": "email",
    "name": "name",
    "full name": "name",
    "fullname": "name",
    "display name": "name",
    "role": "role",
    "program role": "role",
    "programme role": "role",
    "career stage": "career_stage",
    "careerstage": "career_stage",
    "stage": "career_stage",
    "career level": "career_stage",
    "institutional id": "institutional_id",
    "student id": "institutional_id",
    "student number": "institutional_id",
    "staff id": "institutional_id",
    "employee id": "institutional_id",
    "id number": "institutional_id",
}
_ZIP_MAGIC = (b"PK\x03\x04", b"\xd0\xcf\x11\xe0")  # .xlsx/.ods/.numbers, and legacy .xls
_UPDATE_BATCH = 1000
_LOOKUP_BATCH = 900  # ids per IN (...): below SQLite's smallest variable limit

logger = logging.getLogger(__name__)


@dataclass
class RosterRow:
    line: int
    email: str
    name: str
    role: str
    career_stage: CareerStage | None
    institutional_id: str = ""
    errors: list[str] = field(default_factory=list)


@dataclass
class RosterPreview:
    rows: list[RosterRow] = field(default_factory=list)
    errors: list[str] = field(default_factory=list)
    has_institutional_id: bool = False  # the file has the column (the preview shows it)

    @property
    def ok(self) -> bool:
        return not self.errors and not any(row.errors for row in self.rows)

    @property
    def mentor_count(self) -> int:
        return sum(row.role == Role.MENTOR for row in self.rows)

    @property
    def mentee_count(self) -> int:
        return sum(row.role == Role.MENTEE for row in self.rows)

    @property
    def error_row_count(self) -> int:
        return sum(bool(row.errors) for row in self.rows)


@dataclass
class _Known:
    """What a row is checked against: the program's vocabulary and who is already in."""

    stages: dict[str, CareerStage]
    invited: set[tuple[str, str]]
    applied: set[tuple[str, str]]
    allow_dual_role: bool
    id_owners: dict[str, str] = field(default_factory=dict)  # institutional ID -> account email
    seen: dict[tuple[str, str], int] = field(default_factory=dict)


def roster_parse(*, program: Program, data: bytes) -> RosterPreview:
    """Check an uploaded roster file against `program` without writing anything.

    Problems with the file as a whole end up in `errors` (and no rows are returned); problems
    with a row in that row's `errors`. User input never raises.
    """
    problem = _file_problem(data)
    if problem:
        return RosterPreview(errors=[problem])
    text = nfc(_decode(data))  # cells in one Unicode form, as everything typed into forms
    if "\x00" in text:
        return RosterPreview(
            errors=[gettext("This file contains binary data; it is not a CSV file.")]
        )
    try:
        records = list(_records(text))
    except csv.Error as exc:
        return RosterPreview(
            errors=[gettext("This does not look like a CSV file (%(error)s).") % {"error": exc}]
        )
    if not records:
        return RosterPreview(errors=[gettext("The file is empty.")])
    columns, problem = _columns(records[0][1])
    if problem:
        return RosterPreview(errors=[problem])
    if len(records) == 1:
        return RosterPreview(errors=[gettext("The file has a header line but no rows below it.")])
    if len(records) - 1 > MAX_ROWS:
        return RosterPreview(
            errors=[
                gettext("The file has more than %(max)s rows; split it into smaller files.")
                % {"max": f"{MAX_ROWS:,}"}
            ]
        )
    known = _known(program)
    if "institutional_id" in columns:
        index = columns["institutional_id"]
        ids = {cells[index] for _, cells in records[1:] if index < len(cells) and cells[index]}
        known.id_owners = _institutional_id_owners(ids)
    rows = [_row(line, cells, columns, known) for line, cells in records[1:]]
    _institutional_id_conflicts(rows)
    return RosterPreview(rows=rows, has_institutional_id="institutional_id" in columns)


def _file_problem(data: bytes) -> str | None:
    if len(data) > MAX_BYTES:
        return gettext("The file is larger than %(mb)s MB; split it into smaller files.") % {
            "mb": MAX_BYTES // 2**20
        }
    if not data.strip(b" \t\r\n" + codecs.BOM_UTF8):
        return gettext("The file is empty.")
    if data.startswith(_ZIP_MAGIC):
        return gettext(
            "This is a spreadsheet workbook, not a CSV file. Save or download it as CSV "
            "(comma-separated values) and upload that file."
        )
    return None


def _decode(data: bytes) -> str:
    encodings = ["utf-8-sig", "cp1252", "latin-1"]
    if data.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        encodings.insert(0, "utf-16")
    for encoding in encodings:
        try:
            return data.decode(encoding)
        except UnicodeDecodeError:
            continue
    raise AssertionError("Latin-1 decodes any byte")  # pragma: no cover


def _delimiter(text: str) -> str:
    return delimiter_of(next((line for line in text.splitlines() if line.strip()), ""))


def _records(text: str) -> Iterator[tuple[int, list[str]]]:
    """Non-blank rows with the physical line each starts on (a quoted cell may span lines).
    Stops two rows past the limit: enough to tell the file is too long."""
    reader = csv.reader(io.StringIO(text, newline=""), delimiter=_delimiter(text))
    last_line = 0
    kept = 0
    for cells in reader:
        start, last_line = last_line + 1, reader.line_num
        if any(cell.strip() for cell in cells):
            yield start, [cell.strip() for cell in cells]
            kept += 1
            if kept > MAX_ROWS + 1:
                return


def _columns(header: list[str]) -> tuple[dict[str, int], str | None]:
    """Where each known column is, or a message saying what is wrong with the header."""
    columns: dict[str, int] = {}
    for index, cell in enumerate(header):
        name = HEADER_ALIASES.get(header_key(cell))
        if name is None:
            continue  # extra columns are the spreadsheet's business
        if name in columns:
            first, second = columns[name] + 1, index + 1
            return columns, gettext(
                "The %(name)s column appears twice (columns %(first)s and %(second)s)."
            ) % {"name": name, "first": first, "second": second}
        columns[name] = index
    missing = [name for name in REQUIRED_COLUMNS if name not in columns]
    if missing:
        text = ngettext(
            "Missing column: %(columns)s. The first line must name the columns email, name "
            "and role (career_stage is optional).",
            "Missing columns: %(columns)s. The first line must name the columns email, name "
            "and role (career_stage is optional).",
            len(missing),
        )
        return columns, text % {"columns": ", ".join(missing)}
    return columns, None


def _known(program: Program) -> _Known:
    invited = Invitation.objects.filter(program=program).values_list("email", "role")
    applied = Application.objects.filter(program=program).values_list("user__email", "role")
    return _Known(
        stages={stage.name.casefold(): stage for stage in program.career_stages.all()},
        invited={(email.lower(), role) for email, role in invited},
        applied={(email.lower(), role) for email, role in applied},
        allow_dual_role=program.allow_dual_role,
    )


def _row(line: int, cells: list[str], columns: dict[str, int], known: _Known) -> RosterRow:
    def cell(name: str) -> str:
        index = columns.get(name)
        return cells[index] if index is not None and index < len(cells) else ""

    email, name, role, stage_name, institutional_id = (
        cell("email").lower(),
        cell("name"),
        cell("role").lower(),
        cell("career_stage"),
        cell("institutional_id"),
    )
    stage = known.stages.get(stage_name.casefold()) if stage_name else None
    row = RosterRow(
        line=line,
        email=email,
        name=name,
        role=role,
        career_stage=stage,
        institutional_id=institutional_id,
    )
    email_errors = _email_errors(cell("email"))
    row.errors.extend(email_errors)
    row.errors.extend(_name_errors(name))
    row.errors.extend(_role_errors(cell("role")))
    if stage_name and stage is None:
        row.errors.append(_unknown_stage(stage_name, known))
    row.errors.extend(_institutional_id_errors(row, known))
    if not email_errors and role in Role.values:
        row.errors.extend(_membership_errors(row, known))
    return row


def _quote(raw: str) -> str:
    return f'"{raw[:60]}..."' if len(raw) > 60 else f'"{raw}"'


def _email_errors(raw: str) -> list[str]:
    if not raw:
        return [gettext("Email is missing.")]
    try:
        validate_email(raw)
    except ValidationError:
        return [gettext("%(value)s is not a valid email address.") % {"value": _quote(raw)}]
    if len(raw) > EMAIL_MAX:
        return [
            gettext("The email address is longer than %(max)d characters.") % {"max": EMAIL_MAX}
        ]
    return []


def _name_errors(name: str) -> list[str]:
    if not name:
        return [gettext("Name is missing.")]
    if len(name) > NAME_MAX:
        return [gettext("Name is longer than %(max)d characters.") % {"max": NAME_MAX}]
    return []


def _role_errors(raw: str) -> list[str]:
    if not raw:
        return [gettext("Role is missing; use mentor or mentee.")]
    if raw.lower() not in Role.values:
        return [gettext("Role must be mentor or mentee, not %(value)s.") % {"value": _quote(raw)}]
    return []


def _unknown_stage(raw: str, known: _Known) -> str:
    if not known.stages:
        return gettext(
            "Unknown career stage %(value)s: this program has none; leave the cell empty."
        ) % {"value": _quote(raw)}
    names = ", ".join(stage.name for stage in known.stages.values())
    return gettext("Unknown career stage %(value)s; use one of: %(names)s.") % {
        "value": _quote(raw),
        "names": names,
    }


def _institutional_id_errors(row: RosterRow, known: _Known) -> list[str]:
    if len(row.institutional_id) > INSTITUTIONAL_ID_MAX:
        return [
            gettext("The institutional ID is longer than %(max)d characters.")
            % {"max": INSTITUTIONAL_ID_MAX}
        ]
    owner = known.id_owners.get(row.institutional_id)
    if owner is not None and owner.lower() != row.email:
        return [
            gettext('The institutional ID "%(id)s" belongs to another account.')
            % {"id": row.institutional_id}
        ]
    return []


def _institutional_id_conflicts(rows: list[RosterRow]) -> None:
    """One ID is one person: an ID given to two emails, or an email given two IDs, is an
    error on every line involved. The same person on two lines (mentor and mentee) is not."""
    lines_by_id: dict[str, dict[str, list[int]]] = {}
    lines_by_email: dict[str, dict[str, list[int]]] = {}
    for row in rows:
        if row.institutional_id and len(row.institutional_id) <= INSTITUTIONAL_ID_MAX:
            lines_by_id.setdefault(row.institutional_id, {}).setdefault(row.email, [])
            lines_by_id[row.institutional_id][row.email].append(row.line)
            if row.email:
                lines_by_email.setdefault(row.email, {}).setdefault(row.institutional_id, [])
                lines_by_email[row.email][row.institutional_id].append(row.line)
    for row in rows:
        if row.institutional_id not in lines_by_id:
            continue
        others = _other_lines(lines_by_id[row.institutional_id], row.email)
        if others:
            row.errors.append(
                gettext('The institutional ID "%(id)s" is also on line %(lines)s.')
                % {"id": row.institutional_id, "lines": others}
            )
        others = _other_lines(lines_by_email.get(row.email, {}), row.institutional_id)
        if others:
            row.errors.append(
                gettext("Line %(lines)s gives this email another institutional ID.")
                % {"lines": others}
            )


def _other_lines(lines_by_value: dict[str, list[int]], mine: str) -> str:
    lines = sorted(line for value, ls in lines_by_value.items() if value != mine for line in ls)
    return ", ".join(str(line) for line in lines)


def _chunks(values: Iterable[str]) -> Iterator[list[str]]:
    values = sorted(values)
    for start in range(0, len(values), _LOOKUP_BATCH):
        yield values[start : start + _LOOKUP_BATCH]


def _institutional_id_owners(ids: Iterable[str]) -> dict[str, str]:
    owners = {}
    for chunk in _chunks(ids):
        rows = User.objects.filter(institutional_id__in=chunk).values_list(
            "institutional_id", "email"
        )
        owners.update(rows)
    return owners


def _membership_errors(row: RosterRow, known: _Known) -> list[str]:
    """Duplicates within the file and people already invited or applied, in this role and,
    when the program does not allow both roles, in the other one."""
    errors = []
    key = (row.email, row.role)
    mentor = row.role == Role.MENTOR
    if key in known.seen:
        errors.append(gettext("Duplicate of line %(line)s.") % {"line": known.seen[key]})
    else:
        known.seen[key] = row.line
    if key in known.invited:
        errors.append(
            gettext("Already invited to this program as a mentor.")
            if mentor
            else gettext("Already invited to this program as a mentee.")
        )
    if key in known.applied:
        errors.append(
            gettext("Already applied to this program as a mentor.")
            if mentor
            else gettext("Already applied to this program as a mentee.")
        )
    if not known.allow_dual_role:
        other = Role.MENTEE if row.role == Role.MENTOR else Role.MENTOR
        errors.extend(_other_role_errors((row.email, other), known))
    return errors


def _other_role_errors(other: tuple[str, str], known: _Known) -> list[str]:
    """`other` is (email, the role this row is not); one whole sentence per role."""
    mentor = other[1] == Role.MENTOR
    if other in known.seen:
        text = (
            gettext(
                "Also listed as a mentor on line %(line)s; "
                "this program does not allow being both mentor and mentee."
            )
            if mentor
            else gettext(
                "Also listed as a mentee on line %(line)s; "
                "this program does not allow being both mentor and mentee."
            )
        )
        return [text % {"line": known.seen[other]}]
    if other in known.invited:
        return [
            gettext(
                "Already invited as a mentor; "
                "this program does not allow being both mentor and mentee."
            )
            if mentor
            else gettext(
                "Already invited as a mentee; "
                "this program does not allow being both mentor and mentee."
            )
        ]
    if other in known.applied:
        return [
            gettext(
                "Already applied as a mentor; "
                "this program does not allow being both mentor and mentee."
            )
            if mentor
            else gettext(
                "Already applied as a mentee; "
                "this program does not allow being both mentor and mentee."
            )
        ]
    return []


def roster_import(
    *, program: Program, preview: RosterPreview, invited_by: User | None
) -> list[Invitation]:
    """Create one invitation per row of a clean preview, all or nothing, and queue one
    invitation email each if the program's enrollment is open (otherwise they go out when it
    opens, through `invitations_send_pending`).

    Raises ValidationError, writing nothing, if the preview has problems, belongs to another
    program, or someone in it was invited meanwhile.
    """
    if not preview.ok:
        raise ValidationError(gettext("The roster has problems; fix them and upload it again."))
    if any(row.career_stage and row.career_stage.program_id != program.pk for row in preview.rows):
        raise ValidationError(gettext("This roster was checked against another program."))
    invitations = [
        Invitation(
            program=program,
            email=row.email,
            name=row.name,
            role=row.role,
            career_stage=row.career_stage,
            institutional_id=row.institutional_id,
            token=secrets.token_urlsafe(32),
            invited_by=invited_by,
        )
        for row in preview.rows
    ]
    # Rows were validated by roster_parse; full_clean per row would cost a query each.
    try:
        with transaction.atomic():
            invitations = Invitation.objects.bulk_create(invitations)
            _accounts_fill_institutional_ids(preview.rows)
            if program.enrollment_is_open():
                _invitations_email(program=program, invitations=invitations)
    except IntegrityError:
        raise ValidationError(
            gettext(
                "Some of these people were invited meanwhile; upload the file again to see who."
            )
        ) from None
    return invitations


def _accounts_fill_institutional_ids(rows: list[RosterRow]) -> None:
    """Give the roster's institutional IDs to invited people's existing accounts that have
    none, unless another account holds the ID. The invitations carry the IDs too, so if
    anything gets in the way the accounts get them when the invitations are accepted."""
    wanted = {row.email: row.institutional_id for row in rows if row.institutional_id}
    if not wanted:
        return
    taken = set(_institutional_id_owners(wanted.values()))
    accounts = []
    for chunk in _chunks(wanted):
        accounts.extend(
            User.objects.select_for_update()
            .annotate(email_lower=Lower("email"))
            .filter(Q(institutional_id__isnull=True) | Q(institutional_id=""))
            .filter(email_lower__in=chunk)
            .only("pk", "email", "institutional_id")
        )
    for account in accounts:
        institutional_id = wanted[account.email_lower]
        if institutional_id not in taken:
            account.institutional_id = institutional_id
            taken.add(institutional_id)
    accounts = [account for account in accounts if account.institutional_id]
    try:
        with transaction.atomic():
            User.objects.bulk_update(accounts, ["institutional_id"], batch_size=_UPDATE_BATCH)
    except IntegrityError:
        # Another account took one of the IDs meanwhile; acceptance fills them one by one.
        logger.info("Roster import: institutional IDs not given to %d accounts", len(accounts))


def account_institutional_id_fill(*, user: User, institutional_id: str) -> bool:
    """Give `user`'s account `institutional_id` if it has none and no other account holds
    it; returns whether it did. Never raises for a taken ID (it logs and skips), so it is
    safe inside someone's request."""
    if not institutional_id or user.institutional_id:
        return False
    if User.objects.filter(institutional_id=institutional_id).exclude(pk=user.pk).exists():
        logger.info("Institutional ID of user %s not set: another account holds it", user.pk)
        return False
    try:
        with transaction.atomic():
            updated = (
                User.objects.filter(pk=user.pk)
                .filter(Q(institutional_id__isnull=True) | Q(institutional_id=""))
                .update(institutional_id=institutional_id)
            )
    except IntegrityError:
        logger.info("Institutional ID of user %s not set: another account took it", user.pk)
        return False
    if updated:
        user.institutional_id = institutional_id
    return bool(updated)


@transaction.atomic
def invitations_send_pending(*, program: Program) -> int:
    """Queue the invitation email of each of the program's invitations not emailed yet (and
    not accepted already) and mark them emailed; returns how many. Does nothing while
    enrollment is closed. Safe to run twice, also concurrently: rows are locked and each
    email's ledger key is unique."""
    if not program.enrollment_is_open():
        return 0
    pending = list(
        program.invitations.select_for_update().filter(
            emailed_at__isnull=True, accepted_at__isnull=True
        )
    )
    _invitations_email(program=program, invitations=pending)
    return len(pending)


def _invitations_email(*, program: Program, invitations: list[Invitation]) -> None:
    now = timezone.now()
    for invitation in invitations:
        notification_queue(
            kind=Kind.PROGRAM_INVITATION, to=invitation.email, subject=invitation, program=program
        )
        invitation.emailed_at = now
    pks = [invitation.pk for invitation in invitations]
    for start in range(0, len(pks), _UPDATE_BATCH):
        Invitation.objects.filter(pk__in=pks[start : start + _UPDATE_BATCH]).update(emailed_at=now)
