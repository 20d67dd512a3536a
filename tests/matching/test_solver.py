"""The assignment solvers against brute force, scipy's dense assignment and textbook DA."""

import itertools
from collections import deque

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st
from scipy.optimize import linear_sum_assignment

from matching import solver
from matching.scoring import HOURS_PER_WEEK, PairScorer, PairScoreSource, SideFeatures, Weights
from matching.solver import (
    RESOLUTION,
    DenseScores,
    exact,
    solve_optimal,
    solve_stable,
    stability_cost,
)
from matching.solver.candidates import _grouped


def units(scores: np.ndarray) -> np.ndarray:
    """Scores as the solver compares them: integers of 1/RESOLUTION."""
    return np.rint(np.asarray(scores, dtype=np.float64) * RESOLUTION).astype(np.int64)


# --- reference implementations -----------------------------------------------------------------


def brute_force(scores, forbidden, capacities, locked) -> tuple[int, int]:
    """Best (matched, total units) over every feasible assignment."""
    n, m = scores.shape
    fixed = dict(locked)
    q = units(scores)
    options = [
        [fixed[i]] if i in fixed else [-1, *[j for j in range(m) if not forbidden[i, j]]]
        for i in range(n)
    ]
    best = (0, 0)
    for choice in itertools.product(*options):
        used = np.bincount([j for j in choice if j >= 0], minlength=m)
        if (used > capacities).any():
            continue
        matched = [(i, j) for i, j in enumerate(choice) if j >= 0]
        best = max(best, (len(matched), sum(int(q[i, j]) for i, j in matched)))
    return best


def textbook_deferred_acceptance(scores, forbidden, capacities, locked, preferred=()) -> np.ndarray:
    """Mentee-proposing Gale-Shapley with a queue; ties go to a preferred pair, then to the
    lower index, on both sides."""
    want = dict(preferred)
    n, m = scores.shape
    q = units(scores)
    room = np.array(capacities, dtype=np.int64)
    assignment = np.full(n, -1)
    for i, j in locked:
        assignment[i] = j
        room[j] -= 1
    free = [i for i in range(n) if assignment[i] < 0]
    prefs = {}
    for i in free:
        acceptable = [j for j in range(m) if not forbidden[i, j] and room[j] > 0]
        prefs[i] = sorted(acceptable, key=lambda j, i=i: (-q[i, j], want.get(i) != j, j))
    held: dict[int, list[int]] = {j: [] for j in range(m)}
    nxt = dict.fromkeys(free, 0)
    queue = deque(free)
    while queue:
        i = queue.popleft()
        if nxt[i] >= len(prefs[i]):
            continue
        j = prefs[i][nxt[i]]
        nxt[i] += 1
        held[j].append(i)
        held[j].sort(key=lambda x, j=j: (-q[x, j], want.get(x) != j, x))
        if len(held[j]) > room[j]:
            queue.append(held[j].pop())
    for j, mentees in held.items():
        for i in mentees:
            assignment[i] = j
    return assignment


def greedy_by_score(scores, forbidden, capacities) -> np.ndarray:
    """Pairs in decreasing score order (then mentee, then mentor index) while both have room."""
    n, m = scores.shape
    q = units(scores)
    room = np.array(capacities, dtype=np.int64)
    assignment = np.full(n, -1)
    pairs = sorted(
        ((i, j) for i in range(n) for j in range(m) if not forbidden[i, j]),
        key=lambda p: (-q[p], p[0], p[1]),
    )
    for i, j in pairs:
        if assignment[i] < 0 and room[j] > 0:
            assignment[i] = j
            room[j] -= 1
    return assignment


def blocking_pairs(scores, forbidden, capacities, locked, assignment) -> list[tuple[int, int]]:
    """Unlocked mentee and mentor who both prefer each other to what they got."""
    n, m = scores.shape
    q = units(scores)
    locked_rows = {i for i, _ in locked}
    load = np.bincount(assignment[assignment >= 0], minlength=m)
    found = []
    for i, j in itertools.product(range(n), range(m)):
        if i in locked_rows or forbidden[i, j] or assignment[i] == j:
            continue
        a = assignment[i]
        if a >= 0 and (q[i, a], -a) > (q[i, j], -j):
            continue
        holders = [x for x in range(n) if assignment[x] == j and x not in locked_rows]
        worse = [x for x in holders if (q[x, j], -x) < (q[i, j], -i)]
        if load[j] < capacities[j] or worse:
            found.append((i, j))
    return found


