"""The TrueType fonts our PDFs use, so that names in any Latin, Greek or Cyrillic script print:
DejaVu Sans where the system has it (Debian's fonts-dejavu), else ReportLab's bundled Vera.
Imported only by the modules that build PDFs (ReportLab stays out of start-up)."""

from pathlib import Path

import reportlab
from reportlab.pdfbase import pdfmetrics
from reportlab.pdfbase.ttfonts import TTFont

_FONT_DIRS = [Path("/usr/share/fonts/truetype/dejavu"), Path(reportlab.__file__).parent / "fonts"]
_FONT_FILES = {
    "regular": ("DejaVuSans.ttf", "Vera.ttf"),
    "bold": ("DejaVuSans-Bold.ttf", "VeraBd.ttf"),
}


def pdf_font(weight: str, *, prefix: str = "Mentoring") -> str:
    """The registered name of a TrueType font for `weight` ("regular" or "bold"),
    registering it on first use; Helvetica when no TrueType file is found."""
    name = f"{prefix}-{weight}"
    if name in pdfmetrics.getRegisteredFontNames():
        return name
    for folder in _FONT_DIRS:
        for filename in _FONT_FILES[weight]:
            path = folder / filename
            if path.exists():
                pdfmetrics.registerFont(TTFont(name, str(path)))
                return name
    return "Helvetica-Bold" if weight == "bold" else "Helvetica"
