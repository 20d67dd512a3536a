"""Admin for formal matching: the program's weights (an inline on the program admin), runs
and their review page, and the re-optimise preview."""

from django import forms
from django.contrib import admin, messages
from django.core import signing
from django.core.exceptions import ValidationError
from django.http import HttpResponse
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _
from django.views.decorators.http import require_POST

from matching.admin.review import WITH_PAIRS, back_to_review, review_context
from matching.explain import LABELS
from matching.models import MatchingConfig, MatchingRun, ProposedPair
from matching.selectors import applications_matchable
from matching.services.runs import (
    pair_add,
    pair_remove,
    pair_set_locked,
    pair_swap,
    run_discard,
    run_publish,
    run_rerun,
    run_start,
)
from mentoring.admin_scope import ProgramScopedAdmin, ScopedRelatedFilter
from mentoring.forms import ListedModelChoiceField
from programs.admin import program_inline_register
from programs.models import Application
from programs.permissions import program_for_coordinator


class MatchingConfigInline(admin.StackedInline):
    model = MatchingConfig
    can_delete = False
    verbose_name = _("Matching weights and rules")
    verbose_name_plural = _("Matching weights and rules")
    fields = [
        ("weight_topics", "weight_goals", "weight_stage"),
        ("weight_availability", "weight_language", "weight_format"),
        "algorithm",
        "allow_rematch_with_ended",
    ]


program_inline_register(MatchingConfigInline)

PLAN_SALT = "matching.reoptimise"


def _plan_digest(plan) -> list:
    return [sorted(map(list, plan.moved)), sorted(map(list, plan.newly_matched))]


class ReoptimiseForm(forms.Form):
    keep_bonus = forms.FloatField(
        min_value=0,
        max_value=1,
        initial=0.1,
        label=_("Bonus for keeping an existing pair"),
        help_text=_(
            "0 = ignore existing pairs; 0.1 = a pair moves only if that gains more than "
            "0.1 of score elsewhere."
        ),
    )


class AddPairForm(forms.Form):
    mentee = ListedModelChoiceField(queryset=Application.objects.none(), label=_("Mentee"))
    mentor = ListedModelChoiceField(queryset=Application.objects.none(), label=_("Mentor"))

    def __init__(self, *args, run, **kwargs):
        super().__init__(*args, **kwargs)
        # Only people matching may use: the training gate holds here too.
        people = {
            role: applications_matchable(program=run.program, role=role).select_related("user")
            for role in ("mentee", "mentor")
        }
        self.fields["mentee"].queryset = people["mentee"].exclude(pk__in=run.pairs.values("mentee"))
        self.fields["mentor"].queryset = people["mentor"]
        self.fields["mentee"].label_from_instance = lambda a: a.user.name
        self.fields["mentor"].label_from_instance = lambda a: a.user.name


