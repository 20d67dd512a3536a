"""The shared contract: the score resolution, score sources and the result of a run."""

from __future__ import annotations

from dataclasses import dataclass, field
from typing import Any, Protocol, runtime_checkable

import numpy as np

RESOLUTION = 1_000_000


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