def lexicographic_optimum(scores, forbidden, capacities) -> tuple[int, int]:
    """scipy's dense assignment on the capacity-expanded matrix with weights big + units."""
    n, _ = scores.shape
    slots = np.repeat(np.arange(capacities.size), capacities)
    q = units(scores)[:, slots]
    allowed = ~forbidden[:, slots]
    big = RESOLUTION * (n + 1)
    rows, cols = linear_sum_assignment(np.where(allowed, big + q, 0), maximize=True)
    real = allowed[rows, cols]
    return int(real.sum()), int(q[rows[real], cols[real]].sum())


# --- instances ---------------------------------------------------------------------------------


@st.composite
def tiny_instances(draw):
    n = draw(st.integers(0, 5))
    m = draw(st.integers(1, 4))
    grid = st.integers(0, 20).map(lambda k: k / 20)
    scores = np.array(draw(st.lists(grid, min_size=n * m, max_size=n * m))).reshape(n, m)
    flags = draw(st.lists(st.booleans(), min_size=n * m, max_size=n * m))
    forbidden = np.array(flags, dtype=bool).reshape(n, m) & (scores < 0.5)
    capacities = np.array(draw(st.lists(st.integers(0, 2), min_size=m, max_size=m)))
    room = capacities.copy()
    locked = []
    for i in range(n):
        allowed = [j for j in range(m) if not forbidden[i, j] and room[j] > 0]
        if allowed and draw(st.integers(0, 5)) == 0:
            j = draw(st.sampled_from(allowed))
            locked.append((i, j))
            room[j] -= 1
    pool_size = draw(st.integers(1, 3))
    return scores, forbidden, capacities, locked, pool_size


def random_instance(seed: int, n: int, m: int, *, max_capacity: int = 3, forbid: float = 0.05):
    rng = np.random.default_rng(seed)
    scores = rng.integers(0, 1001, (n, m)) / 1000
    forbidden = rng.random((n, m)) < forbid
    capacities = rng.integers(1, max_capacity + 1, m)
    return scores, forbidden, capacities


def check_feasible(result, forbidden, capacities, locked) -> None:
    chosen = result.assignment
    matched = np.flatnonzero(chosen >= 0)
    assert not forbidden[matched, chosen[matched]].any()
    assert (np.bincount(chosen[matched], minlength=capacities.size) <= capacities).all()
    for i, j in locked:
        assert chosen[i] == j
    assert result.n_matched == matched.size


# --- the optimal solver ------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(tiny_instances())
def test_solver_matches_brute_force_on_tiny_instances(instance):
    scores, forbidden, capacities, locked, pool_size = instance
    result = solve_optimal(
        scores=scores,
        capacities=capacities,
        forbidden=forbidden,
        locked=locked,
        pool_size=pool_size,
    )
    check_feasible(result, forbidden, capacities, locked)
    matched, total = brute_force(scores, forbidden, capacities, locked)
    assert result.n_matched == matched
    assert abs(result.total_score - total / RESOLUTION) <= 1e-6
    assert result.optimal_proven
    assert result.certificate["dual_gap"] == 0
    again = solve_optimal(
        scores=scores,
        capacities=capacities,
        forbidden=forbidden,
        locked=locked,
        pool_size=pool_size,
    )
    assert np.array_equal(again.assignment, result.assignment)


def test_solver_matches_max_cardinality_before_score():
    # Alone, mentee 0 would take mentor 0 (score 1.0); but mentee 1 can only go there.
    scores = np.array([[1.0, 0.0], [0.5, 0.9]])
    forbidden = np.array([[False, False], [False, True]])
    result = solve_optimal(scores=scores, capacities=np.array([1, 1]), forbidden=forbidden)
    assert result.assignment.tolist() == [1, 0]
    assert result.n_matched == 2
    assert result.total_score == pytest.approx(0.5)


