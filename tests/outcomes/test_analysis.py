"""Impact-report statistics (pure, no database): intervals, matching, balance, DiD, dose."""

import math

import numpy as np
import pandas as pd
import pytest
import statsmodels.api as sm
import statsmodels.formula.api as smf
from scipy import stats
from statsmodels.stats.proportion import confint_proportions_2indep, proportion_confint

from outcomes.analysis import (
    BalanceRow,
    RateDifference,
    _verdict,
    balance,
    baseline_bands,
    coarsened_weights,
    did_estimate,
    dose_slope,
    group_means,
    rate_difference,
    wilson_interval,
)

Z95 = 1.959963984540054
NAN = math.nan


def _t2_quantile(p: float) -> float:
    """Closed-form quantile of Student's t with 2 degrees of freedom, independent of scipy."""
    return (2 * p - 1) * math.sqrt(2 / (4 * p * (1 - p)))


def _panel(*, seed: int, n: int = 400, gaps: bool = True) -> dict[str, np.ndarray]:
    """Random people: a fifth treated, outcomes with a small program effect, some gaps."""
    rng = np.random.default_rng(seed)
    treated = rng.random(n) < 0.2
    before = rng.normal(3.0, 0.6, n)
    after = before + rng.normal(0.1, 0.3, n) + 0.15 * treated
    if gaps:
        before[rng.random(n) < 0.1] = NAN
        after[rng.random(n) < 0.1] = NAN
    return {"treated": treated, "before": before, "after": after, "weights": rng.random(n) + 0.2}


def _long(*, treated, before, after, weights) -> pd.DataFrame:
    """The two-rows-per-person table of the complete cases, written out independently."""
    keep = ~np.isnan(before) & ~np.isnan(after)
    person = np.flatnonzero(keep)
    rows = [
        {"person": p, "treated": int(treated[p]), "post": post, "y": y, "w": weights[p]}
        for p in person
        for post, y in ((0, before[p]), (1, after[p]))
    ]
    return pd.DataFrame(rows)


# --- Wilson and Newcombe ------------------------------------------------------------------


def test_wilson_interval_matches_the_published_81_of_263_example():
    low, high = wilson_interval(successes=81, n=263)
    expected = proportion_confint(81, 263, alpha=0.05, method="wilson")

    assert (round(low, 4), round(high, 4)) == (0.2553, 0.3662)
    assert (low, high) == pytest.approx(expected, rel=1e-12)


def test_wilson_interval_of_no_successes_runs_from_zero_to_z2_over_n_plus_z2():
    assert wilson_interval(successes=0, n=10) == (0.0, pytest.approx(Z95**2 / (10 + Z95**2)))
    assert wilson_interval(successes=10, n=10) == (pytest.approx(10 / (10 + Z95**2)), 1.0)


@pytest.mark.parametrize(
    ("successes", "n", "confidence"), [(0, 0, 0.95), (-1, 5, 0.95), (6, 5, 0.95), (2, 5, 1.0)]
)
def test_wilson_interval_rejects_impossible_counts_and_confidences(successes, n, confidence):
    with pytest.raises(ValueError):
        wilson_interval(successes=successes, n=n, confidence=confidence)


def test_rate_difference_matches_newcombes_published_56_of_70_versus_48_of_80():
    result = rate_difference(successes_t=56, n_t=70, successes_c=48, n_c=80)
    expected = confint_proportions_2indep(56, 70, 48, 80, method="newcomb", compare="diff")

    assert (result.rate_t, result.rate_c, result.n_t, result.n_c) == (0.8, 0.6, 70, 80)
    assert round(result.difference, 4) == 0.2
    assert (round(result.ci_low, 4), round(result.ci_high, 4)) == (0.0524, 0.3339)
    assert (result.ci_low, result.ci_high) == pytest.approx(expected, rel=1e-12)


def test_rate_difference_cox_index_is_the_log_odds_ratio_over_1_65():
    result = rate_difference(successes_t=56, n_t=70, successes_c=48, n_c=80)

    # Odds 4 against 1.5: log odds ratio log(8/3).
    assert result.cox_index == pytest.approx(math.log(8 / 3) / 1.65, rel=1e-12)


