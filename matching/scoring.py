"""Pair scoring for matching runs: how well each mentor suits each mentee, vectorised.

Pure numpy/scipy; no Django. The Django layer turns applications into two `SideFeatures`
(mentees, mentors) whose rows are aligned by person index, then either scores a block of
mentee rows against all mentors (`score_block`), explains one pair (`explain_pair`), or hands a
`PairScoreSource` to `matching.solver`, which pulls row blocks on demand so that programs whose
full score matrix would not fit in memory can still be solved.

Score of a pair = sum(w_c * crit_c) / sum(w_c), every criterion in [0, 1]:

- topics: |wanted ∩ offered| / |wanted| (0 when the mentee wants none)
- goals: |shared| / |mentee goals| (0 when the mentee has none)
- stage: d = mentor_stage - mentee_stage. One-way programs: d in {1, 2} -> 1, d == 3 -> 0.5,
  d >= 4 -> 0.25, d <= 0 -> 0. Reciprocal (peer) programs: |d| <= 1 -> 1, |d| == 2 -> 0.5,
  else 0.25. Either stage unknown (-1) -> 0.5.
- availability: min(overlap_hours / target_hours, 1); 0 when either side has no hours
- language: 1 when they share a language, 0 when not, 0.5 when either side lists none
- format: 1 when equal or either side is "either", else 0

Every entry of a block is a deterministic function of its (mentee, mentor) pair alone, bit for
bit, whichever rows are scored together: the matrix products only ever multiply 0/1 indicator
matrices (exact small integers) or pick one table entry per pair, and all scaling is done
element-wise afterwards. The solver relies on this when it re-scores rows to prove optimality.
"""

from __future__ import annotations

from collections.abc import Callable, Iterable, Sequence
from dataclasses import dataclass, field
from typing import Any

import numpy as np
import scipy.sparse as sp

HOURS_PER_WEEK = 168
FMT_ONLINE, FMT_IN_PERSON, FMT_EITHER = 0, 1, 2


def _(text: str) -> str:
    """Marks `text` for translation (makemessages reads `_`): translated when Django is set
    up, as when a run shows a weights error to the coordinator; as is when used without it."""
    try:
        from django.conf import settings
    except ImportError:
        return text
    if not settings.configured:
        return text
    from django.utils.translation import gettext

    return gettext(text)


CRITERIA = ("topics", "goals", "stage", "availability", "language", "format")

#: A rule marking forbidden pairs: (mentee row indices, n_mentors) -> bool (len(rows), n_mentors).
ForbidRule = Callable[[np.ndarray, int], np.ndarray]


@dataclass(frozen=True)
class Weights:
    """Non-negative criterion weights; only their ratios matter, and not all may be zero."""

    topics: float = 3.0
    goals: float = 2.0
    stage: float = 2.0
    availability: float = 2.0
    language: float = 1.0
    format: float = 1.0

    def __post_init__(self) -> None:
        values = self.as_dict().values()
        if any(not np.isfinite(v) or v < 0 for v in values):
            # A run with such weights fails and shows this to the coordinator.
            raise ValueError(
                _("weights must be finite and non-negative, got %(weights)s")
                % {"weights": self.as_dict()}
            )
        if sum(values) == 0:
            raise ValueError(_("at least one weight must be positive"))

    def as_dict(self) -> dict[str, float]:
        return {name: float(getattr(self, name)) for name in CRITERIA}

    @property
    def total(self) -> float:
        return float(sum(self.as_dict().values()))


