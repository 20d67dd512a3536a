"""The impact report as a PDF, the one a coordinator hands to a dean, drawn with ReportLab.

No database here: it lays out an `OutcomeReport` (`outcomes.report.outcome_report`). Program
names, career stages, terms, question texts and their answers are typed by users, and a
Paragraph reads its text as markup, so every text is XML-escaped before it goes into one (and
stripped of the control characters a PDF cannot show). Table figures come from the same cell
functions as the CSV and XLSX downloads (`outcomes.tables`), so the two always agree.
Fonts as in the certificate: DejaVu Sans where the system has it, else ReportLab's Vera.
"""

from __future__ import annotations

import io
from datetime import date
from xml.sax.saxutils import escape

from django.utils import timezone
from django.utils.formats import date_format, number_format
from django.utils.translation import gettext as _
from reportlab.graphics.charts.legends import Legend
from reportlab.graphics.charts.lineplots import LinePlot
from reportlab.graphics.shapes import Drawing, Line, String
from reportlab.graphics.widgets.markers import makeMarker
from reportlab.lib.colors import Color, white
from reportlab.lib.enums import TA_RIGHT
from reportlab.lib.pagesizes import A4
from reportlab.lib.styles import ParagraphStyle
from reportlab.lib.units import mm
from reportlab.pdfbase import pdfmetrics
from reportlab.platypus import KeepTogether, Paragraph, SimpleDocTemplate, Spacer, Table, TableStyle

from mentoring.exporting import ILLEGAL_CHARACTERS_RE
from mentoring.pdf_fonts import pdf_font
from outcomes import analysis, tables
from outcomes.report import MeasureResult, OutcomeReport

MARGIN = 18 * mm
WIDTH = A4[0] - 2 * MARGIN
BRAND = Color(0.12, 0.37, 0.55)
COMPARISON = Color(0.85, 0.45, 0.1)
GRID = Color(0.75, 0.75, 0.75)
HEAD = Color(0.88, 0.92, 0.96)
GREY = Color(0.35, 0.35, 0.35)


def _font(weight: str) -> str:
    return pdf_font(weight, prefix="Report")


def _styles() -> dict[str, ParagraphStyle]:
    regular, bold = _font("regular"), _font("bold")
    if regular.startswith("Report-"):
        pdfmetrics.registerFontFamily(
            regular, normal=regular, bold=bold, italic=regular, boldItalic=bold
        )
    body = ParagraphStyle("body", fontName=regular, fontSize=9.5, leading=12.5, spaceAfter=5)
    return {
        "title": ParagraphStyle("title", body, fontName=bold, fontSize=18, leading=22),
        "subtitle": ParagraphStyle("subtitle", body, textColor=GREY, spaceAfter=10),
        "h2": ParagraphStyle(
            "h2",
            body,
            fontName=bold,
            fontSize=13,
            leading=16,
            textColor=BRAND,
            spaceBefore=12,
            keepWithNext=1,
        ),
        "h3": ParagraphStyle(
            "h3", body, fontName=bold, fontSize=10.5, leading=13, spaceBefore=6, keepWithNext=1
        ),
        "body": body,
        "note": ParagraphStyle("note", body, fontSize=8, leading=10, textColor=GREY),
        "cell": ParagraphStyle("cell", body, fontSize=8, leading=10, spaceAfter=0),
        "head": ParagraphStyle("head", body, fontName=bold, fontSize=8, leading=10, spaceAfter=0),
        "head_number": ParagraphStyle(
            "head_number", body, fontName=bold, fontSize=8, leading=10, alignment=TA_RIGHT
        ),
        "number": ParagraphStyle("number", body, fontSize=8, leading=10, alignment=TA_RIGHT),
    }


def _markup(text: object) -> str:
    """`text` as Paragraph markup that shows it exactly as typed."""
    return escape(ILLEGAL_CHARACTERS_RE.sub("", str(text)))


def _para(text: object, style: ParagraphStyle) -> Paragraph:
    return Paragraph(_markup(text), style)


