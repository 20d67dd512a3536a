"""Evaluation reads: what a participant must answer, program health, exports, impact.

Import from here; the submodules are an implementation detail.
"""

from evaluation.selectors.exports import DATASETS, Dataset
from evaluation.selectors.health import PairAtRisk, ProgramHealth, WeekScore, program_health
from evaluation.selectors.impact import (
    IMPACT_HEADER,
    ImpactReport,
    QuestionImpact,
    impact_report,
    impact_rows,
)
from evaluation.selectors.pending import PendingItem, checkin_preview, pending_for_user

__all__ = [
    "DATASETS",
    "IMPACT_HEADER",
    "Dataset",
    "ImpactReport",
    "PairAtRisk",
    "PendingItem",
    "ProgramHealth",
    "QuestionImpact",
    "WeekScore",
    "checkin_preview",
    "impact_report",
    "impact_rows",
    "pending_for_user",
    "program_health",
]
