"""The certificate of participation as a PDF, drawn with ReportLab.

No database here: the view gathers the facts (`relationships.selectors.certificate_status`)
and passes plain values. Text is drawn with DejaVu Sans where the system has it (names in
Greek, Cyrillic and other scripts it covers), else ReportLab's own Vera fonts; it is drawn as
text, never parsed as markup, so whatever a name holds is printed as typed.
"""

import io
from datetime import date

from django.utils.formats import date_format
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from reportlab.lib.colors import Color
from reportlab.lib.pagesizes import A4, landscape
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfgen.canvas import Canvas

from mentoring.pdf_fonts import pdf_font

PAGE = landscape(A4)
BRAND = Color(0.12, 0.37, 0.55)


def _font(weight: str) -> str:
    return pdf_font(weight, prefix="Certificate")


def _fitted(canvas: Canvas, text: str, font: str, size: float, y: float, width: float) -> None:
    """Draw `text` centred at height `y`, shrunk (down to 40%) to fit `width`."""
    fitted = size
    while pdfmetrics.stringWidth(text, font, fitted) > width and fitted > size * 0.4:
        fitted -= 1
    canvas.setFont(font, fitted)
    canvas.drawCentredString(PAGE[0] / 2, y, text)


def _period(started_on: date | None, ended_on: date | None) -> str:
    if started_on and ended_on:
        return _("from %(start)s to %(end)s") % {
            "start": date_format(started_on, "j F Y"),
            "end": date_format(ended_on, "j F Y"),
        }
    if ended_on:
        return _("until %(end)s") % {"end": date_format(ended_on, "j F Y")}
    return ""


def certificate_pdf(
    *,
    name: str,
    program: str,
    started_on: date | None,
    ended_on: date | None,
    sessions_held: int,
    hours: float,
    issued_on: date,
) -> bytes:
    """A one-page A4 landscape certificate that `name` took part as a mentor in `program`
    between the dates, with the sessions held and their hours (one decimal)."""
    buffer = io.BytesIO()
    canvas = Canvas(buffer, pagesize=PAGE, pageCompression=1)
    canvas.setTitle(_("Certificate of participation: %(name)s") % {"name": name})
    canvas.setAuthor(program)
    width, height = PAGE
    regular, bold = _font("regular"), _font("bold")
    canvas.setStrokeColor(BRAND)
    canvas.setLineWidth(4)
    canvas.rect(28, 28, width - 56, height - 56)
    canvas.setLineWidth(1)
    canvas.rect(38, 38, width - 76, height - 76)
    text_width = width - 140
    canvas.setFillColor(BRAND)
    _fitted(canvas, _("Certificate of participation"), bold, 34, height - 130, text_width)
    canvas.setFillColorRGB(0.1, 0.1, 0.1)
    _fitted(canvas, _("This certifies that"), regular, 15, height - 185, text_width)
    _fitted(canvas, name, bold, 30, height - 235, text_width)
    _fitted(canvas, _("took part as a mentor in"), regular, 15, height - 280, text_width)
    _fitted(canvas, program, bold, 22, height - 320, text_width)
    period = _period(started_on, ended_on)
    if period:
        _fitted(canvas, period, regular, 14, height - 360, text_width)
    sessions = ngettext(
        "%(count)s mentoring session held, %(hours)s hours in all",
        "%(count)s mentoring sessions held, %(hours)s hours in all",
        sessions_held,
    ) % {"count": sessions_held, "hours": f"{hours:.1f}"}
    _fitted(canvas, sessions, regular, 14, height - 390, text_width)
    canvas.setFillColorRGB(0.35, 0.35, 0.35)
    issued = _("Issued on %(day)s") % {"day": date_format(issued_on, "j F Y")}
    _fitted(canvas, issued, regular, 11, 70, text_width)
    canvas.showPage()
    canvas.save()
    return buffer.getvalue()