@dataclass(frozen=True)
class SideFeatures:
    """One side of a program (mentees or mentors); row k of every array is person k.

    topics, goals, languages: CSR indicator matrices (n x T, n x G, n x L); mentees list what
    they want, mentors what they offer. Both sides of a program must use the same columns.
    stage: int (n,), index into the program's ordered career stages, -1 = unknown.
    availability: bool (n, 168), hour-of-week slots in UTC (Monday 00:00 UTC = slot 0).
    fmt: int (n,), FMT_ONLINE / FMT_IN_PERSON / FMT_EITHER.
    """

    topics: sp.csr_matrix
    goals: sp.csr_matrix
    stage: np.ndarray
    availability: np.ndarray
    languages: sp.csr_matrix
    fmt: np.ndarray
    n: int = field(init=False)

    def __post_init__(self) -> None:
        n = int(np.shape(self.stage)[0])
        object.__setattr__(self, "n", n)
        for name in ("topics", "goals", "languages"):
            matrix = sp.csr_matrix(getattr(self, name))
            if matrix.shape[0] != n:
                raise ValueError(f"{name} has {matrix.shape[0]} rows, expected {n}")
            object.__setattr__(self, name, matrix)
        availability = np.asarray(self.availability, dtype=bool)
        if availability.shape != (n, HOURS_PER_WEEK):
            raise ValueError(f"availability must be ({n}, {HOURS_PER_WEEK}) bool")
        fmt = np.asarray(self.fmt, dtype=np.int8)
        if fmt.shape != (n,) or ((fmt < 0) | (fmt > FMT_EITHER)).any():
            raise ValueError("fmt must be (n,) with values 0 (online), 1 (in person), 2 (either)")
        stage = np.asarray(self.stage, dtype=np.int64)
        if stage.shape != (n,) or (stage < -1).any():
            raise ValueError("stage must be (n,) with values >= -1")
        object.__setattr__(self, "availability", availability)
        object.__setattr__(self, "fmt", fmt)
        object.__setattr__(self, "stage", stage)


def incidence(*, rows: Sequence[Iterable[int]], n_cols: int) -> sp.csr_matrix:
    """CSR bool matrix with row k marking the column indices in rows[k] (duplicates ignored)."""
    indptr = [0]
    indices: list[int] = []
    for row in rows:
        cols = sorted(set(row))
        if cols and (cols[0] < 0 or cols[-1] >= n_cols):
            raise ValueError(f"column index out of range 0..{n_cols - 1}: {cols}")
        indices.extend(cols)
        indptr.append(len(indices))
    data = np.ones(len(indices), dtype=bool)
    return sp.csr_matrix((data, indices, indptr), shape=(len(rows), n_cols))


def hour_mask(*, windows: Iterable[tuple[int, int]]) -> np.ndarray:
    """Bool (168,) marking half-open hour-of-week ranges [start, end), wrapping past 167.

    The caller converts each local weekly window to UTC hours of the week first (a window that
    crosses Sunday midnight UTC simply has end < start, or end > 168).
    """
    mask = np.zeros(HOURS_PER_WEEK, dtype=bool)
    for start, end in windows:
        span = end - start
        length = HOURS_PER_WEEK if span >= HOURS_PER_WEEK else span % HOURS_PER_WEEK
        mask[(start + np.arange(length)) % HOURS_PER_WEEK] = True
    return mask


def stage_criterion(*, mentee_stage: np.ndarray, mentor_stage: np.ndarray, reciprocal: bool):
    """Stage criterion in [0, 1] for broadcastable arrays of stage indices (-1 = unknown)."""
    d = np.asarray(mentor_stage) - np.asarray(mentee_stage)
    if reciprocal:
        gap = np.abs(d)
        value = np.where(gap <= 1, 1.0, np.where(gap == 2, 0.5, 0.25))
    else:
        value = np.select([d <= 0, d <= 2, d == 3], [0.0, 1.0, 0.5], default=0.25)
    unknown = (np.asarray(mentee_stage) < 0) | (np.asarray(mentor_stage) < 0)
    return np.where(unknown, 0.5, value)


def format_criterion(*, mentee_fmt: np.ndarray, mentor_fmt: np.ndarray) -> np.ndarray:
    """Format criterion: 1 when equal or either side accepts either format, else 0."""
    a, b = np.asarray(mentee_fmt), np.asarray(mentor_fmt)
    return ((a == b) | (a == FMT_EITHER) | (b == FMT_EITHER)).astype(np.float64)


