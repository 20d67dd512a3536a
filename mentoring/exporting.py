"""Spreadsheet exports that are safe to open: streaming CSV and write-only XLSX.

Pure (no Django). Exported cells hold text that participants typed, and a spreadsheet program
runs a cell that starts with "=" (or "+", "-", "@", ...) as a formula: a formula that builds a
hyperlink leaking data, or one that launches a program via DDE. Every cell therefore passes
through `neutralise`, which follows the OWASP "CSV injection" advice of prefixing such text with
a single quote. The same rule is used for CSV and XLSX so both files of one export hold the same
text; in XLSX the quote shows in the cell, which we accept for one rule that also stays inert
when a user copies the sheet on into CSV.

`csv_stream` yields text for a Django StreamingHttpResponse in constant memory; `xlsx_write`
streams each sheet's XML into the workbook's ZIP file, so its memory does not grow either.
"""

from __future__ import annotations

import csv
import io
import math
import os
import re
import zipfile
from collections.abc import Iterable, Iterator, Sequence
from datetime import UTC, date, datetime, time, timedelta
from decimal import Decimal
from typing import BinaryIO

#: A value a cell may hold once neutralised.
CellValue = str | int | float | Decimal | bool | date | datetime | time | timedelta | None

#: Leading characters that make a spreadsheet treat text as a formula (OWASP's list plus NUL).
# openpyxl's ILLEGAL_CHARACTERS_RE (C0 controls but tab, LF and CR), written out so that start-up
# does not import openpyxl; tests/mentoring/test_startup.py checks the two agree.
ILLEGAL_CHARACTERS_RE = re.compile(r"[\000-\010]|[\013-\014]|[\016-\037]")
FORMULA_TRIGGERS = frozenset("=+-@\t\r\0")
#: Excel's limit on sheet titles, and the characters it forbids in them.
MAX_SHEET_TITLE = 31
_FORBIDDEN_IN_TITLE = re.compile(r"[\[\]:*?/\\]")
#: Sheet title Excel reserves for itself (compared case-insensitively).
_RESERVED_TITLES = frozenset({"history"})

#: Encode to UTF-8 with this first so that Excel reads the file as UTF-8, not the ANSI code page.
BOM = "\ufeff"
#: Roughly how much CSV text to gather before yielding it: few chunks, still constant memory.
CSV_CHUNK_CHARS = 16 * 1024

_PASS_THROUGH = (int, float, Decimal, date, time, timedelta)  # bool is an int; datetime a date


def neutralise(value: object) -> CellValue:
    """A cell value that no spreadsheet program will run as a formula.

    Numbers, bools, None, dates, datetimes, times and timedeltas pass through unchanged (a
    negative number is data, not a formula; only text is ever run). Other values become text
    via str(). From text, the control characters XLSX cannot store (openpyxl's
    ILLEGAL_CHARACTERS_RE: NUL and other C0 controls except tab, LF and CR) are removed; then,
    if the text started with one of FORMULA_TRIGGERS before or after that removal, a single
    quote is put in front. Checking after removal matters: stripping "\\x01=1+1" must not leave a
    bare "=1+1". Text such as "-5" is therefore quoted too, the price of never guessing.
    """
    if value is None or isinstance(value, _PASS_THROUGH):
        return value
    text = value if isinstance(value, str) else str(value)
    cleaned = ILLEGAL_CHARACTERS_RE.sub("", text)
    if text[:1] in FORMULA_TRIGGERS or cleaned[:1] in FORMULA_TRIGGERS:
        return "'" + cleaned
    return cleaned


