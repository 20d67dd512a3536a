"""The exact solve: the lexicographic optimum on candidate pairs, repaired until proven."""

from __future__ import annotations

import time
from collections.abc import Sequence
from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import min_weight_full_bipartite_matching as _lapjvsp

from matching.solver.candidates import (
    _Edges,
    _finish,
    _grouped,
    _Pool,
    _prepare,
    _Problem,
    _scan,
    _wanted,
)
from matching.solver.contract import RESOLUTION, Assignment, ScoreSource
from matching.solver.network import _Network
from matching.solver.proof import _dual_gap, _Duals, _duals, _tight, _violations

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
        n, k = pool.cols.shape
        if self.chosen.all():  # the first solve: the whole pool, without masked copies
            rows = np.repeat(np.arange(n), k)
            inside = _Edges(rows, pool.cols.ravel(), pool.q.ravel(), pool.values.ravel())
        else:
            rows = np.broadcast_to(np.arange(n)[:, None], pool.cols.shape)
            keep = self.chosen
            inside = _Edges(rows[keep], pool.cols[keep], pool.q[keep], pool.values[keep])
        return inside.extend(self.extra) if self.extra.rows.size else inside

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
    preferred: Sequence[tuple[int, int]] = (),
    pool_size: int = 48,
    max_rounds: int = 20,
    workers: int = 2,
) -> Assignment:
    """Max-cardinality, then max-total-score assignment, proven optimal for the full matrix.

    preferred: (mentee, mentor) pairs to keep where that costs nothing: among the optimal
    assignments, one with the most preferred pairs is returned (a third, lexicographic
    objective; see `_prefer`). At most one per mentee; pairs of locked mentees are ignored.
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
    want = _wanted(preferred, problem)
    if proven and (want >= 0).any():
        tick = time.perf_counter()
        mentor, edges = _prefer(
            problem=problem, candidates=candidates, edges=edges, mentor=mentor, duals=duals,
            big=big, want=want,
        )  # fmt: skip
        stats["preferred_kept"] = int((mentor[want >= 0] == want[want >= 0]).sum())
        timings["prefer"] = time.perf_counter() - tick
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


def _prefer(
    *,
    problem: _Problem,
    candidates: _Candidates,
    edges: _Edges,
    mentor: np.ndarray,
    duals: _Duals,
    big: int,
    want: np.ndarray,
) -> tuple[np.ndarray, _Edges]:
    """Among the optimal assignments, one that keeps the most wanted pairs.

    The proven prices (u, v) characterise every optimal assignment by complementary
    slackness: it uses only tight pairs (u_i + v_j = big + q_ij), matches every mentee with
    u_i > 0 and fills every mentor with v_j > 0. So the same exact solve is run once more on
    the tight pairs (`_tight`) with small integer weights: A for a forced mentee, A for a
    forced mentor's slot, plus 1 for a wanted pair, where A = (number wanted) + 1. Every
    optimal assignment scores the full forced part and the wanted pairs add less than A, so
    the best one is again optimal, with the same prices as its proof, and keeps the most
    wanted pairs. It is checked against those conditions; if the check fails (never
    expected) the first optimum stands.
    """
    a = int((want >= 0).sum()) + 1
    if 2 * a + 1 > RESOLUTION:  # weights must fit the solver's score range
        return mentor, edges
    tight = _tight(
        problem=problem, candidates=candidates, edges=edges, duals=duals, big=big, want=want
    )
    weight = (
        a * (duals.u[tight.rows] > 0)
        + a * (duals.v[tight.cols] > 0)
        + (want[tight.rows] == tight.cols)
    ).astype(np.int64)
    second = _solve_restricted(
        edges=_Edges(tight.rows, tight.cols, weight, tight.values),
        residual=problem.residual,
        n=problem.n,
    )
    matched = second >= 0
    load = np.bincount(second[matched], minlength=problem.m)
    slack_free = ((duals.u > 0) <= matched).all() and (
        (duals.v > 0) <= (load == problem.residual)
    ).all()
    if not slack_free or int(matched.sum()) != int((mentor >= 0).sum()):
        return mentor, edges
    return second, edges.extend(tight)


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
    rows, cols, q = edges.rows, edges.cols, edges.q
    usable = residual[cols] > 0
    if not usable.all():  # copies of these large arrays cost more than the test
        rows, cols, q = rows[usable], cols[usable], q[usable]
    if rows.size == 0:
        return mentor
    present = np.bincount(rows, minlength=n) > 0
    row_ids = np.flatnonzero(present)
    if row_ids.size < n:
        rows = (np.cumsum(present) - 1)[rows]
    slots = _expand_slots(rows, cols, q, residual)
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
    cost: np.ndarray  # RESOLUTION + 1 - q
    mentor: np.ndarray  # mentor of each slot
    n_slots: int

    def graph(self, *, n_rows: int, extra_cols: int) -> sp.csr_matrix:
        """Cost matrix; extra_cols > 0 appends each row's private "unmatched" column."""
        cost = self.cost
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
    """Replicate each candidate pair once per slot of its mentor, rows in ascending order.

    The pairs are built per pair and repeated once, since the slot arrays are several times
    larger (pool pairs usually arrive sorted by row already)."""
    if (rows[1:] < rows[:-1]).any():
        order, _ = _grouped(rows, int(rows.max()) + 1)
        rows, cols, q = rows[order], cols[order], q[order]
    degree = np.bincount(cols, minlength=residual.size)
    copies = np.minimum(residual, degree)
    first_slot = np.concatenate([[0], np.cumsum(copies)])
    repeat = copies[cols]
    before = np.cumsum(repeat) - repeat  # slot entries of the pairs before each pair
    slot = np.repeat((first_slot[cols] - before).astype(np.int32), repeat)
    slot += np.arange(slot.size, dtype=np.int32)
    per_row = np.bincount(rows, weights=repeat, minlength=int(rows[-1]) + 1)
    indptr = np.concatenate([[0], np.cumsum(per_row)]).astype(np.int32)
    mentor = np.repeat(np.arange(residual.size), copies)
    cost = np.repeat((RESOLUTION + 1 - q).astype(np.float64), repeat)
    return _Slots(indptr, slot, cost, mentor, int(first_slot[-1]))


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

    The search radii are of the order of the new pairs' violations, and most old pairs have
    reduced costs far above that, so the network is first built without the old pairs whose
    reduced cost exceeds twice the total violation. A step whose radius could reach one of them
    is refused (`_Network.margin`) and the repair then starts again on all pairs; either way
    every step, and so the result, is the one the full network gives.
    """
    slack = duals.u[edges.rows] + duals.v[edges.cols] - (big + edges.q)
    violation = (big + new.q) - duals.u[new.rows] - duals.v[new.cols]
    within = slack <= 2 * int(np.maximum(violation, 0).sum())
    left_out = ~within & (problem.residual[edges.cols] > 0)
    if left_out.any():
        nearby = _Edges(*(a[within] for a in _fields(edges)))
        margin = float(slack[left_out].min())
        assignment = _settle_new(nearby, new, mentor, duals, problem, big, margin)
        if assignment is not None:
            return assignment
    return _settle_new(edges, new, mentor, duals, problem, big, np.inf)


def _settle_new(
    edges: _Edges,
    new: _Edges,
    mentor: np.ndarray,
    duals: _Duals,
    problem: _Problem,
    big: int,
    margin: float,
) -> np.ndarray | None:
    """The repaired assignment, or None when a step was refused for want of pairs left out."""
    network = _Network(
        edges=edges.extend(new), first_new=edges.rows.size, mentor=mentor, duals=duals,
        problem=problem, big=big, margin=margin,
    )  # fmt: skip
    for k in network.new_pairs():
        if not network.settle(int(k)):
            return None
    return network.assignment()
