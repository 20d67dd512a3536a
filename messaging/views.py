from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import FileResponse, Http404, HttpResponse
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils.translation import gettext as _
from django.views.decorators.cache import never_cache
from django.views.decorators.http import require_GET

from accounts.mfa import staff_page
from matching.permissions import match_for_participant
from mentoring.compiled import compiled
from messaging.files import content_type_of
from messaging.forms import AnnouncementForm, MessageForm, ReportForm
from messaging.models import Announcement, Report
from messaging.permissions import (
    conversation_for_member,
    conversation_writable,
    message_for_member,
    program_for_coordinator,
    report_for_coordinator,
)
from messaging.selectors import (
    conversation_page,
    conversation_title,
    coordinator_conversations,
    member_list_for_user,
    message_in_context,
    messages_after,
)
from messaging.services import (
    announcement_send,
    conversation_for_match,
    conversation_mark_read,
    conversation_with_coordinators,
    conversations_ensure,
    message_report,
    message_send,
)
from programs.models import Application
from programs.permissions import programs_coordinated_by


def _int(value) -> int | None:
    try:
        return int(value)
    except (TypeError, ValueError):
        return None


@compiled
def _member_rows(*, user):
    return member_list_for_user(user=user)


@never_cache
@login_required
def conversation_list(request):
    conversations_ensure(user=request.user)
    rows = _member_rows(user=request.user)
    for row in rows:
        row.title = conversation_title(conversation=row.conversation, viewer=request.user)
    context = {
        "rows": rows,
        "coordinated": programs_coordinated_by(user=request.user).order_by("name"),
    }
    return render(request, "messaging/conversation_list.html", context)


def _conversation_page(request, conversation, form, *, status=200):
    page = conversation_page(conversation=conversation, before=_int(request.GET.get("before")))
    shown = page["messages"]
    older_view = request.GET.get("before") is not None
    if shown and not older_view:
        conversation_mark_read(conversation=conversation, user=request.user, up_to=shown[-1].pk)
    context = {
        "conversation": conversation,
        "title": conversation_title(conversation=conversation, viewer=request.user),
        "page": page,
        "last_id": shown[-1].pk if shown else 0,
        "form": form,
        "writable": conversation_writable(conversation=conversation),
        "older_view": older_view,
    }
    return render(request, "messaging/conversation_detail.html", context, status=status)


