"""Erasure requests in the admin: the record of every account deletion, and where a
coordinator processes one for a participant who asked them (by email, at the desk...).

Superusers see every request; coordinators see the requests of people who applied to a program
they coordinate (anything else is 404) and may add one for such a participant, which erases
the account at once (`account_deletion_request(immediate=True)`). Nothing is edited once done,
and nothing is ever deleted: the record is what shows that an erasure was asked for and done.
"""

from django import forms
from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import HttpResponseRedirect
from django.urls import reverse
from django.utils.translation import gettext as _t
from django.utils.translation import gettext_lazy as _

from accounts.models import User
from mentoring.admin_scope import ProgramScopedAdmin, scope_queryset
from privacy.deletion import (
    account_deletion_blockers,
    account_deletion_request,
    scheduled_erasure_for,
)
from privacy.erasure import is_tombstone
from privacy.models import ErasureRequest
from programs.models import Application

S = ErasureRequest.Status


def _applications_visible(user):
    return scope_queryset(Application.objects.all(), user=user, path="program")


def erasure_requests_for(*, user):
    """Every request for superusers; for a coordinator, those concerning people with an
    application in a program they coordinate (ErasureRequest has no program of its own)."""
    requests = ErasureRequest.objects.all()
    if user.is_superuser:
        return requests
    return requests.filter(user__in=_applications_visible(user).values("user_id"))


def erasable_people_for(*, user):
    """Whom `user` may pick: for a coordinator, participants (not staff) who take part only
    in programs they coordinate (someone also in another program is that program's business
    too: a superuser processes it); for a superuser, anyone but themselves. Accounts already
    erased and the pseudonymous accounts of anonymised programs are left out."""
    people = (
        User.objects.exclude(email__endswith="@deleted.invalid")
        .exclude(email__endswith="@anonymised.invalid")
        .order_by("email")
    )
    if user.is_superuser:
        return people.exclude(pk=user.pk)
    visible = _applications_visible(user)
    elsewhere = Application.objects.exclude(pk__in=visible.values("pk")).values("user_id")
    return people.filter(
        pk__in=visible.values("user_id"), is_staff=False, is_superuser=False
    ).exclude(pk__in=elsewhere)


class PersonChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, obj) -> str:
        return f"{obj.name} <{obj.email}>"


class ErasureRequestAddForm(forms.ModelForm):
    class Meta:
        model = ErasureRequest
        fields = ["user", "note"]
        labels = {"user": _("Participant")}
        help_texts = {
            "user": _(
                "Their account is erased as soon as you save: active matches end (partners are "
                "told), then personal data is erased as for someone deleting their own account."
            )
        }

    def clean_user(self):
        person = self.cleaned_data["user"]
        blockers = account_deletion_blockers(user=person)
        if blockers:
            raise forms.ValidationError(blockers)
        if scheduled_erasure_for(user=person) is not None:
            raise forms.ValidationError(
                _("This person has already asked to delete their account; it is scheduled.")
            )
        return person


@admin.register(ErasureRequest)
class ErasureRequestAdmin(ProgramScopedAdmin):
    list_display = [
        "user",
        "status",
        "requested_at",
        "due_at",
        "done_at",
        "requested_by",
        "on_behalf",
    ]
    list_filter = ["status", "on_behalf"]
    list_select_related = ["user", "requested_by"]
    search_fields = ["user__email"]
    search_help_text = _("Search by the person's email (erased accounts have none).")
    date_hierarchy = "requested_at"
    readonly_fields = [
        "user",
        "status",
        "requested_by",
        "on_behalf",
        "requested_at",
        "due_at",
        "cancelled_at",
        "done_at",
        "summary",
    ]

    def get_queryset(self, request):
        return erasure_requests_for(user=request.user).select_related("user", "requested_by")

    def get_fields(self, request, obj=None):
        if obj is None:
            return ["user", "note"]
        return [*self.readonly_fields[:5], "note", *self.readonly_fields[5:]]

    def get_readonly_fields(self, request, obj=None):
        return [] if obj is None else self.readonly_fields

    def get_form(self, request, obj=None, change=False, **kwargs):
        if obj is None:
            kwargs["form"] = ErasureRequestAddForm
        return super().get_form(request, obj, change=change, **kwargs)

    def formfield_for_foreignkey(self, db_field, request, **kwargs):
        if db_field.name == "user":
            kwargs["queryset"] = erasable_people_for(user=request.user)
            kwargs["form_class"] = PersonChoiceField
        return super().formfield_for_foreignkey(db_field, request, **kwargs)

    def has_change_permission(self, request, obj=None):
        if obj is not None and obj.status == S.DONE:
            return False
        return super().has_change_permission(request, obj)

    def has_delete_permission(self, request, obj=None):
        return False

    def log_addition(self, request, obj, message):
        if not getattr(obj, "_refused", False):
            super().log_addition(request, obj, message)

    def response_add(self, request, obj, post_url_continue=None):
        if getattr(obj, "_refused", False):
            return HttpResponseRedirect(reverse("admin:privacy_erasurerequest_changelist"))
        return super().response_add(request, obj, post_url_continue)

    def save_model(self, request, obj, form, change):
        if change:
            obj.save(update_fields=["note"])
            return
        try:
            erasure = account_deletion_request(
                user=form.cleaned_data["user"],
                by=request.user,
                note=form.cleaned_data.get("note", ""),
                immediate=True,
            )
        except ValidationError as exc:
            # Changed since the form was checked (the person asked themselves meanwhile, or
            # another coordinator processed it): say so, write nothing.
            messages.error(request, " ".join(exc.messages))
            obj._refused = True
            return
        obj.pk = erasure.pk
        obj.refresh_from_db()
        obj._state.adding = False
        if obj.status == S.DONE and is_tombstone(obj.user):
            messages.success(request, _t("The account was erased."))
        else:
            messages.warning(
                request,
                _t(
                    "The request is recorded and the account's matches have ended, but the "
                    "erasure did not finish; it will be completed within the hour."
                ),
            )
