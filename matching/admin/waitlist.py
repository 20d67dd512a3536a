"""Admin for waitlist proposals: a freed place, the mentee proposed for it, accept or dismiss."""

from django.contrib import admin, messages
from django.core.exceptions import ValidationError
from django.http import Http404
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext
from django.views.decorators.http import require_POST

from matching.models import WaitlistOffer
from matching.services.waitlist import waitlist_offer_accept, waitlist_offer_dismiss
from mentoring.admin_scope import ProgramScopedAdmin, ScopedRelatedFilter


@admin.register(WaitlistOffer)
class WaitlistOfferAdmin(ProgramScopedAdmin):
    list_display = [
        "mentee_name",
        "mentor_name",
        "program",
        "score_shown",
        "status",
        "trigger",
        "created_at",
    ]
    list_filter = ["status", "trigger", ("program", ScopedRelatedFilter)]
    list_select_related = ["mentee__user", "mentor__user", "program"]
    search_fields = [
        "mentee__user__email",
        "mentee__user__display_name",
        "mentor__user__email",
        "mentor__user__display_name",
    ]
    actions = ["accept_offers", "dismiss_offers"]
    readonly_fields = [
        "program",
        "mentee",
        "mentor",
        "score_shown",
        "explanation_list",
        "trigger",
        "status",
        "note",
        "created_at",
        "decided_at",
        "decided_by",
        "match",
    ]
    fields = readonly_fields
    change_form_template = "admin/matching/waitlistoffer/change_form.html"
    _services = {"accept": waitlist_offer_accept, "dismiss": waitlist_offer_dismiss}

    def get_urls(self):
        answer = self.admin_site.admin_view(require_POST(self.answer_view))
        return [
            path(
                "<int:offer_id>/answer/<str:action>/", answer, name="matching_waitlistoffer_answer"
            ),
            *super().get_urls(),
        ]

    def answer_view(self, request, offer_id: int, action: str):
        """The buttons on a proposal's own page (where the coordinator's email links)."""
        offer = self.get_object(request, str(offer_id))  # scoped: another program's is 404
        if (
            offer is None
            or action not in self._services
            or not self.has_change_permission(request, offer)
        ):
            raise Http404
        if self._answer(request, [offer], self._services[action]):
            self.message_user(request, _("Done: %(offer)s.") % {"offer": offer}, messages.SUCCESS)
        return redirect(reverse("admin:matching_waitlistoffer_change", args=[offer.pk]))

    def has_add_permission(self, request):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    @admin.display(description=_("Mentee"), ordering="mentee__user__display_name")
    def mentee_name(self, obj):
        return obj.mentee.user.name

    @admin.display(description=_("Mentor"), ordering="mentor__user__display_name")
    def mentor_name(self, obj):
        return obj.mentor.user.name

    @admin.display(description=_("Score"), ordering="score")
    def score_shown(self, obj):
        return f"{obj.score:.3f}"

    @admin.display(description=_("Why"))
    def explanation_list(self, obj):
        if not obj.explanation:
            return "—"
        items = format_html_join(
            "",
            "<li>{} (+{}): {}</li>",
            (
                (item["label"], f"{item['contribution']:.3f}", item["text"])
                for item in obj.explanation
            ),
        )
        return format_html('<ul class="why">{}</ul>', items)

    @staticmethod
    def _ordered(queryset):
        return queryset.select_related("mentee__user").order_by("pk")

    def _answer(self, request, offers, service) -> int:
        answered = 0
        for offer in offers:
            try:
                service(offer=offer, by=request.user)
            except ValidationError as exc:
                problem = f"{offer.mentee.user.name}: {' '.join(exc.messages)}"
                self.message_user(request, problem, messages.ERROR)
            else:
                answered += 1
        return answered

    @admin.action(description=_("Accept: match the selected mentees with these mentors"))
    def accept_offers(self, request, queryset):
        n = self._answer(request, self._ordered(queryset), waitlist_offer_accept)
        if n:
            text = ngettext(
                "Made %(n)d match from the waitlist; both sides are emailed.",
                "Made %(n)d matches from the waitlist; both sides are emailed.",
                n,
            )
            self.message_user(request, text % {"n": n}, messages.SUCCESS)

    @admin.action(description=_("Dismiss the selected proposals (the places stay free)"))
    def dismiss_offers(self, request, queryset):
        n = self._answer(request, self._ordered(queryset), waitlist_offer_dismiss)
        if n:
            text = ngettext("Dismissed %(n)d proposal.", "Dismissed %(n)d proposals.", n)
            self.message_user(request, text % {"n": n}, messages.SUCCESS)
