from django.db import models
from django.utils.translation import gettext_lazy as _


def choice_label(choices: type[models.Choices], value) -> str:
    """The label of `value` among `choices`, in the current language (the value itself if it
    is none of them). Not a model's `get_FOO_display()`, which rebuilds and translates a
    dictionary of every choice on each call: names shown once per row of the admin's lists
    read their choice this way (one lookup by value, where `value in choices.values` would
    list every choice)."""
    try:
        member = choices(value)
    except ValueError:
        return value
    return str(member.label)


class WorkerHeartbeat(models.Model):
    """The last time each Celery worker proved it can reach the database (health page)."""

    worker = models.CharField(max_length=200, unique=True, verbose_name=_("worker"))
    seen_at = models.DateTimeField(verbose_name=_("seen at"))
    beats = models.PositiveBigIntegerField(default=0, verbose_name=_("beats"))

    class Meta:
        verbose_name = _("worker heartbeat")
        verbose_name_plural = _("worker heartbeats")
        ordering = ["-seen_at"]

    def __str__(self):
        return f"{self.worker} at {self.seen_at:%Y-%m-%d %H:%M:%S}"
