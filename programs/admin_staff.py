"""The admin side of staff invitations: a program's coordinators invite colleagues from the
program's page, and see and revoke the invitations of their programs."""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied, ValidationError
from django.db.models import Q
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext, gettext_lazy, ngettext

from mentoring.admin_scope import LIST_PER_PAGE, ProgramScopedAdmin, ScopedRelatedFilter
from programs.models import Program, StaffInvitation
from programs.permissions import program_for_coordinator
from programs.staff_invitations import EXPIRY, staff_invitation_create, staff_invitations_revoke

TEMPLATE = "admin/programs/program/staff_invite.html"
STATUS_LABELS = {
    "pending": gettext_lazy("Pending"),
    "accepted": gettext_lazy("Accepted"),
    "revoked": gettext_lazy("Revoked"),
    "expired": gettext_lazy("Expired"),
}


class StaffInvitationForm(forms.Form):
    # A plain field: the service says what is wrong with an address, in one place.
    email = forms.CharField(label=gettext_lazy("Email address"), max_length=254)
    role = forms.ChoiceField(
        label=gettext_lazy("Role"),
        choices=StaffInvitation.Role.choices,
        widget=forms.RadioSelect,
        initial=StaffInvitation.Role.COORDINATOR,
    )


def staff_invite_view(model_admin, request, object_id):
    """Invite a colleague to a program the user coordinates: GET shows the form, POST sends
    the invitation (or shows why not, inviting nobody)."""
    program = program_for_coordinator(user=request.user, pk=object_id)
    if not model_admin.has_change_permission(request, program):
        raise PermissionDenied
    form = StaffInvitationForm(request.POST if request.method == "POST" else None)
    if form.is_valid():
        try:
            invitation = staff_invitation_create(
                program=program,
                email=form.cleaned_data["email"],
                role=form.cleaned_data["role"],
                invited_by=request.user,
            )
        except ValidationError as exc:
            field = "email" if exc.code in ("invalid_email", "has_role", "pending") else None
            for message in exc.messages:
                form.add_error(field, message)
        else:
            messages.success(
                request,
                gettext("Invitation sent to %(email)s.") % {"email": invitation.email},
            )
            return redirect("admin:programs_program_change", object_id=program.pk)
    context = {
        **model_admin.admin_site.each_context(request),
        "title": gettext("Invite a colleague to %(name)s") % {"name": program.name},
        "opts": Program._meta,
        "original": program,
        "program": program,
        "form": form,
        "expiry_days": EXPIRY.days,
        "invitations_url": reverse("admin:programs_staffinvitation_changelist")
        + f"?program__id__exact={program.pk}",
    }
    return TemplateResponse(request, TEMPLATE, context)


class StatusFilter(admin.SimpleListFilter):
    title = gettext_lazy("status")
    parameter_name = "status"

    def lookups(self, request, model_admin):
        return list(STATUS_LABELS.items())

    def queryset(self, request, queryset):
        now = timezone.now()
        open_ = Q(accepted_at__isnull=True, revoked_at__isnull=True)
        filters = {
            "pending": open_ & Q(expires_at__gt=now),
            "expired": open_ & Q(expires_at__lte=now),
            "accepted": Q(accepted_at__isnull=False),
            "revoked": Q(revoked_at__isnull=False),
        }
        value = self.value()
        return queryset.filter(filters[value]) if value in filters else queryset


@admin.register(StaffInvitation)
class StaffInvitationAdmin(ProgramScopedAdmin):
    """Co-coordinators and reporting staff invited to the user's programs; invited from the
    program's page ("Invite a colleague"), revoked here."""

    list_display = ["email", "program", "role", "status_label", "invited_by", "created_at"]
    list_filter = [StatusFilter, "role", ("program", ScopedRelatedFilter)]
    search_fields = ["email"]
    list_select_related = ["program", "invited_by"]
    list_per_page = LIST_PER_PAGE
    actions = ["revoke"]
    fields = [
        "program",
        "email",
        "role",
        "status_label",
        "invited_by",
        "created_at",
        "expires_at",
        "accepted_at",
        "accepted_by",
        "revoked_at",
        "revoked_by",
    ]
    readonly_fields = fields

    def has_add_permission(self, request):
        return False  # from the program's page, which checks the address and emails it

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser  # revoking keeps the record

    @admin.display(description=gettext_lazy("status"))
    def status_label(self, obj):
        return STATUS_LABELS[obj.status]

    @admin.action(description=gettext_lazy("Revoke selected invitations"), permissions=["change"])
    def revoke(self, request, queryset):
        count = staff_invitations_revoke(invitations=list(queryset), by=request.user)
        if not count:
            self.message_user(
                request,
                gettext("None of the selected invitations was pending; nothing changed."),
                messages.WARNING,
            )
            return
        self.message_user(
            request,
            ngettext(
                "%(n)s invitation revoked; its link no longer works.",
                "%(n)s invitations revoked; their links no longer work.",
                count,
            )
            % {"n": count},
        )