@pytest.mark.parametrize("seed", range(4))
@pytest.mark.parametrize("pool_size", [3, 48])
def test_solver_agrees_with_dense_assignment_on_medium_instances(seed, pool_size):
    scores, forbidden, capacities = random_instance(seed, 200, 80)
    result = solve_optimal(
        scores=scores, capacities=capacities, forbidden=forbidden, pool_size=pool_size
    )
    check_feasible(result, forbidden, capacities, [])
    matched, total = lexicographic_optimum(scores, forbidden, capacities)
    assert result.n_matched == matched
    assert int(units(result.pair_scores[result.assignment >= 0]).sum()) == total
    assert result.optimal_proven


@pytest.mark.parametrize("seed", range(3))
def test_solver_fills_every_place_when_mentees_outnumber_places(seed):
    scores, forbidden, capacities = random_instance(seed, 200, 40, max_capacity=2)
    result = solve_optimal(scores=scores, capacities=capacities, forbidden=forbidden, pool_size=4)
    matched, total = lexicographic_optimum(scores, forbidden, capacities)
    assert result.n_matched == matched == capacities.sum()
    assert int(units(result.pair_scores[result.assignment >= 0]).sum()) == total
    assert result.optimal_proven


def test_solver_keeps_locks_and_optimises_the_rest():
    scores, forbidden, capacities = random_instance(11, 60, 20)
    allowed = np.argwhere(~forbidden)
    locked = [(int(i), int(j)) for i, j in allowed[[0, 50, 400]]]
    result = solve_optimal(
        scores=scores, capacities=capacities, forbidden=forbidden, locked=locked, pool_size=5
    )
    check_feasible(result, forbidden, capacities, locked)
    assert result.locked.sum() == 3
    residual = capacities - np.bincount([j for _, j in locked], minlength=20)
    free = np.setdiff1d(np.arange(60), [i for i, _ in locked])
    matched, total = lexicographic_optimum(scores[free], forbidden[free], residual)
    rest = result.assignment[free]
    assert (rest >= 0).sum() == matched
    assert int(units(result.pair_scores[free][rest >= 0]).sum()) == total


def test_block_source_gives_the_same_result_as_the_dense_matrix():
    rng = np.random.default_rng(5)
    mentees, mentors = random_side(rng, 300), random_side(rng, 90)
    scorer = PairScorer(mentees=mentees, mentors=mentors, weights=Weights(), reciprocal=False)
    forbidden = sp.random(300, 90, density=0.05, random_state=1, format="csr").astype(bool)
    source = PairScoreSource(scorer=scorer, forbidden=forbidden, block_rows=37)
    capacities = rng.integers(0, 4, 90)
    dense = scorer.block(slice(0, 300)).astype(np.float64)
    kwargs = {"capacities": capacities, "locked": [(4, 7)], "pool_size": 6}
    from_source = solve_optimal(scores=source, **kwargs)
    from_dense = solve_optimal(scores=dense, forbidden=forbidden.toarray(), **kwargs)
    assert np.array_equal(from_source.assignment, from_dense.assignment)
    assert from_source.total_score == pytest.approx(from_dense.total_score, abs=1e-9)
    assert np.array_equal(from_source.n_allowed, from_dense.n_allowed)
    assert from_source.optimal_proven and from_dense.optimal_proven


def random_side(rng, n) -> SideFeatures:
    def incidence_matrix(width, low, high):
        dense = np.zeros((n, width), dtype=bool)
        for row in dense:
            row[rng.choice(width, rng.integers(low, high + 1), replace=False)] = True
        return sp.csr_matrix(dense)

    return SideFeatures(
        topics=incidence_matrix(12, 1, 4),
        goals=incidence_matrix(5, 1, 2),
        stage=rng.integers(-1, 5, n),
        availability=rng.random((n, HOURS_PER_WEEK)) < 0.08,
        languages=incidence_matrix(3, 0, 2),
        fmt=rng.integers(0, 3, n).astype(np.int8),
    )