def csv_stream(*, header: Sequence[str], rows: Iterable[Sequence[object]]) -> Iterator[str]:
    """CSV text in chunks: BOM and header first, then rows, pulled lazily from `rows`.

    Memory stays constant whatever the number of rows: one small buffer is reused and emptied
    whenever it holds about CSV_CHUNK_CHARS. Every cell, header included, goes through
    `neutralise`; dates, datetimes and times are written in ISO 8601 (a timezone-aware datetime
    keeps its offset). Lines end in CRLF as RFC 4180 asks.
    """
    buffer = io.StringIO()
    writer = csv.writer(buffer)
    triggers = FORMULA_TRIGGERS
    writer.writerow([_csv_value(cell) for cell in header])
    # The header goes out alone so a streamed download starts before the first query row.
    yield BOM + _drain(buffer)
    for row in rows:
        # _csv_value, inlined for the common cells (whole numbers, None, plain text): this
        # loop runs once per cell of the export.
        writer.writerow(
            [
                cell
                if cell is None
                or type(cell) is int
                or (type(cell) is str and cell.isprintable() and cell[:1] not in triggers)
                else _csv_value(cell)
                for cell in row
            ]
        )
        if buffer.tell() >= CSV_CHUNK_CHARS:
            yield _drain(buffer)
    if buffer.tell():
        yield _drain(buffer)


def _is_plain(text: str) -> bool:
    """True for text `neutralise` would return unchanged, decided cheaply: printable text has
    no control characters at all, so only its first character matters. Exports are mostly such
    text, and this check is several times faster than the regular expression."""
    return text.isprintable() and text[:1] not in FORMULA_TRIGGERS


def _csv_value(value: object) -> object:
    kind = type(value)
    if kind is int or value is None or (kind is str and _is_plain(value)):
        return value
    safe = neutralise(value)
    if isinstance(safe, date | time):
        return safe.isoformat()
    return safe


def _drain(buffer: io.StringIO) -> str:
    """The buffer's text, leaving it empty for reuse."""
    text = buffer.getvalue()
    buffer.seek(0)
    buffer.truncate(0)
    return text


def xlsx_write(
    *,
    sheets: Sequence[tuple[str, Sequence[str], Iterable[Sequence[object]]]],
    target: BinaryIO | str | os.PathLike[str],
) -> None:
    """Write an XLSX workbook with one sheet per (title, header, rows) to a path or binary file.

    Header cells are bold and frozen above the rows (no header row when `header` is empty).
    Every cell goes through `neutralise`, and line breaks in text become LF (XML reads CR as LF
    anyway); timezone-aware datetimes are converted to naive UTC, because XLSX has no time
    zones. Dates, datetimes, times and timedeltas are stored as Excel serial numbers with a
    date/time format, as openpyxl would. Titles are made legal with `safe_sheet_title`, and a
    title that collides (case-insensitively, as Excel compares) gets a " (2)"-style suffix.
    With no sheets at all, one empty "Sheet" is written, since Excel will not open a workbook
    without one. Raises ValueError past Excel's 1,048,576 rows or 16,384 columns.

    Rows are pulled lazily and each sheet's XML is streamed straight into its (deflated) ZIP
    member, so memory does not grow with the row count. The package is written here rather
    than by openpyxl: openpyxl's write-only mode builds an object and an XML element per cell
    and managed about 8,500 rows of 12 columns per second on a 2-core machine, this about ten
    times that (see bench/export.py). openpyxl still reads the files back in the tests.
    """
    taken = set(_RESERVED_TITLES)
    parts = [
        (_unique_title(title=safe_sheet_title(title), taken=taken), header, rows)
        for title, header, rows in (sheets or [("Sheet", [], [])])
    ]
    with zipfile.ZipFile(target, "w", compression=zipfile.ZIP_DEFLATED) as package:
        package.writestr("[Content_Types].xml", _content_types(len(parts)))
        package.writestr("_rels/.rels", _ROOT_RELS)
        package.writestr("xl/workbook.xml", _workbook_xml([title for title, _, _ in parts]))
        package.writestr("xl/_rels/workbook.xml.rels", _workbook_rels(len(parts)))
        package.writestr("xl/styles.xml", _STYLES)
        for index, (_, header, rows) in enumerate(parts, start=1):
            with package.open(f"xl/worksheets/sheet{index}.xml", "w", force_zip64=True) as out:
                _write_sheet(out=out, header=header, rows=rows)


