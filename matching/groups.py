"""Group programs: make each mentor's group hang together. Pure numpy/scipy; no Django.

The solver fills each mentor's group up to its size with the best mentee-mentor total. This
pass then swaps members between groups when the swap makes groups closer in what their members
want (topics and goals) by more than it costs in pair scores:

    objective = sum of pair scores + cohesion_weight * sum over members of the summed cosine
                similarity of their topics and goals to the other members of their group,
                divided by (group size - 1)

Only swaps are made, so every mentee stays matched and every mentor keeps their group size;
locked mentees stay where they are and a swap never uses a forbidden pair. Each accepted swap
raises the objective, so the pass ends; it is deterministic (mentees are visited in index
order, ties go to the lowest index).
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp

_EPS = 1e-9


@dataclass(frozen=True)
class Cohesion:
    assignment: np.ndarray  # mentor per mentee, -1 = unmatched
    swaps: int
    cohesion_before: float  # mean similarity of a member to the rest of their group
    cohesion_after: float
    score_before: float
    score_after: float


def _normalised(features: sp.spmatrix | np.ndarray) -> np.ndarray:
    dense = np.asarray(features.todense() if sp.issparse(features) else features, dtype=float)
    norms = np.linalg.norm(dense, axis=1, keepdims=True)
    return np.divide(dense, norms, out=np.zeros_like(dense), where=norms > 0)


def _mean_cohesion(unit: np.ndarray, assignment: np.ndarray) -> float:
    values = []
    for mentor in np.unique(assignment[assignment >= 0]):
        members = np.flatnonzero(assignment == mentor)
        if members.size < 2:
            continue
        sims = unit[members] @ unit[members].T
        values.extend((sims.sum(axis=1) - np.diag(sims)) / (members.size - 1))
    return float(np.mean(values)) if values else 0.0


def groups_cohere(
    *,
    assignment: np.ndarray,
    scores: np.ndarray,
    features: sp.spmatrix | np.ndarray,
    group_size: int,
    cohesion_weight: float = 0.5,
    locked: np.ndarray | None = None,
    max_passes: int = 10,
) -> Cohesion:
    """Swap members between groups while that raises the objective above.

    assignment: mentor index per mentee (-1 = unmatched), e.g. `Assignment.assignment`.
    scores: dense (mentees x mentors) pair scores with -inf (or NaN) for forbidden pairs.
    features: (mentees x k) what each mentee wants (topic and goal indicators side by side).
    locked: boolean per mentee; True = keep in their group.
    """
    assignment = np.asarray(assignment, dtype=np.int64).copy()
    scores = np.where(np.isfinite(scores), scores, -np.inf)
    unit = _normalised(features)
    locked = np.zeros(assignment.size, bool) if locked is None else np.asarray(locked, bool)
    matched = np.flatnonzero(assignment >= 0)
    rows = np.arange(assignment.size)
    before = _mean_cohesion(unit, assignment), float(scores[matched, assignment[matched]].sum())
    # x2: a swap changes i's and k's sums and, symmetrically, their old and new mates' sums.
    weight = 2 * cohesion_weight / max(1, group_size - 1)
    # affinity[i, j]: summed similarity of mentee i to the members of mentor j's group.
    members = sp.csr_matrix(
        (np.ones(matched.size), (assignment[matched], matched)),
        shape=(scores.shape[1], assignment.size),
    )
    affinity = unit @ (members @ unit).T
    swaps = 0
    for _ in range(max_passes):
        moved = 0
        for i in matched:
            if locked[i]:
                continue
            g = assignment[i]
            others = matched[(assignment[matched] != g) & ~locked[matched]]
            if others.size == 0:
                continue
            h = assignment[others]
            own = unit[others] @ unit[i]
            score_gain = scores[i, h] + scores[others, g] - scores[i, g] - scores[others, h]
            joined = (affinity[i, h] - own) + (affinity[others, g] - own)
            left = (affinity[i, g] - unit[i] @ unit[i]) + (
                affinity[others, h] - np.einsum("ij,ij->i", unit[others], unit[others])
            )
            gain = score_gain + weight * (joined - left)
            gain[~np.isfinite(gain)] = -np.inf
            best = int(np.argmax(gain))
            if gain[best] <= _EPS:
                continue
            k, h_k = others[best], h[best]
            shift = unit[rows] @ (unit[k] - unit[i])
            affinity[:, g] += shift
            affinity[:, h_k] -= shift
            assignment[i], assignment[k] = h_k, g
            moved += 1
        swaps += moved
        if moved == 0:
            break
    after = _mean_cohesion(unit, assignment), float(scores[matched, assignment[matched]].sum())
    return Cohesion(assignment, swaps, before[0], after[0], before[1], after[1])
