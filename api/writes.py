"""The API's bulk writes, through the same services as the admin's uploads: invitations go
through the roster import (programs/roster.py), outcome records through the outcome import
(outcomes/importing.py). The JSON rows become the CSV file those services read, so the rules,
messages and audit entries are theirs."""

import csv
import io

from django.core.files.base import ContentFile
from django.utils.translation import gettext as _
from rest_framework import status
from rest_framework.response import Response

from api import serializers as s
from api.errors import error_response
from api.permissions import program_for_write
from outcomes.importing import (
    INLINE_BYTES,
    ImportProblem,
    outcome_import_confirm,
    outcome_import_create,
    outcome_import_discard,
)
from outcomes.models import OutcomeImport
from programs.models import Invitation
from programs.roster import roster_import, roster_parse

OUTCOME_FIELDS = ("institutional_id", "email", "term", "measure", "value", "career_stage")


def _csv(header: list[str], rows) -> bytes:
    out = io.StringIO()
    writer = csv.writer(out, lineterminator="\n")
    writer.writerow(header)
    writer.writerows(rows)
    return out.getvalue().encode()


def invitations_create(request) -> Response:
    body = s.InvitationBatchSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    program = program_for_write(user=request.user, pk=body.validated_data["program"])
    rows = body.validated_data["invitations"]
    data = _csv(
        ["email", "name", "role", "career stage", "institutional id"],
        (
            [row["email"], row["name"], row["role"], row["career_stage"], row["institutional_id"]]
            for row in rows
        ),
    )
    preview = roster_parse(program=program, data=data)
    if preview.errors:
        return error_response(status_code=400, code="invalid", message=" ".join(preview.errors))
    problems = {str(i): row.errors for i, row in enumerate(preview.rows) if row.errors}
    if problems:
        return error_response(
            status_code=400,
            code="invalid",
            message=_("Some invitations have problems; nothing was created."),
            fields={"invitations": problems},
        )
    created = roster_import(program=program, preview=preview, invited_by=request.user)
    created = Invitation.objects.filter(pk__in=[i.pk for i in created]).select_related(
        "career_stage"
    )
    return Response(
        s.InvitationSerializer(created.order_by("pk"), many=True).data,
        status=status.HTTP_201_CREATED,
    )


def outcome_records_upsert(request) -> Response:
    body = s.OutcomeBatchSerializer(data=request.data)
    body.is_valid(raise_exception=True)
    program = program_for_write(user=request.user, pk=body.validated_data["program"])
    data = _csv(
        [name.replace("_", " ") for name in OUTCOME_FIELDS],
        ([row[name] for name in OUTCOME_FIELDS] for row in body.validated_data["records"]),
    )
    if len(data) > INLINE_BYTES:
        return error_response(
            status_code=400,
            code="invalid",
            message=_("Send fewer records at once (at most %(kb)s KB of records).")
            % {"kb": INLINE_BYTES // 1024},
        )
    try:
        record = outcome_import_create(
            program=program, user=request.user, upload=ContentFile(data, name="api.csv")
        )
        if record.status == OutcomeImport.Status.READY:
            record = outcome_import_confirm(record=record, user=request.user)
    except ImportProblem as problem:
        return error_response(status_code=400, code="invalid", message=str(problem))
    if record.status == OutcomeImport.Status.DONE:
        return Response({"rows": record.rows, "added": record.created, "updated": record.updated})
    if record.status == OutcomeImport.Status.REFUSED:
        outcome_import_discard(record=record)
    return error_response(
        status_code=400,
        code="invalid",
        # Line 1 is the header: records[0] is line 2.
        message=_("The records have problems; nothing was imported. Line 2 is records[0]."),
        fields={"records": list(record.errors)},
    )
