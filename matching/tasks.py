import logging

from celery import shared_task

from matching.services.expiry import programs_with_pending_requests, requests_expire_program
from matching.services.solving import run_execute, runs_execute_queued
from programs.models import Program

logger = logging.getLogger(__name__)


@shared_task(name="matching.execute_run")
def execute_run(*, run_id: int) -> bool:
    """Solve one queued matching run into a draft; a run already taken is skipped."""
    return run_execute(run_id=run_id) is not None


@shared_task(name="matching.sweep_runs")
def sweep_runs() -> int:
    """Every minute: execute queued runs whose task was lost (broker down at the time)."""
    return runs_execute_queued()


@shared_task(name="matching.daily")
def matching_daily() -> dict[str, int]:
    """Hourly is fine (each request is claimed once): in every program with requests
    waiting, remind mentors of those expiring within a day (REQUEST_EXPIRING) and expire
    the unanswered ones (REQUEST_EXPIRED to the mentee), through the notification ledger.
    One program failing is logged and does not stop the others."""
    totals = {"expired": 0, "reminded": 0}
    for program_id in programs_with_pending_requests().values_list("pk", flat=True):
        try:
            result = matching_program_daily(program_id=program_id)
        except Exception:
            logger.exception("Request expiry failed for program %s", program_id)
            continue
        for key, value in result.items():
            totals[key] += value
    return totals


@shared_task(name="matching.program_daily")
def matching_program_daily(*, program_id: int) -> dict[str, int]:
    """The daily request expiry for one program; a program that is gone is skipped."""
    program = Program.objects.filter(pk=program_id).first()
    if program is None:
        logger.info("Program %s is gone; no requests to expire", program_id)
        return {}
    return requests_expire_program(program=program)
