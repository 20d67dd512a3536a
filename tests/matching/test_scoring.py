"""Pair scoring: each criterion on hand-made people, explanations, and the block contract."""

from datetime import datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import pytest
import scipy.sparse as sp
from hypothesis import given, settings
from hypothesis import strategies as st

from matching.scoring import (
    CRITERIA,
    FMT_EITHER,
    FMT_IN_PERSON,
    FMT_ONLINE,
    HOURS_PER_WEEK,
    PairScorer,
    PairScoreSource,
    SideFeatures,
    Weights,
    explain_pair,
    hour_mask,
    incidence,
    score_block,
)

N_TOPICS, N_GOALS, N_LANGUAGES = 6, 4, 3
UTC = ZoneInfo("UTC")
MONDAY = datetime(2026, 1, 5)  # a winter week: Berlin is UTC+1, New York UTC-5


def person(
    *,
    topics=(),
    goals=(),
    stage=-1,
    hours=(),
    languages=(0,),
    fmt=FMT_EITHER,
):
    return {
        "topics": list(topics),
        "goals": list(goals),
        "stage": stage,
        "hours": hour_mask(windows=hours),
        "languages": list(languages),
        "fmt": fmt,
    }


def side(*people) -> SideFeatures:
    return SideFeatures(
        topics=incidence(rows=[p["topics"] for p in people], n_cols=N_TOPICS),
        goals=incidence(rows=[p["goals"] for p in people], n_cols=N_GOALS),
        stage=np.array([p["stage"] for p in people], dtype=np.int64),
        availability=np.array([p["hours"] for p in people], dtype=bool).reshape(
            len(people), HOURS_PER_WEEK
        ),
        languages=incidence(rows=[p["languages"] for p in people], n_cols=N_LANGUAGES),
        fmt=np.array([p["fmt"] for p in people], dtype=np.int8),
    )


def only(criterion: str) -> Weights:
    return Weights(**{name: float(name == criterion) for name in CRITERIA})


def score(mentee, mentor, *, criterion, reciprocal=False, target_hours=2) -> float:
    block = score_block(
        mentees=side(mentee),
        mentors=side(mentor),
        rows=slice(0, 1),
        weights=only(criterion),
        reciprocal=reciprocal,
        target_hours=target_hours,
    )
    return float(block[0, 0])


def utc_window(local_zone: str, weekday: int, start_hour: int, end_hour: int) -> tuple[int, int]:
    """A local weekly window as UTC hour-of-week bounds, the way the Django layer converts."""
    zone = ZoneInfo(local_zone)
    day = MONDAY + timedelta(days=weekday)
    week = MONDAY.replace(tzinfo=UTC)
    start = day.replace(hour=start_hour, tzinfo=zone).astimezone(UTC)
    end = day.replace(hour=end_hour, tzinfo=zone).astimezone(UTC)
    return (start - week) // timedelta(hours=1), (end - week) // timedelta(hours=1)


def test_topics_criterion_is_share_of_wanted_topics_the_mentor_offers():
    mentee = person(topics=[0, 1, 2, 3])
    assert score(mentee, person(topics=[1, 3, 5]), criterion="topics") == 0.5
    assert score(mentee, person(topics=[0, 1, 2, 3, 4]), criterion="topics") == 1.0
    assert score(mentee, person(topics=[5]), criterion="topics") == 0.0
    assert score(person(topics=[]), person(topics=[1]), criterion="topics") == 0.0


def test_goals_criterion_is_share_of_mentee_goals_shared():
    mentee = person(goals=[0, 1, 2])
    assert score(mentee, person(goals=[2]), criterion="goals") == pytest.approx(1 / 3)
    assert score(mentee, person(goals=[0, 1, 2, 3]), criterion="goals") == 1.0
    assert score(person(goals=[]), person(goals=[0]), criterion="goals") == 0.0


