import logging

from celery import shared_task

from evaluation.services import (
    coordinator_digests_queue,
    program_evaluation_daily,
    programs_for_daily,
)
from programs.models import Program

logger = logging.getLogger(__name__)


@shared_task(name="evaluation.daily")
def evaluation_daily() -> dict[str, int]:
    """Daily (hourly is fine too: every step is idempotent): for each enrolling or running
    program, open due check-ins, send mid/end surveys on their dates, recompute risk flags
    and queue no-session nudges (emails go through the notification ledger); recently closed
    programs still get their end-of-program survey. One program failing is logged and does
    not stop the others."""
    totals: dict[str, int] = {}
    for program_id in programs_for_daily().values_list("pk", flat=True):
        try:
            result = evaluation_program_daily(program_id=program_id)
        except Exception:
            logger.exception("Daily evaluation failed for program %s", program_id)
            continue
        for key, value in result.items():
            totals[key] = totals.get(key, 0) + value
    return totals


@shared_task(name="evaluation.program_daily")
def evaluation_program_daily(*, program_id: int) -> dict[str, int]:
    """The daily evaluation work for one program; a program that is gone is skipped."""
    program = Program.objects.filter(pk=program_id).first()
    if program is None:
        logger.info("Program %s is gone; nothing to evaluate", program_id)
        return {}
    return program_evaluation_daily(program=program)


@shared_task(name="evaluation.weekly_digest")
def weekly_digest() -> int:
    """Queue each coordinator's digest of pairs at risk, once per ISO week (running it more
    often sends nothing new); it goes out Monday 09:00 in their time zone."""
    return coordinator_digests_queue()
