"""The admin's roster import page: upload a CSV, preview every row, confirm to invite.

Step one parses the upload and shows the preview; nothing is stored. When the file is clean
the page carries the file itself back, signed and compressed, in the confirm form: the server
keeps no state between the steps, and a payload cannot be edited or replayed against another
program. Confirming parses the file again, since people may have applied meanwhile.
"""

from django import forms
from django.conf import settings
from django.contrib import messages
from django.core import signing
from django.core.exceptions import PermissionDenied, ValidationError
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.utils.translation import gettext, gettext_lazy, ngettext

from programs.models import Program
from programs.permissions import program_for_coordinator
from programs.roster import MAX_BYTES, MAX_ROWS, RosterPreview, roster_import, roster_parse

SALT = "programs.admin_roster.roster_import"
PAYLOAD_MAX_AGE = 60 * 60  # seconds to read the preview and confirm it
PREVIEW_ROWS = 500
TEMPLATE = "admin/programs/program/roster_import.html"


class RosterUploadForm(forms.Form):
    file = forms.FileField(label=gettext_lazy("CSV file"))

    def clean_file(self):
        upload = self.cleaned_data["file"]
        if upload.size > MAX_BYTES:
            raise ValidationError(
                gettext("The file is larger than %(mb)s MB; split it into smaller files.")
                % {"mb": MAX_BYTES // 2**20}
            )
        return upload


class RosterConfirmForm(forms.Form):
    payload = forms.CharField(widget=forms.HiddenInput)


def payload_dumps(*, program: Program, data: bytes) -> str:
    """The file, signed for this program. Latin-1 maps bytes to text one to one, so parsing
    the loaded payload sees exactly the uploaded bytes."""
    return signing.dumps(data.decode("latin-1"), salt=f"{SALT}:{program.pk}", compress=True)


def payload_loads(*, program: Program, payload: str) -> bytes:
    """The file back from `payload_dumps`; raises signing.BadSignature (SignatureExpired
    after PAYLOAD_MAX_AGE) if it was altered, is too old or is another program's."""
    text = signing.loads(payload, salt=f"{SALT}:{program.pk}", max_age=PAYLOAD_MAX_AGE)
    if not isinstance(text, str):
        raise signing.BadSignature("Unexpected payload.")
    return text.encode("latin-1")


def _payload_budget() -> float:
    # The confirm form posts the payload as an ordinary field, which Django caps.
    limit = settings.DATA_UPLOAD_MAX_MEMORY_SIZE
    return float("inf") if limit is None else limit - 16 * 1024


def roster_import_view(model_admin, request, object_id):
    """Import a roster of invited mentors and mentees into a program the user coordinates.
    GET shows the upload form; POST with a file previews it; POST with a payload imports."""
    program = program_for_coordinator(user=request.user, pk=object_id)
    if not model_admin.has_change_permission(request, program):
        raise PermissionDenied
    if request.method == "POST" and "payload" in request.POST:
        return _confirm(model_admin, request, program)
    if request.method != "POST":
        return _render(model_admin, request, program, form=RosterUploadForm())
    form = RosterUploadForm(request.POST, request.FILES)
    if not form.is_valid():
        return _render(model_admin, request, program, form=form)
    data = form.cleaned_data["file"].read()
    preview = roster_parse(program=program, data=data)
    payload = payload_dumps(program=program, data=data) if preview.ok else ""
    if len(payload) > _payload_budget():
        preview.errors.append(
            gettext(
                "This file is too large to confirm in one go; remove the columns other than "
                "email, name, role, career_stage and institutional_id, or split it into "
                "smaller files."
            )
        )
        payload = ""
    return _render(
        model_admin, request, program, form=RosterUploadForm(), preview=preview, payload=payload
    )


def _confirm(model_admin, request, program: Program):
    form = RosterConfirmForm(request.POST)
    try:
        if not form.is_valid():
            raise signing.BadSignature("No payload.")
        data = payload_loads(program=program, payload=form.cleaned_data["payload"])
    except signing.SignatureExpired:
        messages.error(
            request, gettext("This preview is more than an hour old; upload the file again.")
        )
        return redirect(request.path)
    except signing.BadSignature:
        messages.error(
            request,
            gettext(
                "The confirmation could not be verified (it was altered or belongs to another "
                "program); nothing was imported. Upload the file again."
            ),
        )
        return redirect(request.path)
    preview = roster_parse(program=program, data=data)
    if not preview.ok:
        messages.error(
            request,
            gettext(
                "Nothing was imported: the program changed since the preview and some rows have "
                "problems now. Fix them and upload the file again."
            ),
        )
        return _render(model_admin, request, program, form=RosterUploadForm(), preview=preview)
    try:
        invitations = roster_import(program=program, preview=preview, invited_by=request.user)
    except ValidationError as exc:
        messages.error(
            request,
            gettext("Nothing was imported. %(problems)s") % {"problems": " ".join(exc.messages)},
        )
        return _render(model_admin, request, program, form=RosterUploadForm(), preview=preview)
    count = len(invitations)
    if program.enrollment_is_open():
        text = ngettext("Sent %(n)s invitation.", "Sent %(n)s invitations.", count)
    else:
        text = ngettext(
            "Added %(n)s invitation; they will be emailed when enrollment opens.",
            "Added %(n)s invitations; they will be emailed when enrollment opens.",
            count,
        )
    messages.success(request, text % {"n": count})
    return redirect("admin:programs_program_change", object_id=program.pk)


def _render(
    model_admin,
    request,
    program: Program,
    *,
    form,
    preview: RosterPreview | None = None,
    payload="",
):
    rows = preview.rows if preview else []
    shown = [row for index, row in enumerate(rows) if row.errors or index < PREVIEW_ROWS]
    context = {
        **model_admin.admin_site.each_context(request),
        "title": gettext("Import a roster into %(name)s") % {"name": program.name},
        "opts": Program._meta,
        "program": program,
        "form": form,
        "preview": preview,
        "shown_rows": shown,
        "hidden_row_count": len(rows) - len(shown),
        "payload": payload,
        "emails_now": program.enrollment_is_open(),
        "stage_names": [stage.name for stage in program.career_stages.all()],
        "max_rows": f"{MAX_ROWS:,}",
        "max_megabytes": MAX_BYTES // 2**20,
    }
    return TemplateResponse(request, TEMPLATE, context)