@pytest.mark.parametrize(
    ("mentee_stage", "mentor_stage", "expected"),
    [(1, 2, 1.0), (1, 3, 1.0), (1, 4, 0.5), (0, 4, 0.25), (0, 7, 0.25), (2, 2, 0.0), (3, 1, 0.0)],
)
def test_stage_near_peer_rule_prefers_mentors_one_or_two_stages_ahead(
    mentee_stage, mentor_stage, expected
):
    got = score(person(stage=mentee_stage), person(stage=mentor_stage), criterion="stage")
    assert got == expected


@pytest.mark.parametrize(
    ("mentee_stage", "mentor_stage", "expected"),
    [(2, 2, 1.0), (2, 3, 1.0), (3, 2, 1.0), (1, 3, 0.5), (3, 1, 0.5), (0, 3, 0.25), (4, 0, 0.25)],
)
def test_stage_reciprocal_rule_prefers_peers_within_one_stage(mentee_stage, mentor_stage, expected):
    got = score(
        person(stage=mentee_stage), person(stage=mentor_stage), criterion="stage", reciprocal=True
    )
    assert got == expected


@pytest.mark.parametrize("reciprocal", [False, True])
def test_unknown_stage_on_either_side_scores_one_half(reciprocal):
    for a, b in [(-1, 2), (2, -1), (-1, -1)]:
        got = score(person(stage=a), person(stage=b), criterion="stage", reciprocal=reciprocal)
        assert got == 0.5


def test_availability_overlap_counts_hours_after_time_zone_conversion():
    # Monday 18:00-20:00 in Berlin and 12:00-14:00 in New York are both 17:00-19:00 UTC.
    berlin = person(hours=[utc_window("Europe/Berlin", 0, 18, 20)])
    new_york = person(hours=[utc_window("America/New_York", 0, 12, 14)])
    assert utc_window("Europe/Berlin", 0, 18, 20) == (17, 19)
    assert score(berlin, new_york, criterion="availability") == 1.0
    # New York 13:00-15:00 overlaps Berlin's window for one hour only: half the 2 h target.
    later = person(hours=[utc_window("America/New_York", 0, 13, 15)])
    assert score(berlin, later, criterion="availability") == 0.5
    # The same local clock time in both zones does not overlap at all.
    same_clock = person(hours=[utc_window("America/New_York", 0, 18, 20)])
    assert score(berlin, same_clock, criterion="availability") == 0.0


def test_availability_is_capped_at_the_target_and_zero_without_hours():
    a = person(hours=[(10, 16)])
    assert score(a, person(hours=[(12, 15)]), criterion="availability") == 1.0
    assert score(a, person(hours=[(12, 15)]), criterion="availability", target_hours=6) == 0.5
    assert score(a, person(hours=[]), criterion="availability") == 0.0
    assert score(person(hours=[]), a, criterion="availability") == 0.0


def test_hour_mask_wraps_windows_past_sunday_midnight():
    mask = hour_mask(windows=[(166, 170)])  # Sunday 22:00 UTC to Monday 02:00 UTC
    assert np.flatnonzero(mask).tolist() == [0, 1, 166, 167]
    assert hour_mask(windows=[(5, 5)]).sum() == 0
    assert hour_mask(windows=[(0, 500)]).all()


def test_language_is_one_when_shared_zero_when_not_and_half_when_unknown():
    en_fr, de = person(languages=[0, 1]), person(languages=[2])
    assert score(en_fr, person(languages=[1]), criterion="language") == 1.0
    assert score(en_fr, person(languages=[1, 0]), criterion="language") == 1.0
    assert score(en_fr, de, criterion="language") == 0.0
    assert score(person(languages=[]), de, criterion="language") == 0.5
    assert score(de, person(languages=[]), criterion="language") == 0.5


@pytest.mark.parametrize(
    ("a", "b", "expected"),
    [
        (FMT_ONLINE, FMT_ONLINE, 1.0),
        (FMT_IN_PERSON, FMT_IN_PERSON, 1.0),
        (FMT_ONLINE, FMT_IN_PERSON, 0.0),
        (FMT_IN_PERSON, FMT_ONLINE, 0.0),
        (FMT_EITHER, FMT_IN_PERSON, 1.0),
        (FMT_ONLINE, FMT_EITHER, 1.0),
    ],
)
def test_format_fits_when_equal_or_either_side_accepts_either(a, b, expected):
    assert score(person(fmt=a), person(fmt=b), criterion="format") == expected


