"""Download my data: the page that explains and starts it, and the emailed link."""

import logging

from django.conf import settings
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.core.files.storage import default_storage
from django.http import FileResponse
from django.shortcuts import redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_http_methods

from privacy.export import (
    data_export_fetch,
    data_export_request,
    data_exports_for,
    export_section_titles,
)

logger = logging.getLogger(__name__)


@login_required
@require_http_methods(["GET", "POST"])
def data_export_list(request):
    """What a download holds and leaves out, a button to prepare one, and the person's past
    downloads. A second request while one is being prepared is refused with a message."""
    if request.method == "POST":
        try:
            data_export_request(user=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
        else:
            messages.success(
                request, _("We are preparing your download; we will email you a link.")
            )
        return redirect("privacy:data")
    context = {
        "sections": export_section_titles(),
        "exports": list(data_exports_for(user=request.user)),
        "now": timezone.now(),
        "days": settings.PRIVACY_EXPORT_DAYS,
    }
    return render(request, "privacy/data_export_list.html", context)


@never_cache
@login_required
def data_export_download(request, token):
    """The emailed link: the archive as an attachment, once, for its owner signed in. Someone
    else's link or an unknown one is a 404; an expired or used one says so (410)."""
    try:
        export = data_export_fetch(user=request.user, token=token)
    except ValidationError as exc:
        return _unavailable(request, " ".join(exc.messages))
    try:
        handle = default_storage.open(export.file, "rb")
    except OSError:
        logger.exception("Data export %s has no file to serve", export.pk)
        return _unavailable(
            request, _("This download is no longer available; prepare a new download.")
        )
    day = timezone.localdate(export.ready_at)
    return FileResponse(
        handle,
        as_attachment=True,
        filename=f"mentoring-data-{day:%Y-%m-%d}.zip",
        content_type="application/zip",
    )


def _unavailable(request, message: str):
    return render(request, "privacy/data_export_unavailable.html", {"message": message}, status=410)