_MAIN_NS = "http://schemas.openxmlformats.org/spreadsheetml/2006/main"
_REL_NS = "http://schemas.openxmlformats.org/officeDocument/2006/relationships"
_PKG_REL_NS = "http://schemas.openxmlformats.org/package/2006/relationships"
_XML_DECLARATION = '<?xml version="1.0" encoding="UTF-8" standalone="yes"?>\n'
_ROOT_RELS = (
    f'{_XML_DECLARATION}<Relationships xmlns="{_PKG_REL_NS}">'
    f'<Relationship Id="rId1" Type="{_REL_NS}/officeDocument" Target="xl/workbook.xml"/>'
    "</Relationships>"
)
#: Style indexes into cellXfs below.
_BOLD, _DATETIME, _DATE, _TIME, _DURATION = 1, 2, 3, 4, 5
_STYLES = (
    f'{_XML_DECLARATION}<styleSheet xmlns="{_MAIN_NS}">'
    '<numFmts count="3"><numFmt numFmtId="164" formatCode="yyyy-mm-dd h:mm:ss"/>'
    '<numFmt numFmtId="165" formatCode="yyyy-mm-dd"/>'
    '<numFmt numFmtId="166" formatCode="[h]:mm:ss"/></numFmts>'
    '<fonts count="2"><font><sz val="11"/><name val="Calibri"/><family val="2"/></font>'
    '<font><b/><sz val="11"/><name val="Calibri"/><family val="2"/></font></fonts>'
    '<fills count="2"><fill><patternFill patternType="none"/></fill>'
    '<fill><patternFill patternType="gray125"/></fill></fills>'
    '<borders count="1"><border><left/><right/><top/><bottom/><diagonal/></border></borders>'
    '<cellStyleXfs count="1"><xf numFmtId="0" fontId="0" fillId="0" borderId="0"/></cellStyleXfs>'
    '<cellXfs count="6"><xf numFmtId="0" fontId="0" fillId="0" borderId="0" xfId="0"/>'
    '<xf numFmtId="0" fontId="1" fillId="0" borderId="0" xfId="0" applyFont="1"/>'
    '<xf numFmtId="164" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="165" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="21" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    '<xf numFmtId="166" fontId="0" fillId="0" borderId="0" xfId="0" applyNumberFormat="1"/>'
    "</cellXfs>"
    '<cellStyles count="1"><cellStyle name="Normal" xfId="0" builtinId="0"/></cellStyles>'
    "</styleSheet>"
)
_SHEET_START = f'{_XML_DECLARATION}<worksheet xmlns="{_MAIN_NS}" xmlns:r="{_REL_NS}">'
_FROZEN_HEADER = (
    '<sheetViews><sheetView workbookViewId="0">'
    '<pane ySplit="1" topLeftCell="A2" activePane="bottomLeft" state="frozen"/>'
    '<selection pane="bottomLeft" activeCell="A2" sqref="A2"/></sheetView></sheetViews>'
)
MAX_ROWS = 1_048_576
MAX_COLUMNS = 16_384
#: Roughly how much sheet XML to gather before handing it to the compressor.
_XLSX_CHUNK_CHARS = 64 * 1024


def _content_types(count: int) -> str:
    sheet_type = "application/vnd.openxmlformats-officedocument.spreadsheetml.worksheet+xml"
    sheets = "".join(
        f'<Override PartName="/xl/worksheets/sheet{i}.xml" ContentType="{sheet_type}"/>'
        for i in range(1, count + 1)
    )
    office = "application/vnd.openxmlformats-officedocument.spreadsheetml"
    return (
        f"{_XML_DECLARATION}"
        '<Types xmlns="http://schemas.openxmlformats.org/package/2006/content-types">'
        '<Default Extension="rels" '
        'ContentType="application/vnd.openxmlformats-package.relationships+xml"/>'
        '<Default Extension="xml" ContentType="application/xml"/>'
        f'<Override PartName="/xl/workbook.xml" ContentType="{office}.sheet.main+xml"/>'
        f'<Override PartName="/xl/styles.xml" ContentType="{office}.styles+xml"/>'
        f"{sheets}</Types>"
    )