def test_score_is_the_weighted_mean_of_the_criteria():
    mentee = person(topics=[0, 1], goals=[0], stage=1, hours=[(10, 12)], languages=[0])
    mentor = person(topics=[1], goals=[1], stage=2, hours=[(11, 20)], languages=[1], fmt=0)
    weights = Weights(topics=3, goals=2, stage=2, availability=2, language=1, format=1)
    # topics 1/2, goals 0, stage 1, availability 1/2, language 0, format 1 (mentee: either)
    expected = (3 * 0.5 + 0 + 2 * 1 + 2 * 0.5 + 0 + 1 * 1) / 11
    block = score_block(
        mentees=side(mentee),
        mentors=side(mentor),
        rows=slice(0, 1),
        weights=weights,
        reciprocal=False,
    )
    assert block[0, 0] == pytest.approx(expected, abs=1e-12)


def test_weights_must_not_all_be_zero_or_negative():
    with pytest.raises(ValueError, match="at least one weight"):
        Weights(topics=0, goals=0, stage=0, availability=0, language=0, format=0)
    with pytest.raises(ValueError, match="non-negative"):
        Weights(topics=-1)
    assert Weights(topics=0, goals=0, stage=0, availability=0, language=0, format=2).total == 2


def random_side(rng: np.random.Generator, n: int) -> SideFeatures:
    def rows(width, low, high):
        return [rng.choice(width, rng.integers(low, high + 1), replace=False) for _ in range(n)]

    return SideFeatures(
        topics=incidence(rows=rows(N_TOPICS, 0, 4), n_cols=N_TOPICS),
        goals=incidence(rows=rows(N_GOALS, 0, 3), n_cols=N_GOALS),
        stage=rng.integers(-1, 5, n),
        availability=rng.random((n, HOURS_PER_WEEK)) < 0.05,
        languages=incidence(rows=rows(N_LANGUAGES, 0, 2), n_cols=N_LANGUAGES),
        fmt=rng.integers(0, 3, n).astype(np.int8),
    )


weights_strategy = (
    st.tuples(*[st.floats(min_value=0, max_value=5) for _ in CRITERIA])
    .filter(lambda values: sum(values) > 0.01)
    .map(lambda values: Weights(*values))
)


@settings(max_examples=60, deadline=None)
@given(seed=st.integers(0, 2**32 - 1), weights=weights_strategy, reciprocal=st.booleans())
def test_explanation_contributions_sum_to_the_block_score(seed, weights, reciprocal):
    rng = np.random.default_rng(seed)
    mentees, mentors = random_side(rng, 5), random_side(rng, 4)
    block = score_block(
        mentees=mentees, mentors=mentors, rows=slice(0, 5), weights=weights, reciprocal=reciprocal
    )
    single = PairScorer(mentees=mentees, mentors=mentors, weights=weights, reciprocal=reciprocal)
    fast = single.block(slice(0, 5))
    assert fast.dtype == np.float32
    for i in range(5):
        for j in range(4):
            items = explain_pair(
                mentees=mentees, mentors=mentors, i=i, j=j, weights=weights, reciprocal=reciprocal
            )
            assert [item["criterion"] for item in items] == list(CRITERIA)
            assert all(0 <= item["value"] <= 1 for item in items)
            total = sum(item["contribution"] for item in items)
            assert abs(total - block[i, j]) <= 1e-9
            assert abs(total - fast[i, j]) <= 1e-6
    assert ((block >= 0) & (block <= 1 + 1e-12)).all()


