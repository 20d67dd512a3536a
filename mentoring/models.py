from django.db import models
from django.utils.translation import gettext_lazy as _


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