@admin.register(MatchingRun)
class MatchingRunAdmin(ProgramScopedAdmin):
    list_display = ["__str__", "program", "status", "algorithm", "created_at", "match_rate"]
    list_filter = ["status", ("program", ScopedRelatedFilter)]
    change_form_template = "admin/matching/matchingrun/review.html"

    def has_add_permission(self, request):
        return False

    @admin.display(description=_("Match rate"))
    def match_rate(self, obj):
        rate = obj.stats.get("match_rate")
        return f"{rate:.0%}" if rate is not None else "—"

    def get_urls(self):
        view = self.admin_site.admin_view
        return [
            path(
                "start/<int:program_id>/",
                view(require_POST(self.start_view)),
                name="matching_matchingrun_start",
            ),
            path(
                "reoptimise/<int:program_id>/",
                view(self.reoptimise_view),
                name="matching_matchingrun_reoptimise",
            ),
            path(
                "<int:run_id>/progress/",
                view(self.progress_view),
                name="matching_matchingrun_progress",
            ),
            path(
                "<int:run_id>/pairs/<int:pair_id>/why/",
                view(self.why_view),
                name="matching_matchingrun_why",
            ),
            path(
                "<int:run_id>/add-form/",
                view(self.add_form_view),
                name="matching_matchingrun_add_form",
            ),
            path(
                "<int:run_id>/do/<str:action>/",
                view(require_POST(self.action_view)),
                name="matching_matchingrun_action",
            ),
            *super().get_urls(),
        ]

    def _run(self, request, run_id) -> MatchingRun:
        return get_object_or_404(self.get_queryset(request).select_related("program"), pk=run_id)

    def start_view(self, request, program_id):
        program = program_for_coordinator(user=request.user, pk=program_id)
        try:
            run = run_start(program=program, by=request.user)
        except ValidationError as exc:
            messages.error(request, " ".join(exc.messages))
            return redirect("admin:programs_program_change", object_id=program.pk)
        return redirect("admin:matching_matchingrun_change", object_id=run.pk)

    def reoptimise_view(self, request, program_id):
        """Preview a full re-optimisation (nothing changes), then apply it on confirmation."""
        program = program_for_coordinator(user=request.user, pk=program_id)
        form = ReoptimiseForm(request.POST or None)
        plan = None
        if request.method == "POST" and form.is_valid():
            # The numeric core (a full solve): imported here, not at start-up.
            from matching.services.reoptimise import reoptimise_apply, reoptimise_plan

            bonus = form.cleaned_data["keep_bonus"]
            try:
                plan = reoptimise_plan(program=program, keep_bonus=bonus)
                if "apply" in request.POST:
                    expected = signing.loads(request.POST.get("plan", ""), salt=PLAN_SALT)
                    if expected != _plan_digest(plan):
                        raise ValidationError(
                            gettext("The matches changed since the preview; check again.")
                        )
                    created = reoptimise_apply(program=program, plan=plan, by=request.user)
                    messages.success(
                        request,
                        ngettext(
                            "Re-optimised: %(count)d new match(es) started.",
                            "Re-optimised: %(count)d new match(es) started.",
                            created,
                        )
                        % {"count": created},
                    )
                    return redirect("admin:matching_match_changelist")
            except (ValidationError, signing.BadSignature) as exc:
                text = " ".join(
                    getattr(exc, "messages", [gettext("The preview expired; check again.")])
                )
                messages.error(request, text)
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Re-optimise matches of %(program)s") % {"program": program},
            "program": program,
            "form": form,
            "plan": plan,
            "signed_plan": signing.dumps(_plan_digest(plan), salt=PLAN_SALT) if plan else "",
            "opts": self.model._meta,
        }
        return TemplateResponse(request, "admin/matching/reoptimise.html", context)

    def progress_view(self, request, run_id):
        run = self._run(request, run_id)
        if not run.is_open or run.status == MatchingRun.Status.DRAFT:
            response = HttpResponse("")
            response["HX-Refresh"] = "true"
            return response
        return TemplateResponse(request, "admin/matching/matchingrun/_progress.html", {"run": run})

    def why_view(self, request, run_id, pair_id):
        """One pair's per-criterion explanation, for the review page to show when asked."""
        run = self._run(request, run_id)
        pair = get_object_or_404(run.pairs.only("pk", "explanation"), pk=pair_id)
        return TemplateResponse(request, "admin/matching/matchingrun/_why.html", {"pair": pair})

    def add_form_view(self, request, run_id):
        """The add-a-pair lists (every mentor of the program), fetched only when opened."""
        run = self._run(request, run_id)
        form = AddPairForm(run=run) if run.status == MatchingRun.Status.DRAFT else None
        context = {"add_form": form}
        return TemplateResponse(request, "admin/matching/matchingrun/_add_form.html", context)

    def action_view(self, request, run_id, action):
        run = self._run(request, run_id)
        handler = getattr(self, f"_do_{action.replace('-', '_')}", None)
        if handler is None:
            messages.error(request, gettext("Unknown action."))
        else:
            try:
                note = handler(request, run)
            except ValidationError as exc:
                messages.error(request, " ".join(exc.messages))
            else:
                if note:
                    messages.success(request, note)
        if action == "publish" and run.status == MatchingRun.Status.DRAFT:
            run.refresh_from_db()
            if run.status == MatchingRun.Status.PUBLISHED:
                return redirect(reverse("admin:matching_match_changelist"))
        return redirect(back_to_review(request, run))

    def _pair(self, request, run, key="pair") -> ProposedPair:
        return get_object_or_404(run.pairs.select_related("mentee__user"), pk=request.POST.get(key))

    def _do_lock(self, request, run):
        pair = self._pair(request, run)
        pair_set_locked(pair=pair, locked=not pair.locked)
        if pair.locked:
            return gettext("Locked %(name)s's pair.") % {"name": pair.mentee.user.name}
        return gettext("Unlocked %(name)s's pair.") % {"name": pair.mentee.user.name}

    def _do_remove(self, request, run):
        pair = self._pair(request, run)
        pair_remove(pair=pair)
        return gettext("Removed %(name)s's pair from the draft.") % {"name": pair.mentee.user.name}

    def _do_swap(self, request, run):
        ids = request.POST.getlist("pairs")
        if len(ids) != 2:
            raise ValidationError(gettext("Tick exactly two pairs to swap their mentors."))
        first, second = (get_object_or_404(run.pairs, pk=pk) for pk in ids)
        pair_swap(first=first, second=second)
        return gettext("Swapped the mentors of the two pairs (both are now locked).")

    def _do_add(self, request, run):
        form = AddPairForm(request.POST, run=run)
        if not form.is_valid():
            raise ValidationError(gettext("Pick an unmatched mentee and a mentor of this program."))
        pair = pair_add(run=run, **form.cleaned_data)
        return gettext("Added %(mentee)s with %(mentor)s.") % {
            "mentee": pair.mentee.user.name,
            "mentor": pair.mentor.user.name,
        }

    def _do_rerun(self, request, run):
        run_rerun(run=run)
        return gettext("Matching runs again around the locked pairs.")

    def _do_publish(self, request, run):
        matches = run_publish(run=run, by=request.user)
        return ngettext(
            "Published %(count)d matches; both sides are emailed.",
            "Published %(count)d matches; both sides are emailed.",
            len(matches),
        ) % {"count": len(matches)}

    def _do_discard(self, request, run):
        run_discard(run=run)
        return gettext("The draft was discarded.")

    def change_view(self, request, object_id, form_url="", extra_context=None):
        run = self._run(request, object_id)
        context = {
            **self.admin_site.each_context(request),
            "title": gettext("Matching run for %(program)s") % {"program": run.program},
            "run": run,
            "opts": self.model._meta,
            # In criterion order: PostgreSQL's jsonb does not keep the keys' order.
            "weights": [
                (label, f"{run.weights[name]:g}")
                for name, (label, _words) in LABELS.items()
                if name in run.weights
            ],
            "has_view_permission": True,
            "original": run,
        }
        if run.status in WITH_PAIRS:
            context.update(review_context(request, run))
        return TemplateResponse(request, self.change_form_template, context)