def test_solver_is_deterministic():
    scores, forbidden, capacities = random_instance(3, 150, 30)
    scores = np.round(scores, 1)  # many ties
    runs = [
        solve_optimal(scores=scores, capacities=capacities, forbidden=forbidden, pool_size=4)
        for _ in range(3)
    ]
    assert all(np.array_equal(r.assignment, runs[0].assignment) for r in runs)


def test_unmatched_mentees_say_whether_no_mentor_was_allowed_or_places_ran_out():
    scores = np.array([[0.9, 0.1], [0.8, 0.2], [0.5, 0.5], [0.3, 0.3]])
    forbidden = np.array([[False, True], [False, True], [False, True], [True, True]])
    capacities = np.array([1, 0])
    result = solve_optimal(scores=scores, capacities=capacities, forbidden=forbidden)
    assert result.assignment.tolist() == [0, -1, -1, -1]
    assert result.n_allowed.tolist() == [1, 1, 1, 0]
    assert result.reasons() == [
        "matched",
        "capacity_exhausted",
        "capacity_exhausted",
        "no_allowed_mentor",
    ]
    assert np.isnan(result.pair_scores[1])


@pytest.mark.parametrize(
    ("locked", "message"),
    [
        ([(0, 1)], "forbidden"),
        ([(0, 0), (1, 0)], "capacity 1"),
        ([(0, 0), (0, 1)], "more than once"),
        ([(5, 0)], "out of range"),
    ],
)
def test_invalid_locks_are_rejected_with_a_clear_message(locked, message):
    scores = np.full((3, 2), 0.5)
    forbidden = np.array([[False, True], [False, False], [False, False]])
    with pytest.raises(ValueError, match=message):
        solve_optimal(
            scores=scores, capacities=np.array([1, 1]), forbidden=forbidden, locked=locked
        )


def test_invalid_inputs_are_rejected():
    with pytest.raises(ValueError, match="within"):
        solve_optimal(scores=np.array([[1.5]]), capacities=np.array([1]))
    with pytest.raises(ValueError, match="capacities"):
        solve_optimal(scores=np.array([[0.5]]), capacities=np.array([-1]))
    with pytest.raises(ValueError, match="capacities"):
        solve_optimal(scores=np.array([[0.5]]), capacities=np.array([1.0]))


@pytest.mark.parametrize("shape", [(0, 3), (3, 0), (0, 0)])
def test_empty_programs_give_an_empty_assignment(shape):
    result = solve_optimal(scores=np.zeros(shape), capacities=np.ones(shape[1], dtype=int))
    assert result.assignment.tolist() == [-1] * shape[0]
    assert result.n_matched == 0 and result.optimal_proven
    stable = solve_stable(scores=np.zeros(shape), capacities=np.ones(shape[1], dtype=int))
    assert stable.n_matched == 0


def test_certificate_survives_the_bellman_ford_fallback_and_full_resolves(monkeypatch):
    scores, forbidden, capacities = random_instance(8, 120, 30)
    expected = lexicographic_optimum(scores, forbidden, capacities)
    monkeypatch.setattr(solver, "_JACOBI_ITERATIONS", 1)
    result = solve_optimal(scores=scores, capacities=capacities, forbidden=forbidden, pool_size=3)
    assert result.optimal_proven
    assert (result.n_matched, int(units(result.pair_scores[result.assignment >= 0]).sum())) == (
        expected
    )


def test_certificate_reports_the_work_done():
    scores, forbidden, capacities = random_instance(9, 200, 80)
    result = solve_optimal(scores=scores, capacities=capacities, forbidden=forbidden, pool_size=2)
    cert = result.certificate
    assert cert["pool_size"] == 2
    assert cert["rows_rescored"] > 0 and cert["pairs_added"] > 0 and cert["repairs"] >= 1
    assert cert["dual_gap"] == 0
    assert {"scan", "solve", "certify", "total"} <= set(result.timings)