def test_explanation_details_name_what_was_shared():
    mentee = person(topics=[0, 2, 4], goals=[1], stage=0, hours=[(5, 9)], languages=[0, 2])
    mentor = person(topics=[2, 4, 5], goals=[1, 3], stage=2, hours=[(8, 12)], languages=[2])
    items = {
        item["criterion"]: item
        for item in explain_pair(
            mentees=side(mentee),
            mentors=side(mentor),
            i=0,
            j=0,
            weights=Weights(),
            reciprocal=False,
        )
    }
    assert items["topics"]["detail"] == {"shared": [2, 4], "wanted": 3}
    assert items["goals"]["detail"] == {"shared": [1], "wanted": 1}
    assert items["stage"]["detail"] == {"mentee": 0, "mentor": 2}
    assert items["availability"]["detail"] == {"overlap_hours": 1, "target_hours": 2}
    assert items["language"]["detail"] == {"shared": [2]}
    assert items["topics"]["value"] == pytest.approx(2 / 3)
    assert items["availability"]["value"] == 0.5


def test_block_entries_do_not_depend_on_which_rows_are_scored_together():
    rng = np.random.default_rng(7)
    mentees, mentors = random_side(rng, 300), random_side(rng, 5000)
    scorer = PairScorer(mentees=mentees, mentors=mentors, weights=Weights(), reciprocal=False)
    full = scorer.block(slice(0, 300))
    picked = np.array([299, 3, 150, 3])
    assert np.array_equal(scorer.block(picked), full[picked])
    assert np.array_equal(scorer.block(slice(17, 18)), full[17:18])


def test_score_source_marks_forbidden_pairs_minus_infinity():
    rng = np.random.default_rng(3)
    mentees, mentors = random_side(rng, 6), random_side(rng, 5)
    scorer = PairScorer(mentees=mentees, mentors=mentors, weights=Weights(), reciprocal=False)
    forbidden = sp.csr_matrix(([True, True], ([0, 4], [1, 3])), shape=(6, 5))

    def rule(rows, n_mentors):
        return (rows[:, None] + np.arange(n_mentors)[None, :]) == 5

    source = PairScoreSource(scorer=scorer, forbidden=forbidden, forbid_rule=rule, block_rows=4)
    block = source.block(np.array([0, 4, 5]))
    expected = scorer.block(np.array([0, 4, 5]))
    expected[0, 1] = expected[1, 3] = -np.inf  # the explicit pairs
    expected[1, 1] = expected[2, 0] = -np.inf  # the rule: mentee + mentor == 5
    assert np.array_equal(block, expected)
    assert source.shape == (6, 5)


def bare_side(stages, formats) -> SideFeatures:
    """People in a program that defines no topics, goals or languages."""
    n = len(stages)
    return SideFeatures(
        topics=sp.csr_matrix((n, 0), dtype=bool),
        goals=sp.csr_matrix((n, 0), dtype=bool),
        stage=np.array(stages, dtype=np.int64),
        availability=np.zeros((n, HOURS_PER_WEEK), dtype=bool),
        languages=sp.csr_matrix((n, 0), dtype=bool),
        fmt=np.array(formats, dtype=np.int8),
    )


def test_programs_without_topics_goals_or_people_still_score():
    two = bare_side([0, -1], [FMT_ONLINE, FMT_EITHER])
    block = score_block(
        mentees=two, mentors=two, rows=slice(0, 2), weights=Weights(), reciprocal=False
    )
    # Pair (0, 0): stage gap 0 scores 0, no languages listed 0.5, both online 1.
    assert block.shape == (2, 2)
    assert block[0, 0] == pytest.approx((1 * 0.5 + 1 * 1) / 11, abs=1e-12)
    nobody = PairScorer(mentees=two, mentors=bare_side([], []), weights=Weights(), reciprocal=False)
    assert nobody.block(slice(0, 2)).shape == (2, 0)


def test_features_reject_misaligned_arrays():
    good = side(person(), person())
    parts = {
        "topics": good.topics,
        "goals": good.goals,
        "stage": good.stage,
        "availability": good.availability,
        "languages": good.languages,
        "fmt": good.fmt,
    }
    with pytest.raises(ValueError, match="availability"):
        SideFeatures(**{**parts, "availability": np.zeros((2, 24), dtype=bool)})
    with pytest.raises(ValueError, match="fmt"):
        SideFeatures(**{**parts, "fmt": np.array([0, 3])})
    with pytest.raises(ValueError, match="topics has 1 rows"):
        SideFeatures(**{**parts, "topics": good.topics[:1]})
