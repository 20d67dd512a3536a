"""The coordinator's view of sessions: read-only, scoped to their programs, and never showing
private notes (PrivateNote is deliberately not registered anywhere)."""

from django.contrib import admin
from django.db.models import Count
from django.urls import reverse
from django.utils.html import format_html

from mentoring.admin_scope import ProgramScopedAdmin, ScopedRelatedFilter
from sessions.models import Attendance, Meeting, PairSessions, SessionLog
from sessions.selectors import goal_progress_labels, pair_session_summary


class _ReadOnly:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class SessionLogInline(_ReadOnly, admin.TabularInline):
    model = SessionLog
    fields = [
        "author",
        "outcome",
        "duration_minutes",
        "topic_names",
        "goals",
        "shared_notes",
    ]
    readonly_fields = fields
    extra = 0

    @admin.display(description="Topics")
    def topic_names(self, obj):
        return ", ".join(t.name for t in obj.topics.all()) or "—"

    @admin.display(description="Progress on goals")
    def goals(self, obj):
        return "; ".join(f"{name}: {label}" for name, label in goal_progress_labels(obj)) or "—"


class AttendanceInline(_ReadOnly, admin.TabularInline):
    model = Attendance
    fields = ["member", "rsvp", "attended"]
    readonly_fields = fields
    extra = 0


@admin.register(Meeting)
class MeetingAdmin(_ReadOnly, ProgramScopedAdmin):
    list_display = ["start", "who", "program", "kind", "status", "minutes", "logged"]
    list_filter = ["status", "kind", ("program", ScopedRelatedFilter)]
    list_select_related = ["program", "mentor", "match__mentee__user"]
    search_fields = ["mentor__email", "mentor__display_name", "match__mentee__user__email"]
    date_hierarchy = "start"
    fields = [
        "program", "kind", "title", "mentor", "match", "start", "end", "status", "location",
        "online_link", "sequence", "booked_by", "cancelled_at", "cancelled_by", "cancel_reason",
    ]  # fmt: skip
    readonly_fields = fields
    inlines = [AttendanceInline, SessionLogInline]

    def get_queryset(self, request):
        return super().get_queryset(request).annotate(log_count=Count("logs"))

    @admin.display(description="Who")
    def who(self, obj):
        if obj.kind == Meeting.Kind.GROUP:
            return f"{obj.mentor.name} (group)"
        return f"{obj.mentor.name} & {obj.match.mentee.user.name}"

    @admin.display(description="Logs", ordering="log_count")
    def logged(self, obj):
        return obj.log_count


@admin.register(PairSessions)
class PairSessionsAdmin(_ReadOnly, ProgramScopedAdmin):
    list_display = [
        "pair", "program", "status", "sessions_booked", "sessions_held", "sessions_cancelled",
        "hours", "meetings_link",
    ]  # fmt: skip
    list_filter = ["status", ("program", ScopedRelatedFilter)]
    list_select_related = ["program", "mentor__user", "mentee__user"]
    search_fields = ["mentor__user__email", "mentee__user__email", "mentee__user__display_name"]
    fields = ["program", "mentor", "mentee", "status", "started_at", "ended_at"]
    readonly_fields = fields

    def get_queryset(self, request):
        return pair_session_summary(super().get_queryset(request))

    @admin.display(description="Pair")
    def pair(self, obj):
        return f"{obj.mentor.user.name} & {obj.mentee.user.name}"

    @admin.display(description="Booked", ordering="sessions_booked")
    def sessions_booked(self, obj):
        return obj.sessions_booked

    @admin.display(description="Held (logged)", ordering="sessions_held")
    def sessions_held(self, obj):
        return obj.sessions_held

    @admin.display(description="Cancelled", ordering="sessions_cancelled")
    def sessions_cancelled(self, obj):
        return obj.sessions_cancelled

    @admin.display(description="Booked hours", ordering="booked_time")
    def hours(self, obj):
        return round(obj.booked_time.total_seconds() / 3600, 1) if obj.booked_time else 0

    @admin.display(description="Sessions")
    def meetings_link(self, obj):
        url = reverse("admin:mentoring_sessions_meeting_changelist") + f"?match__exact={obj.pk}"
        return format_html('<a href="{}">Sessions</a>', url)
