"""Writes of the relationships app: agreements, reminders, the planned closure, copying."""

from relationships.services.agreements import (
    AgreementSaved,
    agreement_new,
    agreement_save,
    agreement_side,
)
from relationships.services.closure import match_close_planned, matches_close_planned
from relationships.services.copying import agreement_template_copy
from relationships.services.daily import (
    program_relationships_daily,
    programs_for_relationships_daily,
    today_utc,
)
from relationships.services.reminders import agreement_reminders_queue

__all__ = [
    "AgreementSaved",
    "agreement_new",
    "agreement_reminders_queue",
    "agreement_save",
    "agreement_side",
    "agreement_template_copy",
    "match_close_planned",
    "matches_close_planned",
    "program_relationships_daily",
    "programs_for_relationships_daily",
    "today_utc",
]