def _dense01(matrix: sp.csr_matrix, dtype) -> np.ndarray:
    dense = np.zeros(matrix.shape, dtype=dtype)
    coo = matrix.tocoo()
    keep = coo.data != 0
    dense[coo.row[keep], coo.col[keep]] = 1
    return dense


def _row_counts(matrix: sp.csr_matrix) -> np.ndarray:
    return np.asarray((matrix != 0).sum(axis=1)).ravel()


def _inverse_counts(counts: np.ndarray) -> np.ndarray:
    out = np.zeros(counts.shape, dtype=np.float64)
    np.divide(1.0, counts, out=out, where=counts > 0)
    return out


class PairScorer:
    """Scores row blocks of (mentee x mentor) pairs; holds the per-program precomputation.

    Build once per matching run (cost is linear in the number of people), then call `block`.
    """

    def __init__(
        self,
        *,
        mentees: SideFeatures,
        mentors: SideFeatures,
        weights: Weights,
        reciprocal: bool,
        target_hours: float = 2,
        dtype: Any = np.float32,
    ) -> None:
        if target_hours <= 0:
            raise ValueError("target_hours must be positive")
        for name in ("topics", "goals", "languages"):
            if getattr(mentees, name).shape[1] != getattr(mentors, name).shape[1]:
                raise ValueError(f"mentees and mentors must share the {name} columns")
        self.mentees, self.mentors = mentees, mentors
        self.weights, self.reciprocal = weights, reciprocal
        self.target_hours = float(target_hours)
        self.dtype = np.dtype(dtype)
        self.shape = (mentees.n, mentors.n)
        self._prepare()

    def _prepare(self) -> None:
        w, total, dt = self.weights, self.weights.total, self.dtype
        a, b = self.mentees, self.mentors
        # Mentee-side 0/1 factors and mentor-side transposed 0/1 factors: products are exact counts.
        self._factors = {
            "topics": (_dense01(a.topics, dt), _dense01(b.topics, dt).T.copy()),
            "goals": (_dense01(a.goals, dt), _dense01(b.goals, dt).T.copy()),
            "availability": (a.availability.astype(dt), b.availability.T.astype(dt)),
            "languages": (_dense01(a.languages, dt), _dense01(b.languages, dt).T.copy()),
        }
        self._topic_scale = (w.topics / total) * _inverse_counts(_row_counts(a.topics))
        self._goal_scale = (w.goals / total) * _inverse_counts(_row_counts(a.goals))
        self._hours_scale = w.availability / (self.target_hours * total)
        self._language_scale = w.language / total
        self._prepare_categories()

    def _prepare_categories(self) -> None:
        """Stage, format and 'no language listed' only depend on a few person types per side.

        Their weighted sum is a small table indexed by (mentee type, mentor type); a product
        with the one-hot matrix of mentor types picks exactly one entry per pair, so it is exact.
        """
        a, b, w = self.mentees, self.mentors, self.weights
        kinds_a, type_a = np.unique(_person_kind(a), axis=0, return_inverse=True)
        kinds_b, type_b = np.unique(_person_kind(b), axis=0, return_inverse=True)
        sa, fa, la = (kinds_a[:, k][:, None] for k in range(3))
        sb, fb, lb = (kinds_b[:, k][None, :] for k in range(3))
        stage = stage_criterion(mentee_stage=sa, mentor_stage=sb, reciprocal=self.reciprocal)
        fmt = format_criterion(mentee_fmt=fa, mentor_fmt=fb)
        no_language = ((la == 0) | (lb == 0)) * 0.5
        table = (w.stage * stage + w.format * fmt + w.language * no_language) / w.total
        self._type_rows = table[type_a.ravel()].astype(self.dtype)
        onehot = np.zeros((len(kinds_b), self.mentors.n), dtype=self.dtype)
        onehot[type_b.ravel(), np.arange(self.mentors.n)] = 1
        self._type_onehot = onehot

    def block(self, rows: slice | np.ndarray) -> np.ndarray:
        """Scores of mentees `rows` against every mentor, shape (len(rows), n_mentors)."""
        index = np.arange(self.shape[0])[rows]
        out = np.empty((index.size, self.shape[1]), dtype=self.dtype)
        left = {name: factors[0][index] for name, factors in self._factors.items()}
        left["types"] = self._type_rows[index]
        scales = (
            self._topic_scale[index, None].astype(self.dtype),
            self._goal_scale[index, None].astype(self.dtype),
        )
        # Column tiles keep the intermediate arrays in cache for wide programs.
        for start in range(0, self.shape[1], _TILE):
            cols = slice(start, start + _TILE)
            out[:, cols] = self._tile(left, scales, cols)
        return out

    def _tile(self, left: dict, scales: tuple, cols: slice) -> np.ndarray:
        right = {name: factors[1][:, cols] for name, factors in self._factors.items()}
        out = left["topics"] @ right["topics"]
        out *= scales[0]
        goals = left["goals"] @ right["goals"]
        goals *= scales[1]
        out += goals
        hours = left["availability"] @ right["availability"]
        np.minimum(hours, self.target_hours, out=hours)
        hours *= self.dtype.type(self._hours_scale)
        out += hours
        shared = left["languages"] @ right["languages"]
        np.minimum(shared, 1, out=shared)
        shared *= self.dtype.type(self._language_scale)
        out += shared
        out += left["types"] @ self._type_onehot[:, cols]
        return out


