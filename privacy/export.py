"""Download my data: a person asks, a worker builds their archive (privacy/archive.py: a ZIP
of `data.json` and a readable `index.html`, from the personal data map alone) and they get an
email with a link that works once, for them signed in, until it expires.

The ZIP is stored under a random name in the default storage (MEDIA is not served by the web
server) and reached only through `data_export_fetch`: the link's token is kept as a hash.
`data_exports_sweep` (hourly, in `privacy.daily`) expires links, deletes files and picks up
builds whose task was lost.
"""

import logging
import secrets
from datetime import datetime, timedelta

from django.conf import settings
from django.core.exceptions import ValidationError
from django.core.files.base import ContentFile
from django.core.files.storage import default_storage
from django.db import IntegrityError, transaction
from django.db.models import Q
from django.http import Http404
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext_lazy as _

from audit.models import Action
from audit.services import audit_record
from notifications.models import Kind
from notifications.services import notification_queue
from privacy.archive import archive_build, archive_data, export_section_titles
from privacy.models import DataExport, token_hash

__all__ = [
    "archive_build",
    "archive_data",
    "data_export_build",
    "data_export_fetch",
    "data_export_files_delete",
    "data_export_request",
    "data_exports_for",
    "data_exports_sweep",
    "export_section_titles",
]

logger = logging.getLogger(__name__)

STORAGE_DIR = "privacy/exports"
S = DataExport.Status
# A pending export this old lost its task (broker down, worker gone): it is queued again...
LOST_AFTER = timedelta(minutes=10)
# ...until this old, when it is marked failed and the person can ask again.
GIVE_UP_AFTER = timedelta(days=1)
# A downloaded archive's file stays this long, so a download still streaming is not cut off.
DOWNLOAD_GRACE = timedelta(hours=1)

BUSY = _("Your download is already being prepared; we will email you a link when it is ready.")
EXPIRED = _("This download link has expired. You can prepare a new download.")
USED = _("This link has been used; prepare a new download.")


# --- Asking, building, fetching -------------------------------------------------------------


def _enqueue_after_commit(export_id: int) -> None:
    def enqueue():
        from privacy.tasks import privacy_export_build

        try:
            privacy_export_build.delay(export_id=export_id)
        except Exception:  # broker down: data_exports_sweep queues it again
            logger.warning("Broker unavailable; data export %s left for the sweep", export_id)

    transaction.on_commit(enqueue)


def data_export_request(*, user) -> DataExport:
    """Ask for `user`'s archive: a pending DataExport, an audit entry, and the build task
    queued after commit (a dead broker is logged, never raised; the sweep picks the row up).
    Refused (ValidationError) while one is already being prepared."""
    if DataExport.objects.filter(user=user, status=S.PENDING).exists():
        raise ValidationError(BUSY, code="busy")
    try:
        with transaction.atomic():
            export = DataExport.objects.create(user=user)
            audit_record(
                action=Action.DATA_EXPORT_REQUESTED, actor=user, person=user, target=export
            )
    except IntegrityError:  # a simultaneous request won the one pending place
        raise ValidationError(BUSY, code="busy") from None
    _enqueue_after_commit(export.pk)
    return export


def data_export_download_url(token: str) -> str:
    return settings.SITE_URL + reverse("privacy:data-download", kwargs={"token": token})


def data_export_build(*, export_id: int) -> str:
    """Build a pending export: store the ZIP under a random name, then, in one short
    transaction, claim the row (a conditional UPDATE: only a still pending row), mark it ready
    until PRIVACY_EXPORT_DAYS from now with a one-time token (only its hash is kept) and queue
    the DATA_EXPORT_READY email with the link. Safe to run twice: a second run finds the row
    no longer pending and stops (or, racing, loses the claim and deletes its own file). The
    archive is read outside any transaction, so building never holds locks. A failure marks
    the row failed with the error. Returns "ready", "skipped" or "failed"."""
    export = DataExport.objects.select_related("user").filter(pk=export_id).first()
    if export is None or export.status != S.PENDING:
        logger.info("Data export %s is gone or no longer pending; skipping", export_id)
        return "skipped"
    stored = ""
    try:
        content = archive_build(user=export.user)
        stored = default_storage.save(
            f"{STORAGE_DIR}/{secrets.token_hex(16)}.zip", ContentFile(content)
        )
        token = secrets.token_urlsafe(32)
        now = timezone.now()
        with transaction.atomic():
            claimed = DataExport.objects.filter(pk=export_id, status=S.PENDING).update(
                status=S.READY,
                ready_at=now,
                expires_at=now + timedelta(days=settings.PRIVACY_EXPORT_DAYS),
                file=stored,
                size=len(content),
                token_hash=token_hash(token),
                error="",
            )
            if claimed:
                export.refresh_from_db()
                notification_queue(
                    kind=Kind.DATA_EXPORT_READY,
                    to=export.user,
                    subject=export,
                    context={
                        "url": data_export_download_url(token),
                        "expires_at": export.expires_at.isoformat(),
                    },
                )
    except Exception as exc:
        logger.exception("Data export %s failed", export_id)
        if stored:
            _delete_file(stored)
        DataExport.objects.filter(pk=export_id, status=S.PENDING).update(
            status=S.FAILED, error=f"{exc.__class__.__name__}: {exc}"[:2000]
        )
        return "failed"
    if not claimed:
        logger.info("Data export %s was built by another worker meanwhile", export_id)
        _delete_file(stored)
        return "skipped"
    return "ready"


