import logging

from celery import shared_task

from programs.models import Program
from relationships.services import program_relationships_daily, programs_for_relationships_daily

logger = logging.getLogger(__name__)


@shared_task(name="relationships.daily")
def relationships_daily() -> dict[str, int]:
    """Hourly is fine (every step is idempotent): close the matches of programs whose end
    date has passed, with MATCH_CLOSING to both sides, and queue agreement reminders to pairs
    without a confirmed agreement (emails go through the notification ledger). One program
    failing is logged and does not stop the others."""
    totals = {"closed": 0, "reminders": 0}
    for program_id in programs_for_relationships_daily().values_list("pk", flat=True):
        try:
            result = relationships_program_daily(program_id=program_id)
        except Exception:
            logger.exception("Daily relationships round failed for program %s", program_id)
            continue
        for key, value in result.items():
            totals[key] = totals.get(key, 0) + value
    return totals


@shared_task(name="relationships.program_daily")
def relationships_program_daily(*, program_id: int) -> dict[str, int]:
    """The daily relationships work for one program; a program that is gone is skipped."""
    program = Program.objects.filter(pk=program_id).first()
    if program is None:
        logger.info("Program %s is gone; nothing to close or remind", program_id)
        return {}
    return program_relationships_daily(program=program)
