"""From applications to the arrays the scorer and solver work on.

Turns a program's approved mentee and mentor applications into two `SideFeatures` aligned
with lists of applications, plus the sparse matrix of forbidden pairs (same person,
exclusions, earlier matches that ended). Weekly availability is converted from each
applicant's own time zone to UTC hours of the week for a reference week, so that a mentee in
Kolkata and a mentor in London overlap where their real hours do.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from functools import lru_cache
from zoneinfo import ZoneInfo

import numpy as np
import scipy.sparse as sp
from django.db.models import Prefetch, Q, QuerySet
from django.utils import timezone

from matching.models import Exclusion, Match
from matching.scoring import (
    FMT_EITHER,
    FMT_IN_PERSON,
    FMT_ONLINE,
    HOURS_PER_WEEK,
    PairScorer,
    PairScoreSource,
    SideFeatures,
    Weights,
    incidence,
)
from matching.selectors import matchable_split, matching_config_for
from mentoring.compiled import compiled
from programs.models import Application, AvailabilityWindow, CareerStage, Goal, Program, Topic

FORMATS = {"online": FMT_ONLINE, "in_person": FMT_IN_PERSON, "either": FMT_EITHER}
UTC = ZoneInfo("UTC")


@dataclass
class ProgramFeatures:
    program: Program
    mentees: list[Application]
    mentors: list[Application]
    mentee_features: SideFeatures
    mentor_features: SideFeatures
    forbidden: sp.csr_matrix
    capacities: np.ndarray
    weights: Weights
    reciprocal: bool
    topic_names: list[str]
    goal_names: list[str]
    language_names: list[str]
    stage_names: list[str]

    def scorer(self) -> PairScorer:
        return PairScorer(
            mentees=self.mentee_features,
            mentors=self.mentor_features,
            weights=self.weights,
            reciprocal=self.reciprocal,
        )

    def source(self) -> PairScoreSource:
        return PairScoreSource(scorer=self.scorer(), forbidden=self.forbidden)


def reference_monday(today: date | None = None) -> date:
    """The Monday of next week: availability is compared for a real week, so daylight
    saving time differences between the two people's zones are the ones they will live."""
    today = today or timezone.localdate()
    return today + timedelta(days=7 - today.weekday())


def utc_hours(window: AvailabilityWindow, zone: ZoneInfo, monday: date) -> tuple[int, int]:
    """A local weekly window as a half-open range of UTC hours of the week.

    Partial hours count when at least half of the hour is covered (rounding to the nearest
    hour), so a 17:30-19:00 window in a +05:30 zone becomes 12:00-13:00 UTC rather than
    claiming three hours.
    """
    return _utc_range(window.weekday, window.start, window.end, zone, monday)


def _utc_range(weekday, start, end, zone: ZoneInfo, monday: date) -> tuple[int, int]:
    day = monday + timedelta(days=weekday)
    start = datetime.combine(day, start, tzinfo=zone).astimezone(UTC)
    end = datetime.combine(day, end, tzinfo=zone).astimezone(UTC)
    week_start = datetime.combine(monday, datetime.min.time(), tzinfo=UTC)
    start_h = round((start - week_start).total_seconds() / 3600)
    end_h = round((end - week_start).total_seconds() / 3600)
    return start_h, max(start_h, end_h)


@lru_cache(maxsize=16384)
def _utc_range_in(zone: str, weekday, start, end, monday: date) -> tuple[int, int]:
    """`_utc_range` in the zone named `zone`, kept for the process: mentors' windows are the
    same from one page to the next (a mentee's suggestions convert every mentor's)."""
    return _utc_range(weekday, start, end, ZoneInfo(zone), monday)


@dataclass
class _Related:
    """The applications' relations as parallel arrays: (application id, topic id), (application
    id, goal id), and (application id, (weekday, start, end)) per availability window."""

    topics: tuple[np.ndarray, np.ndarray]
    goals: tuple[np.ndarray, np.ndarray]
    windows: tuple[np.ndarray, list[tuple]]