def repairs_of(monkeypatch, seed: int, pool_size: int) -> list[dict]:
    """The arguments of every repair the solver makes on a medium instance."""
    calls = []

    def recording(**kwargs):
        calls.append(kwargs)
        return repair(**kwargs)

    repair = exact._repair
    monkeypatch.setattr(exact, "_repair", recording)
    scores, forbidden, capacities = random_instance(seed, 200, 80)
    solve_optimal(scores=scores, capacities=capacities, forbidden=forbidden, pool_size=pool_size)
    monkeypatch.undo()
    return calls


@pytest.mark.parametrize(("seed", "pool_size"), [(0, 2), (2, 2), (7, 2), (2, 5)])
def test_a_repair_on_the_nearby_pairs_equals_the_repair_on_all_pairs(monkeypatch, seed, pool_size):
    calls = repairs_of(monkeypatch, seed, pool_size)
    assert calls
    for call in calls:
        everything = (call["edges"], call["new"], call["mentor"], call["duals"], call["problem"])
        on_all = exact._settle_new(*everything, call["big"], np.inf)
        assert np.array_equal(exact._repair(**call), on_all)


def test_a_repair_stops_before_a_pair_left_out_could_matter(monkeypatch):
    call = repairs_of(monkeypatch, 9, 2)[0]
    everything = (call["edges"], call["new"], call["mentor"], call["duals"], call["problem"])
    assert exact._settle_new(*everything, call["big"], 1.0) is None


@pytest.mark.parametrize(("size", "count"), [(1, 0), (3, 1), (5, 40), (300, 5000)])
def test_grouping_equals_a_stable_sort(size, count):
    keys = np.random.default_rng(count).integers(0, size, count)
    order, starts = _grouped(keys, size)
    assert np.array_equal(order, np.argsort(keys, kind="stable"))
    assert np.array_equal(starts, np.r_[0, np.cumsum(np.bincount(keys, minlength=size))])


def test_dense_scores_adapter_marks_forbidden_pairs():
    source = DenseScores(scores=np.array([[0.2, 0.4]]), forbidden=np.array([[True, False]]))
    assert source.block(slice(0, 1)).tolist() == [[-np.inf, 0.4]]


# --- the stable solver -------------------------------------------------------------------------


@settings(max_examples=300, deadline=None)
@given(tiny_instances())
def test_stable_solver_has_no_blocking_pair_and_equals_textbook_deferred_acceptance(instance):
    scores, forbidden, capacities, locked, pool_size = instance
    result = solve_stable(
        scores=scores,
        capacities=capacities,
        forbidden=forbidden,
        locked=locked,
        pool_size=pool_size,
    )
    check_feasible(result, forbidden, capacities, locked)
    assert blocking_pairs(scores, forbidden, capacities, locked, result.assignment) == []
    expected = textbook_deferred_acceptance(scores, forbidden, capacities, locked)
    assert result.assignment.tolist() == expected.tolist()


@pytest.mark.parametrize("seed", range(3))
@pytest.mark.parametrize("pool_size", [2, 32])
def test_stable_solver_equals_textbook_and_greedy_on_medium_instances(seed, pool_size):
    scores, forbidden, capacities = random_instance(seed, 150, 40, max_capacity=2)
    scores = np.round(scores, 2)  # ties, broken by index
    result = solve_stable(
        scores=scores, capacities=capacities, forbidden=forbidden, pool_size=pool_size
    )
    textbook = textbook_deferred_acceptance(scores, forbidden, capacities, [])
    greedy = greedy_by_score(scores, forbidden, capacities)
    assert result.assignment.tolist() == textbook.tolist() == greedy.tolist()
    assert blocking_pairs(scores, forbidden, capacities, [], result.assignment) == []


def test_stable_solver_respects_locks_and_capacities():
    scores, forbidden, capacities = random_instance(4, 80, 20, max_capacity=2)
    allowed = np.argwhere(~forbidden)
    locked = [(int(i), int(j)) for i, j in allowed[[1, 200]]]
    result = solve_stable(
        scores=scores, capacities=capacities, forbidden=forbidden, locked=locked, pool_size=3
    )
    check_feasible(result, forbidden, capacities, locked)
    assert blocking_pairs(scores, forbidden, capacities, locked, result.assignment) == []


