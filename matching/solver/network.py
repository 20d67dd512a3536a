"""The residual network `_repair` works on, with node potentials, kept as one CSR graph."""

from __future__ import annotations

import itertools

import numpy as np
import scipy.sparse as sp
from scipy.sparse.csgraph import dijkstra

from matching.solver.candidates import _Edges, _grouped, _Problem
from matching.solver.proof import _Duals

_NO_ARC = 1e18  # weight of an arc that has no residual capacity (beyond any search radius)
_UNBOUNDED = 1 << 40  # capacity of the sink -> source arc


class _Network:
    """Residual network of an assignment with node potentials, kept as one CSR graph.

    Node ids: 0 source, 1 sink, 2 + i mentee i, 2 + n + j mentor j. Arc ids, in blocks: pair
    forward (mentee -> mentor), pair backward, source -> mentee, mentee -> source, mentor -> sink,
    sink -> mentor, then sink -> source and source -> sink. `cap` is each arc's residual
    capacity; the CSR data holds each arc's reduced cost, or _NO_ARC when it has no capacity,
    and is rewritten only around the nodes a step touches (every arc has a reverse, so the arcs
    entering a node are the reverses of those leaving it).

    `margin` is a lower bound on the reduced cost of any pair left out of the network (inf
    when none is). While it exceeds a step's search radius, no path through a left-out pair is
    short enough to matter, so the step goes exactly as on the full network; each step lowers
    reduced costs by at most its radius, and so the bound.
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
        margin: float = np.inf,
    ) -> None:
        self.margin = margin
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
        self.out_order, self.out_ptr = _grouped(self.tail, size)
        self.position = np.empty_like(self.out_order)
        self.position[self.out_order] = np.arange(self.out_order.size)
        indices = self.head[self.out_order].astype(np.int32)
        self.graph = sp.csr_matrix(
            (np.zeros(self.tail.size), indices, self.out_ptr.astype(np.int32)), shape=(size, size)
        )
        self.data = self.graph.data  # the graph's own array, updated in place
        self._refresh_all()

    def new_pairs(self) -> np.ndarray:
        return self.fresh

    def _weights(self, arcs: np.ndarray | slice) -> np.ndarray:
        reduced = self.cost[arcs] + self.pi[self.tail[arcs]] - self.pi[self.head[arcs]]
        return np.where(self.cap[arcs] > 0, np.maximum(reduced, 0.0), _NO_ARC)

    def _refresh_all(self) -> None:
        self.data[:] = self._weights(slice(None))[self.out_order]

    def _refresh_at(self, nodes: np.ndarray) -> None:
        """Rewrite the weights of the arcs at `nodes`, or of all arcs when that is about as
        much work (a wide Dijkstra search reaches most of the network)."""
        nodes = np.unique(nodes)
        if 8 * (self.out_ptr[nodes + 1] - self.out_ptr[nodes]).sum() >= self.tail.size:
            self._refresh_all()
            return
        leaving = _ranges(self.out_order, self.out_ptr, nodes)
        arcs = np.concatenate([leaving, self._reverse_all(leaving)])  # every arc has a reverse
        self.data[self.position[arcs]] = self._weights(arcs)

    def settle(self, k: int) -> bool:
        """Bring new pair k into the solution if a cycle through it improves it; False (and
        nothing done) when a pair left out of the network could lie within the search radius."""
        i_node, j_node = 2 + int(self.rows[k]), 2 + self.n + int(self.cols[k])
        reduced = self.cost[k] + self.pi[i_node] - self.pi[j_node]
        if -reduced >= self.margin:
            return False
        touched = [np.array([i_node, j_node])]
        self.cap[self.e + k] = 0
        self.cap[k] = 1  # the pair is now a residual arc of its own
        if reduced < 0:
            dist, pred = dijkstra(
                self.graph, indices=j_node, return_predecessors=True, limit=-reduced
            )
            back = dist[i_node]
            cap = min(back, -reduced)
            self.margin -= cap
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
        self._refresh_at(np.concatenate(touched))
        return True

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

    def _reverse_all(self, arcs: np.ndarray) -> np.ndarray:
        """`_reverse` of every arc in `arcs`."""
        out = np.full(arcs.size, self.back_to_source)
        out[arcs == self.back_to_source] += 1
        for low, size in ((0, self.e), (self.source_out, self.n), (self.sink_in, self.m)):
            first = (low <= arcs) & (arcs < low + size)
            second = (low + size <= arcs) & (arcs < low + 2 * size)
            out[first], out[second] = arcs[first] + size, arcs[second] - size
        return out

    def assignment(self) -> np.ndarray:
        mentor = np.full(self.n, -1, dtype=np.int64)
        used = self.cap[self.e : 2 * self.e] == 1
        if np.bincount(self.rows[used], minlength=self.n).max(initial=0) > 1:
            raise RuntimeError("repair gave a mentee two mentors")
        mentor[self.rows[used]] = self.cols[used]
        return mentor


def _ranges(order: np.ndarray, ptr: np.ndarray, nodes: np.ndarray) -> np.ndarray:
    """order[ptr[v]:ptr[v + 1]] for every v in `nodes`, concatenated, without a Python loop."""
    start, length = ptr[nodes], ptr[nodes + 1] - ptr[nodes]
    shift = np.repeat(start - np.cumsum(length) + length, length)
    return order[shift + np.arange(shift.size)]
