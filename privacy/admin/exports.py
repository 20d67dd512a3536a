"""Personal data downloads in the admin: a read-only list for superusers (who asked, status,
dates, size). The archive itself is never reachable from here: only its owner opens it,
through the emailed link."""

from django.contrib import admin
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext_lazy as _

from privacy.models import DataExport


@admin.register(DataExport)
class DataExportAdmin(admin.ModelAdmin):
    list_display = [
        "pk",
        "user",
        "status",
        "requested_at",
        "ready_at",
        "expires_at",
        "downloaded_at",
        "size_display",
    ]
    list_filter = ["status"]
    list_select_related = ["user"]
    search_fields = ["user__email"]
    date_hierarchy = "requested_at"
    ordering = ["-requested_at", "-pk"]
    # No file name and no token hash: nothing here leads to the archive.
    fields = [
        "user",
        "status",
        "requested_at",
        "ready_at",
        "expires_at",
        "downloaded_at",
        "size_display",
        "error",
    ]
    readonly_fields = fields

    @admin.display(description=_("size"), ordering="size")
    def size_display(self, obj):
        return filesizeformat(obj.size) if obj.size else "—"

    # Superusers only, and only to look: rows are written by the person's requests and the
    # worker, and removed with the person.
    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