def test_cost_of_stability_compares_stable_and_optimal_totals():
    scores = np.array([[1.0, 0.9], [0.9, 0.0]])
    capacities = np.array([1, 1])
    optimal = solve_optimal(scores=scores, capacities=capacities)
    stable = solve_stable(scores=scores, capacities=capacities)
    assert optimal.assignment.tolist() == [1, 0]  # 0.9 + 0.9
    assert stable.assignment.tolist() == [0, 1]  # 1.0 + 0.0: the pair (0, 0) would block
    cost = stability_cost(optimal=optimal, stable=stable)
    assert cost.optimal_total == pytest.approx(1.8)
    assert cost.stable_total == pytest.approx(1.0)
    assert cost.ratio == pytest.approx(1.0 / 1.8)
    assert cost.optimal_matched == cost.stable_matched == 2


# --- preferring given pairs among equally good assignments -------------------------------------


def brute_force_preferring(scores, forbidden, capacities, locked, preferred) -> tuple[int, ...]:
    """Best (matched, total units, preferred pairs kept) over every feasible assignment."""
    n, m = scores.shape
    fixed, wanted = dict(locked), set(preferred)
    q = units(scores)
    options = [
        [fixed[i]] if i in fixed else [-1, *[j for j in range(m) if not forbidden[i, j]]]
        for i in range(n)
    ]
    best = (0, 0, 0)
    for choice in itertools.product(*options):
        used = np.bincount([j for j in choice if j >= 0], minlength=m)
        if (used > capacities).any():
            continue
        matched = [(i, j) for i, j in enumerate(choice) if j >= 0]
        total = sum(int(q[i, j]) for i, j in matched)
        best = max(best, (len(matched), total, len(wanted.intersection(matched))))
    return best


@st.composite
def tiny_instances_with_preferences(draw):
    scores, forbidden, capacities, locked, pool_size = draw(tiny_instances())
    # Few distinct scores, so that many assignments are equally good.
    scores = np.round(scores * 2) / 2
    locked_rows = {i for i, _ in locked}
    preferred = [
        (i, draw(st.integers(0, scores.shape[1] - 1)))
        for i in range(scores.shape[0])
        if i not in locked_rows and draw(st.booleans())
    ]
    return scores, forbidden, capacities, locked, pool_size, preferred


@settings(max_examples=300, deadline=None)
@given(tiny_instances_with_preferences())
def test_preferred_pairs_are_kept_wherever_that_costs_nothing(instance):
    scores, forbidden, capacities, locked, pool_size, preferred = instance
    result = solve_optimal(
        scores=scores,
        capacities=capacities,
        forbidden=forbidden,
        locked=locked,
        preferred=preferred,
        pool_size=pool_size,
    )
    check_feasible(result, forbidden, capacities, locked)
    kept = sum(int(result.assignment[i]) == j for i, j in preferred)
    matched, total, most_kept = brute_force_preferring(
        scores, forbidden, capacities, locked, preferred
    )
    assert (result.n_matched, kept) == (matched, most_kept)
    assert abs(result.total_score - total / RESOLUTION) <= 1e-6
    assert result.optimal_proven
    assert result.certificate["dual_gap"] == 0


def test_swapping_two_pairs_leaves_the_other_equally_good_pairs_where_they_were():
    # Everyone suits everyone equally. Without preferences, solving again around two locked
    # (swapped) pairs moves the two other pairs for nothing.
    scores, capacities = np.ones((4, 4)), np.ones(4, dtype=np.int64)
    first = solve_optimal(scores=scores, capacities=capacities).assignment.tolist()
    locked = [(0, first[1]), (1, first[0])]
    unchanged = [(2, first[2]), (3, first[3])]
    plain = solve_optimal(scores=scores, capacities=capacities, locked=locked)
    assert sum(int(plain.assignment[i]) == j for i, j in unchanged) < 2  # what it did before
    result = solve_optimal(scores=scores, capacities=capacities, locked=locked, preferred=unchanged)
    assert [(i, int(result.assignment[i])) for i, _ in unchanged] == unchanged
    assert result.certificate["preferred_kept"] == 2
    assert result.optimal_proven


