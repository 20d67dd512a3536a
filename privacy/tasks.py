import logging

from celery import shared_task

logger = logging.getLogger(__name__)


@shared_task(name="privacy.export_build")
def privacy_export_build(*, export_id: int) -> str:
    """Build one person's archive (privacy.export.data_export_build) and email them the link."""
    from privacy.export import data_export_build

    return data_export_build(export_id=export_id)


@shared_task(name="privacy.daily")
def privacy_daily() -> dict[str, int]:
    """Hourly is fine (each step is idempotent): erase accounts whose grace period is over,
    expire downloads past their date (and rebuild lost ones), anonymise programs past their
    retention period. One step failing is logged and does not stop the others."""
    from privacy.deletion import erasures_process_due
    from privacy.export import data_exports_sweep
    from privacy.retention import programs_anonymise_due

    totals = {}
    for name, step in (
        ("erased", erasures_process_due),
        ("exports", data_exports_sweep),
        ("anonymised", programs_anonymise_due),
    ):
        try:
            totals[name] = step()
        except Exception:
            logger.exception("Privacy step %s failed", name)
    return totals