def _workbook_xml(titles: list[str]) -> str:
    sheets = "".join(
        f'<sheet name="{_escape_attribute(title)}" sheetId="{i}" r:id="rId{i}"/>'
        for i, title in enumerate(titles, start=1)
    )
    return (
        f'{_XML_DECLARATION}<workbook xmlns="{_MAIN_NS}" xmlns:r="{_REL_NS}">'
        f'<bookViews><workbookView activeTab="0"/></bookViews><sheets>{sheets}</sheets>'
        "</workbook>"
    )


def _workbook_rels(count: int) -> str:
    sheets = "".join(
        f'<Relationship Id="rId{i}" Type="{_REL_NS}/worksheet" Target="worksheets/sheet{i}.xml"/>'
        for i in range(1, count + 1)
    )
    return (
        f'{_XML_DECLARATION}<Relationships xmlns="{_PKG_REL_NS}">{sheets}'
        f'<Relationship Id="rId{count + 1}" Type="{_REL_NS}/styles" Target="styles.xml"/>'
        "</Relationships>"
    )


def _write_sheet(*, out: BinaryIO, header: Sequence[object], rows: Iterable[Sequence[object]]):
    columns = _ColumnLetters()
    parts = [_SHEET_START, _FROZEN_HEADER if header else "", "<sheetData>"]
    size = 0
    number = 0
    if header:
        number = 1
        cells = "".join(
            _cell(f"{columns[i]}1", _header_value(value), _BOLD) for i, value in enumerate(header)
        )
        parts.append(f'<row r="1">{cells}</row>')
    triggers, text_cell = FORMULA_TRIGGERS, _text_cell
    days: dict[date, str] = {}  # a date's serial number, found once per sheet
    for row in rows:
        number += 1
        if number > MAX_ROWS:
            raise ValueError(f"An XLSX sheet holds at most {MAX_ROWS:,} rows.")
        # _cell, inlined for the common cells (plain text, whole numbers, dates, None): this loop
        # runs once per cell of the export.
        cells = []
        for i, value in enumerate(row):
            kind = type(value)
            if kind is str and value and value.isprintable() and value[0] not in triggers:
                cells.append(text_cell(f"{columns[i]}{number}", "", value))
            elif value is None:
                continue
            elif kind is int:
                cells.append(f'<c r="{columns[i]}{number}"><v>{value}</v></c>')
            elif kind is date:
                day = days.get(value)
                if day is None:
                    day = days[value] = _excel_serial(value)
                cells.append(f'<c r="{columns[i]}{number}" s="{_DATE}"><v>{day}</v></c>')
            else:
                cells.append(_cell(f"{columns[i]}{number}", value, 0))
        line = f'<row r="{number}">{"".join(cells)}</row>'
        parts.append(line)
        size += len(line)
        if size >= _XLSX_CHUNK_CHARS:
            out.write("".join(parts).encode("utf-8", "replace"))
            parts.clear()
            size = 0
    parts.append("</sheetData></worksheet>")
    out.write("".join(parts).encode("utf-8", "replace"))


class _ColumnLetters(dict):
    """0 -> "A", 25 -> "Z", 26 -> "AA": computed once per column."""

    def __missing__(self, index: int) -> str:
        if index >= MAX_COLUMNS:
            raise ValueError(f"An XLSX sheet holds at most {MAX_COLUMNS:,} columns.")
        letters, n = "", index + 1
        while n:
            n, remainder = divmod(n - 1, 26)
            letters = chr(65 + remainder) + letters
        self[index] = letters
        return letters


