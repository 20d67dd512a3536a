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
and a mentor the lower mentee index (stable solver), after any `preferred` pair, which both
sides rank first within a tie. The optimal solver returns one optimal
assignment chosen deterministically by the algorithm (same input, same output); which of
several equally good assignments it is follows no simpler rule, unless `preferred` pairs are
given (a re-run passes the draft's pairs): then it is one that keeps the most of them, found
on the pairs the proof's prices show tight, so the proof holds unchanged.
"""

from __future__ import annotations

from dataclasses import dataclass

from matching.solver.contract import RESOLUTION, Assignment, DenseScores, ScoreSource
from matching.solver.exact import solve_optimal
from matching.solver.stable import solve_stable

__all__ = [
    "RESOLUTION",
    "Assignment",
    "DenseScores",
    "ScoreSource",
    "StabilityCost",
    "solve_optimal",
    "solve_stable",
    "stability_cost",
]

# Defined here, not in proof.py: proof._duals reads it through the package at call time, so
# that patching `matching.solver._JACOBI_ITERATIONS` (as the tests do) takes effect.
_JACOBI_ITERATIONS = 500


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
