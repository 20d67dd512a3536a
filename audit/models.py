from django.conf import settings
from django.contrib.contenttypes.models import ContentType
from django.db import models
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Action(models.TextChoices):
    APPLICATION_APPROVED = "application_approved", _("Application approved")
    APPLICATION_DECLINED = "application_declined", _("Application declined")
    APPLICATION_WAITLISTED = "application_waitlisted", _("Application waitlisted")
    RUN_PUBLISHED = "run_published", _("Matching run published")
    MATCH_ENDED = "match_ended", _("Match ended")
    REPORT_EXPORTED = "report_exported", _("Report exported")
    OUTCOMES_IMPORTED = "outcomes_imported", _("Outcome records imported")
    CONSENT_GIVEN = "consent_given", _("Consent to use academic records given")
    CONSENT_WITHDRAWN = "consent_withdrawn", _("Consent to use academic records withdrawn")
    NOTICE_PUBLISHED = "notice_published", _("Privacy notice published")
    DATA_EXPORT_REQUESTED = "data_export_requested", _("Personal data download requested")
    DATA_EXPORT_DOWNLOADED = "data_export_downloaded", _("Personal data download collected")
    ERASURE_REQUESTED = "erasure_requested", _("Account deletion requested")
    ERASURE_CANCELLED = "erasure_cancelled", _("Account deletion cancelled")
    ERASURE_PROCESSED = "erasure_processed", _("Personal data erased")
    RETENTION_PURGED = "retention_purged", _("Program anonymised after its retention period")
    STAFF_ROLE_GRANTED = "staff_role_granted", _("Staff role granted by invitation")
    STAFF_INVITATION_REVOKED = "staff_invitation_revoked", _("Staff invitation revoked")


class AuditEntry(models.Model):
    """One decision or access: who did what, when, to what, in which program.

    Entries hold no names or free text of the people they concern (only links, which show
    "Deleted user" once an account is erased, and counts or codes in `detail`), so the trail
    can stay whole after an erasure. Written only through `audit.services.audit_record`.
    """

    at = models.DateTimeField(_("when"), default=timezone.now, db_index=True)
    action = models.CharField(_("action"), max_length=40, choices=Action.choices)
    actor = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("who"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("Empty when the system acted on its own (a scheduled task)."),
    )
    program = models.ForeignKey(
        "programs.Program",
        verbose_name=_("program"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    person = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("concerning"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    target_type = models.ForeignKey(
        ContentType,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("target type"),
    )
    target_id = models.PositiveBigIntegerField(null=True, blank=True, verbose_name=_("target id"))
    detail = models.JSONField(_("detail"), default=dict, blank=True)

    class Meta:
        ordering = ["-at", "-id"]
        verbose_name = _("audit entry")
        verbose_name_plural = _("audit trail")
        indexes = [models.Index(fields=["program", "-at"]), models.Index(fields=["action", "-at"])]

    def __str__(self):
        return f"{self.get_action_display()} ({self.at:%Y-%m-%d %H:%M})"