@never_cache
@login_required
def conversation_detail(request, pk):
    """A conversation, newest at the bottom, with the send form; POST sends a message. A
    refused message shows the page again with the reason, nothing saved."""
    conversation = conversation_for_member(user=request.user, pk=pk)
    if request.method != "POST":
        return _conversation_page(request, conversation, MessageForm())
    form = MessageForm(request.POST, request.FILES)
    if form.is_valid():
        try:
            message = message_send(
                conversation=conversation,
                author=request.user,
                text=form.cleaned_data["text"],
                attachment=form.cleaned_data["attachment"] or None,
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            url = reverse("messaging:conversation", args=[conversation.pk])
            return redirect(f"{url}#m{message.pk}")
    return _conversation_page(request, conversation, form, status=400)


@never_cache
@login_required
@require_GET
def conversation_poll(request, pk):
    """The messages posted after `?after=<id>` and the next poller (204 when none: htmx then
    keeps the poller it has). Marks them read: the person is looking at the page."""
    conversation = conversation_for_member(user=request.user, pk=pk)
    after = _int(request.GET.get("after"))
    if after is None:
        raise Http404("No such message.")
    new = messages_after(conversation=conversation, after=after)
    if not new:
        return HttpResponse(status=204)
    conversation_mark_read(conversation=conversation, user=request.user, up_to=new[-1].pk)
    context = {"conversation": conversation, "messages": new, "last_id": new[-1].pk}
    return render(request, "messaging/_poll.html", context)


@never_cache
@login_required
def attachment_download(request, pk, message_pk):
    """A message's file, for the conversation's members only, always as a download with the
    content type from the allowed list."""
    conversation = conversation_for_member(user=request.user, pk=pk)
    message = message_for_member(conversation=conversation, pk=message_pk)
    content_type = content_type_of(message.attachment.name) if message.attachment else None
    if content_type is None:
        raise Http404("No such file.")
    try:
        handle = message.attachment.open("rb")
    except OSError:
        raise Http404("No such file.") from None
    response = FileResponse(
        handle, as_attachment=True, filename=message.attachment_name, content_type=content_type
    )
    response["X-Content-Type-Options"] = "nosniff"
    response["Cache-Control"] = "private, no-store"
    return response


@login_required
def match_conversation(request, pk):
    """The pair's conversation of a match the user is in (made on first use)."""
    match = match_for_participant(user=request.user, pk=pk)
    conversation = conversation_for_match(match=match)
    return redirect("messaging:conversation", pk=conversation.pk)


@login_required
def coordinators_conversation(request, pk):
    """The user's conversation with the coordinators of a program they were approved for."""
    approved = Application.objects.filter(
        user=request.user, program_id=pk, status=Application.Status.APPROVED
    ).select_related("program")
    application = approved.first()
    if application is None:
        raise Http404("No such program.")
    conversation = conversation_with_coordinators(
        program=application.program, participant=request.user
    )
    return redirect("messaging:conversation", pk=conversation.pk)


@never_cache
@login_required
def message_report_view(request, pk, message_pk):
    """A member reports someone else's message to the coordinators, saying why."""
    conversation = conversation_for_member(user=request.user, pk=pk)
    message = message_for_member(conversation=conversation, pk=message_pk)
    if message.author_id == request.user.pk:
        raise Http404("No such message.")
    form = ReportForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            message_report(
                message=message, reporter=request.user, reason=form.cleaned_data["reason"]
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(request, _("Thank you. The coordinators have been told."))
            return redirect("messaging:conversation", pk=conversation.pk)
    context = {"conversation": conversation, "message": message, "form": form}
    return render(request, "messaging/report_form.html", context)


# --- coordinators -----------------------------------------------------------------------


@staff_page
@never_cache
@login_required
def program_messages(request, pk):
    """A coordinator's page for one program: participants who wrote to the coordinators,
    reported messages, and the announcements sent."""
    program = program_for_coordinator(user=request.user, pk=pk)
    context = {
        "program": program,
        "conversations": coordinator_conversations(program=program)[:100],
        "reports": Report.objects.filter(message__conversation__program=program).select_related(
            "reporter", "message__author"
        )[:100],
        "announcements": Announcement.objects.filter(program=program).select_related(
            "author", "mentor__user"
        )[:20],
    }
    return render(request, "messaging/program_messages.html", context)


@staff_page
@never_cache
@login_required
def announcement_create(request, pk):
    program = program_for_coordinator(user=request.user, pk=pk)
    form = AnnouncementForm(request.POST or None, program=program)
    if request.method == "POST" and form.is_valid():
        try:
            announcement = announcement_send(
                program=program, author=request.user, **form.cleaned_data
            )
        except ValidationError as exc:
            form.add_error(None, exc)
        else:
            messages.success(
                request,
                _("Announcement sent to %(n)s participants.") % {"n": announcement.recipients},
            )
            return redirect("messaging:program", pk=program.pk)
    return render(request, "messaging/announcement_form.html", {"program": program, "form": form})


@staff_page
@never_cache
@login_required
def report_detail(request, pk):
    """A reported message and the messages around it: all a coordinator sees of a pair's or
    a group's conversation."""
    report = report_for_coordinator(user=request.user, pk=pk)
    context = {
        "report": report,
        "program": report.message.conversation.program,
        "messages": message_in_context(message=report.message),
    }
    return render(request, "messaging/report_detail.html", context)
