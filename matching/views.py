from functools import lru_cache

from crispy_forms.templatetags.crispy_forms_filters import as_crispy_form
from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect, render
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from accounts.selectors import profile_for
from accounts.visibility import Relation, visible_email
from matching.forms import (
    AnswerForm,
    EndRequestForm,
    ExclusionRequestForm,
    RequestForm,
    RequestStatusForm,
    SuggestionFilterForm,
)
from matching.models import EndRequest
from matching.panels import match_panels
from matching.permissions import (
    TAKING_PART,
    exclusion_request_for_owner,
    match_for_participant,
    mentee_application_for_owner,
    program_for_participant,
    request_for_mentee,
    request_for_mentor,
)
from matching.selectors import (
    match_list_for_user,
    requests_received,
    requests_sent,
    training_held_for,
)
from matching.services.ending import end_request_create
from matching.services.exclusions import (
    exclusion_request_create,
    exclusion_request_delete,
    exclusion_requests_for,
)
from matching.services.requests import (
    mentor_request_status_set,
    request_accept,
    request_create,
    request_decline,
    request_withdraw,
)
from matching.suggestions import suggestions_search
from mentoring.compiled import compiled
from programs.models import Application, Program, RequestStatus
from programs.permissions import application_for_owner


def _errors(request, exc: ValidationError) -> None:
    messages.error(request, " ".join(exc.messages))


@compiled
def _my_matches(*, user):
    return match_list_for_user(user=user)


@compiled
def _asking_as_mentee(*, user):
    """Where the person may ask mentors themselves: approved mentee of an informal program."""
    return Application.objects.filter(
        user=user, role="mentee", status="approved", program__kind="informal"
    ).select_related("program")


@compiled
def _programs_taking_part(*, user):
    return Program.objects.filter(
        pk__in=Application.objects.filter(user=user, status__in=TAKING_PART).values("program_id")
    ).order_by("name")


@login_required
def my_matches(request):
    context = {
        "matches": _my_matches(user=request.user),
        "mentee_applications": _asking_as_mentee(user=request.user),
        "programs": _programs_taking_part(user=request.user),
    }
    return render(request, "matching/match_list.html", context)


@lru_cache(maxsize=16)
def _blank_end_form_html(language: str) -> str:
    """The empty form to ask to end a match, as `|crispy` renders it, once per language: it
    is the same on every match page (no data of anyone's), and crispy takes a while."""
    return as_crispy_form(EndRequestForm())


@compiled
def _end_requests_open(*, match, by):
    return EndRequest.objects.filter(match=match, status="open", requested_by=by)[:1]


def _match_page(request, match, *, end_form=None, status=200):
    i_am_mentee = match.mentee.user_id == request.user.pk
    partner = match.mentor if i_am_mentee else match.mentee
    context = {
        "match": match,
        "partner": partner,
        # The two sides of a match are partners; the partner's settings say what they see.
        "partner_email": visible_email(
            viewer=request.user, person=partner.user, relation=Relation.PARTNER
        ),
        "partner_profile": profile_for(
            viewer=request.user, person=partner.user, relation=Relation.PARTNER
        ),
        "i_am_mentee": i_am_mentee,
        "end_form": end_form or EndRequestForm(),
        "end_form_html": (
            as_crispy_form(end_form)
            if end_form is not None
            else _blank_end_form_html(get_language())
        ),
        "end_form_open": end_form is not None,
        "open_end_request": _end_requests_open.first(match=match, by=request.user)
        if match.is_active
        else None,
        "panels": match_panels(match=match, user=request.user, request=request),
    }
    return render(request, "matching/match_detail.html", context, status=status)


@login_required
def match_detail(request, pk):
    match = match_for_participant(user=request.user, pk=pk)
    return _match_page(request, match)


@login_required
@require_POST
def end_request(request, pk):
    """Either side asks to end the match: why (required, from the list) and private
    feedback. A refused form shows the page again with the errors, nothing saved."""
    match = match_for_participant(user=request.user, pk=pk)
    form = EndRequestForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Your request was not sent: see the form below."))
        return _match_page(request, match, end_form=form, status=400)
    try:
        end_request_create(
            match=match,
            by=request.user,
            reason=form.cleaned_data["reason"],
            end_reason=form.cleaned_data["end_reason"],
            end_reason_text=form.cleaned_data["end_reason_text"],
        )
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("Your request was sent to the coordinators."))
    return redirect("matching:match-detail", pk=pk)