def _shown(value: object, places: int = tables.ESTIMATE_PLACES) -> str:
    if isinstance(value, bool) or not isinstance(value, int | float):
        return str(value)
    if isinstance(value, int):
        return number_format(value, force_grouping=True, use_l10n=True)
    return number_format(value, decimal_pos=places, use_l10n=True)


def _points(value: object) -> object:
    """A rate difference (a share) in percentage points, as the sentences give it."""
    return round(value * 100, 1) + 0.0 if isinstance(value, float) else value


def _clipped(text: str, font: str, size: float, width: float) -> str:
    """`text`, cut short with an ellipsis where it would be wider than `width`."""
    if pdfmetrics.stringWidth(text, font, size) <= width:
        return text
    while text and pdfmetrics.stringWidth(text + "…", font, size) > width:
        text = text[:-1]
    return text + "…"


def _table(header: list[str], rows: list[list], widths: list[float], styles, *, sections=()):
    """A table of cells: text in the first column, figures right-aligned in the others.
    `sections` holds the indexes of rows that are headings spanning the whole table."""
    data = [[_para(header[0], styles["head"])]]
    data[0] += [_para(cell, styles["head_number"]) for cell in header[1:]]
    for index, row in enumerate(rows, start=1):
        if index in sections:
            data.append([_para(row[0], styles["head"])] + [""] * (len(header) - 1))
            continue
        cells = [_para(row[0], styles["cell"])]
        cells += [_para(_shown(cell, places), styles["number"]) for cell, places in row[1:]]
        data.append(cells)
    table = Table(data, colWidths=[share * WIDTH for share in widths], repeatRows=1)
    commands = [
        ("GRID", (0, 0), (-1, -1), 0.4, GRID),
        ("BACKGROUND", (0, 0), (-1, 0), HEAD),
        ("VALIGN", (0, 0), (-1, -1), "TOP"),
    ]
    for index in sections:
        commands += [
            ("SPAN", (0, index), (-1, index)),
            ("BACKGROUND", (0, index), (-1, index), white),
        ]
    table.setStyle(TableStyle(commands))
    return table


def _method(report: OutcomeReport, styles) -> list:
    program = report.program
    first = program.outcome_first_term
    if first and first in program.term_list:
        periods = _(
            "Before means the terms before %(first)s, the program's first term; after means "
            "that term and the ones after it."
        ) % {"first": first}
    else:
        periods = _(
            "Before means the terms before the program's first term; after means that term "
            "and the ones after it."
        )
    notes = [
        _(
            "Participants are the people with an account in one of the program's matches. The "
            "comparison group is the students with outcome records who did not apply to the "
            "program."
        ),
        periods,
        _(
            "Numeric measures are compared by difference in differences: the participants' "
            "change from before to after minus the comparison group's, with standard errors "
            "clustered by person. Yes/no measures are compared by their rates at the end, as a "
            "difference in percentage points with Newcombe's interval."
        ),
        _(
            "The matched comparison weights the comparison students to the participants' mix "
            "by coarsened exact matching on career stage and, for numeric measures, the fifth "
            "of the baseline they were in. The balance tables judge how alike the groups are "
            "by the What Works Clearinghouse baseline-equivalence thresholds: a standardised "
            "difference up to %(equivalent)s is equivalent, up to %(adjust)s the estimate "
            "needs adjusting for the trait, beyond that the groups are not equivalent."
        )
        % {"equivalent": analysis.EQUIVALENT_UP_TO, "adjust": analysis.ADJUST_UP_TO},
        _(
            "The smallest group shown is %(min)s people: any figure for fewer people is "
            "withheld, and so is any group's figure that could be worked out by subtraction "
            "from the total and the other groups."
        )
        % {"min": report.min_cell},
    ]
    flow = [_para(_("How these results were worked out"), styles["h3"])]
    flow += [_para(note, styles["body"]) for note in [*notes, *report.notes]]
    caveat = Table([[_para(report.caveat, styles["body"])]], colWidths=[WIDTH])
    caveat.setStyle(
        TableStyle(
            [
                ("BACKGROUND", (0, 0), (-1, -1), HEAD),
                ("BOX", (0, 0), (-1, -1), 0.6, BRAND),
                ("TOPPADDING", (0, 0), (-1, -1), 6),
            ]
        )
    )
    return [*flow, Spacer(1, 4), caveat]


