"""Default periodic tasks, written as django-celery-beat rows after migrate.

Rows are created once and never overwritten, so a coordinator's edits in the admin (interval,
enabled/disabled) survive every deploy.
"""

DEFAULT_SCHEDULES: list[dict] = [
    {"name": "Worker heartbeat", "task": "mentoring.heartbeat", "every_seconds": 60},
    {"name": "Send due notifications", "task": "notifications.sweep", "every_seconds": 60},
    {"name": "Send due webhook deliveries", "task": "webhooks.sweep", "every_seconds": 60},
    {"name": "Start waiting matching runs", "task": "matching.sweep_runs", "every_seconds": 60},
    {
        "name": "Start waiting outcome imports",
        "task": "outcomes.sweep_imports",
        "every_seconds": 60,
    },
    {
        "name": "Evaluation: check-ins, surveys, pairs at risk, nudges",
        "task": "evaluation.daily",
        "every_seconds": 3600,
    },
    {
        "name": "Weekly coordinator digest (queued Monday 09:00 local)",
        "task": "evaluation.weekly_digest",
        "every_seconds": 3600,
    },
    {
        "name": "Relationships: close matches at the program's end, agreement reminders",
        "task": "relationships.daily",
        "every_seconds": 3600,
    },
    {
        "name": "Mentoring requests: remind mentors the day before, expire unanswered ones",
        "task": "matching.daily",
        "every_seconds": 3600,
    },
    {
        "name": "Training: remind people of unfinished required steps",
        "task": "training.daily",
        "every_seconds": 3600,
    },
    {
        "name": "Privacy: erase accounts after their grace period, expire downloads, "
        "anonymise programs past retention",
        "task": "privacy.daily",
        "every_seconds": 3600,
    },
    {
        "name": "Email roster invitations whose enrollment opened",
        "task": "programs.send_pending_invitations",
        "every_seconds": 3600,
    },
]


def schedules_ensure(**kwargs) -> int:
    """Create missing default periodic tasks; returns how many were created."""
    from django_celery_beat.models import IntervalSchedule, PeriodicTask

    created = 0
    for entry in DEFAULT_SCHEDULES:
        if PeriodicTask.objects.filter(name=entry["name"]).exists():
            continue
        interval, _ = IntervalSchedule.objects.get_or_create(
            every=entry["every_seconds"], period=IntervalSchedule.SECONDS
        )
        PeriodicTask.objects.create(name=entry["name"], task=entry["task"], interval=interval)
        created += 1
    return created
