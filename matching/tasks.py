from celery import shared_task

from matching.services.solving import run_execute, runs_execute_queued


@shared_task(name="matching.execute_run")
def execute_run(*, run_id: int) -> bool:
    """Solve one queued matching run into a draft; a run already taken is skipped."""
    return run_execute(run_id=run_id) is not None


@shared_task(name="matching.sweep_runs")
def sweep_runs() -> int:
    """Every minute: execute queued runs whose task was lost (broker down at the time)."""
    return runs_execute_queued()
