from datetime import timedelta
from itertools import groupby

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.translation import gettext as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from mentoring.compiled import compiled
from programs.models import Program
from sessions import selectors, services
from sessions.forms import (
    AvailabilityRuleForm,
    CancelForm,
    GroupSessionForm,
    GuidePickForm,
    OneOffSlotForm,
    RsvpForm,
    SessionLogForm,
    SlotChoiceForm,
)
from sessions.ics import calendar_bytes, meeting_ics
from sessions.log_sections import log_section_lines
from sessions.models import AvailabilityRule, CalendarFeed, Meeting, OneOffSlot
from sessions.permissions import (
    availability_for_owner,
    match_for_participant,
    meeting_for_participant,
)
from sessions.services import BookingError


def _days(slots):
    """Free slots grouped by the viewer's local date."""
    local = timezone.localtime
    return [
        (day, list(group)) for day, group in groupby(slots, key=lambda s: local(s.start).date())
    ]


@login_required
def meeting_list(request):
    upcoming, past = selectors.meetings_split(user=request.user)
    matches = selectors.matches_for_booking(user=request.user)
    context = {
        "upcoming": upcoming,
        "past": past,
        "matches": matches,
        "is_mentor": selectors.is_mentor(user=request.user)
        or any(m.mentor.user_id == request.user.pk for m in matches),
        "group_programs": _group_programs_led(user=request.user),
    }
    return render(request, "sessions/meeting_list.html", context)


@login_required
def availability_edit(request):
    user = request.user
    rule_form, slot_form = AvailabilityRuleForm(prefix="rule"), OneOffSlotForm(prefix="slot")
    if request.method == "POST" and "rule-weekday" in request.POST:
        rule_form = AvailabilityRuleForm(request.POST, prefix="rule")
        if rule_form.is_valid():
            services.availability_rule_create(mentor=user, **rule_form.cleaned_data)
            messages.success(request, _("Weekly window added."))
            return redirect("sessions:availability")
    elif request.method == "POST":
        slot_form = OneOffSlotForm(request.POST, prefix="slot")
        if slot_form.is_valid():
            try:
                services.one_off_slot_create(mentor=user, **slot_form.cleaned_data)
            except ValidationError as exc:
                slot_form.add_error(None, exc.messages[0])
            else:
                messages.success(request, _("Extra slot added."))
                return redirect("sessions:availability")
    context = {
        "rules": AvailabilityRule.objects.filter(mentor=user),
        "one_offs": OneOffSlot.objects.filter(mentor=user, end__gt=timezone.now()),
        "rule_form": rule_form,
        "slot_form": slot_form,
        "preview": _days(services.slots_free(mentor=user, days=14)),
    }
    return render(request, "sessions/availability_edit.html", context)


@login_required
@require_POST
def availability_delete(request, kind, pk):
    services.availability_remove(item=availability_for_owner(user=request.user, kind=kind, pk=pk))
    messages.success(request, _("Removed. Sessions already booked stay booked."))
    return redirect("sessions:availability")


@login_required
def booking_create(request, match_id):
    match = match_for_participant(user=request.user, pk=match_id)
    form = SlotChoiceForm(request.POST or None)
    if request.method == "POST":
        if form.is_valid():
            try:
                meeting = services.booking_create(
                    match=match, start=form.cleaned_data["start"], booked_by=request.user
                )
            except BookingError as exc:
                messages.error(request, exc.message)
            else:
                messages.success(request, _("Booked. You both have a confirmation email."))
                return redirect("sessions:meeting-detail", pk=meeting.pk)
        else:
            messages.error(request, _("Choose one of the listed times."))
    slots = services.slots_free(mentor=match.mentor.user, program=match.program)
    context = {"match": match, "days": _days(slots)}
    return render(request, "sessions/booking_create.html", context, status=_status(request))


def _status(request) -> int:
    return 400 if request.method == "POST" else 200


def _log_form(meeting, user, data=None, *, log=None, guide=None, private_note=None):
    """The log form; `private_note` is the user's note when the caller has read it already."""
    initial = {}
    if log:
        if private_note is None:
            private_note = services.private_note_for(meeting=meeting, author=user)
        initial = {
            "outcome": log.outcome,
            "duration_minutes": log.duration_minutes,
            "topics": list(log.topics.all()),
            "shared_notes": log.shared_notes,
            "private_note": private_note,
            **SessionLogForm.initial_reflections(log, guide),
        }
    elif meeting.minutes:
        initial = {"duration_minutes": meeting.minutes}
    return SessionLogForm(
        data,
        program=meeting.program,
        guide=guide,
        meeting=meeting,
        user=user,
        log=log,
        initial=initial,
    )


