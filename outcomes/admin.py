"""Coordinators' admin: the record of every outcome import (who, when, how many rows), read
only. Files are uploaded and checked on the program's outcome pages, which reporting staff
without admin access use too."""

from django.contrib import admin

from mentoring.admin_scope import ReadOnlyAdmin, ScopedRelatedFilter
from outcomes.models import OutcomeImport


@admin.register(OutcomeImport)
class OutcomeImportAdmin(ReadOnlyAdmin):
    list_display = [
        "original_name",
        "program",
        "status",
        "uploaded_by",
        "created_at",
        "rows",
        "created",
        "updated",
        "error_count",
    ]
    list_filter = [("program", ScopedRelatedFilter), "status"]
    list_select_related = ["program", "uploaded_by"]
    search_fields = ["original_name", "uploaded_by__email"]
    fields = [
        "program",
        "original_name",
        "size_bytes",
        "status",
        "uploaded_by",
        "created_at",
        "checked_at",
        "confirmed_by",
        "finished_at",
        "rows",
        "people",
        "participants",
        "new_people",
        "terms",
        "measures",
        "created",
        "updated",
        "error_count",
        "errors",
    ]
