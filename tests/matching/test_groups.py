import numpy as np
from hypothesis import given, settings
from hypothesis import strategies as st

from matching.groups import groups_cohere


def _objective(assignment, scores, unit, weight):
    total = 0.0
    for i, j in enumerate(assignment):
        if j < 0:
            continue
        mates = np.flatnonzero((assignment == j) & (np.arange(assignment.size) != i))
        total += scores[i, j] + weight * float((unit[mates] @ unit[i]).sum())
    return total


def _unit(features):
    norms = np.linalg.norm(features, axis=1, keepdims=True)
    return np.divide(features, norms, out=np.zeros_like(features), where=norms > 0)


def test_members_wanting_the_same_things_end_up_together_when_scores_tie():
    features = np.array([[1, 0], [0, 1], [1, 0], [0, 1]], dtype=float)  # A, B, A, B
    scores = np.full((4, 2), 0.5)
    result = groups_cohere(
        assignment=np.array([0, 0, 1, 1]), scores=scores, features=features, group_size=2
    )
    assert result.assignment.tolist() == [1, 0, 1, 0]  # {B, B} and {A, A}
    assert result.swaps == 1
    assert (result.cohesion_before, result.cohesion_after) == (0.0, 1.0)
    assert result.score_before == result.score_after == 2.0


def test_a_swap_that_costs_more_score_than_it_gains_in_cohesion_is_not_made():
    features = np.array([[1, 0], [0, 1], [1, 0], [0, 1]], dtype=float)
    scores = np.array([[1.0, 0.0], [1.0, 0.0], [0.0, 1.0], [0.0, 1.0]])
    result = groups_cohere(
        assignment=np.array([0, 0, 1, 1]), scores=scores, features=features, group_size=2
    )
    assert result.assignment.tolist() == [0, 0, 1, 1]
    assert result.swaps == 0


def test_locked_members_and_forbidden_pairs_are_respected():
    features = np.array([[1, 0], [0, 1], [1, 0], [0, 1]], dtype=float)
    scores = np.full((4, 2), 0.5)
    scores[2, 0] = -np.inf  # mentee 2 may not join mentor 0
    result = groups_cohere(
        assignment=np.array([0, 0, 1, 1]),
        scores=scores,
        features=features,
        group_size=2,
        locked=np.array([False, False, False, True]),
    )
    assert result.assignment.tolist() == [0, 0, 1, 1]


@st.composite
def group_instances(draw):
    n_mentors = draw(st.integers(1, 4))
    size = draw(st.integers(2, 4))
    n = draw(st.integers(1, n_mentors * size + 2))
    seed = draw(st.integers(0, 10_000))
    rng = np.random.default_rng(seed)
    scores = rng.random((n, n_mentors)).round(3)
    scores[rng.random((n, n_mentors)) < 0.15] = -np.inf
    features = (rng.random((n, 6)) < 0.3).astype(float)
    slots = np.repeat(np.arange(n_mentors), size)
    assignment = np.full(n, -1)
    order = rng.permutation(n)[: min(n, slots.size)]
    for i, j in zip(order, slots, strict=False):
        if np.isfinite(scores[i, j]):
            assignment[i] = j
    locked = rng.random(n) < 0.2
    return assignment, scores, features, size, locked


@settings(max_examples=150, deadline=None)
@given(group_instances())
def test_cohesion_pass_keeps_the_rules_and_never_lowers_the_objective(instance):
    assignment, scores, features, size, locked = instance
    result = groups_cohere(
        assignment=assignment, scores=scores, features=features, group_size=size, locked=locked
    )
    out = result.assignment
    assert (
        np.bincount(out[out >= 0], minlength=scores.shape[1]).tolist()
        == np.bincount(assignment[assignment >= 0], minlength=scores.shape[1]).tolist()
    )
    assert ((out >= 0) == (assignment >= 0)).all()
    assert (out[locked] == assignment[locked]).all()
    used = out >= 0
    assert np.isfinite(scores[np.flatnonzero(used), out[used]]).all()
    weight = 0.5 / max(1, size - 1)
    unit = _unit(features)
    before = _objective(assignment, scores, unit, weight)
    assert _objective(out, scores, unit, weight) >= before - 1e-9
