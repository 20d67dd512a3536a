"""The privacy notice in the admin: superusers only. Drafts are edited; a published version is
read-only (a change is a new version, started from it with an action); "Publish now" publishes
a draft and records it in the audit trail."""

from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Count
from django.shortcuts import get_object_or_404, redirect
from django.urls import path, reverse
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from privacy.models import PrivacyNotice
from privacy.notice import (
    notice_default_text,
    notice_draft_from,
    notice_next_version,
    notice_publish,
)


@admin.register(PrivacyNotice)
class PrivacyNoticeAdmin(admin.ModelAdmin):
    list_display = ["version", "title", "published_at", "accepted_by"]
    ordering = ["-version"]
    fields = ["version", "title", "body", "changes", "published_at"]
    readonly_fields = ["published_at"]
    actions = ["publish_now", "new_version"]
    change_form_template = "admin/privacy/privacynotice/change_form.html"

    # Superusers only: the notice speaks for the institution, not for one program.
    def has_module_permission(self, request):
        return request.user.is_active and request.user.is_superuser

    def has_view_permission(self, request, obj=None):
        return self.has_module_permission(request)

    def has_add_permission(self, request):
        return self.has_module_permission(request)

    def has_change_permission(self, request, obj=None):
        # A published version is shown read-only: what people accepted never changes.
        return self.has_module_permission(request) and (obj is None or obj.published_at is None)

    def has_delete_permission(self, request, obj=None):
        return self.has_module_permission(request) and (obj is None or obj.published_at is None)

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(accepted=Count("acceptances"))

    @admin.display(description=_("accepted by"), ordering="accepted")
    def accepted_by(self, obj):
        return obj.accepted

    def get_changeform_initial_data(self, request):
        initial = super().get_changeform_initial_data(request)
        initial.setdefault("version", notice_next_version())
        initial.setdefault("body", notice_default_text())
        return initial

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path(
                "<path:object_id>/publish/",
                view(require_POST(self.publish_view)),
                name="privacy_privacynotice_publish",
            ),
            *super().get_urls(),
        ]

    def _publish(self, request, notice) -> bool:
        try:
            notice_publish(notice=notice, by=request.user)
        except ValidationError as exc:
            self.message_user(request, " ".join(exc.messages), messages.ERROR)
            return False
        self.message_user(
            request,
            _t("Version %(v)s is published: everyone is asked to accept it.")
            % {"v": notice.version},
            messages.SUCCESS,
        )
        return True

    def publish_view(self, request, object_id):
        if not self.has_module_permission(request):
            raise PermissionDenied
        notice = get_object_or_404(PrivacyNotice, pk=object_id)
        self._publish(request, notice)
        return redirect("admin:privacy_privacynotice_change", object_id=notice.pk)

    @admin.action(description=_("Publish now"))
    def publish_now(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, _t("Publish one version at a time."), messages.ERROR)
            return None
        self._publish(request, queryset.get())
        return None

    @admin.action(description=_("Start a new version from the selected one"))
    def new_version(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, _t("Select one version to start from."), messages.ERROR)
            return None
        draft = notice_draft_from(notice=queryset.get())
        return redirect(reverse("admin:privacy_privacynotice_change", args=[draft.pk]))

    def change_view(self, request, object_id, form_url="", extra_context=None):
        extra = extra_context or {}
        notice = self.get_object(request, object_id)
        extra["can_publish"] = notice is not None and notice.published_at is None
        return super().change_view(request, object_id, form_url, extra)