_PREFETCHED = ("topics", "goals", "availability")
_BY_ID_LIMIT = 2000  # more applications than this are read by program, not by id
_FEW_MENTEES = 50  # as many mentees as this: exclusions and ended pairs read for them only


def _ids(values) -> np.ndarray:
    return np.asarray(values, dtype=np.int64).reshape(-1)


def _pairs(rows) -> tuple[np.ndarray, np.ndarray]:
    array = np.asarray(rows, dtype=np.int64).reshape(-1, 2)
    return array[:, 0].copy(), array[:, 1].copy()


def _related(program: Program, apps: list[Application]) -> _Related:
    """What `_side` needs of the applications' relations: what the caller prefetched, else
    one query per relation for all of them, as arrays (no model instances: a run reads tens
    of thousands of rows)."""
    prefetched = (getattr(a, "_prefetched_objects_cache", {}) for a in apps)
    if all(name in cache for cache in prefetched for name in _PREFETCHED):
        windows = [(a.pk, (w.weekday, w.start, w.end)) for a in apps for w in a.availability.all()]
        return _Related(
            topics=_pairs([(a.pk, t.pk) for a in apps for t in a.topics.all()]),
            goals=_pairs([(a.pk, g.pk) for a in apps for g in a.goals.all()]),
            windows=(_ids([pk for pk, _ in windows]), [window for _, window in windows]),
        )
    ids = [a.pk for a in apps]
    if len(ids) > _BY_ID_LIMIT:  # the owners are filtered out by `_side`
        scope = {"program": program}
        windows, topics, goals = _windows_of(**scope), _topics_of(**scope), _goals_of(**scope)
    else:  # a mentee's suggestions: its SQL is kept per number of people
        windows, topics, goals = _windows_by(ids=ids), _topics_by(ids=ids), _goals_by(ids=ids)
    return _Related(
        topics=_pairs(topics),
        goals=_pairs(goals),
        windows=(_ids([w[0] for w in windows]), [w[1:] for w in windows]),
    )


_WINDOW, _TOPIC, _GOAL = (
    ("application_id", "weekday", "start", "end"),
    ("application_id", "topic_id"),
    ("application_id", "goal_id"),
)


@compiled
def _windows_by(*, ids):
    return AvailabilityWindow.objects.filter(application_id__in=ids).values_list(*_WINDOW)


@compiled
def _topics_by(*, ids):
    return Application.topics.through.objects.filter(application_id__in=ids).values_list(*_TOPIC)


@compiled
def _goals_by(*, ids):
    return Application.goals.through.objects.filter(application_id__in=ids).values_list(*_GOAL)


@compiled
def _windows_of(*, program):
    return AvailabilityWindow.objects.filter(application__program=program).values_list(*_WINDOW)


@compiled
def _topics_of(*, program):
    through = Application.topics.through.objects
    return through.filter(application__program=program).values_list(*_TOPIC)


@compiled
def _goals_of(*, program):
    through = Application.goals.through.objects
    return through.filter(application__program=program).values_list(*_GOAL)


def _lookup(keys: np.ndarray, targets: np.ndarray, values: np.ndarray) -> np.ndarray:
    """targets[k] where keys[k] == value, for each of `values`; -1 where no key is."""
    if not len(keys):
        return np.full(len(values), -1, dtype=np.int64)
    order = np.argsort(keys, kind="stable")
    keys, targets = keys[order], targets[order]
    found = np.minimum(np.searchsorted(keys, values), len(keys) - 1)
    return np.where(keys[found] == values, targets[found], -1)


def _rows_of(apps, owners: np.ndarray) -> np.ndarray:
    """The row in `apps` of each owner id, -1 for ids not among them."""
    return _lookup(_ids([a.pk for a in apps]), np.arange(len(apps)), owners)