def test_rate_difference_cox_index_adds_half_to_each_cell_when_a_rate_is_zero():
    result = rate_difference(successes_t=0, n_t=10, successes_c=5, n_c=10)

    # Cells become 0.5/10.5 and 5.5/5.5: odds 1/21 against 1.
    assert result == RateDifference(
        rate_t=0.0,
        rate_c=0.5,
        difference=-0.5,
        ci_low=result.ci_low,
        ci_high=result.ci_high,
        n_t=10,
        n_c=10,
        cox_index=pytest.approx(-math.log(21) / 1.65, rel=1e-12),
    )
    assert math.isfinite(result.ci_low)


# --- Difference in differences ------------------------------------------------------------

HAND = {
    "treated": np.array([True, True, False, False]),
    "before": np.array([1.0, 2.0, 1.0, 3.0]),
    "after": np.array([1.4, 2.6, 1.1, 3.3]),
}


def test_did_hand_example_gives_the_exact_estimate_and_clustered_standard_error():
    result = did_estimate(**HAND)
    # Changes 0.4, 0.6 (treated) and 0.1, 0.3: estimate 0.5 - 0.2. A person's influence on
    # the estimate is (change - group mean change) / group size, 0.05 each; the clustered
    # variance is their sum of squares, 0.01, times G/(G-1) * (N-1)/(N-K) = 4/3 * 7/4.
    se = math.sqrt(7 / 3 * 0.01)
    critical = stats.t.ppf(0.975, 3)

    assert result.estimate == pytest.approx(0.3, abs=1e-12)
    assert result.se == pytest.approx(se, rel=1e-9)
    assert (result.ci_low, result.ci_high) == pytest.approx(
        (0.3 - critical * se, 0.3 + critical * se), rel=1e-9
    )
    assert round(critical, 3) == 3.182  # t(0.975) with people - 1 = 3 degrees of freedom
    assert result.p_value == pytest.approx(2 * stats.t.sf(0.3 / se, 3), rel=1e-9)


def test_did_hand_example_reports_group_means_sizes_and_hedges_g():
    result = did_estimate(**HAND)
    # After values 1.4, 2.6 (variance 0.72) and 1.1, 3.3 (variance 2.42): pooled 1.57;
    # small-sample correction 1 - 3 / (4 * 4 - 9) = 4/7.
    g = 0.3 / math.sqrt(1.57) * 4 / 7

    assert (result.n_t, result.n_c) == (2, 2)
    assert (
        result.mean_before_t,
        result.mean_after_t,
        result.mean_before_c,
        result.mean_after_c,
    ) == pytest.approx((1.5, 2.0, 2.0, 2.2), abs=1e-12)
    assert result.effect_size == pytest.approx(g, rel=1e-12)


@pytest.mark.parametrize("weighted", [False, True])
def test_did_matches_a_formula_regression_with_errors_clustered_by_person(weighted):
    data = _panel(seed=7)
    weights = data["weights"] if weighted else None
    result = did_estimate(
        treated=data["treated"], before=data["before"], after=data["after"], weights=weights
    )
    long = _long(**data)
    if weighted:
        model = smf.wls("y ~ treated * post", data=long, weights=long["w"])
    else:
        model = smf.ols("y ~ treated * post", data=long)
    fit = model.fit(cov_type="cluster", cov_kwds={"groups": long["person"]}, use_t=True)
    low, high = fit.conf_int().loc["treated:post"]

    assert result.estimate == pytest.approx(fit.params["treated:post"], rel=1e-9)
    assert result.se == pytest.approx(fit.bse["treated:post"], rel=1e-9)
    assert (result.ci_low, result.ci_high) == pytest.approx((low, high), rel=1e-9)
    assert result.p_value == pytest.approx(fit.pvalues["treated:post"], rel=1e-9)
    assert (result.n_t, result.n_c) == (
        long[long.post == 0].treated.sum(),
        (long[long.post == 0].treated == 0).sum(),
    )


@pytest.mark.parametrize("seed", [1, 2, 3, 4, 5])
def test_did_estimate_equals_the_difference_of_mean_changes(seed):
    data = _panel(seed=seed)
    result = did_estimate(treated=data["treated"], before=data["before"], after=data["after"])
    change = data["after"] - data["before"]
    t, c = data["treated"] & ~np.isnan(change), ~data["treated"] & ~np.isnan(change)

    assert result.estimate == pytest.approx(change[t].mean() - change[c].mean(), rel=1e-9)


