"""A mentee's suggested mentors in an informal program: every mentor with room scored at once,
searched and filtered from the scorer's own arrays, one page explained at a time.

The ranking (a mentee against every mentor with room) is kept between the mentee's requests
(`mentoring.kept_results`): paging, filtering and coming back read one digest statement
instead of eleven queries, and any change to what it was computed from computes it again.
"""

from __future__ import annotations

from dataclasses import dataclass, field
from datetime import date
from typing import TYPE_CHECKING

from django.core.paginator import Page, Paginator
from django.db.models import Count, Q
from django.utils import timezone, translation

from accounts.models import user_name_fields
from matching.explain import pairs_explanation
from matching.models import MatchRequest
from matching.selectors import application_training_unready, applications_eligible
from mentoring.compiled import compiled
from mentoring.kept_results import KeptResults
from programs.models import Application, CareerStage, RequestStatus, Topic
from training.selectors import training_unready

if TYPE_CHECKING:
    import numpy as np

    from matching.features import ProgramFeatures

A = Application.Status
PER_PAGE = 10


@dataclass
class Suggestion:
    mentor: Application
    score: float
    explanation: list[dict]
    open_places: int
    #: An earlier request of this mentee's to this mentor expired unanswered.
    expired_before: bool = False
    #: This mentee's request to this mentor awaits their answer.
    pending: bool = False
    #: The names of the topics the mentor offers, alphabetically.
    topics: list[str] = field(default_factory=list)


@dataclass(frozen=True)
class SuggestionFilters:
    """What a mentee narrows their suggestions to; empty values mean "any".

    `text` matches every word against the mentor's name, career stage and topics; `format`
    is the way the mentee wants to meet (a mentor happy either way fits both); `hours` is
    the least weekly time both are free, as the scorer counts it (UTC hours of a real week).
    """

    text: str = ""
    topic: Topic | None = None
    stage: CareerStage | None = None
    language: str = ""
    format: str = ""
    hours: int = 0

    @property
    def active(self) -> bool:
        return self != SuggestionFilters()


#: What scoring, filtering and a suggestion's card read of a mentor with room: every mentor
#: of the program is read on each view, so not their motivation, dates or account details.
MENTOR_WITH_ROOM_FIELDS = (
    "program_id", "user_id", "role", "status", "request_status", "career_stage_id",
    "languages", "format_preference", "time_zone", "capacity",
    *user_name_fields("user"),
    "career_stage__program_id", "career_stage__name", "career_stage__position",
)  # fmt: skip


@compiled
def _mentors_taking_requests(*, program):
    return (
        applications_eligible(program=program, role="mentor")
        .filter(request_status=RequestStatus.OPEN)
        .annotate(active=Count("mentor_matches", filter=Q(mentor_matches__status="active")))
        .select_related("user", "career_stage")
        .only(*MENTOR_WITH_ROOM_FIELDS)
        .order_by("pk")
    )


def mentors_with_room(*, program) -> list[Application]:
    """Approved, matchable mentors of `program` who take requests (not full or away) and have
    a free place (`active`: their active matches), by id, with `MENTOR_WITH_ROOM_FIELDS`.
    Their topics, goals and availability are read by `program_features`. Those the training
    holds back (`applications_matchable`) are left out here: the mentors' SQL is kept, and so
    is the training's (asked of these mentors only)."""
    mentors = _mentors_taking_requests(program=program)
    held = training_unready(program=program, applications=mentors)
    return [m for m in mentors if m.pk not in held and m.active < (m.capacity or 0)]


@dataclass
class _Ranking:
    """Every mentor with room scored for one mentee: `features.mentors[j]` scores
    `scores[j]`; `order` lists the allowed ones, best first. `explained` keeps the
    explanations of the pages shown, by language and mentors (the ranking is kept)."""

    features: ProgramFeatures
    scores: np.ndarray
    order: list[int]
    explained: dict[tuple, list[list[dict]]] = field(default_factory=dict)


#: Explanations kept per ranking: pages and filters a mentee goes through, in their languages.
EXPLAINED_KEPT = 32


def _ranking(mentee: Application, today: date | None = None) -> _Ranking | None:
    """Score all mentors with room at once (availability in the week after `today`); None
    when the mentee may not be suggested anyone (not approved, or their training gates them)
    or no mentor has room. Forbidden pairs (the same person, exclusions, ended matches) are
    left out of `order`."""
    if mentee.status != A.APPROVED or application_training_unready(application=mentee):
        return None
    mentors = mentors_with_room(program=mentee.program)
    if not mentors:
        return None
    import numpy as np  # the numeric core: imported when first scored, not at start-up

    from matching.features import program_features

    features = program_features(
        program=mentee.program, mentees=[mentee], mentors=mentors, today=today
    )
    scores = features.scorer().block(slice(0, 1))[0].astype(np.float64)
    scores[features.forbidden[0].indices] = -np.inf
    order = [int(j) for j in np.argsort(-scores, kind="stable") if np.isfinite(scores[j])]
    return _Ranking(features=features, scores=scores, order=order)


def _weight(ranking: _Ranking | None) -> int:
    return 1 + (len(ranking.features.mentors) if ranking is not None else 0)


#: Rankings kept per process, by mentee: at most 512, and 20,000 mentors among them (a
#: mentor's application, person and arrays are a few kilobytes).
_rankings = KeptResults(most=512, most_weight=20_000, weight=_weight)


def _values(instance) -> tuple:
    return tuple(instance.__dict__.get(f.attname) for f in instance._meta.concrete_fields)


