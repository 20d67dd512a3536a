"""Assignment of mentees to mentors: exact lexicographic optimum, or the stable matching.

Pure numpy/scipy; no Django. The contract, for both solvers:

Input
    scores: a dense (n_mentees, n_mentors) array of pair scores in [0, 1] with an optional
        boolean `forbidden` mask of the same shape, OR a `ScoreSource` that produces row blocks
        on demand (`shape`, `block_rows`, `block(rows)`) in which forbidden pairs are -inf
        (NaN is not allowed). Each block entry must be a deterministic function of its pair.
    capacities: int (n_mentors,), >= 0: how many mentees each mentor takes in total.
    locked: (mentee, mentor) pairs that must be kept. They consume capacity. A locked pair that
        is forbidden, out of range, repeats a mentee or overfills a mentor is a ValueError.

Scores are compared at a resolution of 1e-6: each score s is used as round(s * 1e6) (`RESOLUTION`)
so that every comparison is exact integer arithmetic; the reported total is the sum of the
original scores.

`solve_optimal` returns an assignment that (1) matches as many mentees as possible, (2) among
those maximises the total score, (3) respects capacities, never uses a forbidden pair and keeps
the locks. It first solves exactly on each mentee's best `pool_size` mentors, then proves the
result optimal for the FULL matrix by LP duality: it builds dual prices (u for mentees, v for
mentors) that are tight on the chosen pairs and checks u_i + v_j >= weight(i, j) for every allowed
pair, re-scoring only the rows whose pruned tail could violate that; violating pairs are added
and the problem re-solved until the check passes (`optimal_proven`).

`solve_stable` returns the mentee-proposing deferred-acceptance matching where both sides rank
by score: no unlocked mentee and mentor both prefer each other to what they got.

Ties are broken deterministically: a mentee prefers the lower mentor index among equal scores
and a mentor the lower mentee index (stable solver). The optimal solver returns one optimal
assignment chosen deterministically by the algorithm (same input, same output); which of
several equally good assignments it is follows no simpler rule.
"""

from __future__ import annotations

import ctypes
import functools
import itertools
import time
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass, field
from pathlib import Path
from typing import Any, Protocol, runtime_checkable

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import bellman_ford, dijkstra
from scipy.sparse.csgraph import min_weight_full_bipartite_matching as _lapjvsp

RESOLUTION = 1_000_000
_JACOBI_ITERATIONS = 500


@runtime_checkable
class ScoreSource(Protocol):
    """Row blocks of a score matrix too large to hold: forbidden pairs are -inf."""

    shape: tuple[int, int]
    block_rows: int

    def block(self, rows: slice | np.ndarray) -> np.ndarray:
        """Scores of mentees `rows` x all mentors, a fresh array the caller may modify."""
        ...


