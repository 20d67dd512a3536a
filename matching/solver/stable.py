"""The stable solver: mentee-proposing deferred acceptance with capacities."""

from __future__ import annotations

import time
from collections.abc import Sequence

import numpy as np

from matching.solver.candidates import (
    _chunks,
    _finish,
    _Pool,
    _prepare,
    _Problem,
    _quantize,
    _scan,
    _wanted,
)
from matching.solver.contract import Assignment, ScoreSource


def solve_stable(
    *,
    scores: np.ndarray | ScoreSource,
    capacities: np.ndarray,
    forbidden: np.ndarray | None = None,
    locked: Sequence[tuple[int, int]] = (),
    preferred: Sequence[tuple[int, int]] = (),
    pool_size: int = 32,
    workers: int = 2,
) -> Assignment:
    """Mentee-proposing deferred acceptance with capacities; both sides rank by score.

    preferred: (mentee, mentor) pairs (at most one per mentee) that both sides rank first
    among equal scores, before the lower index: a re-run keeps them where the scores allow.
    Any such tie-break of equal scores still leaves no pair that would both rather be
    together.

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
    want = _wanted(preferred, problem)
    state = _DeferredAcceptance(problem, pool, want)
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

    def __init__(self, problem: _Problem, pool: _Pool, want: np.ndarray) -> None:
        self.problem = problem
        self.want = want  # preferred mentor per mentee, -1 for none
        n, m = problem.n, problem.m
        self.shift = np.int64(1 << int(max(n, m) + 1).bit_length())
        self.mentor = np.full(n, -1, dtype=np.int64)
        self.value = np.full(n, np.nan)
        self.hold_key = np.zeros(n, dtype=np.int64)
        self.bar = np.full(m, -1, dtype=np.int64)  # worst held key of a full mentor, else -1
        self.done = ~problem.free | (m == 0)
        self.rescored = 0
        self._init_lists(pool)

    def _pref_key(self, q: np.ndarray, index: np.ndarray, preferred: np.ndarray) -> np.ndarray:
        """Strict preference key: higher score first, then a preferred pair, then lower index."""
        return (2 * q + preferred) * self.shift + (self.shift - 1 - index)

    def _init_lists(self, pool: _Pool) -> None:
        # Only pool entries scoring above the best score left outside are complete, so only
        # they can be ordered exactly; the rest of the list is read by re-scoring later.
        safe = (pool.cols >= 0) & (pool.q > pool.tail_q[:, None])
        cols = np.maximum(pool.cols, 0)
        key = np.where(safe, self._pref_key(pool.q, cols, self.want[:, None] == cols), -1)
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
        preferred = self.want[rows, None] == cols
        mentor_key = self._pref_key(self.q[rows], rows[:, None], preferred)
        hopeful = (cols >= 0) & (mentor_key > self.bar[np.maximum(cols, 0)])
        hopeful &= np.arange(width)[None, :] >= self.next[rows, None]
        hopeful &= np.arange(width)[None, :] < self.length[rows, None]
        first = np.where(hopeful.any(axis=1), hopeful.argmax(axis=1), self.length[rows])
        skipped = first > self.next[rows]
        moved = rows[skipped]
        last = first[skipped] - 1
        col = self.cols[moved, last]
        self.last_key[moved] = self._pref_key(self.q[moved, last], col, self.want[moved] == col)
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
            preferred = self.want[chunk, None] == np.arange(m)[None, :]
            key = np.where(q >= 0, self._pref_key(q, np.arange(m)[None, :], preferred), -1)
            key[key >= self.last_key[chunk, None]] = -1
            key[self._pref_key(q, chunk[:, None], preferred) <= self.bar[None, :]] = -1
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
        preferred = self.want[proposers] == target
        self.last_key[proposers] = self._pref_key(q, target, preferred)
        touched = np.zeros(self.problem.m, dtype=bool)
        touched[target] = True
        holders = np.flatnonzero((self.mentor >= 0) & touched[self.mentor])
        who = np.concatenate([holders, proposers])
        where = np.concatenate([self.mentor[holders], target])
        key = np.concatenate([self.hold_key[holders], self._pref_key(q, proposers, preferred)])
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
