"""The solvers refuse scores they cannot compare: a custom score source that gives NaN, an
infinity, a negative score or one above 1 is a clear ValueError, never a silent result."""

import numpy as np
import pytest

from matching.solver import solve_optimal, solve_stable


class Source:
    """A ScoreSource over a fixed matrix, handing out small blocks (so a bad value can sit in
    any block, not only the first)."""

    def __init__(self, scores: np.ndarray) -> None:
        self.scores = scores
        self.shape = scores.shape
        self.block_rows = 2

    def block(self, rows):
        return self.scores[rows].copy()


def scores_with(value: float, at: tuple[int, int] = (4, 1)) -> np.ndarray:
    scores = np.random.default_rng(7).uniform(0.1, 0.9, size=(6, 3))
    scores[0, 2] = -np.inf  # a forbidden pair is fine
    scores[at] = value
    return scores


CAPACITIES = np.array([2, 2, 2])


@pytest.mark.parametrize("value", [np.nan, np.inf, -0.01, 1.01])
@pytest.mark.parametrize("solve", [solve_optimal, solve_stable])
def test_a_bad_score_from_a_score_source_is_refused(solve, value):
    with pytest.raises(ValueError) as error:
        solve(scores=Source(scores_with(value)), capacities=CAPACITIES, pool_size=1)
    assert str(error.value) == (
        f"the score source gave {value!r} for mentee 4, mentor 1: "
        "scores must be finite and within [0, 1], or -inf for a forbidden pair"
    )


@pytest.mark.parametrize("pool_size", [1, 3])
def test_the_bounds_themselves_are_scores(pool_size):
    result = solve_optimal(
        scores=Source(scores_with(1.0)), capacities=CAPACITIES, pool_size=pool_size
    )
    assert (result.optimal_proven, result.n_matched) == (True, 6)
    zero = solve_optimal(
        scores=Source(scores_with(0.0)), capacities=CAPACITIES, pool_size=pool_size
    )
    assert (zero.optimal_proven, zero.n_matched) == (True, 6)


def test_a_dense_matrix_is_checked_as_before():
    with pytest.raises(ValueError, match=r"allowed scores must be finite and within \[0, 1\]"):
        solve_optimal(scores=scores_with(np.nan), capacities=CAPACITIES)