def _indicator(rows: np.ndarray, values: np.ndarray, index: dict, n_rows: int) -> sp.csr_matrix:
    """Bool CSR (n_rows x len(index)) marking (row, index[value]) for rows >= 0, as
    `incidence` builds it (sorted columns, duplicates once)."""
    cols = _lookup(_ids(list(index)), _ids(list(index.values())), values)
    keep = (rows >= 0) & (cols >= 0)
    matrix = sp.csr_matrix(
        (np.ones(int(keep.sum()), dtype=np.int8), (rows[keep], cols[keep])),
        shape=(n_rows, len(index)),
    )
    matrix.sum_duplicates()
    matrix = matrix.astype(bool)
    matrix.sort_indices()
    return matrix


def _availability(apps: list[Application], related: _Related, monday: date) -> np.ndarray:
    """Bool (n, 168): the UTC hours of the week each person is free. Each distinct (zone,
    window) is converted once; the hours are set for all windows at once."""
    owners, windows = related.windows
    rows = _rows_of(apps, owners).tolist()
    zones = [str(a.time_zone) for a in apps]
    hours: dict[tuple, tuple[int, int]] = {}
    kept, firsts, lasts = [], [], []
    for row, (weekday, start, end) in zip(rows, windows, strict=True):
        if row < 0:
            continue
        key = (zones[row], weekday, start, end)
        if key not in hours:
            hours[key] = _utc_range_in(*key, monday)
        first, last = hours[key]
        if last > first:
            kept.append(row)
            firsts.append(first)
            lasts.append(last)
    mask = np.zeros((len(apps), HOURS_PER_WEEK), dtype=bool)
    if kept:
        first = _ids(firsts)
        length = _ids(lasts) - first
        offset = np.arange(int(length.sum())) - np.repeat(np.cumsum(length) - length, length)
        hour = (np.repeat(first, length) + offset) % HOURS_PER_WEEK
        mask[np.repeat(_ids(kept), length), hour] = True
    return mask


def _side(apps, related: _Related, *, topic_ix, goal_ix, lang_ix, stage_ix, monday) -> SideFeatures:
    n = len(apps)
    return SideFeatures(
        topics=_indicator(_rows_of(apps, related.topics[0]), related.topics[1], topic_ix, n),
        goals=_indicator(_rows_of(apps, related.goals[0]), related.goals[1], goal_ix, n),
        stage=np.array([stage_ix.get(a.career_stage_id, -1) for a in apps], dtype=np.int64),
        availability=_availability(apps, related, monday),
        languages=incidence(
            rows=[[lang_ix[name] for name in a.languages if name in lang_ix] for a in apps],
            n_cols=len(lang_ix),
        ),
        fmt=np.array([FORMATS[a.format_preference] for a in apps], dtype=np.int8),
    )


def _approved(program: Program, role: str) -> QuerySet[Application]:
    return (
        Application.objects.filter(program=program, role=role, status=Application.Status.APPROVED)
        .select_related("user")
        .prefetch_related(
            "topics", "goals", Prefetch("availability", queryset=AvailabilityWindow.objects.all())
        )
        .order_by("pk")
    )


@compiled
def _exclusions_of(*, program, people: list[int] | None):
    """(person, other) of the program's exclusions, those naming one of `people` if given."""
    exclusions = Exclusion.objects.filter(program=program)
    if people is not None:  # None is a shape of its own
        exclusions = exclusions.filter(Q(person__in=people) | Q(other__in=people))
    return exclusions.values_list("person", "other")


@compiled
def _ended_of(*, program, mentees: list[int] | None):
    """(mentee id, mentor id) of the program's ended matches, of `mentees` if given."""
    ended = Match.objects.filter(program=program, status=Match.Status.ENDED)
    if mentees is not None:
        ended = ended.filter(mentee_id__in=mentees)
    return ended.values_list("mentee_id", "mentor_id")