def _ranking_kept(mentee: Application) -> _Ranking | None:
    """`_ranking(mentee)`, kept while nothing it read has changed: the mentee's and their
    program's fields as given, the day (the week availability is compared in), and the rows of
    its queries (`mentoring.kept_results`). Its mentors are the kept instances: a card shows
    only what `MENTOR_WITH_ROOM_FIELDS` reads (a test renders the page and checks that no
    field is loaded onto them)."""
    today = timezone.localdate()
    inputs = (_values(mentee), _values(mentee.program), today)
    return _rankings.get(mentee.pk, inputs=inputs, compute=lambda: _ranking(mentee, today))


def _passing(features: ProgramFeatures, filters: SuggestionFilters) -> np.ndarray:
    """Bool per mentor of `features`: passes every filter. Read from the arrays the scorer
    uses, so no query and the same facts as the explanation."""
    import numpy as np

    side, mentors = features.mentor_features, features.mentors
    keep = np.ones(len(mentors), dtype=bool)
    if filters.topic is not None:
        keep &= _marked(side.topics, features.topic_names, {filters.topic.name})
    if filters.language:
        keep &= _marked(side.languages, features.language_names, {filters.language})
    if filters.stage is not None:
        keep &= np.array([m.career_stage_id == filters.stage.pk for m in mentors], dtype=bool)
    if filters.format:
        fits = {filters.format, Application.Format.EITHER}
        keep &= np.array([m.format_preference in fits for m in mentors], dtype=bool)
    if filters.hours:
        common = (features.mentee_features.availability[0] & side.availability).sum(axis=1)
        keep &= common >= filters.hours
    for word in filters.text.casefold().split():
        keep &= _text_hits(features, word)
    return keep


def _marked(matrix, names: list[str], wanted: set[str]) -> np.ndarray:
    """Bool per row of an indicator matrix: marks a column whose name is in `wanted`."""
    import numpy as np

    columns = [k for k, name in enumerate(names) if name in wanted]
    if not columns:
        return np.zeros(matrix.shape[0], dtype=bool)
    return matrix[:, columns].getnnz(axis=1) > 0


def _text_hits(features: ProgramFeatures, word: str) -> np.ndarray:
    """Bool per mentor: `word` (case-folded) is part of their name, stage or a topic."""
    import numpy as np

    named = np.array(
        [
            word in f"{m.user.name} {m.career_stage.name if m.career_stage else ''}".casefold()
            for m in features.mentors
        ],
        dtype=bool,
    )
    topics = {name for name in features.topic_names if word in name.casefold()}
    return named | _marked(features.mentor_features.topics, features.topic_names, topics)


@compiled
def _asked_before(*, mentee):
    """(mentor id, status) of the mentee's expired and pending requests."""
    statuses = [MatchRequest.Status.EXPIRED, MatchRequest.Status.PENDING]
    return MatchRequest.objects.filter(mentee=mentee, status__in=statuses).values_list(
        "mentor_id", "status"
    )


def suggestions_search(
    *,
    mentee: Application,
    filters: SuggestionFilters | None = None,
    page: int | str | None = 1,
    per_page: int = PER_PAGE,
) -> Page:
    """One page of the mentors `suggestions_for` would suggest that pass `filters`, best
    first, as `Suggestion`s (`page.object_list`). Mentors whose earlier request from this
    mentee expired come after the others, so the mentee asks someone new first. All mentors
    with room are scored at once; only the page shown is explained. A page number out of
    range gives the nearest page."""
    ranking = _ranking_kept(mentee)
    if ranking is None:
        return Paginator([], per_page).get_page(1)
    keep = _passing(ranking.features, filters or SuggestionFilters())
    order = [j for j in ranking.order if keep[j]]
    mentors = ranking.features.mentors
    asked = {MatchRequest.Status.EXPIRED: set(), MatchRequest.Status.PENDING: set()}
    for mentor_id, status in _asked_before(mentee=mentee):
        asked[status].add(mentor_id)
    expired = asked[MatchRequest.Status.EXPIRED]
    if expired:
        order.sort(key=lambda j: mentors[j].pk in expired)
    shown = Paginator(order, per_page).get_page(page)
    shown.object_list = _explained(
        ranking, list(shown.object_list), expired, asked[MatchRequest.Status.PENDING]
    )
    return shown


def suggestions_for(*, mentee: Application, limit: int = PER_PAGE) -> list[Suggestion]:
    """The best `limit` mentors for `mentee`, unfiltered, each with the same explanation
    coordinators see. Forbidden pairs, mentors who are full or away, and mentors whose
    training is not done (when it gates them) are never suggested; a mentee whose own
    training gates them gets no suggestions until it is done."""
    return list(suggestions_search(mentee=mentee, per_page=limit).object_list)


def _explained(
    ranking: _Ranking, columns: list[int], expired: set[int], pending: set[int]
) -> list[Suggestion]:
    """`Suggestion`s of the mentors in `columns`, explained all at once, with their topics
    named from the scorer's arrays (no query)."""
    if not columns:
        return []
    features = ranking.features
    mentors, offered = features.mentors, features.mentor_features.topics
    key = (translation.get_language(), tuple(columns))
    explanations = ranking.explained.get(key)
    if explanations is None:
        explanations = pairs_explanation(features=features, rows=[0] * len(columns), cols=columns)
        if len(ranking.explained) >= EXPLAINED_KEPT:
            ranking.explained.clear()
        ranking.explained[key] = explanations
    return [
        Suggestion(
            mentor=mentors[j],
            score=float(ranking.scores[j]),
            explanation=explanation,
            open_places=(mentors[j].capacity or 0) - mentors[j].active,
            expired_before=mentors[j].pk in expired,
            pending=mentors[j].pk in pending,
            topics=sorted(
                (features.topic_names[k] for k in offered[j].indices),
                key=lambda name: (name.casefold(), name),
            ),
        )
        for j, explanation in zip(columns, explanations, strict=True)
    ]
