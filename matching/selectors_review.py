"""Reads for a matching run's review page: the summary figures, computed in the database, and
the pairs and unmatched people, filtered and ordered, for the page to paginate.

Nothing here loads every row of a run: the figures are aggregates, the lists are querysets
the page slices (a run can hold 50,000 pairs).
"""

from dataclasses import dataclass, field

from django.db.models import Avg, Count, Min, Q, QuerySet, Sum
from django.utils.functional import lazy
from django.utils.translation import gettext

from accounts.models import user_name_fields
from matching.models import MatchingRun, ProposedPair, UnmatchedEntry


def _band_label(low: float, high: float) -> str:
    return gettext("%(low).1f to %(high).1f") % {"low": low, "high": high}


# The filter's choices are made when the admin is imported: their words are read when shown.
_band_label_lazy = lazy(_band_label, str)


@dataclass(frozen=True)
class ScoreBand:
    """Scores from `low` up to but not including `high` (the top band includes 1)."""

    key: str
    low: float
    high: float

    @property
    def label(self) -> str:
        return _band_label_lazy(self.low, self.high)

    def q(self) -> Q:
        below = "score__lte" if self.high >= 1 else "score__lt"
        return Q(score__gte=self.low, **{below: self.high})


# The review page's distribution: ten bands of 0.1, the same bands its filter offers.
SCORE_BANDS = tuple(
    ScoreBand(key=f"{k / 10:.1f}-{(k + 1) / 10:.1f}", low=k / 10, high=(k + 1) / 10)
    for k in range(10)
)
SCORE_BAND_BY_KEY = {band.key: band for band in SCORE_BANDS}


@dataclass(frozen=True)
class ReviewFilters:
    """What the coordinator narrowed the page to; empty values mean no filter."""

    band: ScoreBand | None = None
    reason: str = ""
    search: str = ""

    @property
    def narrows_pairs(self) -> bool:
        return bool(self.band or self.search)

    @property
    def narrows_unmatched(self) -> bool:
        return bool(self.reason or self.search)


@dataclass(frozen=True)
class ReviewSummary:
    pairs: int
    locked: int
    manual: int
    mean_score: float | None
    min_score: float | None
    total_score: float
    bands: list[tuple[ScoreBand, int]]
    unmatched: int
    unmatched_mentees: int
    reasons: list[tuple[str, str, int]] = field(default_factory=list)  # (reason, label, count)

    @property
    def mentees(self) -> int:
        return self.pairs + self.unmatched_mentees

    @property
    def match_rate(self) -> float:
        return self.pairs / self.mentees if self.mentees else 0.0


def run_review_summary(*, run: MatchingRun) -> ReviewSummary:
    """The run's figures in two queries, whatever its size: pairs, locked and hand-made pairs,
    mean, lowest and total score, pairs per score band, and unmatched people per reason."""
    bands = {f"band_{k}": Count("pk", filter=band.q()) for k, band in enumerate(SCORE_BANDS)}
    figures = ProposedPair.objects.filter(run=run).aggregate(
        pairs=Count("pk"),
        locked=Count("pk", filter=Q(locked=True)),
        manual=Count("pk", filter=Q(source=ProposedPair.Source.MANUAL)),
        mean_score=Avg("score"),
        min_score=Min("score"),
        total_score=Sum("score"),
        **bands,
    )
    rows = (
        UnmatchedEntry.objects.filter(run=run)
        .values("reason")
        .annotate(n=Count("pk"), mentees=Count("pk", filter=Q(application__role="mentee")))
        .order_by()
    )
    per_reason = {row["reason"]: row for row in rows}
    labels = dict(UnmatchedEntry.Reason.choices)
    return ReviewSummary(
        pairs=figures["pairs"],
        locked=figures["locked"],
        manual=figures["manual"],
        mean_score=figures["mean_score"],
        min_score=figures["min_score"],
        total_score=figures["total_score"] or 0.0,
        bands=[(band, figures[f"band_{k}"]) for k, band in enumerate(SCORE_BANDS)],
        unmatched=sum(row["n"] for row in per_reason.values()),
        unmatched_mentees=sum(row["mentees"] for row in per_reason.values()),
        reasons=[
            (reason, labels[reason], per_reason[reason]["n"])
            for reason in labels
            if reason in per_reason
        ],
    )


def _person_matches(prefix: str, text: str) -> Q:
    """`text` in the display name, first or last name or email of the application's user."""
    found = Q()
    for path in user_name_fields(f"{prefix}__user"):
        found |= Q(**{f"{path}__icontains": text})
    return found


def run_review_pairs(*, run: MatchingRun, filters: ReviewFilters) -> QuerySet[ProposedPair]:
    """The run's proposed pairs as the page lists them (locked first, then best score), without
    their explanations (the page fetches one when asked)."""
    pairs = ProposedPair.objects.filter(run=run)
    if filters.band:
        pairs = pairs.filter(filters.band.q())
    if filters.search:
        pairs = pairs.filter(
            _person_matches("mentee", filters.search) | _person_matches("mentor", filters.search)
        )
    return (
        pairs.select_related("mentee__user", "mentor__user", "mentee__career_stage")
        .defer("explanation")
        .order_by("-locked", "-score", "pk")
    )


def run_review_unmatched(*, run: MatchingRun, filters: ReviewFilters) -> QuerySet[UnmatchedEntry]:
    """The run's unmatched people, by reason, as the page lists them."""
    entries = UnmatchedEntry.objects.filter(run=run)
    if filters.reason:
        entries = entries.filter(reason=filters.reason)
    if filters.search:
        entries = entries.filter(_person_matches("application", filters.search))
    return entries.select_related("application__user").order_by("reason", "pk")