_TILE = 2048


def _person_kind(side: SideFeatures) -> np.ndarray:
    has_language = (_row_counts(side.languages) > 0).astype(np.int64)
    return np.stack([side.stage, side.fmt.astype(np.int64), has_language], axis=1)


def score_block(
    *,
    mentees: SideFeatures,
    mentors: SideFeatures,
    rows: slice | np.ndarray,
    weights: Weights,
    reciprocal: bool,
    target_hours: float = 2,
    dtype: Any = np.float64,
) -> np.ndarray:
    """Scores in [0, 1] of mentees[rows] x all mentors, shape (len(rows), n_mentors).

    Convenience wrapper that prepares a `PairScorer` per call; for repeated blocks build a
    `PairScorer` (or a `PairScoreSource`) once. float64 (the default) agrees with
    `explain_pair` to ~1e-15; float32 is about twice as fast and exact to ~1e-7.
    """
    scorer = PairScorer(
        mentees=mentees,
        mentors=mentors,
        weights=weights,
        reciprocal=reciprocal,
        target_hours=target_hours,
        dtype=dtype,
    )
    return scorer.block(rows)


def _shared_rows(left: sp.csr_matrix, right: sp.csr_matrix, rows, cols):
    """Per pair (rows[k], cols[k]): how many columns the left row marks, and the sorted
    columns both mark."""
    a = sp.csr_matrix(left[rows] != 0)
    b = sp.csr_matrix(right[cols] != 0)
    both = a.multiply(b).tocsr()
    both.eliminate_zeros()
    both.sort_indices()
    indices, indptr = both.indices.tolist(), both.indptr.tolist()
    shared = [indices[indptr[k] : indptr[k + 1]] for k in range(len(indptr) - 1)]
    return _row_counts(a).tolist(), shared


@dataclass
class ExplainColumns:
    """What the explanations of pairs (rows[k], cols[k]) are made of, one list entry per pair
    (plain Python values, as stored in JSON)."""

    n_topics: list[int]
    topics: list[list[int]]
    n_goals: list[int]
    goals: list[list[int]]
    n_lang_a: list[int]
    n_lang_b: list[int]
    languages: list[list[int]]
    overlap: list[int]
    stage_values: list[float]
    format_values: list[float]
    stage_a: list[int]
    stage_b: list[int]
    fmt_a: list[int]
    fmt_b: list[int]