def test_weighted_did_estimate_equals_the_difference_of_weighted_mean_changes():
    data = _panel(seed=11)
    result = did_estimate(**data)
    change, w = data["after"] - data["before"], data["weights"]
    t, c = data["treated"] & ~np.isnan(change), ~data["treated"] & ~np.isnan(change)
    expected = np.average(change[t], weights=w[t]) - np.average(change[c], weights=w[c])

    assert result.estimate == pytest.approx(expected, rel=1e-9)
    assert result.mean_after_c == pytest.approx(np.average(data["after"][c], weights=w[c]))


def test_did_leaves_out_people_without_both_values_or_with_weight_zero():
    result = did_estimate(
        treated=np.array([1, 1, 1, 1, 0, 0, 0, 0, 0]),
        before=np.array([1.0, 2.0, NAN, 3.0, 1.0, 2.0, 3.0, 4.0, 5.0]),
        after=np.array([2.0, 2.5, 3.0, NAN, 1.0, 2.5, 3.0, 4.5, 9.0]),
        weights=np.array([1, 1, 1, 1, 1, 1, 1, 1, 0.0]),
    )

    assert (result.n_t, result.n_c) == (2, 4)
    assert result.estimate == pytest.approx(0.75 - 0.25, abs=1e-12)


def test_did_is_none_when_a_group_has_fewer_than_two_usable_people():
    result = did_estimate(
        treated=np.array([True, True, False, False, False]),
        before=np.array([1.0, NAN, 1.0, 2.0, 3.0]),
        after=np.array([2.0, 2.0, 1.0, 2.0, 3.0]),
    )

    assert result is None


def test_did_with_identical_changes_in_each_group_has_a_collapsed_interval_and_no_p_value():
    result = did_estimate(
        treated=np.array([True, True, False, False]),
        before=np.array([1.0, 2.0, 1.0, 3.0]),
        after=np.array([1.5, 2.5, 1.2, 3.2]),
    )

    assert result.estimate == pytest.approx(0.3, abs=1e-12)
    assert (result.se, result.p_value) == (0.0, None)
    assert result.ci_low == result.ci_high == result.estimate


def test_did_rejects_arrays_of_different_lengths_and_negative_weights():
    with pytest.raises(ValueError):
        did_estimate(treated=np.array([True, False]), before=np.ones(3), after=np.ones(3))
    with pytest.raises(ValueError):
        did_estimate(**HAND, weights=np.array([1.0, -1.0, 1.0, 1.0]))


# --- Baseline bands and coarsened exact matching --------------------------------------------


def test_baseline_bands_split_ten_distinct_values_into_five_pairs():
    values = np.array([7.0, 2.0, 9.0, 0.0, 4.0, 1.0, 8.0, 3.0, 6.0, 5.0])

    assert baseline_bands(values=values).tolist() == [3, 1, 4, 0, 2, 0, 4, 1, 3, 2]


def test_baseline_bands_put_equal_values_together_and_nan_in_minus_one():
    values = np.array([2.0, 2.0, 2.0, 2.0, 3.5, NAN])

    assert baseline_bands(values=values).tolist() == [0, 0, 0, 0, 4, -1]


def test_baseline_bands_cope_with_fewer_distinct_values_than_bands():
    values = np.array([1.0, 2.0, 1.0, 2.0])

    assert baseline_bands(values=values, bands=5).tolist() == [0, 2, 0, 2]


def test_baseline_bands_of_no_known_value_are_all_minus_one_and_bands_must_be_positive():
    assert baseline_bands(values=np.array([NAN, NAN])).tolist() == [-1, -1]
    with pytest.raises(ValueError):
        baseline_bands(values=np.array([1.0]), bands=0)


def test_coarsened_weights_hand_example_drops_strata_lacking_either_group():
    # Stratum 0: 2 treated, 4 comparison; 1: 1 and 1; 2: comparison only; 3: treated only.
    treated = np.array([1, 1, 0, 0, 0, 0, 1, 0, 0, 0, 0, 1], dtype=bool)
    strata = np.array([0, 0, 0, 0, 0, 0, 1, 1, 2, 2, 2, 3])
    weights = coarsened_weights(treated=treated, strata=strata)
    # Matched: 3 treated, 5 comparison. Stratum 0 comparison: 2/4 * 5/3; stratum 1: 1/1 * 5/3.

    assert weights.tolist() == pytest.approx(
        [1, 1, 5 / 6, 5 / 6, 5 / 6, 5 / 6, 1, 5 / 3, 0, 0, 0, 0], rel=1e-12
    )
    assert weights[treated].sum() == 3
    assert weights[~treated].sum() == pytest.approx(5, rel=1e-12)