def data_export_fetch(*, user, token: str) -> DataExport:
    """The export a link opens, for its owner only (Http404 for anyone else and for unknown
    tokens). An expired or used link is refused (ValidationError, code "expired" or "used").
    Otherwise marks it downloaded, once even for simultaneous clicks, and records who
    collected it in the audit trail."""
    export = (
        DataExport.objects.filter(token_hash=token_hash(token), user=user).first()
        if token
        else None
    )
    if export is None:
        raise Http404("No such download.")
    now = timezone.now()
    if export.status == S.DOWNLOADED:
        raise ValidationError(USED, code="used")
    if export.status == S.EXPIRED or (export.expires_at is not None and export.expires_at <= now):
        raise ValidationError(EXPIRED, code="expired")
    if export.status != S.READY:
        raise Http404("No such download.")
    with transaction.atomic():
        taken = DataExport.objects.filter(pk=export.pk, status=S.READY, expires_at__gt=now).update(
            status=S.DOWNLOADED, downloaded_at=now
        )
        if not taken:
            raise ValidationError(USED, code="used")
        audit_record(action=Action.DATA_EXPORT_DOWNLOADED, actor=user, person=user, target=export)
    export.refresh_from_db()
    return export


# --- Housekeeping ---------------------------------------------------------------------------


def _delete_file(name: str) -> bool:
    try:
        default_storage.delete(name)
    except Exception:  # storage down: the row keeps the name, so the next sweep tries again
        logger.warning("Could not delete data export file %s", name, exc_info=True)
        return False
    return True


def data_exports_sweep(*, now: datetime | None = None) -> int:
    """Expire ready exports past `expires_at`; delete the files of expired and failed ones
    and of downloaded ones an hour after the download (a name is cleared only once its file
    is gone); queue again the builds of pending exports older than ten minutes (their task
    was lost) and mark failed those older than a day. Returns how many exports it touched."""
    now = now or timezone.now()
    touched = set(
        DataExport.objects.filter(status=S.READY, expires_at__lte=now).values_list("pk", flat=True)
    )
    DataExport.objects.filter(pk__in=touched, status=S.READY).update(status=S.EXPIRED)
    done = Q(status__in=[S.EXPIRED, S.FAILED]) | Q(
        status=S.DOWNLOADED, downloaded_at__lt=now - DOWNLOAD_GRACE
    )
    for pk, name in DataExport.objects.filter(done).exclude(file="").values_list("pk", "file"):
        if _delete_file(name):
            DataExport.objects.filter(pk=pk, file=name).update(file="")
            touched.add(pk)
    lost = DataExport.objects.filter(status=S.PENDING, requested_at__lt=now - LOST_AFTER)
    for pk, requested_at in lost.values_list("pk", "requested_at"):
        if requested_at < now - GIVE_UP_AFTER:
            DataExport.objects.filter(pk=pk, status=S.PENDING).update(
                status=S.FAILED, error="Not built within a day (its task was lost)."
            )
        else:
            _enqueue_after_commit(pk)
        touched.add(pk)
    return len(touched)


def data_export_files_delete(*, user) -> int:
    """Delete every archive of `user`, files and rows (erasure). A file that cannot be
    deleted raises, so the erasure stops rather than leave an archive behind. Returns how
    many rows it deleted."""
    exports = list(DataExport.objects.filter(user=user).values_list("pk", "file"))
    for _pk, name in exports:
        if name:
            default_storage.delete(name)
    DataExport.objects.filter(pk__in=[pk for pk, _name in exports]).delete()
    return len(exports)


def data_exports_for(*, user):
    """The person's downloads, newest first (one query)."""
    return DataExport.objects.filter(user=user).order_by("-requested_at", "-pk")