def explain_columns(
    *,
    mentees: SideFeatures,
    mentors: SideFeatures,
    rows: Sequence[int],
    cols: Sequence[int],
    reciprocal: bool,
) -> ExplainColumns:
    """The per-pair inputs of `explain_pairs`, computed set-wise."""
    rows, cols = np.asarray(rows, dtype=np.int64), np.asarray(cols, dtype=np.int64)
    n_topics, topics = _shared_rows(mentees.topics, mentors.topics, rows, cols)
    n_goals, goals = _shared_rows(mentees.goals, mentors.goals, rows, cols)
    n_lang_a, languages = _shared_rows(mentees.languages, mentors.languages, rows, cols)
    stage_a, stage_b = mentees.stage[rows], mentors.stage[cols]
    fmt_a, fmt_b = mentees.fmt[rows], mentors.fmt[cols]
    return ExplainColumns(
        n_topics=n_topics,
        topics=topics,
        n_goals=n_goals,
        goals=goals,
        n_lang_a=n_lang_a,
        n_lang_b=_row_counts(mentors.languages)[cols].tolist(),
        languages=languages,
        overlap=(mentees.availability[rows] & mentors.availability[cols]).sum(axis=1).tolist(),
        stage_values=stage_criterion(
            mentee_stage=stage_a, mentor_stage=stage_b, reciprocal=reciprocal
        ).tolist(),
        format_values=format_criterion(mentee_fmt=fmt_a, mentor_fmt=fmt_b).tolist(),
        stage_a=stage_a.tolist(),
        stage_b=stage_b.tolist(),
        fmt_a=fmt_a.tolist(),
        fmt_b=fmt_b.tolist(),
    )


def _topics_item(c: ExplainColumns, k: int, target_hours) -> tuple[float, dict]:
    n = c.n_topics[k]
    return (len(c.topics[k]) / n if n else 0.0), {"shared": c.topics[k], "wanted": n}


def _goals_item(c: ExplainColumns, k: int, target_hours) -> tuple[float, dict]:
    n = c.n_goals[k]
    return (len(c.goals[k]) / n if n else 0.0), {"shared": c.goals[k], "wanted": n}


def _stage_item(c: ExplainColumns, k: int, target_hours) -> tuple[float, dict]:
    return c.stage_values[k], {"mentee": c.stage_a[k], "mentor": c.stage_b[k]}


def _availability_item(c: ExplainColumns, k: int, target_hours) -> tuple[float, dict]:
    overlap = c.overlap[k]
    value = min(overlap, target_hours) / target_hours
    return value, {"overlap_hours": overlap, "target_hours": target_hours}


def _language_item(c: ExplainColumns, k: int, target_hours) -> tuple[float, dict]:
    shared = c.languages[k]
    value = (1.0 if shared else 0.0) if c.n_lang_a[k] and c.n_lang_b[k] else 0.5
    return value, {"shared": shared}


def _format_item(c: ExplainColumns, k: int, target_hours) -> tuple[float, dict]:
    return c.format_values[k], {"mentee": c.fmt_a[k], "mentor": c.fmt_b[k]}


_ITEMS = {
    "topics": _topics_item,
    "goals": _goals_item,
    "stage": _stage_item,
    "availability": _availability_item,
    "language": _language_item,
    "format": _format_item,
}

#: Per criterion, what its item of pair k depends on (given the weights, the target hours
#: and whether the program is reciprocal): pairs with equal keys have equal items.
EXPLAIN_KEYS: dict[str, Callable[[ExplainColumns, int], Any]] = {
    "topics": lambda c, k: (tuple(c.topics[k]), c.n_topics[k]),
    "goals": lambda c, k: (tuple(c.goals[k]), c.n_goals[k]),
    "stage": lambda c, k: (c.stage_a[k], c.stage_b[k]),
    "availability": lambda c, k: c.overlap[k],
    "language": lambda c, k: (tuple(c.languages[k]), bool(c.n_lang_a[k] and c.n_lang_b[k])),
    "format": lambda c, k: (c.fmt_a[k], c.fmt_b[k]),
}


