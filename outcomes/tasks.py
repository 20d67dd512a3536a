from celery import shared_task

from outcomes.importing import outcome_import_apply, outcome_import_check, outcome_imports_sweep


@shared_task(name="outcomes.check_import")
def check_import(*, import_id: int) -> bool:
    """Check an uploaded outcome file; an import already taken is skipped."""
    return outcome_import_check(import_id=import_id) is not None


@shared_task(name="outcomes.apply_import")
def apply_import(*, import_id: int) -> bool:
    """Apply a confirmed outcome import, all or nothing; one already taken is skipped."""
    return outcome_import_apply(import_id=import_id) is not None


@shared_task(name="outcomes.sweep_imports")
def sweep_imports() -> int:
    """Every minute: start imports whose task was lost, and retry those a dead worker left."""
    return outcome_imports_sweep()