def _attendance(meeting, user) -> dict:
    """A group session's members and the viewer's own row (one query; only group sessions
    show them)."""
    if meeting.kind != Meeting.Kind.GROUP:
        return {"attendance": [], "my_attendance": None}
    rows = list(meeting.attendance.select_related("member").order_by("member__display_name"))
    mine = next((row for row in rows if row.member_id == user.pk), None)
    return {"attendance": rows, "my_attendance": mine}


def _logs(meeting):
    logs = selectors.meeting_logs(meeting=meeting)
    lines = log_section_lines(logs=logs)
    for log in logs:
        log.section_lines = lines.get(log.pk, [])
    return logs


def _guides(request, meeting, my_log, log_form):
    """The program's guides, the one suggested for this meeting, the one shown (and logged
    against): the posted one, else the one picked, else the user's log's, else the
    suggested one."""
    guides = selectors.program_guides(program=meeting.program)
    place = selectors.meeting_guide_place(meeting=meeting) if guides else None
    suggested = selectors.guide_suggested(place=place, guides=guides)
    picker = GuidePickForm(request.GET if "guide" in request.GET else None, guides=guides)
    if log_form is not None:
        shown = log_form.log_guide
    elif picker.is_bound and picker.is_valid():
        shown = picker.cleaned_data["guide"]
    elif my_log is not None:
        shown = next((g for g in guides if g.pk == my_log.guide_id), None)
    else:
        shown = suggested
    if not picker.is_bound:
        picker = GuidePickForm(
            initial={"guide": shown.pk if shown else GuidePickForm.NONE}, guides=guides
        )
    return {
        "guides": guides,
        "guide_place": place,
        "suggested_guide": suggested,
        "guide": shown,
        "guide_picker": picker,
    }


@login_required
def meeting_detail(request, pk, log_form=None, cancel_form=None):
    meeting = meeting_for_participant(user=request.user, pk=pk)
    now = timezone.now()
    is_mentor = meeting.mentor_id == request.user.pk
    logs = _logs(meeting)
    my_log = next((log for log in logs if log.author_id == request.user.pk), None)
    guides = _guides(request, meeting, my_log, log_form)
    status = 400 if (log_form or cancel_form) else 200
    private_note = services.private_note_for(meeting=meeting, author=request.user)
    if log_form is None:
        log_form = _log_form(
            meeting, request.user, log=my_log, guide=guides["guide"], private_note=private_note
        )
    context = {
        "meeting": meeting,
        "is_mentor": is_mentor,
        "started": meeting.start <= now,
        "logs": logs,
        "my_private_note": private_note,
        "my_log_exists": my_log is not None,
        "log_form": log_form,
        "cancel_form": cancel_form or CancelForm(),
        "can_change": meeting.is_booked
        and meeting.start - now >= timedelta(hours=meeting.program.cancellation_cutoff_hours),
        **_attendance(meeting, request.user),
        "rsvp_choices": RsvpForm.base_fields["rsvp"].choices,
        **guides,
    }
    if meeting.match_id and context["can_change"]:
        slots = services.slots_free(mentor=meeting.mentor, program=meeting.program, exclude=meeting)
        context["reschedule_days"] = _days(slots)
    return render(request, "sessions/meeting_detail.html", context, status=status)


@login_required
@require_POST
def meeting_reschedule(request, pk):
    meeting = meeting_for_participant(user=request.user, pk=pk)
    form = SlotChoiceForm(request.POST)
    if meeting.kind != Meeting.Kind.ONE_ON_ONE:
        raise Http404
    if not form.is_valid():
        messages.error(request, _("Choose one of the listed times."))
        return redirect("sessions:meeting-detail", pk=pk)
    try:
        services.booking_reschedule(
            meeting=meeting, start=form.cleaned_data["start"], by=request.user
        )
    except BookingError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Moved. You both have an updated calendar invitation."))
    return redirect("sessions:meeting-detail", pk=pk)


@login_required
@require_POST
def meeting_cancel(request, pk):
    meeting = meeting_for_participant(user=request.user, pk=pk)
    if meeting.kind == Meeting.Kind.GROUP and meeting.mentor_id != request.user.pk:
        raise Http404  # members answer "not going" instead
    form = CancelForm(request.POST)
    if not form.is_valid():
        return meeting_detail(request, pk, cancel_form=form)
    try:
        services.booking_cancel(
            meeting=meeting, by=request.user, reason=form.cleaned_data["reason"]
        )
    except BookingError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Cancelled. Everyone taking part has been told."))
    return redirect("sessions:meeting-detail", pk=pk)


