"""Shared preparation of both solvers: validation, locks, the candidate pool scan, results."""

from __future__ import annotations

import ctypes
import functools
from collections.abc import Iterator, Sequence
from concurrent.futures import ThreadPoolExecutor
from dataclasses import dataclass
from pathlib import Path
from typing import Any

import numpy as np
import scipy.sparse as sp

from matching.solver.contract import RESOLUTION, Assignment, DenseScores, ScoreSource


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


def _wanted(preferred: Sequence[tuple[int, int]], problem: _Problem) -> np.ndarray:
    """The preferred mentor per mentee (-1 for none); locked mentees keep their lock."""
    want = np.full(problem.n, -1, dtype=np.int64)
    for mentee, mentor in preferred:
        if not (0 <= mentee < problem.n and 0 <= mentor < problem.m):
            raise ValueError(f"preferred pair ({mentee}, {mentor}) is out of range")
        if want[mentee] >= 0:
            raise ValueError(f"mentee {mentee} is preferred with more than one mentor")
        want[mentee] = mentor
    want[~problem.free] = -1
    return want


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


def _grouped(keys: np.ndarray, size: int) -> tuple[np.ndarray, np.ndarray]:
    """Positions 0..len(keys)-1 grouped by key in [0, size), in their original order within a
    key, and where each key's group starts (length size + 1): `argsort(keys, kind="stable")`
    and its group pointers. scipy's CSR construction does this counting sort in C, three times
    faster than numpy's stable sort of int64 keys."""
    marks = np.ones(keys.size, dtype=np.int8)
    graph = sp.csr_matrix((marks, (keys, np.arange(keys.size))), shape=(size, keys.size))
    return graph.indices.astype(np.int64), graph.indptr.astype(np.int64)


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


# Pairs per block of the scan, when the source's own blocks are larger: a block's scores and
# the scorer's temporaries then stay near 2 MB. With 4 MB blocks the scan of 10000 x 4000 took
# twice as long (0.8 s against 0.4 s), the difference going to faulting in fresh pages. Very
# wide programs keep at least _SCAN_ROWS rows a block, so that per-call costs stay small.
_SCAN_PAIRS = 2**19
_SCAN_ROWS = 64


def _scan(problem: _Problem, *, k: int, workers: int) -> _Pool:
    """One pass over all row blocks: allowed-mentor counts and each free row's top-k pool.

    Blocks are scored by `workers` threads (numpy releases the GIL), each with single-threaded
    BLAS; the source's block() must therefore be thread-safe. The blocks are at most the
    source's `block_rows` (see `_SCAN_PAIRS`); each entry is a function of its pair alone, so
    the block size changes only the speed.
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

    step = max(1, min(problem.source.block_rows, max(_SCAN_ROWS, _SCAN_PAIRS // max(1, m))))

    def scan_block(start: int) -> None:
        stop = min(n, start + step)
        block = problem.source.block(slice(start, stop))
        allowed = _allowed_counts(block, start)
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

    starts = range(0, n, step)
    with ThreadPoolExecutor(max_workers=max(1, workers), initializer=_blas_single_thread) as ex:
        list(ex.map(scan_block, starts))  # list() re-raises a worker's exception
    return pool


def _allowed_counts(block: np.ndarray, first_row: int) -> np.ndarray:
    """Allowed (> -inf) entries per row, once the block is checked: a source's scores are -inf
    (forbidden) or finite within [0, 1]. Anything else (NaN, +inf, negative, above 1) would give
    results that depend on the pool size yet pass the proof, so it is refused. Every row passes
    through the scan once, so this covers them all. (No entry lies in (-inf, 0) exactly when as
    many are >= 0 as are > -inf; NaN propagates into the max.)"""
    allowed = np.count_nonzero(block > -np.inf, axis=1)
    highest = block.max(initial=-np.inf)
    if highest <= 1 and np.count_nonzero(block >= 0) == allowed.sum():
        return allowed
    bad = ~((block == -np.inf) | ((block >= 0) & (block <= 1)))
    i, j = (int(x) for x in np.argwhere(bad)[0])  # the checks above fail only on such an entry
    raise ValueError(
        f"the score source gave {float(block[i, j])!r} for mentee {first_row + i}, mentor {j}: "
        "scores must be finite and within [0, 1], or -inf for a forbidden pair"
    )


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
    count = np.bincount(row, minlength=b)
    rank = np.arange(row.size) - np.repeat(np.cumsum(count) - count, count)
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