def _segments(values: list[float | None]) -> list[list[tuple[int, float]]]:
    """Runs of consecutive shown values as (term index, value): withheld terms break the line."""
    runs: list[list[tuple[int, float]]] = [[]]
    for index, value in enumerate(values):
        if value is None:
            runs.append([])
        else:
            runs[-1].append((index, value))
    return [run for run in runs if run]


def _chart(measure: MeasureResult, first: int) -> Drawing | None:
    """The term series, participants against the comparison, as a line chart."""
    scale = 100 if measure.yes_no else 1
    # The comparison is drawn first, in larger squares, so participants' dots on the same
    # value stay visible on top of it.
    groups = [
        (_("Comparison group"), COMPARISON, "FilledSquare", 6, [p.value_c for p in measure.series]),
        (_("Participants"), BRAND, "FilledCircle", 4, [p.value_t for p in measure.series]),
    ]
    plot = LinePlot()
    plot.data, shown = [], []
    for _name, colour, marker, size, values in groups:
        for run in _segments([None if v is None else v * scale for v in values]):
            plot.lines[len(plot.data)].strokeColor = colour
            plot.lines[len(plot.data)].symbol = makeMarker(
                marker, size=size, fillColor=colour, strokeColor=colour
            )
            plot.data.append(run)
            shown += [y for _x, y in run]
    if not shown:
        return None
    regular = _font("regular")
    terms = [point.term for point in measure.series]
    angled = len(terms) > 4
    drawing = Drawing(WIDTH, 190 if angled else 165)
    plot.x, plot.y, plot.width, plot.height = 45, 50 if angled else 25, WIDTH - 60, 110
    low, high = min(shown), max(shown)
    pad = (high - low) * 0.15 or max(abs(high) * 0.1, 0.5)
    plot.yValueAxis.valueMin, plot.yValueAxis.valueMax = low - pad, high + pad
    plot.xValueAxis.valueMin, plot.xValueAxis.valueMax = -0.5, len(terms) - 0.5
    plot.xValueAxis.valueSteps = list(range(len(terms)))
    plot.xValueAxis.labelTextFormat = lambda x: terms[min(max(round(x), 0), len(terms) - 1)]
    if measure.yes_no:
        plot.yValueAxis.labelTextFormat = lambda y: number_format(y, decimal_pos=0) + "%"
    else:
        plot.yValueAxis.labelTextFormat = lambda y: number_format(y, decimal_pos=2)
    for axis in (plot.xValueAxis, plot.yValueAxis):
        axis.labels.fontName, axis.labels.fontSize = regular, 7
    if angled:
        plot.xValueAxis.labels.angle, plot.xValueAxis.labels.boxAnchor = 30, "ne"
    drawing.add(plot)
    if 0 < first < len(terms):
        x = plot.x + plot.width * first / len(terms)
        drawing.add(
            Line(x, plot.y, x, plot.y + plot.height, strokeColor=GREY, strokeDashArray=[3, 2])
        )
        drawing.add(
            String(
                x + 3,
                plot.y + plot.height - 9,
                _("Program starts"),
                fontName=regular,
                fontSize=7,
                fillColor=GREY,
            )
        )
    legend = Legend()
    legend.colorNamePairs = [(colour, name) for name, colour, *_rest in reversed(groups)]
    legend.fontName, legend.fontSize = regular, 8
    legend.alignment, legend.columnMaximum = "right", 1
    legend.dx, legend.dy, legend.deltax = 8, 8, 100
    legend.x, legend.y = plot.x, drawing.height - 8
    drawing.add(legend)
    return drawing


def _balance(measure: MeasureResult, styles) -> list:
    rows, sections = [], []
    for label, balance, hidden in tables.balance_groups(measure):
        if not balance:
            continue
        rows.append([label])
        sections.append(len(rows))
        for row in balance:
            name, *figures = tables.balance_cells(row, hidden=hidden)
            rows.append([name, *[(cell, 3) for cell in figures]])
    if not rows:
        return []
    header = [
        _("Trait"),
        _("Participants' mean"),
        _("Comparison mean"),
        _("Standardised difference"),
        _("Verdict"),
    ]
    table = _table(header, rows, [0.4, 0.15, 0.15, 0.15, 0.15], styles, sections=sections)
    return [_para(_("Balance of the groups"), styles["h3"]), table]