@login_required
@require_POST
def meeting_log(request, pk):
    meeting = meeting_for_participant(user=request.user, pk=pk)
    form = _log_form(meeting, request.user, request.POST)
    if not form.is_valid():
        return meeting_detail(request, pk, log_form=form)
    data = form.cleaned_data
    try:
        services.session_log_save(
            meeting=meeting,
            author=request.user,
            outcome=data["outcome"],
            duration_minutes=data.get("duration_minutes"),
            topics=data.get("topics", ()),
            sections=data["sections"],
            shared_notes=data["shared_notes"],
            private_note=data["private_note"],
            guide=data.get("guide"),
            reflections=data["reflections"],
        )
    except BookingError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(request, _("Your log is saved."))
    return redirect("sessions:meeting-detail", pk=pk)


@login_required
@require_POST
def meeting_rsvp(request, pk):
    meeting = meeting_for_participant(user=request.user, pk=pk)
    form = RsvpForm(request.POST)
    if not meeting.attendance.filter(member=request.user).exists():
        raise Http404
    if form.is_valid():
        try:
            services.attendance_rsvp(
                meeting=meeting, member=request.user, rsvp=form.cleaned_data["rsvp"]
            )
        except BookingError as exc:
            messages.error(request, exc.message)
        else:
            messages.success(request, _("Thanks, your answer is saved."))
    else:
        messages.error(request, _("Choose going, not going or maybe."))
    return redirect("sessions:meeting-detail", pk=pk)


@login_required
@require_POST
def meeting_attendance(request, pk):
    meeting = meeting_for_participant(user=request.user, pk=pk)
    if meeting.mentor_id != request.user.pk or meeting.kind != Meeting.Kind.GROUP:
        raise Http404
    attended = {int(v) for v in request.POST.getlist("attended") if v.isdigit()}
    try:
        came = services.attendance_record(meeting=meeting, by=request.user, attended_ids=attended)
    except BookingError as exc:
        messages.error(request, exc.message)
    else:
        messages.success(
            request,
            ngettext("Attendance saved: %(came)s came.", "Attendance saved: %(came)s came.", came)
            % {"came": came},
        )
    return redirect("sessions:meeting-detail", pk=pk)


@login_required
def meeting_ics_download(request, pk):
    meeting = meeting_for_participant(user=request.user, pk=pk)
    body = meeting_ics(meeting, viewer=request.user)
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="session-{meeting.pk}.ics"'
    return response


def _group_programs(user):
    return Program.objects.filter(
        format=Program.Format.GROUP,
        applications__user=user,
        applications__role="mentor",
        applications__mentor_matches__status="active",
    ).distinct()


@compiled
def _group_programs_led(*, user):
    """The group programs in which the person leads a group (a list: the sessions page)."""
    return _group_programs(user)


@login_required
def group_session_create(request):
    programs = _group_programs(request.user)
    if not programs.exists():
        raise Http404("You lead no group yet.")
    form = GroupSessionForm(request.POST or None, programs=programs)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            meeting = services.group_session_schedule(
                mentor=request.user,
                program=data["program"],
                start=data["start"],
                end=data["end"],
                title=data["title"],
                location=data["location"],
                online_link=data["online_link"],
            )
        except BookingError as exc:
            form.add_error(None, exc.message)
        else:
            messages.success(request, _("Scheduled. Your group has been invited."))
            return redirect("sessions:meeting-detail", pk=meeting.pk)
    context = {"form": form}
    return render(request, "sessions/group_session_create.html", context, status=_status(request))


@login_required
def calendar_feed(request):
    if request.method == "POST":
        services.calendar_feed_reset(user=request.user)
        messages.success(request, _("New feed address made; the old one no longer works."))
        return redirect("sessions:calendar")
    feed = services.calendar_feed_for(user=request.user)
    url = request.build_absolute_uri(reverse("sessions:feed", args=[feed.token]))
    return render(request, "sessions/calendar_feed.html", {"feed_url": url})


def calendar_feed_ics(request, token):
    feed = CalendarFeed.objects.select_related("user").filter(token=token).first()
    if feed is None:
        raise Http404
    meetings = services.feed_meetings(user=feed.user)
    # A calendar app fetches the feed without signing in: its words are in the owner's language.
    with translation.override(feed.user.language_or_site):
        body = calendar_bytes(meetings, method=None, name=_("Mentoring sessions"), viewer=feed.user)
    return HttpResponse(body, content_type="text/calendar; charset=utf-8")
