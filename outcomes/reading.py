"""Reading an outcome file row by row, in bounded memory, whatever spreadsheet wrote it.

A CSV file is decoded as it streams. Its encoding is settled first by one pass of an
incremental decoder over the bytes: UTF-8 (with or without a byte-order mark), UTF-16 when it
starts with its mark, then Windows-1252 (Excel on Windows), then Latin-1, which takes any byte.
The delimiter is whichever of comma, semicolon or tab the header line uses most. An XLSX file
is read with openpyxl's read-only mode, which streams its sheet. Cells come out as stripped,
NFC-normalised strings.
"""

from __future__ import annotations

import codecs
import csv
import io
from collections.abc import Iterator
from typing import BinaryIO

from django.utils.translation import gettext as _

from mentoring.text import nfc
from mentoring.uploads import delimiter_of

_ZIP = b"PK\x03\x04"
_OLD_OFFICE = b"\xd0\xcf\x11\xe0"
_CHUNK = 1 << 20
HEADER_ALIASES = {
    "person": "person",
    "student": "person",
    "institutional id": "institutional_id",
    "student id": "institutional_id",
    "student number": "institutional_id",
    "id": "institutional_id",
    "emplid": "institutional_id",
    "email": "email",
    "e mail": "email",
    "email address": "email",
    "term": "term",
    "semester": "term",
    "period": "term",
    "measure": "measure",
    "metric": "measure",
    "outcome": "measure",
    "value": "value",
    "result": "value",
    "career stage": "career_stage",
    "stage": "career_stage",
    "year of study": "career_stage",
}


class UnreadableFile(ValueError):
    """The file is not a CSV or XLSX file we can read; the message says why."""


def rows_read(file: BinaryIO) -> Iterator[tuple[int, list[str]]]:
    """(line number, cells) for every non-empty row of the file, the header included."""
    file.seek(0)
    start = file.read(8)
    file.seek(0)
    if start.startswith(_ZIP):
        yield from _xlsx_rows(file)
        return
    if start.startswith(_OLD_OFFICE):
        raise UnreadableFile(_("Old Excel (.xls) files cannot be read: save it as .xlsx or CSV."))
    yield from _csv_rows(file)


def _encoding(file: BinaryIO) -> str:
    file.seek(0)
    head = file.read(4)
    file.seek(0)
    if head.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        return "utf-16"
    for encoding in ("utf-8-sig", "cp1252"):
        decoder = codecs.getincrementaldecoder(encoding)()
        try:
            while chunk := file.read(_CHUNK):
                decoder.decode(chunk)
            decoder.decode(b"", final=True)
        except UnicodeDecodeError:
            file.seek(0)
            continue
        file.seek(0)
        return encoding
    return "latin-1"


def _csv_rows(file: BinaryIO) -> Iterator[tuple[int, list[str]]]:
    first = file.read(4096)
    file.seek(0)
    if b"\x00" in first and not first.startswith((codecs.BOM_UTF16_LE, codecs.BOM_UTF16_BE)):
        raise UnreadableFile(_("This is not a CSV or XLSX file."))
    text = io.TextIOWrapper(file, encoding=_encoding(file), newline="")
    try:
        header_line = text.readline()
        delimiter = delimiter_of(header_line)
        text.seek(0)
        reader = csv.reader(text, delimiter=delimiter)
        for cells in reader:
            if any(cell.strip() for cell in cells):
                yield reader.line_num, [nfc(cell.strip()) for cell in cells]
    except csv.Error as exc:
        raise UnreadableFile(
            _("The file could not be read as CSV near line %(line)s: %(error)s")
            % {"line": reader.line_num, "error": exc}
        ) from None
    finally:
        text.detach()


def _xlsx_rows(file: BinaryIO) -> Iterator[tuple[int, list[str]]]:
    from openpyxl import load_workbook

    try:
        workbook = load_workbook(file, read_only=True, data_only=True)
    except Exception:
        raise UnreadableFile(_("The spreadsheet could not be opened.")) from None
    try:
        sheet = workbook.worksheets[0]
        for line, values in enumerate(sheet.iter_rows(values_only=True), start=1):
            cells = [_cell_text(value) for value in values]
            if any(cells):
                yield line, cells
    finally:
        workbook.close()


def _cell_text(value) -> str:
    if value is None:
        return ""
    if isinstance(value, float) and value.is_integer():
        return str(int(value))
    return nfc(str(value).strip())