def _breakdowns(measure: MeasureResult, styles) -> list:
    if measure.yes_no:
        header = [_("Group"), _("Participants"), _("Difference (percentage points)")]
        places, convert = 1, _points
    else:
        header = [_("Group"), _("Participants"), _("Estimate")]
        places, convert = tables.ESTIMATE_PLACES, lambda value: value
    header += [_("CI low"), _("CI high")]
    flow = []
    for breakdown in measure.breakdowns:
        rows = []
        for row in breakdown.rows:
            key, n_t, *figures = tables.breakdown_cells(row)
            rows.append([key, (n_t, 0), *[(convert(cell), places) for cell in figures]])
        flow.append(_para(breakdown.title, styles["h3"]))
        flow.append(_table(header, rows, [0.4, 0.15, 0.15, 0.15, 0.15], styles))
    return flow


def _measure(measure: MeasureResult, first: int, styles) -> list:
    flow = [_para(measure.label, styles["h2"])]
    for comparison, title in (
        (measure.overall, _("Against all comparison students")),
        (measure.matched, _("Against the matched comparison group")),
    ):
        flow += [_para(title, styles["h3"]), _para(comparison.sentence, styles["body"])]
    chart = _chart(measure, first)
    if chart is not None:
        note = _para(_("Terms with too few people to show are left out."), styles["note"])
        flow.append(KeepTogether([_para(_("Term by term"), styles["h3"]), chart, note]))
    flow += _balance(measure, styles)
    flow += _breakdowns(measure, styles)
    if measure.dose:
        flow.append(_para(_("Dose and response"), styles["h3"]))
        for dose in measure.dose:
            text = _("%(label)s: %(sentence)s") % {
                "label": tables.dose_label(dose),
                "sentence": dose.sentence,
            }
            flow.append(_para(text, styles["body"]))
    return flow


def impact_pdf(*, report: OutcomeReport, today: date | None = None) -> bytes:
    """The report on A4: title, method notes and caveat, then each measure's results."""
    program = report.program
    today = today or timezone.localdate()
    styles = _styles()
    name = ILLEGAL_CHARACTERS_RE.sub("", program.name)
    title = _("Impact report: %(program)s") % {"program": name}
    buffer = io.BytesIO()
    document = SimpleDocTemplate(
        buffer,
        pagesize=A4,
        leftMargin=MARGIN,
        rightMargin=MARGIN,
        topMargin=MARGIN,
        bottomMargin=MARGIN + 4 * mm,
        title=title,
        author=name,
    )
    subtitle = _(
        "Prepared on %(day)s. %(participants)s participants and %(comparison)s comparison students."
    ) % {
        "day": date_format(today, "j F Y"),
        "participants": _shown(report.participants),
        "comparison": _shown(report.comparison),
    }
    flow = [_para(title, styles["title"]), _para(subtitle, styles["subtitle"])]
    flow += _method(report, styles)
    terms = program.term_list
    first = terms.index(program.outcome_first_term) if program.outcome_first_term in terms else 0
    for measure in report.measures:
        flow += _measure(measure, first, styles)
    if not report.measures:
        flow.append(_para(_("No outcome records have been imported yet."), styles["body"]))

    def footer(canvas, doc) -> None:
        canvas.saveState()
        canvas.setFont(_font("regular"), 8)
        canvas.setFillColor(GREY)
        canvas.drawString(MARGIN, 10 * mm, _clipped(name, _font("regular"), 8, WIDTH - 80))
        page = _("Page %(page)s") % {"page": canvas.getPageNumber()}
        canvas.drawRightString(A4[0] - MARGIN, 10 * mm, page)
        canvas.restoreState()

    document.build(flow, onFirstPage=footer, onLaterPages=footer)
    return buffer.getvalue()