class DenseScores:
    """Adapts a dense score matrix plus a forbidden mask to the `ScoreSource` protocol."""

    def __init__(self, *, scores: np.ndarray, forbidden: np.ndarray | None = None) -> None:
        scores = np.asarray(scores, dtype=np.float64)
        if scores.ndim != 2:
            raise ValueError("scores must be a 2-D (mentees x mentors) array")
        if forbidden is None:
            forbidden = np.zeros(scores.shape, dtype=bool)
        forbidden = np.asarray(forbidden, dtype=bool)
        if forbidden.shape != scores.shape:
            raise ValueError(f"forbidden has shape {forbidden.shape}, scores {scores.shape}")
        allowed = scores[~forbidden]
        if not np.isfinite(allowed).all() or (allowed < 0).any() or (allowed > 1).any():
            raise ValueError("allowed scores must be finite and within [0, 1]")
        self.scores = np.where(forbidden, -np.inf, scores)
        self.shape = scores.shape
        self.block_rows = max(1, 2**20 // max(1, scores.shape[1]))

    def block(self, rows: slice | np.ndarray) -> np.ndarray:
        return self.scores[rows].copy()


@dataclass(frozen=True)
class Assignment:
    """Result of a solver run; index k of every per-mentee array is mentee k.

    assignment: mentor index per mentee, -1 = unmatched. pair_scores: score of the assigned pair
    (NaN when unmatched). n_allowed: allowed mentors with capacity > 0 per mentee, so that an
    unmatched mentee can be explained ("no allowed mentor" vs "capacity exhausted").
    optimal_proven: the optimal solver proved lexicographic optimality for the full matrix.
    certificate: how (pool size, rounds, rows re-scored, pairs added, dual gap in score units).
    timings: seconds per phase.
    """

    assignment: np.ndarray
    pair_scores: np.ndarray
    total_score: float
    n_matched: int
    n_allowed: np.ndarray
    locked: np.ndarray
    method: str
    optimal_proven: bool
    certificate: dict[str, Any] = field(default_factory=dict)
    timings: dict[str, float] = field(default_factory=dict)

    def reasons(self) -> list[str]:
        """Per mentee: matched, locked, no_allowed_mentor or capacity_exhausted."""
        out = []
        for mentor, locked, allowed in zip(
            self.assignment, self.locked, self.n_allowed, strict=True
        ):
            if locked:
                out.append("locked")
            elif mentor >= 0:
                out.append("matched")
            else:
                out.append("no_allowed_mentor" if allowed == 0 else "capacity_exhausted")
        return out


@dataclass(frozen=True)
class StabilityCost:
    """What stability costs: the stable total against the optimal total."""

    optimal_total: float
    stable_total: float
    optimal_matched: int
    stable_matched: int
    ratio: float


def stability_cost(*, optimal: Assignment, stable: Assignment) -> StabilityCost:
    """Compare a stable and an optimal result of the same instance (ratio = stable / optimal)."""
    ratio = stable.total_score / optimal.total_score if optimal.total_score > 0 else 1.0
    return StabilityCost(
        optimal_total=optimal.total_score,
        stable_total=stable.total_score,
        optimal_matched=optimal.n_matched,
        stable_matched=stable.n_matched,
        ratio=ratio,
    )


# --- shared preparation: validation, locks, the pool scan -------------------------------------


@dataclass
class _Problem:
    source: ScoreSource
    capacity: np.ndarray  # original capacities
    residual: np.ndarray  # capacity left after locks
    locked_mentor: np.ndarray  # per mentee, -1 when not locked
    locked_score: np.ndarray

    @property
    def n(self) -> int:
        return self.source.shape[0]

    @property
    def m(self) -> int:
        return self.source.shape[1]

    @property
    def free(self) -> np.ndarray:
        return self.locked_mentor < 0


def _as_source(scores: np.ndarray | ScoreSource, forbidden: np.ndarray | None) -> ScoreSource:
    if isinstance(scores, ScoreSource) and not isinstance(scores, np.ndarray):
        if forbidden is not None:
            raise ValueError("a ScoreSource marks forbidden pairs itself (-inf); pass no mask")
        return scores
    return DenseScores(scores=scores, forbidden=forbidden)


def _prepare(
    *,
    scores: np.ndarray | ScoreSource,
    capacities: np.ndarray,
    forbidden: np.ndarray | None,
    locked: Sequence[tuple[int, int]],
) -> _Problem:
    source = _as_source(scores, forbidden)
    n, m = source.shape
    capacity = np.asarray(capacities)
    if capacity.shape != (m,) or not np.issubdtype(capacity.dtype, np.integer):
        raise ValueError(f"capacities must be an integer array of shape ({m},)")
    if (capacity < 0).any():
        raise ValueError("capacities must be >= 0")
    capacity = capacity.astype(np.int64)
    locked_mentor = np.full(n, -1, dtype=np.int64)
    for mentee, mentor in locked:
        if not (0 <= mentee < n and 0 <= mentor < m):
            raise ValueError(f"locked pair ({mentee}, {mentor}) is out of range")
        if locked_mentor[mentee] >= 0:
            raise ValueError(f"mentee {mentee} is locked more than once")
        locked_mentor[mentee] = mentor
    load = np.bincount(locked_mentor[locked_mentor >= 0], minlength=m)
    over = np.flatnonzero(load > capacity)
    if over.size:
        j = int(over[0])
        raise ValueError(
            f"locked pairs give mentor {j} {int(load[j])} mentees, capacity {int(capacity[j])}"
        )
    locked_score = _locked_scores(source, locked_mentor)
    return _Problem(source, capacity, capacity - load, locked_mentor, locked_score)


def _locked_scores(source: ScoreSource, locked_mentor: np.ndarray) -> np.ndarray:
    rows = np.flatnonzero(locked_mentor >= 0)
    out = np.full(locked_mentor.shape, np.nan)
    for chunk in _chunks(rows, source.block_rows):
        values = source.block(chunk)[np.arange(chunk.size), locked_mentor[chunk]]
        bad = ~np.isfinite(values)
        if bad.any():
            i = int(chunk[bad][0])
            raise ValueError(f"locked pair ({i}, {int(locked_mentor[i])}) is forbidden")
        out[chunk] = values
    return out


def _chunks(rows: np.ndarray, size: int) -> Iterator[np.ndarray]:
    for start in range(0, rows.size, max(1, size)):
        yield rows[start : start + size]


def _quantize(values: np.ndarray) -> np.ndarray:
    """Scores -> int64 units of 1/RESOLUTION; -inf (forbidden) -> -1."""
    finite = np.isfinite(values)
    out = np.full(values.shape, -1, dtype=np.int64)
    out[finite] = np.rint(values[finite].astype(np.float64) * RESOLUTION).astype(np.int64)
    return out


@dataclass
class _Pool:
    """Each free mentee's best `k` allowed mentors, and the best score left outside them."""

    cols: np.ndarray  # (n, k) int64, -1 where fewer than k allowed mentors
    q: np.ndarray  # (n, k) int64 quantized scores, -1 where missing
    values: np.ndarray  # (n, k) float64 original scores
    tail_q: np.ndarray  # (n,) best quantized score outside the pool, -1 if none
    n_allowed: np.ndarray  # (n,) allowed mentors with capacity > 0


def _scan(problem: _Problem, *, k: int, workers: int) -> _Pool:
    """One pass over all row blocks: allowed-mentor counts and each free row's top-k pool.

    Blocks are scored by `workers` threads (numpy releases the GIL), each with single-threaded
    BLAS; the source's block() must therefore be thread-safe.
    """
    n, m = problem.n, problem.m
    k = max(1, min(k, m))
    pool = _Pool(
        cols=np.full((n, k), -1, dtype=np.int64),
        q=np.full((n, k), -1, dtype=np.int64),
        values=np.full((n, k), -np.inf),
        tail_q=np.full(n, -1, dtype=np.int64),
        n_allowed=np.zeros(n, dtype=np.int64),
    )
    zero_cap = np.flatnonzero(problem.capacity == 0)
    exhausted = np.flatnonzero(problem.residual == 0)

    def scan_block(start: int) -> None:
        stop = min(n, start + problem.source.block_rows)
        block = problem.source.block(slice(start, stop))
        allowed = np.count_nonzero(block > -np.inf, axis=1)
        if zero_cap.size:
            allowed -= np.count_nonzero(block[:, zero_cap] > -np.inf, axis=1)
        pool.n_allowed[start:stop] = allowed
        if exhausted.size:
            block[:, exhausted] = -np.inf
        free = problem.free[start:stop]
        rows = np.arange(start, stop)
        if free.all():
            _fill_pool(pool, rows, block, k)
        else:
            _fill_pool(pool, rows[free], block[free], k)

    starts = range(0, n, problem.source.block_rows)
    with ThreadPoolExecutor(max_workers=max(1, workers), initializer=_blas_single_thread) as ex:
        list(ex.map(scan_block, starts))  # list() re-raises a worker's exception
    return pool


def _blas_single_thread() -> None:
    """Make BLAS single-threaded in the calling (worker) thread, when numpy's OpenBLAS allows.

    The scan's matrix products are small; BLAS threads of their own only contend with the scan
    workers (and badly so on a busy machine). Best effort: numpy builds without the bundled
    OpenBLAS simply keep their setting.
    """
    setter = _openblas_local_threads()
    if setter is not None:
        setter(1)


@functools.cache
def _openblas_local_threads():
    libs = Path(np.__file__).resolve().parent.parent / "numpy.libs"
    for path in sorted(libs.glob("libscipy_openblas*.so")):
        try:
            setter = ctypes.CDLL(str(path)).openblas_set_num_threads_local
        except (OSError, AttributeError):
            continue
        setter.argtypes, setter.restype = [ctypes.c_int], ctypes.c_int
        return setter
    return None


def _fill_pool(pool: _Pool, rows: np.ndarray, block: np.ndarray, k: int) -> None:
    if rows.size == 0 or block.shape[1] == 0:
        return
    cols, values, tail = _top_k(block, k)
    pool.cols[rows] = cols
    pool.q[rows] = _quantize(values)
    pool.values[rows] = values
    pool.tail_q[rows] = _quantize(tail)


def _top_k(block: np.ndarray, k: int) -> tuple[np.ndarray, np.ndarray, np.ndarray]:
    """Each row's k best finite entries, sorted by (value desc, column asc), and the next value.

    Instead of partitioning whole rows, take the (k+1)-th largest of the maxima of 4(k+1)
    column groups: at least k+1 entries reach it, and usually not many more, so only those few
    candidates per row are sorted. Returns columns (-1 padded), values and the (k+1)-th value
    (-inf padded), all canonical: ties go to the lower column index.
    """
    b, m = block.shape
    size = -(-m // min(m, 4 * (k + 1)))
    group_max = np.maximum.reduceat(block, np.arange(0, m, size), axis=1)
    groups = group_max.shape[1]
    if groups > k + 1:
        floor = np.partition(group_max, groups - k - 1, axis=1)[:, groups - k - 1]
    else:
        floor = np.full(b, -np.inf, dtype=block.dtype)
    keep = block >= floor[:, None]
    if np.isneginf(floor).any():
        keep &= block > -np.inf
    row, col = np.divmod(np.flatnonzero(keep), m)
    value = block[row, col].astype(np.float64)
    order = np.lexsort((-value, row))  # stable: equal values keep ascending columns
    row, col, value = row[order], col[order], value[order]
    rank = np.arange(row.size) - np.searchsorted(row, row)
    cols = np.full((b, k), -1, dtype=np.int64)
    values = np.full((b, k), -np.inf)
    top = rank < k
    cols[row[top], rank[top]] = col[top]
    values[row[top], rank[top]] = value[top]
    tail = np.full(b, -np.inf)
    nxt = rank == k
    tail[row[nxt]] = value[nxt]
    return cols, values, tail


def _finish(
    *,
    problem: _Problem,
    mentor: np.ndarray,
    pair_scores: np.ndarray,
    pool: _Pool,
    method: str,
    proven: bool,
    certificate: dict[str, Any],
    timings: dict[str, float],
) -> Assignment:
    locked = ~problem.free
    mentor = np.where(locked, problem.locked_mentor, mentor)
    pair_scores = np.where(locked, problem.locked_score, pair_scores)
    pair_scores = np.where(mentor >= 0, pair_scores, np.nan)
    matched = mentor >= 0
    return Assignment(
        assignment=mentor,
        pair_scores=pair_scores,
        total_score=float(pair_scores[matched].sum()),
        n_matched=int(matched.sum()),
        n_allowed=pool.n_allowed,
        locked=locked,
        method=method,
        optimal_proven=proven,
        certificate=certificate,
        timings=timings,
    )


# --- the optimal solver ------------------------------------------------------------------------


@dataclass
class _Edges:
    """The restricted graph: candidate (mentee, mentor) pairs with scores."""

    rows: np.ndarray
    cols: np.ndarray
    q: np.ndarray
    values: np.ndarray

    @classmethod
    def empty(cls) -> _Edges:
        none = np.zeros(0, dtype=np.int64)
        return cls(none, none, none, np.zeros(0))

    def extend(self, other: _Edges) -> _Edges:
        return _Edges(
            np.concatenate([self.rows, other.rows]),
            np.concatenate([self.cols, other.cols]),
            np.concatenate([self.q, other.q]),
            np.concatenate([self.values, other.values]),
        )


_REPAIR_LIMIT = 32  # more violated pairs than this: re-solve rather than repair one by one
_REPRICE_K = 16  # pool entries per mentee kept when re-solving on price-aware candidates


class _Candidates:
    """The pairs the restricted problem is solved on: chosen pool entries plus extra pairs.

    Everything outside is bounded for the proof: unchosen pool entries are checked directly,
    and any other pair of row i scores at most pool.tail_q[i].
    """

    def __init__(self, pool: _Pool) -> None:
        self.pool = pool
        self.chosen = pool.cols >= 0
        self.extra = _Edges.empty()

    def edges(self) -> _Edges:
        pool = self.pool
        rows = np.broadcast_to(np.arange(pool.cols.shape[0])[:, None], pool.cols.shape)
        keep = self.chosen
        inside = _Edges(rows[keep], pool.cols[keep], pool.q[keep], pool.values[keep])
        return inside.extend(self.extra)

    def add(self, found: _Edges) -> None:
        in_pool = self.pool.cols[found.rows] == found.cols[:, None]
        hit = in_pool.any(axis=1)
        self.chosen[found.rows[hit], in_pool[hit].argmax(axis=1)] = True
        self.extra = self.extra.extend(_Edges(*(a[~hit] for a in _fields(found))))

    def reprice(self, *, duals: _Duals, mentor: np.ndarray, k: int) -> None:
        """Keep each mentee's k best pool entries by score minus mentor price, and its mentor."""
        pool = self.pool
        valid = pool.cols >= 0
        net = np.where(valid, pool.q - duals.v[np.maximum(pool.cols, 0)], np.iinfo(np.int64).min)
        k = min(k, net.shape[1])
        order = np.argsort(-net, axis=1, kind="stable")[:, :k]
        chosen = np.zeros_like(self.chosen)
        np.put_along_axis(chosen, order, True, axis=1)
        self.chosen = valid & (chosen | (pool.cols == mentor[:, None]))


def _fields(edges: _Edges) -> tuple[np.ndarray, ...]:
    return edges.rows, edges.cols, edges.q, edges.values


def solve_optimal(
    *,
    scores: np.ndarray | ScoreSource,
    capacities: np.ndarray,
    forbidden: np.ndarray | None = None,
    locked: Sequence[tuple[int, int]] = (),
    pool_size: int = 48,
    max_rounds: int = 20,
    workers: int = 2,
) -> Assignment:
    """Max-cardinality, then max-total-score assignment, proven optimal for the full matrix.

    pool_size: mentors per mentee solved on first (more = fewer repairs, slower first solve).
    max_rounds: certify/repair rounds allowed before giving up the proof (the result is then
    still a feasible assignment, optimal on the pairs considered, with optimal_proven=False).
    workers: threads scoring row blocks during the first pass (see `_scan`).
    """
    if max_rounds < 1:
        raise ValueError("max_rounds must be at least 1")
    clock = time.perf_counter()
    problem = _prepare(scores=scores, capacities=capacities, forbidden=forbidden, locked=locked)
    pool = _scan(problem, k=pool_size, workers=workers)
    timings = {"scan": time.perf_counter() - clock}
    candidates = _Candidates(pool)
    edges = candidates.edges()
    n_free = int(problem.free.sum())
    big = RESOLUTION * (n_free + 1)  # one more match outweighs any score difference
    stats = {"pool_size": pool.cols.shape[1], "rounds": 0, "full_solves": 0, "repairs": 0}
    stats.update(rows_rescored=0, pairs_added=0)
    proven, gap = False, None
    timings.update(solve=0.0, certify=0.0)
    tick = time.perf_counter()
    mentor = _solve_restricted(edges=edges, residual=problem.residual, n=problem.n)
    stats["full_solves"] += 1
    timings["solve"] += time.perf_counter() - tick
    for _ in range(max_rounds):
        stats["rounds"] += 1
        tick = time.perf_counter()
        duals = _duals(edges=edges, mentor=mentor, residual=problem.residual, big=big)
        timings["certify"] += time.perf_counter() - tick
        if duals is None:  # only after a repair that fell short: solve this graph from scratch
            tick = time.perf_counter()
            mentor = _solve_restricted(edges=edges, residual=problem.residual, n=problem.n)
            stats["full_solves"] += 1
            timings["solve"] += time.perf_counter() - tick
            continue
        tick = time.perf_counter()
        gap = _dual_gap(edges=edges, mentor=mentor, duals=duals, residual=problem.residual, big=big)
        found, rescored = _violations(problem=problem, candidates=candidates, duals=duals, big=big)
        timings["certify"] += time.perf_counter() - tick
        stats["rows_rescored"] += rescored
        if found.rows.size == 0:
            proven = gap == 0
            break
        stats["pairs_added"] += int(found.rows.size)
        tick = time.perf_counter()
        candidates.add(found)
        if found.rows.size <= _REPAIR_LIMIT:
            mentor = _repair(
                edges=edges, new=found, mentor=mentor, duals=duals, problem=problem, big=big
            )
            edges = edges.extend(found)
            stats["repairs"] += 1
        else:  # many: the prices are far off, so solve again on price-aware candidates
            candidates.reprice(duals=duals, mentor=mentor, k=_REPRICE_K)
            edges = candidates.edges()
            mentor = _solve_restricted(edges=edges, residual=problem.residual, n=problem.n)
            stats["full_solves"] += 1
        timings["solve"] += time.perf_counter() - tick
    pair_scores = _pair_values(edges=edges, mentor=mentor, n=problem.n)
    certificate = {**stats, "dual_gap": None if gap is None else gap / RESOLUTION}
    timings["total"] = time.perf_counter() - clock
    return _finish(
        problem=problem,
        mentor=mentor,
        pair_scores=pair_scores,
        pool=pool,
        method="optimal",
        proven=proven,
        certificate=certificate,
        timings=timings,
    )


def _pair_values(*, edges: _Edges, mentor: np.ndarray, n: int) -> np.ndarray:
    out = np.full(n, np.nan)
    chosen = mentor[edges.rows] == edges.cols
    out[edges.rows[chosen]] = edges.values[chosen]
    return out


def _solve_restricted(*, edges: _Edges, residual: np.ndarray, n: int) -> np.ndarray:
    """Exact lexicographic optimum on the candidate pairs (mentor per mentee, -1 = none).

    Each mentor is expanded into min(residual capacity, candidate mentees) identical slots and
    scipy's LAPJVsp solves the resulting sparse assignment with cost RESOLUTION + 1 - q (all
    positive, so no weight is mistaken for a missing edge). When the candidates cannot cover
    the smaller side, each mentee gets a private "unmatched" column whose cost exceeds any
    score loss that one more match could force, so cardinality comes first.
    """
    mentor = np.full(n, -1, dtype=np.int64)
    usable = residual[edges.cols] > 0
    rows, cols, q = edges.rows[usable], edges.cols[usable], edges.q[usable]
    if rows.size == 0:
        return mentor
    present = np.bincount(rows, minlength=n) > 0
    row_ids = np.flatnonzero(present)
    local = np.cumsum(present) - 1
    slots = _expand_slots(local[rows], cols, q, residual)
    graph = slots.graph(n_rows=row_ids.size, extra_cols=0)
    try:
        matched_rows, matched_cols = _lapjvsp(graph)
    except ValueError:  # the candidates cannot cover the smaller side: allow "unmatched"
        graph = slots.graph(n_rows=row_ids.size, extra_cols=row_ids.size)
        matched_rows, matched_cols = _lapjvsp(graph)
    real = matched_cols < slots.n_slots
    mentor[row_ids[matched_rows[real]]] = slots.mentor[matched_cols[real]]
    return mentor


@dataclass
class _Slots:
    """Candidate pairs replicated once per slot of their mentor, grouped by row."""

    indptr: np.ndarray
    slot: np.ndarray
    q: np.ndarray
    mentor: np.ndarray  # mentor of each slot
    n_slots: int

    def graph(self, *, n_rows: int, extra_cols: int) -> sp.csr_matrix:
        """Cost matrix; extra_cols > 0 appends each row's private "unmatched" column."""
        cost = (RESOLUTION + 1 - self.q).astype(np.float64)
        if not extra_cols:
            return sp.csr_matrix(
                (cost, self.slot, self.indptr), shape=(n_rows, self.n_slots), copy=False
            )
        unmatched = float((RESOLUTION + 1) * (n_rows + 2))
        counts = np.diff(self.indptr) + 1
        indptr = np.concatenate([[0], np.cumsum(counts)])
        at = indptr[1:] - 1  # the last entry of each row is its private column
        data = np.empty(indptr[-1])
        index = np.empty(indptr[-1], dtype=self.slot.dtype)
        body = np.ones(indptr[-1], dtype=bool)
        body[at] = False
        data[body], index[body] = cost, self.slot
        data[at], index[at] = unmatched, self.n_slots + np.arange(n_rows)
        return sp.csr_matrix(
            (data, index, indptr), shape=(n_rows, self.n_slots + extra_cols), copy=False
        )


def _expand_slots(rows: np.ndarray, cols: np.ndarray, q: np.ndarray, residual: np.ndarray):
    """Replicate each candidate pair once per slot of its mentor, rows in ascending order."""
    order = np.argsort(rows, kind="stable")
    rows, cols, q = rows[order], cols[order], q[order]
    degree = np.bincount(cols, minlength=residual.size)
    copies = np.minimum(residual, degree)
    first_slot = np.concatenate([[0], np.cumsum(copies)])
    repeat = copies[cols]
    total = int(repeat.sum())
    offset = np.arange(total) - np.repeat(np.cumsum(repeat) - repeat, repeat)
    slot = (np.repeat(first_slot[cols], repeat) + offset).astype(np.int32)
    per_row = np.bincount(np.repeat(rows, repeat), minlength=int(rows[-1]) + 1)
    indptr = np.concatenate([[0], np.cumsum(per_row)]).astype(np.int32)
    mentor = np.repeat(np.arange(residual.size), copies)
    return _Slots(indptr, slot, np.repeat(q, repeat), mentor, int(first_slot[-1]))


def _repair(
    *,
    edges: _Edges,
    new: _Edges,
    mentor: np.ndarray,
    duals: _Duals,
    problem: _Problem,
    big: int,
) -> np.ndarray:
    """Re-optimise after candidate pairs are added, starting from the current optimum.

    Min-cost-flow view: source -> mentee (capacity 1) -> mentor (cost -(big + q)) -> sink
    (capacity = residual) -> source. The duals are node potentials under which every residual
    arc of the current flow has reduced cost >= 0; only new pairs can be negative. For each new
    pair (i, j) with reduced cost r < 0, Dijkstra from j (radius -r) finds the cheapest way back
    to i; when it is shorter than -r, pushing one unit round that cycle improves the solution.
    Lowering the potentials of the nodes within the radius by (radius - distance) keeps every
    reduced cost >= 0 and makes the pair's own reduced cost 0, so it is settled. Both steps are
    local, so the arc weights are updated in place around the nodes touched. The caller
    re-derives the duals, which also validates the result.
    """
    network = _Network(
        edges=edges.extend(new), first_new=edges.rows.size, mentor=mentor, duals=duals,
        problem=problem, big=big,
    )  # fmt: skip
    for k in network.new_pairs():
        network.settle(int(k))
    return network.assignment()


_NO_ARC = 1e18  # weight of an arc that has no residual capacity (beyond any search radius)
_UNBOUNDED = 1 << 40  # capacity of the sink -> source arc


class _Network:
    """Residual network of an assignment with node potentials, kept as one CSR graph.

    Node ids: 0 source, 1 sink, 2 + i mentee i, 2 + n + j mentor j. Arc ids, in blocks: pair
    forward (mentee -> mentor), pair backward, source -> mentee, mentee -> source, mentor -> sink,
    sink -> mentor, then sink -> source and source -> sink. `cap` is each arc's residual
    capacity; the CSR data holds each arc's reduced cost, or _NO_ARC when it has no capacity,
    and is rewritten only around the nodes a step touches.
    """

    def __init__(
        self,
        *,
        edges: _Edges,
        first_new: int,
        mentor: np.ndarray,
        duals: _Duals,
        problem: _Problem,
        big: int,
    ) -> None:
        usable = problem.residual[edges.cols] > 0
        self.rows, self.cols = edges.rows[usable], edges.cols[usable]
        self.n, self.m, self.e = problem.n, problem.m, int(self.rows.size)
        n, m, e = self.n, self.m, self.e
        self.source_out, self.source_in = 2 * e, 2 * e + n
        self.sink_in, self.sink_out = 2 * e + 2 * n, 2 * e + 2 * n + m
        self.back_to_source = 2 * e + 2 * n + 2 * m
        used = (mentor[self.rows] == self.cols).astype(np.int64)
        enabled = np.flatnonzero(usable) < first_new  # new pairs join one at a time
        matched = (mentor >= 0).astype(np.int64)
        load = np.bincount(mentor[mentor >= 0], minlength=m).astype(np.int64)
        self.cap = np.concatenate(
            [
                (1 - used) * enabled,
                used * enabled,
                1 - matched,
                matched,
                problem.residual - load,
                load,
                [_UNBOUNDED - int(matched.sum()), int(matched.sum())],
            ]
        )
        self.fresh = np.flatnonzero(~enabled)
        weight = (big + edges.q[usable]).astype(np.float64)
        self.cost = np.concatenate([-weight, weight, np.zeros(2 * n + 2 * m + 2)])
        self.pi = np.concatenate([[0.0, 0.0], duals.u.astype(np.float64), -duals.v.astype(float)])
        mentees, mentors = 2 + np.arange(n), 2 + n + np.arange(m)
        zeros, ones = np.zeros(n, dtype=np.int64), np.ones(m, dtype=np.int64)
        self.tail = np.concatenate(
            [2 + self.rows, 2 + n + self.cols, zeros, mentees, mentors, ones, [1, 0]]
        )
        self.head = np.concatenate(
            [2 + n + self.cols, 2 + self.rows, mentees, zeros, ones, mentors, [0, 1]]
        )
        size = 2 + n + m
        self.out_order = np.argsort(self.tail, kind="stable")
        self.out_ptr = np.concatenate([[0], np.cumsum(np.bincount(self.tail, minlength=size))])
        self.position = np.empty_like(self.out_order)
        self.position[self.out_order] = np.arange(self.out_order.size)
        self.in_order = np.argsort(self.head, kind="stable")
        self.in_ptr = np.concatenate([[0], np.cumsum(np.bincount(self.head, minlength=size))])
        indices = self.head[self.out_order].astype(np.int32)
        self.graph = sp.csr_matrix(
            (np.zeros(self.tail.size), indices, self.out_ptr.astype(np.int32)), shape=(size, size)
        )
        self.data = self.graph.data  # the graph's own array, updated in place
        self._refresh(np.arange(self.tail.size))

    def new_pairs(self) -> np.ndarray:
        return self.fresh

    def _refresh(self, arcs: np.ndarray) -> None:
        reduced = self.cost[arcs] + self.pi[self.tail[arcs]] - self.pi[self.head[arcs]]
        live = self.cap[arcs] > 0
        self.data[self.position[arcs]] = np.where(live, np.maximum(reduced, 0.0), _NO_ARC)

    def _arcs_at(self, nodes: np.ndarray) -> np.ndarray:
        """Ids of all arcs leaving or entering `nodes` (repeats possible)."""
        nodes = nodes.tolist()
        out = [self.out_order[self.out_ptr[v] : self.out_ptr[v + 1]] for v in nodes]
        into = [self.in_order[self.in_ptr[v] : self.in_ptr[v + 1]] for v in nodes]
        return np.concatenate(out + into)

    def settle(self, k: int) -> None:
        """Bring new pair k into the solution if a cycle through it improves it."""
        i_node, j_node = 2 + int(self.rows[k]), 2 + self.n + int(self.cols[k])
        reduced = self.cost[k] + self.pi[i_node] - self.pi[j_node]
        touched = [np.array([i_node, j_node])]
        self.cap[self.e + k] = 0
        self.cap[k] = 1  # the pair is now a residual arc of its own
        if reduced < 0:
            dist, pred = dijkstra(
                self.graph, indices=j_node, return_predecessors=True, limit=-reduced
            )
            back = dist[i_node]
            cap = min(back, -reduced)
            near = np.flatnonzero(dist < cap)
            self.pi[near] += dist[near] - cap
            touched.append(near)
            if back < -reduced:
                path = [i_node]
                while path[-1] != j_node:
                    path.append(int(pred[path[-1]]))
                path.reverse()
                for a, b in itertools.pairwise(path):
                    self._push(self._arc(a, b))
                self._push(k)
                touched.append(np.array(path))
        self._refresh(self._arcs_at(np.concatenate(touched)))

    def _arc(self, a: int, b: int) -> int:
        """The arc a -> b (there is at most one in each direction)."""
        n = self.n
        if a <= 1 and b <= 1:
            return self.back_to_source + (a == 0)
        if a == 0:
            return self.source_out + b - 2
        if b == 0:
            return self.source_in + a - 2
        if b == 1:
            return self.sink_in + a - 2 - n
        if a == 1:
            return self.sink_out + b - 2 - n
        mentee, mentor = (a, b) if a < 2 + n else (b, a)
        arcs = self.out_order[self.out_ptr[mentee] : self.out_ptr[mentee + 1]]
        k = int(arcs[(arcs < self.e) & (self.head[arcs] == mentor)][0])
        return k if a == mentee else self.e + k

    def _push(self, arc: int) -> None:
        """One unit of flow along `arc`: its capacity shrinks, its reverse's grows."""
        self.cap[arc] -= 1
        self.cap[self._reverse(arc)] += 1

    def _reverse(self, arc: int) -> int:
        e, n, m = self.e, self.n, self.m
        for low, size in ((0, e), (self.source_out, n), (self.sink_in, m)):
            if low <= arc < low + size:
                return arc + size
            if low + size <= arc < low + 2 * size:
                return arc - size
        return self.back_to_source + (arc == self.back_to_source)

    def assignment(self) -> np.ndarray:
        mentor = np.full(self.n, -1, dtype=np.int64)
        used = self.cap[self.e : 2 * self.e] == 1
        if np.bincount(self.rows[used], minlength=self.n).max(initial=0) > 1:
            raise RuntimeError("repair gave a mentee two mentors")
        mentor[self.rows[used]] = self.cols[used]
        return mentor


@dataclass
class _Duals:
    u: np.ndarray  # per mentee (0 for locked / unmatched)
    v: np.ndarray  # per mentor


def _duals(*, edges: _Edges, mentor: np.ndarray, residual: np.ndarray, big: int) -> _Duals | None:
    """Smallest mentor prices v >= 0 making the restricted solution provably optimal.

    With weights w = big + q, LP duality for max-weight b-matching asks u_i + v_j >= w_ij on
    every candidate pair, u, v >= 0, equality on chosen pairs, u_i = 0 for unmatched mentees
    and v_j = 0 for mentors with spare capacity. Substituting u_i = w(i, mentor_i) - v(mentor_i)
    leaves difference constraints on v alone; their least solution is the fixpoint of
    v_j = max(0, max_i (w_ij - u_i)), reached from v = 0 by monotone sweeps (longest paths).
    Returns None when no such prices exist, i.e. the solution is not optimal.
    """
    usable = residual[edges.cols] > 0
    rows, cols = edges.rows[usable], edges.cols[usable]
    weight = big + edges.q[usable]
    matched = mentor >= 0
    chosen = mentor[rows] == cols
    own = np.zeros(mentor.size, dtype=np.int64)
    own[rows[chosen]] = weight[chosen]
    load = np.bincount(mentor[matched], minlength=residual.size)
    spare = load < residual
    order = np.argsort(cols, kind="stable")
    rows, cols, weight = rows[order], cols[order], weight[order]
    starts = np.flatnonzero(np.r_[True, cols[1:] != cols[:-1]]) if cols.size else cols
    v = np.zeros(residual.size, dtype=np.int64)
    held = np.flatnonzero(matched)
    for _ in range(_JACOBI_ITERATIONS):
        u = np.zeros(mentor.size, dtype=np.int64)
        u[held] = own[held] - v[mentor[held]]
        if (u < 0).any():
            return None
        bound = np.zeros_like(v)
        if cols.size:
            bound[cols[starts]] = np.maximum.reduceat(weight - u[rows], starts)
        np.maximum(bound, 0, out=bound)
        if (bound[spare] > 0).any():
            return None
        if np.array_equal(bound, v):
            return _Duals(u=u, v=v)
        v = bound
    return _duals_bellman_ford(rows, cols, weight, mentor, own, spare)


def _duals_bellman_ford(rows, cols, weight, mentor, own, spare) -> _Duals | None:
    """Same least prices via scipy's Bellman-Ford, for the rare very long price chains."""
    m = spare.size
    root = m
    matched_rows = mentor[rows] >= 0
    # v_j >= v_a - own_i + w_ij (i holds a), v_j >= w_ij (i unmatched), v_j >= 0.
    src = np.where(matched_rows, mentor[rows], root)
    gain = np.where(matched_rows, weight - own[rows], weight)
    # Least solution = longest paths from root = -(shortest paths with negated gains).
    src = np.concatenate([src, np.full(m, root)])
    dst = np.concatenate([cols, np.arange(m)])
    cost = -np.concatenate([gain, np.zeros(m, dtype=np.int64)]).astype(np.float64)
    # Parallel arcs would be summed by the sparse constructor: keep the cheapest of each.
    order = np.lexsort((cost, dst, src))
    src, dst, cost = src[order], dst[order], cost[order]
    first = np.r_[True, (src[1:] != src[:-1]) | (dst[1:] != dst[:-1])]
    graph = sp.csr_matrix((cost[first], (src[first], dst[first])), shape=(m + 1, m + 1))
    try:
        dist = bellman_ford(graph, directed=True, indices=root)
    except Exception:  # NegativeCycleError: no prices exist
        return None
    v = np.rint(-dist[:m]).astype(np.int64)
    v = np.maximum(v, 0)
    if (v[spare] > 0).any():
        return None
    held = np.flatnonzero(mentor >= 0)
    u = np.zeros(mentor.size, dtype=np.int64)
    u[held] = own[held] - v[mentor[held]]
    return None if (u < 0).any() else _Duals(u=u, v=v)


def _dual_gap(
    *, edges: _Edges, mentor: np.ndarray, duals: _Duals, residual: np.ndarray, big: int
) -> int:
    """Dual objective minus primal objective, in score units; 0 proves restricted optimality."""
    chosen = mentor[edges.rows] == edges.cols
    primal = int((big + edges.q[chosen]).sum())
    dual = int(duals.u.sum()) + int((residual * duals.v).sum())
    return dual - primal


def _violations(
    *, problem: _Problem, candidates: _Candidates, duals: _Duals, big: int
) -> tuple[_Edges, int]:
    """Allowed pairs outside the candidates whose dual constraint fails, and rows re-scored.

    Unchosen pool entries are checked in memory. A row needs no re-scoring when even its best
    score beyond the pool, against the cheapest mentor price, satisfies the constraint; the
    other rows are re-scored in full, their most violated pairs are returned and their
    beyond-pool best score is updated.
    """
    pool = candidates.pool
    found = _pool_violations(candidates=candidates, duals=duals, big=big)
    open_cols = problem.residual > 0
    cheapest = int(duals.v[open_cols].min()) if open_cols.any() else 0
    suspect = problem.free & (pool.tail_q >= 0) & (duals.u + cheapest < big + pool.tail_q)
    rows = np.flatnonzero(suspect)
    for chunk in _chunks(rows, problem.source.block_rows):
        extra, tail = _row_violations(problem, candidates, duals, chunk, big)
        pool.tail_q[chunk] = tail
        found = found.extend(extra)
    return found, int(rows.size)


_ADD_PER_ROW = 16


def _pool_violations(*, candidates: _Candidates, duals: _Duals, big: int) -> _Edges:
    pool = candidates.pool
    outside = ~candidates.chosen & (pool.cols >= 0)
    if not outside.any():
        return _Edges.empty()
    cols = np.maximum(pool.cols, 0)
    slack = big + pool.q - duals.u[:, None] - duals.v[cols]
    slack[~outside] = -1
    take = min(_ADD_PER_ROW, slack.shape[1])
    top = np.argpartition(-slack, take - 1, axis=1)[:, :take]
    hit = np.take_along_axis(slack, top, axis=1) > 0
    rows = np.broadcast_to(np.arange(slack.shape[0])[:, None], top.shape)[hit]
    k = top[hit]
    return _Edges(rows, pool.cols[rows, k], pool.q[rows, k], pool.values[rows, k])


def _row_violations(
    problem: _Problem, candidates: _Candidates, duals: _Duals, rows: np.ndarray, big: int
) -> tuple[_Edges, np.ndarray]:
    """Most violated pairs of `rows` beyond the pool (up to _ADD_PER_ROW each) and each row's
    new beyond-pool best score."""
    block = problem.source.block(rows).astype(np.float64)
    block[:, problem.residual == 0] = -np.inf
    pool_cols = candidates.pool.cols[rows]
    local = np.broadcast_to(np.arange(rows.size)[:, None], pool_cols.shape)
    block[local[pool_cols >= 0], pool_cols[pool_cols >= 0]] = -np.inf  # checked in memory
    extra = candidates.extra
    position = np.full(problem.n, -1, dtype=np.int64)
    position[rows] = np.arange(rows.size)
    mine = position[extra.rows] >= 0
    block[position[extra.rows[mine]], extra.cols[mine]] = -np.inf  # already candidates
    q = _quantize(block)
    slack = (big + q) - duals.u[rows, None] - duals.v[None, :]
    slack[q < 0] = -1
    take = min(_ADD_PER_ROW, slack.shape[1])
    top = np.argpartition(-slack, take - 1, axis=1)[:, :take]
    hit = np.take_along_axis(slack, top, axis=1) > 0
    r_local = np.broadcast_to(np.arange(rows.size)[:, None], top.shape)[hit]
    c = top[hit]
    found = _Edges(rows[r_local], c, q[r_local, c], block[r_local, c])
    q[r_local, c] = -1
    return found, q.max(axis=1)


# --- the stable solver -------------------------------------------------------------------------


def solve_stable(
    *,
    scores: np.ndarray | ScoreSource,
    capacities: np.ndarray,
    forbidden: np.ndarray | None = None,
    locked: Sequence[tuple[int, int]] = (),
    pool_size: int = 32,
    workers: int = 2,
) -> Assignment:
    """Mentee-proposing deferred acceptance with capacities; both sides rank by score.

    Locked pairs are fixed first and take their slots; the other mentees then propose in
    order of (score desc, mentor index asc) and each mentor keeps its best (score desc,
    mentee index asc) proposals up to its remaining capacity. Because both sides rank pairs by
    the same score, the result is the unique stable matching, equal to taking pairs greedily
    in decreasing score order while both sides have room. Proposal lists are read lazily: a
    mentee whose `pool_size` best mentors are exhausted gets its row re-scored.
    """
    clock = time.perf_counter()
    problem = _prepare(scores=scores, capacities=capacities, forbidden=forbidden, locked=locked)
    pool = _scan(problem, k=pool_size, workers=workers)
    timings = {"scan": time.perf_counter() - clock}
    tick = time.perf_counter()
    state = _DeferredAcceptance(problem, pool)
    rounds = state.run()
    timings["solve"] = time.perf_counter() - tick
    timings["total"] = time.perf_counter() - clock
    return _finish(
        problem=problem,
        mentor=state.mentor,
        pair_scores=state.value,
        pool=pool,
        method="stable",
        proven=False,
        certificate={"rounds": rounds, "rows_rescored": state.rescored},
        timings=timings,
    )


class _DeferredAcceptance:
    """Vectorised deferred acceptance: every free mentee proposes once per round.

    A full mentor rejects anyone it likes less than the worst mentee it holds, and that bar
    only rises, so such proposals are skipped outright: the outcome is unchanged (a certain
    rejection changes nothing) while over-subscribed programs need far fewer rounds.
    """

    def __init__(self, problem: _Problem, pool: _Pool) -> None:
        self.problem = problem
        n, m = problem.n, problem.m
        self.shift = np.int64(1 << int(max(n, m) + 1).bit_length())
        self.mentor = np.full(n, -1, dtype=np.int64)
        self.value = np.full(n, np.nan)
        self.hold_key = np.zeros(n, dtype=np.int64)
        self.bar = np.full(m, -1, dtype=np.int64)  # worst held key of a full mentor, else -1
        self.done = ~problem.free | (m == 0)
        self.rescored = 0
        self._init_lists(pool)

    def _pref_key(self, q: np.ndarray, index: np.ndarray) -> np.ndarray:
        """Strict preference key: higher score first, then lower index."""
        return q * self.shift + (self.shift - 1 - index)

    def _init_lists(self, pool: _Pool) -> None:
        # Only pool entries scoring above the best score left outside are complete, so only
        # they can be ordered exactly; the rest of the list is read by re-scoring later.
        safe = (pool.cols >= 0) & (pool.q > pool.tail_q[:, None])
        key = np.where(safe, self._pref_key(pool.q, np.maximum(pool.cols, 0)), -1)
        order = np.argsort(-key, axis=1, kind="stable")
        self.cols = np.take_along_axis(np.where(safe, pool.cols, -1), order, axis=1)
        self.q = np.take_along_axis(pool.q, order, axis=1)
        self.values = np.take_along_axis(pool.values, order, axis=1)
        self.length = safe.sum(axis=1)
        self.next = np.zeros(self.problem.n, dtype=np.int64)
        self.last_key = np.full(self.problem.n, np.iinfo(np.int64).max)
        # A row whose pool holds every allowed mentor needs no re-scoring when exhausted.
        self._complete = pool.tail_q < 0

    def run(self) -> int:
        rounds = 0
        while True:
            free = np.flatnonzero((self.mentor < 0) & ~self.done)
            self._advance(free)
            self._extend(free[self.next[free] >= self.length[free]])
            free = np.flatnonzero((self.mentor < 0) & ~self.done)
            self._advance(free)
            proposers = free[self.next[free] < self.length[free]]
            if proposers.size == 0:
                if free.size == 0:
                    return rounds
                continue
            rounds += 1
            self._propose(proposers)

    def _advance(self, rows: np.ndarray) -> None:
        """Move each row's pointer to its first list entry that is not a certain rejection."""
        if rows.size == 0:
            return
        cols = self.cols[rows]
        width = cols.shape[1]
        mentor_key = self._pref_key(self.q[rows], rows[:, None])
        hopeful = (cols >= 0) & (mentor_key > self.bar[np.maximum(cols, 0)])
        hopeful &= np.arange(width)[None, :] >= self.next[rows, None]
        hopeful &= np.arange(width)[None, :] < self.length[rows, None]
        first = np.where(hopeful.any(axis=1), hopeful.argmax(axis=1), self.length[rows])
        skipped = first > self.next[rows]
        moved = rows[skipped]
        last = first[skipped] - 1
        self.last_key[moved] = self._pref_key(self.q[moved, last], self.cols[moved, last])
        self.next[rows] = first

    def _extend(self, rows: np.ndarray) -> None:
        """Next chunk of each row's preference list, after the last mentor it considered."""
        finished = rows[self._complete[rows]]
        self.done[finished] = True
        rows = rows[~self._complete[rows]]
        if rows.size == 0:
            return
        self.rescored += int(rows.size)
        width = self.cols.shape[1]
        m = self.problem.m
        for chunk in _chunks(rows, self.problem.source.block_rows):
            block = self.problem.source.block(chunk)
            block[:, self.problem.residual == 0] = -np.inf
            q = _quantize(block)
            key = np.where(q >= 0, self._pref_key(q, np.arange(m)[None, :]), -1)
            key[key >= self.last_key[chunk, None]] = -1
            key[self._pref_key(q, chunk[:, None]) <= self.bar[None, :]] = -1
            take = min(width, m)
            top = np.argpartition(-key, take - 1, axis=1)[:, :take]
            top_key = np.take_along_axis(key, top, axis=1)
            order = np.argsort(-top_key, axis=1, kind="stable")
            top = np.take_along_axis(top, order, axis=1)
            live = np.take_along_axis(top_key, order, axis=1) >= 0
            self.cols[chunk, :take] = np.where(live, top, -1)
            self.q[chunk, :take] = np.take_along_axis(q, top, axis=1)
            self.values[chunk, :take] = np.take_along_axis(block, top, axis=1)
            self.length[chunk] = live.sum(axis=1)
            self.next[chunk] = 0
            self.done[chunk[~live.any(axis=1)]] = True

    def _propose(self, proposers: np.ndarray) -> None:
        slot = self.next[proposers]
        target = self.cols[proposers, slot]
        q = self.q[proposers, slot]
        self.next[proposers] += 1
        self.last_key[proposers] = self._pref_key(q, target)
        touched = np.zeros(self.problem.m, dtype=bool)
        touched[target] = True
        holders = np.flatnonzero((self.mentor >= 0) & touched[self.mentor])
        who = np.concatenate([holders, proposers])
        where = np.concatenate([self.mentor[holders], target])
        key = np.concatenate([self.hold_key[holders], self._pref_key(q, proposers)])
        value = np.concatenate([self.value[holders], self.values[proposers, slot]])
        order = np.lexsort((-key, where))
        who, where, key, value = who[order], where[order], key[order], value[order]
        first = np.flatnonzero(np.r_[True, where[1:] != where[:-1]])
        size = np.diff(np.r_[first, where.size])
        rank = np.arange(where.size) - np.repeat(first, size)
        room = self.problem.residual[where]
        keep = rank < room
        self.mentor[who[~keep]] = -1
        self.value[who[~keep]] = np.nan
        self.mentor[who[keep]] = where[keep]
        self.hold_key[who[keep]] = key[keep]
        self.value[who[keep]] = value[keep]
        # A mentor that is now full sets its bar at the worst mentee it keeps.
        last_kept = first + np.minimum(size, room[first]) - 1
        full = size >= room[first]
        self.bar[where[first]] = np.where(full, key[last_kept], -1)