@login_required
def suggestions(request, pk):
    """The mentee's suggested mentors, searched and filtered from the query string (a bad
    filter is ignored with a message), one page at a time; asking one posts here."""
    mentee = mentee_application_for_owner(user=request.user, pk=pk)
    form = RequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        mentor = Application.objects.filter(
            pk=form.cleaned_data["mentor"], program=mentee.program, role="mentor"
        ).first()
        try:
            if mentor is None:
                raise ValidationError(_("You can only ask a mentor of this program."))
            request_create(mentee=mentee, mentor=mentor, message=form.cleaned_data["message"])
        except ValidationError as exc:
            _errors(request, exc)
        else:
            messages.success(
                request, _("Your request was sent to %(name)s.") % {"name": mentor.user.name}
            )
            return redirect("matching:requests")
    filter_form = SuggestionFilterForm(request.GET, program=mentee.program)
    if not filter_form.is_valid():
        for errors in filter_form.errors.values():
            messages.warning(
                request, _("%(error)s That filter was ignored.") % {"error": " ".join(errors)}
            )
        if request.method == "GET":  # to the address of the search that is shown
            query = request.GET.copy()
            for name in filter_form.errors:
                query.pop(name, None)
            return redirect(f"{request.path}?{query.urlencode()}" if query else request.path)
    filters = filter_form.filters()
    page = suggestions_search(mentee=mentee, filters=filters, page=request.GET.get("page"))
    context = {
        "mentee": mentee,
        "program": mentee.program,
        "page": page,
        "suggestions": page.object_list,
        "filter_form": filter_form,
        "filtering": filters.active,
        "form": form,
    }
    return render(request, "matching/suggestion_list.html", context)


@compiled
def _received(*, user):
    return requests_received(user=user).select_related("mentor__program")


@compiled
def _sent(*, user):
    return requests_sent(user=user)


@compiled
def _mentoring_where_mentees_ask(*, user):
    return (
        Application.objects.filter(
            user=user, role="mentor", status="approved", program__kind="informal"
        )
        .select_related("program")
        .order_by("program__name")
    )


@login_required
def requests(request):
    received = _received(user=request.user)
    held = training_held_for(
        applications={r.mentor_id: r.mentor for r in received if r.status == "pending"}.values()
    )
    for received_request in received:
        received_request.training_held = held.get(received_request.mentor_id)
    context = {
        "received": received,
        "sent": _sent(user=request.user),
        "answer_form": AnswerForm(),
        # Where the person mentors in a program whose mentees ask: they say if they take more.
        "mentoring": _mentoring_where_mentees_ask(user=request.user),
        "request_statuses": RequestStatus.choices,
    }
    return render(request, "matching/request_list.html", context)


@login_required
@require_POST
def request_status(request, pk):
    """A mentor marks themselves taking requests, full or away in one program."""
    mentor = application_for_owner(user=request.user, pk=pk)
    if mentor.role != "mentor":
        raise Http404("Only mentors take requests.")
    form = RequestStatusForm(request.POST)
    if not form.is_valid():
        messages.error(request, " ".join(form.errors["request_status"]))
        return redirect("matching:requests")
    try:
        mentor_request_status_set(mentor=mentor, status=form.cleaned_data["request_status"])
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(
            request,
            _("Saved for %(program)s: %(status)s.")
            % {"program": mentor.program.name, "status": mentor.get_request_status_display()},
        )
    return redirect("matching:requests")


@login_required
@require_POST
def request_answer(request, pk, answer):
    match_request = request_for_mentor(user=request.user, pk=pk)
    form = AnswerForm(request.POST)
    if not form.is_valid():
        messages.error(request, _("Keep your note under 2,000 characters."))
        return redirect("matching:requests")
    service = {"accept": request_accept, "decline": request_decline}.get(answer)
    if service is None:
        return redirect("matching:requests")
    try:
        service(request=match_request, response=form.cleaned_data["response"])
    except ValidationError as exc:
        _errors(request, exc)
    else:
        text = (
            _("You accepted %(name)s's request.")
            if answer == "accept"
            else _("You declined %(name)s's request.")
        )
        messages.success(request, text % {"name": match_request.mentee.user.name})
    return redirect("matching:requests")


@login_required
@require_POST
def request_withdraw_view(request, pk):
    match_request = request_for_mentee(user=request.user, pk=pk)
    try:
        request_withdraw(request=match_request)
    except ValidationError as exc:
        _errors(request, exc)
    else:
        messages.success(request, _("Your request was withdrawn."))
    return redirect("matching:requests")


@login_required
def exclusions(request, program_id):
    """People the participant does not want to be matched with in one program: add, list,
    remove. The answer is the same whether or not the person named takes part."""
    program = program_for_participant(user=request.user, pk=program_id)
    form = ExclusionRequestForm(request.POST or None)
    if request.method == "POST" and form.is_valid():
        try:
            exclusion_request_create(
                program=program, person=request.user, named=form.cleaned_data["named"]
            )
        except ValidationError as exc:
            form.add_error("named", exc)
        else:
            messages.success(
                request,
                _(
                    "Saved. If someone in %(program)s has this email or name, you will not be "
                    "matched with them."
                )
                % {"program": program.name},
            )
            return redirect("matching:exclusions", program_id=program.pk)
    context = {
        "program": program,
        "form": form,
        "exclusion_requests": exclusion_requests_for(person=request.user, program=program),
    }
    return render(request, "matching/exclusion_list.html", context)


@login_required
@require_POST
def exclusion_remove(request, pk):
    exclusion_request = exclusion_request_for_owner(user=request.user, pk=pk)
    program_id = exclusion_request.program_id
    exclusion_request_delete(request=exclusion_request)
    messages.success(request, _("Removed: %(named)s.") % {"named": exclusion_request.named})
    return redirect("matching:exclusions", program_id=program_id)