def test_coarsened_weights_give_each_stratum_the_treated_share_of_the_comparison_group():
    rng = np.random.default_rng(3)
    treated = rng.random(2000) < 0.3
    strata = rng.integers(0, 12, 2000) + 5 * treated  # some strata lean treated
    weights = coarsened_weights(treated=treated, strata=strata)
    matched_t = treated & (weights > 0)
    comparison = ~treated

    for stratum in np.unique(strata[matched_t]):
        in_stratum = strata == stratum
        treated_share = (matched_t & in_stratum).sum() / matched_t.sum()
        comparison_share = weights[comparison & in_stratum].sum() / weights[comparison].sum()
        assert comparison_share == pytest.approx(treated_share, rel=1e-12)


def test_coarsened_weights_are_all_zero_when_no_stratum_holds_both_groups():
    weights = coarsened_weights(treated=np.array([True, False]), strata=np.array([1, 2]))

    assert weights.tolist() == [0.0, 0.0]


def test_coarsened_weights_need_integer_strata():
    with pytest.raises(ValueError):
        coarsened_weights(treated=np.array([True, False]), strata=np.array([0.5, 1.5]))


# --- Baseline equivalence -------------------------------------------------------------------


def test_balance_of_a_measurement_is_hedges_g():
    rows = balance(
        treated=np.array([1, 1, 1, 0, 0, 0]), covariates={"gpa": np.array([1, 2, 3, 2, 3, 4.0])}
    )
    # Means 2 and 3, both variances 1; correction 1 - 3 / (4 * 6 - 9) = 0.8.

    assert rows == [
        BalanceRow(
            name="gpa",
            mean_t=2.0,
            mean_c=3.0,
            difference=pytest.approx(-0.8, rel=1e-12),
            verdict="not equivalent",
        )
    ]


def test_balance_of_a_yes_no_trait_is_the_cox_index():
    rows = balance(
        treated=np.array([1, 1, 1, 1, 0, 0, 0, 0]),
        covariates={"first_gen": np.array([1, 1, 0, 0, 1, 0, 0, 0.0])},
        binary={"first_gen"},
    )
    # Rates 1/2 and 1/4: odds 1 against 1/3.

    assert rows == [
        BalanceRow(
            name="first_gen",
            mean_t=0.5,
            mean_c=0.25,
            difference=pytest.approx(math.log(3) / 1.65, rel=1e-12),
            verdict="not equivalent",
        )
    ]


@pytest.mark.parametrize(
    ("difference", "verdict"),
    [
        (0.0, "equivalent"),
        (-0.05, "equivalent"),
        (0.0501, "adjust"),
        (-0.25, "adjust"),
        (0.2501, "not equivalent"),
        (None, None),
    ],
)
def test_balance_verdicts_follow_the_wwc_thresholds(difference, verdict):
    assert _verdict(difference) == verdict


def test_balance_weights_zero_drop_people_and_nan_drops_only_that_covariate():
    rows = balance(
        treated=np.array([1, 1, 1, 0, 0, 0, 0]),
        covariates={
            "gpa": np.array([1.0, 2.0, 3.0, 2.0, 3.0, 4.0, 100.0]),
            "credits": np.array([10.0, NAN, 30.0, 10.0, 30.0, 50.0, 0.0]),
        },
        weights=np.array([1, 1, 1, 1, 1, 2, 0.0]),
    )
    gpa, credits = rows

    assert (gpa.mean_t, gpa.mean_c) == (2.0, pytest.approx(13 / 4))
    assert (credits.mean_t, credits.mean_c) == (20.0, pytest.approx(35.0))


def test_balance_after_matching_on_a_band_shows_that_band_as_equivalent():
    rng = np.random.default_rng(5)
    treated = rng.random(3000) < 0.25
    baseline = rng.normal(3.0, 0.5, 3000) + 0.3 * treated  # participants start higher
    bands = baseline_bands(values=baseline)
    weights = coarsened_weights(treated=treated, strata=bands)
    top_band = (bands == 4).astype(float)

    before, after = (
        balance(treated=treated, covariates={"top": top_band}, binary={"top"}),
        balance(treated=treated, covariates={"top": top_band}, weights=weights, binary={"top"}),
    )

    assert before[0].verdict == "not equivalent"
    assert after[0].difference == pytest.approx(0.0, abs=1e-12)
    assert after[0].verdict == "equivalent"


