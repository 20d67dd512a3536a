"""Evaluation writes: survey invitations and answers, check-ins, risk flags, nudges, digests.

Import from here; the submodules are an implementation detail.
"""

from evaluation.services.checkins import checkin_answer, checkin_open, checkins_create_due
from evaluation.services.daily import program_evaluation_daily, programs_for_daily
from evaluation.services.risk import (
    RiskRefresh,
    coordinator_digests_queue,
    no_session_nudges_queue,
    risk_flags_refresh,
    risk_reasons,
    session_facts,
)
from evaluation.services.surveys import (
    Answered,
    meeting_participants,
    moment_dates,
    session_logged,
    survey_answer,
    survey_copy,
    survey_invitations_for_approval,
    survey_invite,
    survey_send,
    surveys_send_scheduled,
)

__all__ = [
    "Answered",
    "RiskRefresh",
    "checkin_answer",
    "checkin_open",
    "checkins_create_due",
    "coordinator_digests_queue",
    "meeting_participants",
    "moment_dates",
    "no_session_nudges_queue",
    "program_evaluation_daily",
    "programs_for_daily",
    "risk_flags_refresh",
    "risk_reasons",
    "session_facts",
    "session_logged",
    "survey_answer",
    "survey_copy",
    "survey_invitations_for_approval",
    "survey_invite",
    "survey_send",
    "surveys_send_scheduled",
]
