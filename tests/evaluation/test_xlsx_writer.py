"""The streaming XLSX writer beyond test_exporting: value types, escaping, a valid package."""

import io
import zipfile
from datetime import date, datetime, time, timedelta
from decimal import Decimal
from xml.etree import ElementTree

import pytest
from openpyxl import load_workbook

from evaluation.exporting import xlsx_write


def _write(sheets) -> bytes:
    target = io.BytesIO()
    xlsx_write(sheets=sheets, target=target)
    return target.getvalue()


def _values(data: bytes, sheet: str) -> list[list]:
    book = load_workbook(io.BytesIO(data))
    return [[cell.value for cell in row] for row in book[sheet].iter_rows()]


def test_every_part_of_the_package_is_well_formed_xml():
    data = _write([("A & B <1>", ["x"], [["<b>&amp;</b>"]]), ("Second", [], [[1]])])

    with zipfile.ZipFile(io.BytesIO(data)) as package:
        names = package.namelist()
        for name in names:
            ElementTree.fromstring(package.read(name))  # noqa: S314 - our own output
    assert names[0] == "[Content_Types].xml"
    assert load_workbook(io.BytesIO(data)).sheetnames == ["A & B <1>", "Second"]


def test_markup_in_text_is_stored_as_text():
    data = _write([("S", [], [["<b>&amp;</b> \"quoted\" 'single'", "  spaces kept  "]])])

    assert _values(data, "S") == [["<b>&amp;</b> \"quoted\" 'single'", "  spaces kept  "]]


def test_dates_times_and_durations_read_back_with_their_values():
    row = [
        datetime(2025, 3, 4, 10, 30, 15),
        date(2025, 3, 4),
        time(9, 45),
        timedelta(hours=26, minutes=30),
    ]

    [values] = _values(_write([("S", [], [row])]), "S")

    assert values == [
        datetime(2025, 3, 4, 10, 30, 15),
        datetime(2025, 3, 4, 0, 0),
        time(9, 45),
        timedelta(hours=26, minutes=30),
    ]


def test_numbers_keep_their_value_and_non_finite_ones_become_text():
    row = [Decimal("1.10"), 10**15, 0.1, float("inf"), float("nan"), Decimal("NaN"), False]

    [values] = _values(_write([("S", [], [row])]), "S")

    assert values == [1.1, 10**15, 0.1, "inf", "nan", "NaN", False]


def test_characters_xml_cannot_hold_are_dropped():
    [values] = _values(_write([("S", [], [["a\ufffeb\uffffc", "d\x0be"]])]), "S")

    assert values == ["abc", "de"]


def test_columns_past_z_are_lettered_like_excel():
    row = list(range(30))

    book = load_workbook(io.BytesIO(_write([("S", [], [row])])))

    assert book["S"]["Z1"].value == 25
    assert book["S"]["AA1"].value == 26
    assert book["S"]["AD1"].value == 29


def test_many_rows_in_several_chunks_all_arrive():
    rows = ([i, f"participant {i}", "x" * 50] for i in range(5000))

    values = _values(_write([("S", ["i", "name", "pad"], rows)]), "S")

    assert len(values) == 5001
    assert values[-1] == [4999, "participant 4999", "x" * 50]


def test_more_columns_than_excel_allows_are_refused():
    with pytest.raises(ValueError, match="16,384 columns"):
        _write([("S", [], [[0] * 16_385])])


def test_the_rows_inlined_cells_are_what_the_cell_writer_writes():
    """The sheet loop writes plain text, whole numbers, dates and None itself: the same XML as
    `_cell`, which writes every other value."""
    from mentoring.exporting import _cell

    values = [
        "", "plain", "=SUM(A1)", "-3", "+1", "@x", "a&b<c>", "tab\tx", "\x01control", "odd\ufffe",
        "line\r\nbreak", "Zoë", " lead", "\tlead", 0, 5, -7, 10**20, True, False, None, 1.5,
        float("inf"), Decimal("2.50"), date(2026, 1, 2), datetime(2026, 1, 2, 3, 4, 5),
        time(4, 5), timedelta(hours=3), ["x"],
    ]  # fmt: skip
    data = _write([("S", [], [values])])

    with zipfile.ZipFile(io.BytesIO(data)) as package:
        sheet = package.read("xl/worksheets/sheet1.xml").decode()
    letters = [chr(65 + i) if i < 26 else "A" + chr(65 + i - 26) for i in range(len(values))]
    expected = "".join(_cell(f"{letters[i]}1", value, 0) for i, value in enumerate(values))
    assert f'<row r="1">{expected}</row>' in sheet
