"""The outcome measures a file may carry, how their values are read, and how they are named.

Numeric measures (GPA, credits, course grades) are averaged over a period; yes/no measures
(enrolled next term, retained, graduated) are stored as 1 or 0 and compared as rates. A course
grade names its course after a colon ("grade:MATH101") and accepts grade points or a letter on
the common 4.0 scale.
"""

from __future__ import annotations

import math
import re
from dataclasses import dataclass

from django.utils.translation import gettext_lazy as _

MEASURE_MAX = 64
NUMERIC = "numeric"
YES_NO = "yes_no"

_YES = {"yes", "y", "true", "1", "1.0", "si", "sí", "oui", "ja"}
_NO = {"no", "n", "false", "0", "0.0", "non", "nein"}
_LETTERS = {
    "A+": 4.0,
    "A": 4.0,
    "A-": 3.7,
    "B+": 3.3,
    "B": 3.0,
    "B-": 2.7,
    "C+": 2.3,
    "C": 2.0,
    "C-": 1.7,
    "D+": 1.3,
    "D": 1.0,
    "D-": 0.7,
    "F": 0.0,
}
_COURSE = re.compile(r"^grade:([A-Za-z0-9][A-Za-z0-9 ._-]{0,40})$")


@dataclass(frozen=True)
class Measure:
    code: str
    label: str
    kind: str
    low: float | None = None
    high: float | None = None
    unit: str = ""
    letters: bool = False

    @property
    def is_yes_no(self) -> bool:
        return self.kind == YES_NO


MEASURES: dict[str, Measure] = {
    "gpa": Measure("gpa", _("GPA"), NUMERIC, 0.0, 5.0, unit=_("points")),
    "credits": Measure("credits", _("Credits earned"), NUMERIC, 0.0, 200.0, unit=_("credits")),
    "enrolled_next_term": Measure("enrolled_next_term", _("Enrolled next term"), YES_NO),
    "retained": Measure("retained", _("Retained"), YES_NO),
    "graduated": Measure("graduated", _("Graduated"), YES_NO),
}
_ALIASES = {
    "gpa": "gpa",
    "grade point average": "gpa",
    "term gpa": "gpa",
    "credits": "credits",
    "credits earned": "credits",
    "credit hours": "credits",
    "enrolled next term": "enrolled_next_term",
    "enrolled_next_term": "enrolled_next_term",
    "enrolled": "enrolled_next_term",
    "retained": "retained",
    "retention": "retained",
    "graduated": "graduated",
    "graduation": "graduated",
}


def measure_for(code: str) -> Measure | None:
    """The measure a file's measure cell names, or None when it names none we know."""
    text = " ".join(code.strip().replace("_", " ").split()).lower()
    if text in _ALIASES:
        return MEASURES[_ALIASES[text]]
    course = _COURSE.match(code.strip())
    if course:
        name = course.group(1).upper()
        return Measure(
            f"grade:{name}",
            _("Grade in %(course)s") % {"course": name},
            NUMERIC,
            0.0,
            4.3,
            unit=_("grade points"),
            letters=True,
        )
    return None


def measure_label(code: str) -> str:
    measure = measure_for(code)
    return str(measure.label) if measure else code


def value_read(measure: Measure, raw: str) -> tuple[float | None, str | None]:
    """(value, None) for a readable value of this measure, else (None, the problem)."""
    text = raw.strip()
    if not text:
        return None, str(_("the value is empty"))
    if measure.is_yes_no:
        lowered = text.lower()
        if lowered in _YES:
            return 1.0, None
        if lowered in _NO:
            return 0.0, None
        return None, str(_("“%(value)s” is not yes or no") % {"value": text[:40]})
    if measure.letters and text.upper() in _LETTERS:
        return _LETTERS[text.upper()], None
    try:
        value = (
            float(text.replace(",", "."))
            if text.count(",") == 1 and "." not in text
            else float(text)
        )
    except ValueError:
        return None, str(
            _("“%(value)s” is not a number for %(measure)s")
            % {"value": text[:40], "measure": measure.label}
        )
    if not math.isfinite(value) or not (measure.low <= value <= measure.high):
        return None, str(
            _("%(value)s is outside %(low)s to %(high)s for %(measure)s")
            % {
                "value": text[:40],
                "low": _num(measure.low),
                "high": _num(measure.high),
                "measure": measure.label,
            }
        )
    return value, None


def _num(value: float) -> str:
    return f"{value:g}"
