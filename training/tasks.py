from celery import shared_task

from training.services import training_reminders_queue


@shared_task(name="training.daily")
def training_daily() -> int:
    """Queue reminders of unfinished required training (the notification ledger sends them).
    Hourly is fine: a person gets at most one reminder per round, the round is in the key."""
    return training_reminders_queue()