def explain_item(
    columns: ExplainColumns, k: int, name: str, weight: float, total: float, target_hours: float
) -> dict[str, Any]:
    """The item of criterion `name` (of weight `weight`, of `total` for all) in the
    explanation of pair k of `columns`."""
    value, detail = _ITEMS[name](columns, k, target_hours)
    return {
        "criterion": name,
        "value": float(value),
        "weight": weight,
        "contribution": weight * float(value) / total,
        "detail": detail,
    }


def explain_pairs(
    *,
    mentees: SideFeatures,
    mentors: SideFeatures,
    rows: Sequence[int],
    cols: Sequence[int],
    weights: Weights,
    reciprocal: bool,
    target_hours: float = 2,
) -> list[list[dict[str, Any]]]:
    """`explain_pair` for many pairs (rows[k], cols[k]) at once: the same items, computed
    set-wise (a run explains every pair it proposes)."""
    columns = explain_columns(
        mentees=mentees, mentors=mentors, rows=rows, cols=cols, reciprocal=reciprocal
    )
    named, total = list(weights.as_dict().items()), weights.total
    return [
        [explain_item(columns, k, name, weight, total, target_hours) for name, weight in named]
        for k in range(len(columns.overlap))
    ]


def explain_pair(
    *,
    mentees: SideFeatures,
    mentors: SideFeatures,
    i: int,
    j: int,
    weights: Weights,
    reciprocal: bool,
    target_hours: float = 2,
) -> list[dict[str, Any]]:
    """Per-criterion breakdown of the score of mentee i with mentor j, JSON-ready.

    Each item: criterion, value (raw, in [0, 1]), weight, contribution (= weight * value /
    sum of weights) and detail (what the value was computed from: shared topic/goal/language
    column indices, overlap hours, the two stages or formats). The contributions sum to
    `score_block(...)[i, j]` within 1e-9 (float64).
    """
    return explain_pairs(
        mentees=mentees,
        mentors=mentors,
        rows=[i],
        cols=[j],
        weights=weights,
        reciprocal=reciprocal,
        target_hours=target_hours,
    )[0]


class PairScoreSource:
    """Row blocks of scores with forbidden pairs set to -inf, for `matching.solver`.

    Implements the solver's `ScoreSource` protocol (`shape`, `block_rows`, `block(rows)`).
    Forbidden pairs come from an explicit sparse matrix (nonzero = forbidden) and/or a rule
    called per block, so that no dense n x m mask is ever stored.
    """

    def __init__(
        self,
        *,
        scorer: PairScorer,
        forbidden: sp.spmatrix | None = None,
        forbid_rule: ForbidRule | None = None,
        block_rows: int | None = None,
    ) -> None:
        self.scorer = scorer
        self.shape = scorer.shape
        self.forbidden = None
        if forbidden is not None:
            self.forbidden = sp.csr_matrix(forbidden, dtype=bool)
            self.forbidden.eliminate_zeros()
        if self.forbidden is not None and self.forbidden.shape != self.shape:
            raise ValueError(f"forbidden must have shape {self.shape}")
        self.forbid_rule = forbid_rule
        # About 2**20 pairs per block: large enough to amortise per-call overhead.
        self.block_rows = block_rows or max(16, min(4096, 2**20 // max(1, self.shape[1])))

    def block(self, rows: slice | np.ndarray) -> np.ndarray:
        """Scores of mentees `rows` x all mentors; forbidden pairs are -inf."""
        out = self.scorer.block(rows)
        index = np.arange(self.shape[0])[rows]
        if self.forbidden is not None:
            sub = self.forbidden[index].tocoo()
            out[sub.row, sub.col] = -np.inf
        if self.forbid_rule is not None:
            np.putmask(out, self.forbid_rule(index, self.shape[1]), -np.inf)
        return out
