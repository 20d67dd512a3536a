from django.contrib import admin, messages
from django.contrib.admin import DateFieldListFilter
from django.utils.translation import gettext_lazy, ngettext

from mentoring.admin_scope import LIST_PER_PAGE, ProgramScopedAdmin, ScopedRelatedFilter
from notifications.models import Notification
from notifications.services import notification_resend


@admin.register(Notification)
class NotificationAdmin(ProgramScopedAdmin):
    """The notification log: what was sent to whom and when, and what failed."""

    list_display = ["kind", "to_email", "program", "status", "due_at", "sent_at", "attempts"]
    # A date filter, not a date hierarchy: the hierarchy reads the whole ledger for its years
    # and months on every page.
    list_filter = [
        "status",
        "kind",
        ("due_at", DateFieldListFilter),
        ("program", ScopedRelatedFilter),
    ]
    search_fields = ["to_email", "recipient__display_name", "idempotency_key"]
    list_select_related = ["program"]
    list_only = (
        "kind", "to_email", "status", "due_at", "sent_at", "attempts", "program__name",
    )  # fmt: skip
    list_per_page = LIST_PER_PAGE
    show_full_result_count = False
    actions = ["resend"]
    readonly_fields = [
        "kind",
        "to_email",
        "recipient",
        "program",
        "status",
        "due_at",
        "sent_at",
        "attempts",
        "claimed_at",
        "last_error",
        "idempotency_key",
        "subject_type",
        "subject_id",
        "created_at",
    ]
    fields = readonly_fields

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    @admin.action(description=gettext_lazy("Send selected emails again"))
    def resend(self, request, queryset):
        count = 0
        for notification in queryset.exclude(status__in=["queued", "sending", "retrying"]):
            notification_resend(notification=notification)
            count += 1
        self.message_user(
            request,
            ngettext("%(count)d email(s) queued again.", "%(count)d email(s) queued again.", count)
            % {"count": count},
            messages.SUCCESS,
        )
