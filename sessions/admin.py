"""The coordinator's view of sessions: read-only, scoped to their programs, and never showing
private notes (PrivateNote is deliberately not registered anywhere)."""

from django import forms
from django.contrib import admin
from django.contrib.admin import DateFieldListFilter
from django.core.exceptions import ValidationError
from django.db.models import Count, OuterRef, Subquery
from django.db.models.functions import Coalesce
from django.urls import reverse
from django.utils import timezone
from django.utils.formats import date_format
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _

from accounts.models import user_name_fields
from mentoring.admin_scope import LIST_PER_PAGE, ProgramScopedAdmin, ScopedRelatedFilter
from programs.admin import program_inline_register
from sessions.log_sections import log_section_lines
from sessions.models import (
    GUIDE_NUMBERS,
    Attendance,
    Meeting,
    PairSessions,
    SessionGuide,
    SessionLog,
)
from sessions.selectors import guides_covered, pair_session_summary


class _ReadOnly:
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class GuideFormSet(forms.BaseInlineFormSet):
    def validate_unique(self):
        # Before Django's own check, whose message names the fields but not the number.
        numbers = [
            form.cleaned_data.get("number")
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE")
        ]
        twice = sorted({n for n in numbers if n is not None and numbers.count(n) > 1})
        if twice:
            raise ValidationError(
                _t("Two guides have the number %(numbers)s: give each guide its own number.")
                % {"numbers": ", ".join(map(str, twice))}
            )
        super().validate_unique()

    def save_existing_objects(self, commit=True):
        if commit:
            self._make_room()
        return super().save_existing_objects(commit)

    def _make_room(self) -> None:
        """Shifting guides (3 -> 4, 4 -> 5, to insert a new 3) saves one row at a time, and
        each save would meet the number it takes still in use. Guides being deleted go
        first, and the renumbered ones wait on spare numbers until their turn."""
        for form in self.initial_forms:
            if form.instance.pk and self._should_delete_form(form):
                form.instance.delete()
        moving = [
            form
            for form in self.initial_forms
            if form.instance.pk
            and not self._should_delete_form(form)
            and "number" in form.changed_data
        ]
        if not moving:
            return
        taken = set(self.get_queryset().values_list("number", flat=True))
        taken |= {form.cleaned_data.get("number") for form in self.forms if form.cleaned_data}
        low, high = GUIDE_NUMBERS
        spare = [n for n in range(high, low - 1, -1) if n not in taken]
        for form, number in zip(moving, spare, strict=False):
            SessionGuide.objects.filter(pk=form.instance.pk).update(number=number)


class SessionGuideInline(admin.StackedInline):
    """The program's curriculum, edited on the program's page. Whoever may change the
    program may change its guides: the Coordinators group holds only view rights on the
    sessions app's models (they are the participants' records), guides excepted."""

    model = SessionGuide
    formset = GuideFormSet
    extra = 0
    ordering = ["number"]
    fields = [("number", "title"), "objectives", "activities", "reflection_prompts"]
    verbose_name = _("session guide")
    verbose_name_plural = _("session guides (the curriculum: guide N is for session or week N)")

    def _may_change_program(self, request):
        return request.user.has_perm("programs.change_program")

    def has_view_permission(self, request, obj=None):
        return request.user.has_perm("programs.view_program")

    def has_add_permission(self, request, obj=None):
        return self._may_change_program(request)

    def has_change_permission(self, request, obj=None):
        return self._may_change_program(request)

    def has_delete_permission(self, request, obj=None):
        return self._may_change_program(request)


program_inline_register(SessionGuideInline)


class SessionLogInline(_ReadOnly, admin.TabularInline):
    model = SessionLog
    fields = [
        "author",
        "outcome",
        "duration_minutes",
        "topic_names",
        "goals",
        "guide",
        "reflection_answers",
        "shared_notes",
    ]
    readonly_fields = fields
    extra = 0

    def get_queryset(self, request):
        return (
            super()
            .get_queryset(request)
            .select_related("author", "guide", "meeting__program", "meeting__match")
            .prefetch_related("topics")
        )

    @admin.display(description=_("Topics"))
    def topic_names(self, obj):
        return ", ".join(t.name for t in obj.topics.all()) or "—"

    def get_formset(self, request, obj=None, **kwargs):
        # What the sections (the pair's goals) show of each log, read for all of the
        # meeting's logs at once; the inline is made anew for every request.
        logs = list(SessionLog.objects.filter(meeting=obj)) if obj else []
        self._section_lines = log_section_lines(logs=logs)
        return super().get_formset(request, obj, **kwargs)

    @admin.display(description=_("Progress on goals"))
    def goals(self, obj):
        lines = getattr(self, "_section_lines", {}).get(obj.pk, [])
        return "; ".join(f"{label}: {value}" for label, value in lines) or "—"

    @admin.display(description=_("Reflections"))
    def reflection_answers(self, obj):
        rows = [(row.get("prompt", ""), row.get("answer", "")) for row in obj.reflections]
        return format_html_join("", "<p><strong>{}</strong><br>{}</p>", rows) or "—"