def _forbidden(program, mentees, mentors, config) -> sp.csr_matrix:
    """Pairs that must never be proposed: the same person, exclusions either way round, and
    pairs whose earlier match ended (unless the program allows rematching them)."""
    mentee_row = {a.pk: i for i, a in enumerate(mentees)}
    mentor_col = {a.pk: j for j, a in enumerate(mentors)}
    rows_by_user: dict[int, list[int]] = {}
    cols_by_user: dict[int, list[int]] = {}
    for i, a in enumerate(mentees):
        rows_by_user.setdefault(a.user_id, []).append(i)
    for j, a in enumerate(mentors):
        cols_by_user.setdefault(a.user_id, []).append(j)
    cells = set()
    for user_id, rows in rows_by_user.items():
        for j in cols_by_user.get(user_id, []):
            cells.update((i, j) for i in rows)
    if len(mentees) <= _FEW_MENTEES:  # one mentee's suggestions: only their rows
        exclusions = _exclusions_of(program=program, people=list(rows_by_user))
        ended = _ended_of(program=program, mentees=list(mentee_row))
    else:
        exclusions = _exclusions_of(program=program, people=None)
        ended = _ended_of(program=program, mentees=None)
    for person, other in exclusions:
        for a, b in ((person, other), (other, person)):
            for i in rows_by_user.get(a, []):
                cells.update((i, j) for j in cols_by_user.get(b, []))
    if not config.allow_rematch_with_ended:
        for mentee_id, mentor_id in ended:
            if mentee_id in mentee_row and mentor_id in mentor_col:
                cells.add((mentee_row[mentee_id], mentor_col[mentor_id]))
    rows, cols = zip(*sorted(cells), strict=True) if cells else ((), ())
    data = np.ones(len(rows), dtype=bool)
    return sp.csr_matrix((data, (rows, cols)), shape=(len(mentees), len(mentors)))


@compiled
def _topic_names(*, program):
    return Topic.objects.filter(program=program).order_by("pk").values_list("pk", "name")


@compiled
def _goal_names(*, program):
    return Goal.objects.filter(program=program).order_by("pk").values_list("pk", "name")


@compiled
def _stage_names(*, program):
    return (
        CareerStage.objects.filter(program=program).order_by("position").values_list("pk", "name")
    )


def program_features(
    *,
    program: Program,
    mentees: list[Application] | None = None,
    mentors: list[Application] | None = None,
    today: date | None = None,
) -> ProgramFeatures:
    """Arrays for scoring `mentees` against `mentors`; by default `program`'s approved
    mentees and mentors that matching may use (the training gate holds them back)."""
    config = matching_config_for(program)
    if mentees is None:
        mentees = matchable_split(program=program, applications=list(_approved(program, "mentee")))[
            0
        ]
    if mentors is None:
        mentors = matchable_split(program=program, applications=list(_approved(program, "mentor")))[
            0
        ]
    topics = _topic_names(program=program)
    goals = _goal_names(program=program)
    stages = _stage_names(program=program)
    languages = sorted({name for a in [*mentees, *mentors] for name in a.languages})
    indexes = {
        "topic_ix": {pk: k for k, (pk, _) in enumerate(topics)},
        "goal_ix": {pk: k for k, (pk, _) in enumerate(goals)},
        "lang_ix": {name: k for k, name in enumerate(languages)},
        "stage_ix": {pk: k for k, (pk, _) in enumerate(stages)},
        "monday": reference_monday(today),
    }
    related = _related(program, [*mentees, *mentors])
    return ProgramFeatures(
        program=program,
        mentees=mentees,
        mentors=mentors,
        mentee_features=_side(mentees, related, **indexes),
        mentor_features=_side(mentors, related, **indexes),
        forbidden=_forbidden(program, mentees, mentors, config),
        capacities=np.array([a.capacity or 0 for a in mentors], dtype=np.int64),
        weights=Weights(**config.weights()),
        reciprocal=program.allow_dual_role,
        topic_names=[name for _, name in topics],
        goal_names=[name for _, name in goals],
        language_names=languages,
        stage_names=[name for _, name in stages],
    )