def _header_value(value: object) -> object:
    """Header cells are text (bold); a date or number in a header is written as its text."""
    safe = neutralise(value)
    return safe if safe is None or isinstance(safe, str) else str(safe)


def _cell(ref: str, value: object, style: int) -> str:
    """One <c> element (or "" for an empty cell); the hot path of every export."""
    styled = f' s="{style}"' if style else ""
    if type(value) is str and value and _is_plain(value):
        return _text_cell(ref, styled, value)
    value = _xlsx_value(value)
    if value is None or value == "":
        return ""
    if isinstance(value, str):
        return _text_cell(ref, styled, value)
    if isinstance(value, bool):
        return f'<c r="{ref}"{styled} t="b"><v>{int(value)}</v></c>'
    if isinstance(value, int | float | Decimal):
        if not _is_finite(value):
            return _text_cell(ref, styled, str(value))
        if isinstance(value, float):
            text = repr(float(value))
        else:
            text = str(int(value)) if isinstance(value, int) else str(value)
        return f'<c r="{ref}"{styled}><v>{text}</v></c>'
    for kind, date_style in _DATE_STYLES:
        if isinstance(value, kind):
            return f'<c r="{ref}" s="{date_style}"><v>{_excel_serial(value)}</v></c>'
    return _text_cell(ref, styled, str(value))


def _excel_serial(value: date | time | timedelta) -> str:
    """A date, time or duration as Excel's serial number, as openpyxl writes it."""
    from openpyxl.utils.datetime import to_excel  # imported when first needed

    return repr(to_excel(value))


def _text_cell(ref: str, styled: str, text: str) -> str:
    return (
        f'<c r="{ref}"{styled} t="inlineStr"><is><t xml:space="preserve">'
        f"{_escape_text(text)}</t></is></c>"
    )


# datetime before date: a datetime is a date too.
_DATE_STYLES = ((datetime, _DATETIME), (date, _DATE), (time, _TIME), (timedelta, _DURATION))


def _is_finite(value: int | float | Decimal) -> bool:
    if isinstance(value, Decimal):
        return value.is_finite()
    return isinstance(value, int) or math.isfinite(value)


def _escape_text(text: str) -> str:
    if "&" in text:
        text = text.replace("&", "&amp;")
    if "<" in text:
        text = text.replace("<", "&lt;")
    if ">" in text:
        text = text.replace(">", "&gt;")
    if "\ufffe" in text or "\uffff" in text:
        # Not characters XML may hold; dropped like the control characters neutralise drops.
        text = text.replace("\ufffe", "").replace("\uffff", "")
    return text


def _escape_attribute(text: str) -> str:
    return _escape_text(text).replace('"', "&quot;")


def safe_sheet_title(title: str) -> str:
    """A title Excel accepts: no []:*?/\\ (each becomes "_"), no control characters, no quote
    at either end, at most 31 characters, and "Sheet" when nothing is left."""
    cleaned = _FORBIDDEN_IN_TITLE.sub("_", ILLEGAL_CHARACTERS_RE.sub("", title))
    cleaned = cleaned.strip().strip("'")[:MAX_SHEET_TITLE].strip()
    return cleaned or "Sheet"


def _unique_title(*, title: str, taken: set[str]) -> str:
    """`title`, or it with the first free " (k)" suffix, kept within 31 characters; records it."""
    candidate, k = title, 1
    while candidate.lower() in taken:
        k += 1
        suffix = f" ({k})"
        candidate = title[: MAX_SHEET_TITLE - len(suffix)] + suffix
    taken.add(candidate.lower())
    return candidate


def _xlsx_value(value: object) -> CellValue:
    safe = neutralise(value)
    if isinstance(safe, str):
        # XML parsers read a raw CR (and CRLF) back as LF, so write what every reader will see.
        return safe.replace("\r\n", "\n").replace("\r", "\n")
    if isinstance(safe, datetime) and safe.tzinfo is not None:
        return safe.astimezone(UTC).replace(tzinfo=None)
    return safe