class AttendanceInline(_ReadOnly, admin.TabularInline):
    model = Attendance
    fields = ["member", "rsvp", "attended"]
    readonly_fields = fields
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("member", "meeting")


@admin.register(Meeting)
class MeetingAdmin(_ReadOnly, ProgramScopedAdmin):
    list_display = ["start", "who", "program", "kind", "status", "minutes", "logged"]
    # A date filter, not a date hierarchy (which reads every meeting for its years and months).
    list_filter = [
        "status",
        "kind",
        ("start", DateFieldListFilter),
        ("program", ScopedRelatedFilter),
    ]
    list_select_related = ["program", "mentor", "match__mentee__user"]
    list_only = (
        "start", "end", "kind", "status", "title", "program__name",
        *user_name_fields("mentor"), *user_name_fields("match__mentee__user"),
    )  # fmt: skip
    list_per_page = LIST_PER_PAGE
    show_full_result_count = False
    search_fields = ["mentor__email", "mentor__display_name", "match__mentee__user__email"]
    fields = [
        "program", "kind", "title", "mentor", "match", "start", "end", "status", "location",
        "online_link", "sequence", "booked_by", "cancelled_at", "cancelled_by", "cancel_reason",
    ]  # fmt: skip
    readonly_fields = fields
    inlines = [AttendanceInline, SessionLogInline]

    def get_queryset(self, request):
        # A subquery, not a join with GROUP BY: the page's counts and date list stay plain.
        logs = (
            SessionLog.objects.filter(meeting=OuterRef("pk"))
            .order_by()
            .values("meeting")
            .annotate(n=Count("pk"))
            .values("n")
        )
        return super().get_queryset(request).annotate(log_count=Coalesce(Subquery(logs), 0))

    @admin.display(description=_("Who"))
    def who(self, obj):
        if obj.kind == Meeting.Kind.GROUP:
            return _t("%(mentor)s (group)") % {"mentor": obj.mentor.name}
        return f"{obj.mentor.name} & {obj.match.mentee.user.name}"

    @admin.display(description=_("Logs"), ordering="log_count")
    def logged(self, obj):
        return obj.log_count


@admin.register(PairSessions)
class PairSessionsAdmin(_ReadOnly, ProgramScopedAdmin):
    list_display = [
        "pair", "program", "status", "sessions_booked", "sessions_held", "sessions_cancelled",
        "hours", "guides", "meetings_link",
    ]  # fmt: skip
    list_filter = ["status", ("program", ScopedRelatedFilter)]
    list_select_related = ["program", "mentor__user", "mentee__user"]
    search_fields = ["mentor__user__email", "mentee__user__email", "mentee__user__display_name"]
    fields = ["program", "mentor", "mentee", "status", "started_at", "ended_at", "curriculum"]
    readonly_fields = fields

    def get_queryset(self, request):
        return pair_session_summary(super().get_queryset(request))

    def get_changelist_instance(self, request):
        changelist = super().get_changelist_instance(request)
        # The page's pairs, with what they covered: two queries for the whole page.
        changelist.result_list = list(changelist.result_list)
        covered = guides_covered(matches=changelist.result_list)
        for match in changelist.result_list:
            match.guides_covered = covered[match.pk]
        return changelist

    @admin.display(description=_("Guides covered"))
    def guides(self, obj):
        return ", ".join(str(g.number) for g in obj.guides_covered) or "—"

    @admin.display(description=_("Curriculum"))
    def curriculum(self, obj):
        """Each of the program's guides, with the day the pair first covered it."""
        covered = {g.number: g for g in guides_covered(matches=[obj])[obj.pk]}
        rows = []
        for guide in obj.program.session_guides.order_by("number"):
            done = covered.get(guide.number)
            when = date_format(timezone.localtime(done.first_on), "j M Y") if done else None
            rows.append((guide, _t("covered %(day)s") % {"day": when} if when else _t("not yet")))
        if not rows:
            return _t("This program has no session guides.")
        return format_html(
            "<ul>{}</ul>", format_html_join("", "<li>{}: {}</li>", ((str(g), w) for g, w in rows))
        )

    @admin.display(description=_("Pair"))
    def pair(self, obj):
        return f"{obj.mentor.user.name} & {obj.mentee.user.name}"

    @admin.display(description=_("Booked"), ordering="sessions_booked")
    def sessions_booked(self, obj):
        return obj.sessions_booked

    @admin.display(description=_("Held (logged)"), ordering="sessions_held")
    def sessions_held(self, obj):
        return obj.sessions_held

    @admin.display(description=_("Cancelled"), ordering="sessions_cancelled")
    def sessions_cancelled(self, obj):
        return obj.sessions_cancelled

    @admin.display(description=_("Booked hours"), ordering="booked_time")
    def hours(self, obj):
        return round(obj.booked_time.total_seconds() / 3600, 1) if obj.booked_time else 0

    @admin.display(description=_("Sessions"))
    def meetings_link(self, obj):
        url = reverse("admin:mentoring_sessions_meeting_changelist") + f"?match__exact={obj.pk}"
        return format_html('<a href="{}">{}</a>', url, _t("Sessions"))
