import json

from django import forms
from django.contrib import admin, messages
from django.contrib.admin import DateFieldListFilter
from django.urls import reverse
from django.utils.html import format_html
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

from api.webhooks.models import Event, WebhookDelivery, WebhookSubscription
from api.webhooks.services import (
    delivery_redeliver,
    secret_generate,
    subscription_secret_regenerate,
)
from mentoring.admin_scope import LIST_PER_PAGE, ProgramScopedAdmin, ScopedRelatedFilter


class WebhookSubscriptionForm(forms.ModelForm):
    events = forms.MultipleChoiceField(
        choices=Event.choices,
        widget=forms.CheckboxSelectMultiple,
        label=_("Events"),
        help_text=_("Each event of these kinds in the program is POSTed to the URL."),
    )

    class Meta:
        model = WebhookSubscription
        fields = ["program", "url", "events", "active"]


def _show_secret(request, subscription: WebhookSubscription, modeladmin) -> None:
    modeladmin.message_user(
        request,
        format_html(
            "{} <code>{}</code>",
            gettext(
                "The signing secret of %(url)s is below. Copy it now: it will not be shown again."
            )
            % {"url": subscription.url},
            subscription.secret,
        ),
        messages.WARNING,
    )


@admin.register(WebhookSubscription)
class WebhookSubscriptionAdmin(ProgramScopedAdmin):
    """A program's webhooks: where its events go. The secret is shown once, when made or
    regenerated; the delivery log is one click away."""

    form = WebhookSubscriptionForm
    list_display = ["url", "program", "event_list", "active", "created_at", "delivery_log"]
    list_filter = ["active", ("program", ScopedRelatedFilter)]
    list_select_related = ["program"]
    search_fields = ["url"]
    readonly_fields = ["secret_hint", "created_by", "created_at", "delivery_log"]
    actions = ["regenerate_secret"]

    @admin.display(description=_("events"))
    def event_list(self, obj):
        labels = dict(Event.choices)
        return ", ".join(str(labels.get(name, name)) for name in obj.events)

    @admin.display(description=_("secret"))
    def secret_hint(self, obj):
        if not obj or not obj.secret:
            return gettext("Made when you save; shown once.")
        return gettext("…%(end)s (regenerate it to see a new one)") % {"end": obj.secret[-4:]}

    @admin.display(description=_("deliveries"))
    def delivery_log(self, obj):
        if not obj or not obj.pk:
            return "-"
        url = reverse("admin:webhooks_webhookdelivery_changelist")
        return format_html(
            '<a href="{}?subscription__id__exact={}">{}</a>', url, obj.pk, gettext("Delivery log")
        )

    def save_model(self, request, obj, form, change):
        if not change:
            obj.secret = secret_generate()
            obj.created_by = request.user
        super().save_model(request, obj, form, change)
        if not change:
            _show_secret(request, obj, self)

    @admin.action(description=_("Regenerate the signing secret"), permissions=["change"])
    def regenerate_secret(self, request, queryset):
        for subscription in queryset:
            subscription_secret_regenerate(subscription=subscription)
            _show_secret(request, subscription, self)


@admin.register(WebhookDelivery)
class WebhookDeliveryAdmin(ProgramScopedAdmin):
    """The delivery log: what was POSTed where, the receiver's answer, what failed."""

    program_path = "subscription__program"
    list_display = [
        "event",
        "subscription",
        "status",
        "attempts",
        "last_status_code",
        "created_at",
        "next_attempt_at",
        "sent_at",
    ]
    list_filter = [
        "status",
        "event",
        ("created_at", DateFieldListFilter),
        ("subscription__program", ScopedRelatedFilter),
    ]
    list_select_related = ["subscription"]
    list_per_page = LIST_PER_PAGE
    show_full_result_count = False
    actions = ["redeliver"]
    fields = readonly_fields = [
        "subscription",
        "event",
        "uuid",
        "event_id",
        "payload_json",
        "status",
        "attempts",
        "last_status_code",
        "last_error",
        "occurred_at",
        "created_at",
        "next_attempt_at",
        "claimed_at",
        "sent_at",
    ]

    @admin.display(description=_("payload"))
    def payload_json(self, obj):
        return format_html("<pre>{}</pre>", json.dumps(obj.payload, indent=2, sort_keys=True))

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return request.user.is_superuser

    @admin.action(description=_("Redeliver the selected events"), permissions=["change"])
    def redeliver(self, request, queryset):
        count = 0
        for delivery in queryset.exclude(status__in=["queued", "sending"]).select_related(
            "subscription"
        ):
            delivery_redeliver(delivery=delivery)
            count += 1
        self.message_user(
            request,
            ngettext(
                "%(count)d delivery queued again.", "%(count)d deliveries queued again.", count
            )
            % {"count": count},
            messages.SUCCESS,
        )
