"""The optimality proof: dual prices for the restricted solution, pairs that violate them."""

from __future__ import annotations

from dataclasses import dataclass
from typing import TYPE_CHECKING

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import bellman_ford

# The package, not a name from it: _duals reads _JACOBI_ITERATIONS from it at call time so
# that a patched `matching.solver._JACOBI_ITERATIONS` (as in the tests) takes effect.
from matching import solver as _package
from matching.solver.candidates import _chunks, _Edges, _grouped, _Problem, _quantize

if TYPE_CHECKING:
    from matching.solver.exact import _Candidates


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
    rows, cols, q = edges.rows, edges.cols, edges.q
    usable = residual[cols] > 0
    if not usable.all():
        rows, cols, q = rows[usable], cols[usable], q[usable]
    matched = mentor >= 0
    chosen = mentor[rows] == cols
    own = np.zeros(mentor.size, dtype=np.int64)
    own[rows[chosen]] = big + q[chosen]
    load = np.bincount(mentor[matched], minlength=residual.size)
    spare = load < residual
    order, ptr = _grouped(cols, residual.size)  # pairs by mentor: one reduceat per sweep
    rows, weight = rows[order], big + q[order]
    listed = np.flatnonzero(ptr[:-1] < ptr[1:])  # mentors with any pair
    v = np.zeros(residual.size, dtype=np.int64)
    held = np.flatnonzero(matched)
    gain = np.empty_like(weight)  # reused: a fresh array per sweep costs more in page faults
    for _ in range(_package._JACOBI_ITERATIONS):
        u = np.zeros(mentor.size, dtype=np.int64)
        u[held] = own[held] - v[mentor[held]]
        if (u < 0).any():
            return None
        bound = np.zeros_like(v)
        if rows.size:
            np.subtract(weight, np.take(u, rows, out=gain), out=gain)
            bound[listed] = np.maximum.reduceat(gain, ptr[listed])
        np.maximum(bound, 0, out=bound)
        if (bound[spare] > 0).any():
            return None
        if np.array_equal(bound, v):
            return _Duals(u=u, v=v)
        v = bound
    cols = np.repeat(np.arange(residual.size), np.diff(ptr))
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


def _beyond_pool(
    problem: _Problem, candidates: _Candidates, rows: np.ndarray
) -> tuple[np.ndarray, np.ndarray]:
    """`rows` re-scored over the whole matrix, with full mentors and the pairs already checked
    in memory (pool entries, extra candidates) masked out: scores and quantized weights."""
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
    return block, q


def _row_violations(
    problem: _Problem, candidates: _Candidates, duals: _Duals, rows: np.ndarray, big: int
) -> tuple[_Edges, np.ndarray]:
    """Most violated pairs of `rows` beyond the pool (up to _ADD_PER_ROW each) and each row's
    new beyond-pool best score."""
    block, q = _beyond_pool(problem, candidates, rows)
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


def _tight(
    *,
    problem: _Problem,
    candidates: _Candidates,
    edges: _Edges,
    duals: _Duals,
    big: int,
    want: np.ndarray,
) -> _Edges:
    """Allowed pairs whose dual constraint holds with equality under proven prices: the pairs
    some optimal assignment may use (complementary slackness). Candidate pairs and unchosen
    pool entries are checked in memory; a row is re-scored only when its best score beyond
    the pool could be tight, and keeps its wanted pair (`want`: a mentor per mentee, -1 for
    none) and up to _ADD_PER_ROW other such pairs (a subset of the tight pairs still only ever
    gives optimal assignments)."""
    usable = problem.residual[edges.cols] > 0
    on = usable & (duals.u[edges.rows] + duals.v[edges.cols] == big + edges.q)
    found = _Edges(*(a[on] for a in (edges.rows, edges.cols, edges.q, edges.values)))
    pool = candidates.pool
    outside = ~candidates.chosen & (pool.cols >= 0)
    if outside.any():
        cols = np.maximum(pool.cols, 0)
        slack = big + pool.q - duals.u[:, None] - duals.v[cols]
        hit = outside & (slack == 0) & (problem.residual[cols] > 0)
        rows = np.broadcast_to(np.arange(hit.shape[0])[:, None], hit.shape)[hit]
        found = found.extend(_Edges(rows, pool.cols[hit], pool.q[hit], pool.values[hit]))
    open_cols = problem.residual > 0
    cheapest = int(duals.v[open_cols].min()) if open_cols.any() else 0
    suspect = problem.free & (pool.tail_q >= 0) & (duals.u + cheapest <= big + pool.tail_q)
    for chunk in _chunks(np.flatnonzero(suspect), problem.source.block_rows):
        found = found.extend(_row_tight(problem, candidates, duals, chunk, big, want))
    return found


def _row_tight(
    problem: _Problem,
    candidates: _Candidates,
    duals: _Duals,
    rows: np.ndarray,
    big: int,
    want: np.ndarray,
) -> _Edges:
    block, q = _beyond_pool(problem, candidates, rows)
    tight = (q >= 0) & ((big + q) - duals.u[rows, None] - duals.v[None, :] == 0)
    # The wanted pair, and the lowest other columns up to _ADD_PER_ROW per row.
    rank = np.cumsum(tight, axis=1)
    wanted = np.arange(problem.m)[None, :] == want[rows][:, None]
    tight &= (rank <= _ADD_PER_ROW) | wanted
    r_local, c = np.nonzero(tight)
    return _Edges(rows[r_local], c, q[r_local, c], block[r_local, c])
