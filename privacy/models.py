import hashlib

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class PrivacyNoticeQuerySet(models.QuerySet):
    def published(self):
        return self.filter(published_at__isnull=False, published_at__lte=timezone.now())

    def current(self):
        """The notice in force: the highest published version, or None."""
        return self.published().order_by("-version").first()


class PrivacyNotice(models.Model):
    """One version of the privacy notice. Published versions are never edited: a change is a
    new version, which everyone accepts again before going on."""

    version = models.PositiveIntegerField(_("version"), unique=True)
    title = models.CharField(_("title"), max_length=200, default=_("Privacy notice"))
    body = models.TextField(
        _("text"),
        help_text=_("Plain text; a blank line starts a new paragraph, a line '## ...' a heading."),
    )
    changes = models.TextField(
        _("what changed"),
        blank=True,
        help_text=_("Shown to people who accepted an earlier version."),
    )
    published_at = models.DateTimeField(
        _("published"),
        null=True,
        blank=True,
        help_text=_("Empty while a draft. From this moment everyone is asked to accept it."),
    )
    created_at = models.DateTimeField(auto_now_add=True, verbose_name=_("created at"))

    objects = PrivacyNoticeQuerySet.as_manager()

    class Meta:
        ordering = ["-version"]
        verbose_name = _("privacy notice")
        verbose_name_plural = _("privacy notices")

    def __str__(self):
        return _("Privacy notice, version %(version)s") % {"version": self.version}

    @property
    def is_published(self) -> bool:
        return self.published_at is not None and self.published_at <= timezone.now()


class NoticeAcceptance(models.Model):
    """That a person accepted a version of the notice, and when."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="notice_acceptances",
        verbose_name=_("user"),
    )
    notice = models.ForeignKey(
        PrivacyNotice,
        on_delete=models.PROTECT,
        related_name="acceptances",
        verbose_name=_("notice"),
    )
    accepted_at = models.DateTimeField(default=timezone.now, verbose_name=_("accepted at"))

    class Meta:
        verbose_name = _("notice acceptance")
        verbose_name_plural = _("notice acceptances")
        ordering = ["-accepted_at"]
        constraints = [
            models.UniqueConstraint(fields=["user", "notice"], name="privacy_accept_once"),
        ]

    def __str__(self):
        return f"{self.user_id} accepted v{self.notice.version}"


def token_hash(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


class DataExport(models.Model):
    """A person's request for everything held about them: built by a worker into a ZIP, fetched
    once through an emailed link that expires."""

    class Status(models.TextChoices):
        PENDING = "pending", _("Being prepared")
        READY = "ready", _("Ready to download")
        DOWNLOADED = "downloaded", _("Downloaded")
        EXPIRED = "expired", _("Expired")
        FAILED = "failed", _("Failed")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        on_delete=models.CASCADE,
        related_name="data_exports",
        verbose_name=_("user"),
    )
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.PENDING, verbose_name=_("status")
    )
    requested_at = models.DateTimeField(default=timezone.now, verbose_name=_("requested at"))
    ready_at = models.DateTimeField(null=True, blank=True, verbose_name=_("ready at"))
    expires_at = models.DateTimeField(null=True, blank=True, verbose_name=_("expires at"))
    downloaded_at = models.DateTimeField(null=True, blank=True, verbose_name=_("downloaded at"))
    file = models.CharField(
        max_length=200, blank=True, help_text=_("Storage name of the ZIP."), verbose_name=_("file")
    )
    size = models.PositiveBigIntegerField(default=0, verbose_name=_("size"))
    token_hash = models.CharField(
        max_length=64, blank=True, db_index=True, verbose_name=_("token hash")
    )
    error = models.TextField(blank=True, verbose_name=_("error"))

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("personal data download")
        verbose_name_plural = _("personal data downloads")
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(status="pending"),
                name="privacy_one_export_in_progress",
            ),
        ]

    def __str__(self):
        return f"Data export {self.pk} ({self.status})"


class ErasureRequest(models.Model):
    """An account to erase: asked by the person (erased after a grace period unless they sign
    in again) or processed by a coordinator on their behalf."""

    class Status(models.TextChoices):
        SCHEDULED = "scheduled", _("Scheduled")
        CANCELLED = "cancelled", _("Cancelled")
        DONE = "done", _("Erased")

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="+", verbose_name=_("user")
    )
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.SCHEDULED, verbose_name=_("status")
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("requested by"),
    )
    on_behalf = models.BooleanField(
        default=False,
        help_text=_("Processed by a coordinator for the person."),
        verbose_name=_("on behalf"),
    )
    note = models.CharField(
        _("note"),
        max_length=300,
        blank=True,
        help_text=_("How the request reached you (e.g. 'email of 3 March'). No personal details."),
    )
    requested_at = models.DateTimeField(default=timezone.now, verbose_name=_("requested at"))
    due_at = models.DateTimeField(verbose_name=_("due at"))
    cancelled_at = models.DateTimeField(null=True, blank=True, verbose_name=_("cancelled at"))
    done_at = models.DateTimeField(null=True, blank=True, verbose_name=_("done at"))
    summary = models.JSONField(default=dict, blank=True, verbose_name=_("summary"))

    class Meta:
        ordering = ["-requested_at", "-id"]
        verbose_name = _("erasure request")
        verbose_name_plural = _("erasure requests")
        constraints = [
            models.UniqueConstraint(
                fields=["user"],
                condition=Q(status="scheduled"),
                name="privacy_one_scheduled_erasure",
            ),
        ]

    def __str__(self):
        return f"Erasure {self.pk} ({self.status})"


class RetentionRun(models.Model):
    """A program anonymised after its retention period: what was purged, and when."""

    program = models.ForeignKey(
        "programs.Program",
        on_delete=models.CASCADE,
        related_name="retention_runs",
        verbose_name=_("program"),
    )
    ran_at = models.DateTimeField(default=timezone.now, verbose_name=_("ran at"))
    people = models.PositiveIntegerField(default=0, verbose_name=_("people"))
    summary = models.JSONField(default=dict, blank=True, verbose_name=_("summary"))

    class Meta:
        ordering = ["-ran_at"]
        verbose_name = _("retention run")
        verbose_name_plural = _("retention runs")

    def __str__(self):
        return f"Retention run {self.pk}"
