"""Academic outcome records of a program's population: participants and a comparison group.

A record is one measure of one person in one term ("S1024, 2026-fall, gpa, 3.4"). Records
belong to a program: reporting staff upload them for the program they report on, and the
program's term list says which terms exist and which is its first. The people are
`OutcomePerson` rows of that program: an account when the file names someone with one
(participants, and students who have an account but did not take part), otherwise a student
known only by institutional ID (the comparison group does not need accounts).
"""

import secrets

from django.conf import settings
from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from outcomes.measures import MEASURE_MAX


def import_upload_path(instance, filename: str) -> str:
    """A random name: the uploaded file's own name is only kept as `original_name`."""
    suffix = ".xlsx" if filename.lower().endswith(".xlsx") else ".csv"
    return f"outcome-imports/{secrets.token_hex(16)}{suffix}"


class OutcomePerson(models.Model):
    """Someone whose outcomes a program holds: an account, or an institutional ID alone."""

    program = models.ForeignKey(
        "programs.Program",
        on_delete=models.CASCADE,
        related_name="outcome_people",
        verbose_name=_("program"),
    )
    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.CASCADE,
        related_name="outcome_people",
        verbose_name=_("user"),
    )
    institutional_id = models.CharField(_("institutional ID"), max_length=64, blank=True)
    career_stage = models.ForeignKey(
        "programs.CareerStage",
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        help_text=_("From the outcome file; a participant's application says it otherwise."),
        verbose_name=_("career stage"),
    )
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))

    class Meta:
        verbose_name = _("outcome person")
        verbose_name_plural = _("outcome people")
        constraints = [
            models.UniqueConstraint(
                fields=["program", "user"],
                condition=Q(user__isnull=False),
                name="outcome_person_one_per_user",
            ),
            models.UniqueConstraint(
                fields=["program", "institutional_id"],
                condition=~Q(institutional_id=""),
                name="outcome_person_one_per_institutional_id",
            ),
            models.CheckConstraint(
                condition=Q(user__isnull=False) | ~Q(institutional_id=""),
                name="outcome_person_identified",
            ),
        ]

    def __str__(self):
        return self.institutional_id or str(self.user)


class OutcomeImport(models.Model):
    """One uploaded outcome file: checked, then applied all or nothing. Kept as the record of
    who imported what, when, and how many rows; the file itself is deleted once applied."""

    class Status(models.TextChoices):
        UPLOADED = "uploaded", _("Waiting to be checked")
        CHECKING = "checking", _("Checking")
        REFUSED = "refused", _("Refused")
        READY = "ready", _("Ready to import")
        QUEUED = "queued", _("Waiting to import")
        IMPORTING = "importing", _("Importing")
        DONE = "done", _("Imported")
        FAILED = "failed", _("Failed")
        DISCARDED = "discarded", _("Discarded")

    program = models.ForeignKey(
        "programs.Program",
        on_delete=models.CASCADE,
        related_name="outcome_imports",
        verbose_name=_("program"),
    )
    uploaded_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        on_delete=models.SET_NULL,
        related_name="outcome_imports",
        verbose_name=_("uploaded by"),
    )
    original_name = models.CharField(_("file name"), max_length=255)
    file = models.FileField(upload_to=import_upload_path, blank=True, verbose_name=_("file"))
    size_bytes = models.PositiveBigIntegerField(default=0, verbose_name=_("size bytes"))
    status = models.CharField(
        max_length=10, choices=Status.choices, default=Status.UPLOADED, verbose_name=_("status")
    )
    rows = models.PositiveIntegerField(_("rows"), default=0)
    people = models.PositiveIntegerField(_("people"), default=0)
    participants = models.PositiveIntegerField(_("participants"), default=0)
    new_people = models.PositiveIntegerField(_("new comparison students"), default=0)
    terms = models.JSONField(default=list, blank=True, verbose_name=_("terms"))
    measures = models.JSONField(default=list, blank=True, verbose_name=_("measures"))
    error_count = models.PositiveIntegerField(default=0, verbose_name=_("error count"))
    errors = models.JSONField(default=list, blank=True, verbose_name=_("errors"))
    created = models.PositiveIntegerField(_("records added"), default=0)
    updated = models.PositiveIntegerField(_("records updated"), default=0)
    created_at = models.DateTimeField(default=timezone.now, verbose_name=_("created at"))
    started_at = models.DateTimeField(null=True, blank=True, verbose_name=_("started at"))
    checked_at = models.DateTimeField(null=True, blank=True, verbose_name=_("checked at"))
    confirmed_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("confirmed by"),
    )
    finished_at = models.DateTimeField(null=True, blank=True, verbose_name=_("finished at"))

    class Meta:
        ordering = ["-created_at", "-pk"]
        verbose_name = _("outcome import")
        verbose_name_plural = _("outcome imports")
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    status__in=[
                        "uploaded",
                        "checking",
                        "refused",
                        "ready",
                        "queued",
                        "importing",
                        "done",
                        "failed",
                        "discarded",
                    ]
                ),
                name="outcome_import_status_valid",
            ),
        ]

    def __str__(self):
        return f"{self.original_name} ({self.get_status_display()})"

    @property
    def is_working(self) -> bool:
        return self.status in (
            self.Status.UPLOADED,
            self.Status.CHECKING,
            self.Status.QUEUED,
            self.Status.IMPORTING,
        )


class OutcomeRecord(models.Model):
    """One measure of one person in one term. Uploading the same person, term and measure
    again replaces the value."""

    person = models.ForeignKey(
        OutcomePerson, on_delete=models.CASCADE, related_name="records", verbose_name=_("person")
    )
    term = models.CharField(_("term"), max_length=32)
    measure = models.CharField(_("measure"), max_length=MEASURE_MAX)
    value = models.FloatField(_("value"))
    source = models.ForeignKey(
        OutcomeImport,
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
        verbose_name=_("source"),
    )

    class Meta:
        verbose_name = _("outcome record")
        verbose_name_plural = _("outcome records")
        constraints = [
            models.UniqueConstraint(
                fields=["person", "term", "measure"], name="outcome_record_unique"
            ),
        ]

    def __str__(self):
        return f"{self.person} {self.term} {self.measure}={self.value}"