def test_balance_has_no_difference_for_a_group_of_one_or_a_constant_measurement():
    one, constant = balance(
        treated=np.array([1, 0, 0, 1, 1]),
        covariates={
            "age": np.array([20.0, 21.0, 22.0, NAN, NAN]),
            "same": np.array([5.0, 5.0, 5.0, 5.0, 5.0]),
        },
    )

    assert one == BalanceRow(name="age", mean_t=20.0, mean_c=21.5, difference=None, verdict=None)
    assert constant == BalanceRow(
        name="same", mean_t=5.0, mean_c=5.0, difference=None, verdict=None
    )


def test_balance_rejects_a_binary_covariate_with_other_values_and_an_unknown_binary_name():
    treated = np.array([1, 1, 0, 0])
    with pytest.raises(ValueError):
        balance(treated=treated, covariates={"x": np.array([0, 1, 2, 0.0])}, binary={"x"})
    with pytest.raises(ValueError):
        balance(treated=treated, covariates={"x": np.array([0, 1, 1, 0.0])}, binary={"y"})


# --- Dose and means -------------------------------------------------------------------------


def test_dose_slope_of_points_on_a_line_is_exact_with_a_collapsed_interval():
    result = dose_slope(dose=np.array([0.0, 2.0, 4.0, 6.0]), change=np.array([1, 2, 3, 4.0]))

    assert result.slope == pytest.approx(0.5, abs=1e-12)
    assert result.ci_low == result.ci_high == result.slope
    assert (result.p_value, result.n) == (None, 4)


def test_dose_slope_hand_example_has_the_hc1_interval():
    result = dose_slope(dose=np.array([0.0, 1.0, 2.0, 3.0]), change=np.array([0, 2, 2, 4.0]))
    # Slope 6/5; residuals -0.2, 0.6, -0.6, 0.2; HC1 variance
    # n/(n-2) * sum((x - mean)^2 e^2) / Sxx^2 = 2 * 0.36 / 25.
    se = math.sqrt(0.0288)
    critical = _t2_quantile(0.975)

    assert result.slope == pytest.approx(1.2, rel=1e-12)
    assert (result.ci_low, result.ci_high) == pytest.approx(
        (1.2 - critical * se, 1.2 + critical * se), rel=1e-9
    )
    assert result.n == 4


def test_dose_slope_matches_statsmodels_ols_with_hc1_errors():
    rng = np.random.default_rng(9)
    dose = rng.integers(0, 12, 300).astype(float)
    change = 0.02 * dose + rng.normal(0, 0.2 + 0.05 * dose)
    change[:10] = NAN
    fit = sm.OLS(change[10:], sm.add_constant(dose[10:])).fit(cov_type="HC1", use_t=True)
    result = dose_slope(dose=dose, change=change)

    assert result.slope == pytest.approx(fit.params[1], rel=1e-9)
    assert (result.ci_low, result.ci_high) == pytest.approx(tuple(fit.conf_int()[1]), rel=1e-9)
    assert result.p_value == pytest.approx(fit.pvalues[1], rel=1e-9)
    assert result.n == 290


def test_dose_slope_is_none_for_fewer_than_three_points_or_a_single_dose():
    assert dose_slope(dose=np.array([1.0, 2.0, NAN]), change=np.array([1.0, 2.0, 3.0])) is None
    assert dose_slope(dose=np.array([2.0, 2.0, 2.0]), change=np.array([1.0, 2.0, 3.0])) is None


def test_group_means_weigh_the_known_values_and_count_them():
    values = np.array([1.0, NAN, 3.0, 10.0])

    assert group_means(values=values) == (pytest.approx(14 / 3), 3)
    assert group_means(values=values, weights=np.array([1, 1, 3, 0.0])) == (2.5, 2)
    assert group_means(values=np.array([NAN])) == (None, 0)


def test_results_are_python_floats():
    result = did_estimate(**HAND)
    slope = dose_slope(dose=np.array([0.0, 1.0, 2.0, 3.0]), change=np.array([0, 2, 2, 4.0]))

    assert {type(value) for value in (result.estimate, result.se, result.effect_size)} == {float}
    assert {type(value) for value in (slope.slope, slope.ci_low, slope.p_value)} == {float}


def test_equal_rates_of_zero_or_one_are_no_difference_whatever_the_group_sizes():
    from outcomes._intervals import cox_index

    assert cox_index(p_t=0.0, n_t=12, p_c=0.0, n_c=16) == 0.0
    assert cox_index(p_t=1.0, n_t=3, p_c=1.0, n_c=300) == 0.0
