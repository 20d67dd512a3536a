"""The certificate PDF, drawn from plain values (no database) and read back with pypdf."""

import io
from datetime import date

from pypdf import PdfReader

from relationships.certificates import certificate_pdf


def _text(pdf: bytes) -> str:
    reader = PdfReader(io.BytesIO(pdf))
    assert len(reader.pages) == 1
    return " ".join(reader.pages[0].extract_text().split())


def _pdf(**changes) -> bytes:
    values = {
        "name": "Amara Okafor",
        "program": "First-Year Success Mentoring",
        "started_on": date(2025, 10, 1),
        "ended_on": date(2026, 6, 15),
        "sessions_held": 7,
        "hours": 8.25,
        "issued_on": date(2026, 6, 20),
        **changes,
    }
    return certificate_pdf(**values)


def test_the_certificate_names_the_mentor_program_dates_sessions_and_hours():
    pdf = _pdf()

    assert pdf.startswith(b"%PDF-")
    assert _text(pdf) == (
        "Certificate of participation This certifies that Amara Okafor took part as a mentor "
        "in First-Year Success Mentoring from 1 October 2025 to 15 June 2026 7 mentoring "
        "sessions held, 8.2 hours in all Issued on 20 June 2026"
    )


def test_one_session_reads_in_the_singular_and_a_missing_start_is_left_out():
    text = _text(_pdf(sessions_held=1, hours=1.0, started_on=None))

    assert "until 15 June 2026 1 mentoring session held, 1.0 hours in all" in text
    assert "from" not in text


def test_names_are_printed_as_typed_in_other_scripts_and_as_markup():
    text = _text(_pdf(name="Ирина <b>Петрова</b> & Zoë"))

    assert "Ирина <b>Петрова</b> & Zoë" in text


def test_a_very_long_program_name_still_fits_on_the_page():
    long_name = "Peer Mentoring for Students in Science, Technology, Engineering and Maths " * 2

    text = _text(_pdf(program=long_name.strip()))

    assert long_name.strip() in text
