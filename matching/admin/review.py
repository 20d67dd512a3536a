"""The review page of a matching run: its filters and pages, and the way back to them.

The page shows one page of pairs and one of unmatched people at a time, whatever the run's
size; the filters and page numbers live in the address, and every action posts that address
as `next` so it comes back to the same page.
"""

from django import forms
from django.contrib import messages
from django.core.paginator import Page, Paginator
from django.db.models import QuerySet
from django.http import QueryDict
from django.urls import reverse
from django.utils.http import url_has_allowed_host_and_scheme, urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from matching.models import MatchingRun, UnmatchedEntry
from matching.selectors_review import (
    SCORE_BAND_BY_KEY,
    SCORE_BANDS,
    ReviewFilters,
    run_review_pairs,
    run_review_summary,
    run_review_unmatched,
)

PAIRS_PER_PAGE = 50
UNMATCHED_PER_PAGE = 50
# The runs whose page shows pairs (the others show their progress or their error).
WITH_PAIRS = (MatchingRun.Status.DRAFT, MatchingRun.Status.PUBLISHED, MatchingRun.Status.DISCARDED)
# What the review page keeps in its address (and what an action's `next` may carry back).
REVIEW_PARAMS = ("q", "band", "reason", "page", "upage")


class ReviewFiltersForm(forms.Form):
    q = forms.CharField(required=False, max_length=100, label=gettext_lazy("Name or email"))
    band = forms.ChoiceField(
        required=False,
        label=gettext_lazy("Score"),
        choices=[("", gettext_lazy("Any score")), *((b.key, b.label) for b in SCORE_BANDS)],
    )
    reason = forms.ChoiceField(
        required=False,
        label=gettext_lazy("Not matched because"),
        choices=[("", gettext_lazy("Any reason")), *UnmatchedEntry.Reason.choices],
    )


def _review_filters(request) -> ReviewFilters:
    """The filters in the address; a value the page does not know is dropped with a message."""
    form = ReviewFiltersForm(request.GET)
    form.is_valid()
    for name in form.errors:
        messages.warning(
            request,
            _("“%(value)s” is not a filter this page knows (%(field)s); it was ignored.")
            % {"value": request.GET.get(name, "")[:100], "field": form.fields[name].label},
        )
    data = form.cleaned_data
    return ReviewFilters(
        band=SCORE_BAND_BY_KEY.get(data.get("band") or ""),
        reason=data.get("reason") or "",
        search=(data.get("q") or "").strip(),
    )


def _query(filters: ReviewFilters, *, page: int = 1, upage: int = 1) -> str:
    """The address's query for these filters and page numbers ("" for the plain page)."""
    params = {
        "q": filters.search,
        "band": filters.band.key if filters.band else "",
        "reason": filters.reason,
        "page": page if page > 1 else "",
        "upage": upage if upage > 1 else "",
    }
    kept = {name: value for name, value in params.items() if value}
    return f"?{urlencode(kept)}" if kept else ""


def _page_links(page: Page, link) -> dict:
    """First, previous, next and last of a list's pages, each an address (or None)."""
    last = page.paginator.num_pages
    return {
        "first": link(1) if page.number > 1 else None,
        "previous": link(page.number - 1) if page.has_previous() else None,
        "next": link(page.number + 1) if page.has_next() else None,
        "last": link(last) if page.number < last else None,
    }


def back_to_review(request, run) -> str:
    """Where an action returns: the review page at the page and filters it was posted from
    (`next`), rebuilt from the parameters the page knows, never another address."""
    url = reverse("admin:matching_matchingrun_change", args=[run.pk])
    target = request.POST.get("next", "")
    allowed = url_has_allowed_host_and_scheme(
        target, allowed_hosts={request.get_host()}, require_https=request.is_secure()
    )
    path_, _sep, query = target.partition("?")
    if not allowed or path_ != url:
        return url
    params = QueryDict(query)
    kept = {name: params[name] for name in REVIEW_PARAMS if params.get(name)}
    return f"{url}?{urlencode(kept)}" if kept else url


def _filters_form(filters: ReviewFilters, summary) -> ReviewFiltersForm:
    """The filter controls as set, each choice with its count; only the reasons this run has
    (and the one chosen) are offered."""
    form = ReviewFiltersForm(
        initial={
            "q": filters.search,
            "band": filters.band.key if filters.band else "",
            "reason": filters.reason,
        }
    )
    bands = {band.key: n for band, n in summary.bands}
    reasons = {reason: n for reason, _label, n in summary.reasons}
    form.fields["band"].choices = [
        (key, f"{label} ({bands[key]})" if key else label)
        for key, label in form.fields["band"].choices
    ]
    form.fields["reason"].choices = [
        (key, f"{label} ({reasons.get(key, 0)})" if key else label)
        for key, label in form.fields["reason"].choices
        if not key or key in reasons or key == filters.reason
    ]
    return form


def _page(rows: QuerySet, *, per_page: int, number, count: int | None = None) -> Page:
    """One page of `rows` (a bad number gives the first page, one past the end the last).
    The page is chosen on the keys alone and only its rows are read with their joins: the
    database then orders the run's table, not every row joined to two people first. A
    `count` already known (from the figures) saves counting the run's rows again."""
    paginator = Paginator(rows.values_list("pk", flat=True), per_page)
    if count is not None:
        paginator.count = count
    page = paginator.get_page(number)
    keys = list(page.object_list)
    found = rows.filter(pk__in=keys).in_bulk()
    page.object_list = [found[key] for key in keys]
    return page


def review_context(request, run) -> dict:
    """The summary, one page of pairs and one of unmatched people, filtered."""
    filters = _review_filters(request)
    summary = run_review_summary(run=run)
    pairs = _page(
        run_review_pairs(run=run, filters=filters),
        per_page=PAIRS_PER_PAGE,
        number=request.GET.get("page"),
        count=None if filters.narrows_pairs else summary.pairs,
    )
    unmatched = _page(
        run_review_unmatched(run=run, filters=filters),
        per_page=UNMATCHED_PER_PAGE,
        number=request.GET.get("upage"),
        count=None if filters.narrows_unmatched else summary.unmatched,
    )
    url = reverse("admin:matching_matchingrun_change", args=[run.pk])
    query = _query(filters, page=pairs.number, upage=unmatched.number)
    return {
        "summary": summary,
        "filters": filters,
        "filter_form": _filters_form(filters, summary),
        "review_url": url,
        "here": url + query,
        "pairs_page": pairs,
        "pairs_links": _page_links(
            pairs, lambda n: url + _query(filters, page=n, upage=unmatched.number)
        ),
        "unmatched_page": unmatched,
        "unmatched_links": _page_links(
            unmatched, lambda n: url + _query(filters, page=pairs.number, upage=n)
        ),
        "band_links": [
            (band, n, url + _query(ReviewFilters(band=band))) for band, n in summary.bands
        ],
        "reason_links": [
            (label, n, url + _query(ReviewFilters(reason=reason)))
            for reason, label, n in summary.reasons
        ],
        "action_urls": {
            name: reverse("admin:matching_matchingrun_action", args=[run.pk, name])
            for name in ("lock", "remove", "swap", "add", "publish", "rerun", "discard")
        },
    }