def test_a_better_assignment_still_wins_over_a_preferred_pair():
    scores = np.array([[0.5, 0.9], [0.5, 0.5]])
    result = solve_optimal(scores=scores, capacities=np.array([1, 1]), preferred=[(0, 0), (1, 1)])
    assert result.assignment.tolist() == [1, 0]
    assert result.certificate["preferred_kept"] == 0


@pytest.mark.parametrize(
    ("preferred", "message"),
    [([(0, 5)], "out of range"), ([(0, 0), (0, 1)], "more than one mentor")],
)
def test_invalid_preferences_are_rejected(preferred, message):
    with pytest.raises(ValueError, match=message):
        solve_optimal(scores=np.ones((2, 2)), capacities=np.array([1, 1]), preferred=preferred)


@pytest.mark.parametrize("seed", range(3))
def test_preferring_keeps_the_optimum_on_medium_instances(seed):
    scores, forbidden, capacities = random_instance(seed, 120, 50)
    scores = np.round(scores * 4) / 4  # many ties
    base = solve_optimal(scores=scores, capacities=capacities, forbidden=forbidden, pool_size=4)
    rng = np.random.default_rng(seed)
    preferred = [(i, int(rng.integers(0, 50))) for i in range(120)]
    result = solve_optimal(
        scores=scores,
        capacities=capacities,
        forbidden=forbidden,
        preferred=preferred,
        pool_size=4,
    )
    check_feasible(result, forbidden, capacities, [])
    assert result.n_matched == base.n_matched
    assert abs(result.total_score - base.total_score) <= 120e-6
    assert result.optimal_proven
    kept = sum(int(result.assignment[i]) == j for i, j in preferred)
    assert kept >= sum(int(base.assignment[i]) == j for i, j in preferred)
    assert kept == result.certificate["preferred_kept"]


def strictly_blocking_pairs(scores, forbidden, capacities, locked, assignment) -> list:
    """Unlocked mentee and mentor who would both be strictly better off by score together."""
    n, m = scores.shape
    q = units(scores)
    locked_rows = {i for i, _ in locked}
    load = np.bincount(assignment[assignment >= 0], minlength=m)
    found = []
    for i, j in itertools.product(range(n), range(m)):
        if i in locked_rows or forbidden[i, j] or assignment[i] == j:
            continue
        if assignment[i] >= 0 and q[i, assignment[i]] >= q[i, j]:
            continue
        holders = [x for x in range(n) if assignment[x] == j and x not in locked_rows]
        if load[j] < capacities[j] or any(q[x, j] < q[i, j] for x in holders):
            found.append((i, j))
    return found


@settings(max_examples=300, deadline=None)
@given(tiny_instances_with_preferences())
def test_stable_solver_breaks_ties_for_preferred_pairs_and_stays_stable(instance):
    scores, forbidden, capacities, locked, pool_size, preferred = instance
    result = solve_stable(
        scores=scores,
        capacities=capacities,
        forbidden=forbidden,
        locked=locked,
        preferred=preferred,
        pool_size=pool_size,
    )
    check_feasible(result, forbidden, capacities, locked)
    assert strictly_blocking_pairs(scores, forbidden, capacities, locked, result.assignment) == []
    expected = textbook_deferred_acceptance(scores, forbidden, capacities, locked, preferred)
    assert result.assignment.tolist() == expected.tolist()


def test_stable_rerun_keeps_the_unchanged_pairs_among_equal_scores():
    scores, capacities = np.ones((4, 4)), np.ones(4, dtype=np.int64)
    first = solve_stable(scores=scores, capacities=capacities).assignment.tolist()
    locked = [(0, first[1]), (1, first[0])]
    unchanged = [(2, first[2]), (3, first[3])]
    result = solve_stable(scores=scores, capacities=capacities, locked=locked, preferred=unchanged)
    assert [(i, int(result.assignment[i])) for i, _ in unchanged] == unchanged
