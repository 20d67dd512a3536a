"""The statistics behind the impact report: did participants' outcomes change more than others'?

Pure numpy and statsmodels; no Django. The Django layer loads one value per person (a GPA, a
credit count, a yes/no such as "still enrolled") and calls these functions; every array has one
entry per person, in the same order, and nan means "no value for this person".

How the report reads, in plain words:

- **Comparison group.** Students who did not take part are the comparison. Participants and
  non-participants can differ before the program even starts, so the report first makes the
  comparison group look like the participants (`baseline_bands`, `coarsened_weights`) and then
  checks how alike the two groups are (`balance`).
- **Matching (coarsened exact matching, Iacus, King and Porro).** Everyone is put in a stratum
  (for instance career stage and which fifth of the baseline GPA they were in). Strata holding
  only participants or only non-participants are set aside (weight 0). Inside the others, the
  comparison people are weighted so that, in total, each stratum carries the same share of the
  comparison group as of the participants.
- **Baseline equivalence (What Works Clearinghouse).** For each background trait the gap between
  the groups is put on a common scale: Hedges' g for measurements, the Cox index for yes/no
  traits. A gap of at most 0.05 is "equivalent", up to 0.25 needs the analysis to "adjust" for
  the trait, beyond that the groups are "not equivalent".
- **Difference in differences.** For people with a value both before and after the program, the
  estimate is how much more the participants' average changed than the comparison group's
  average. It is read off a regression so that it comes with a standard error that allows for
  the two values of one person being related (clustered by person).
- **Yes/no outcomes.** Rates come with Wilson intervals, a difference of rates with Newcombe's
  interval built from the two Wilson intervals; both stay sensible for small groups and rates
  near 0% or 100%.
- **Dose.** Whether people who took more of the program (sessions, hours) changed more: the
  slope of a straight line, with a standard error that does not assume equal spread.

Intervals from regressions use Student's t (with people - 1 degrees of freedom for clustered
errors, points - 2 for the slope), as Stata does, which is a little wider than the normal
curve for small groups and the same for large ones. statsmodels is imported on the first
regression, not with this module, because it takes most of a second to load.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

from outcomes._intervals import (
    check_confidence,
    coefficient_interval,
    cox_index,
    hedges_g,
    newcombe_interval,
    weighted_mean,
    wilson_interval,
)

__all__ = [
    "BalanceRow",
    "DidResult",
    "RateDifference",
    "Slope",
    "balance",
    "baseline_bands",
    "coarsened_weights",
    "did_estimate",
    "dose_slope",
    "group_means",
    "rate_difference",
    "wilson_interval",
]

#: WWC baseline equivalence: |difference| up to this is "equivalent"...
EQUIVALENT_UP_TO = 0.05
#: ...up to this needs "adjust"ing for the trait; beyond it, "not equivalent".
ADJUST_UP_TO = 0.25


@dataclass(frozen=True)
class RateDifference:
    """Two rates, their difference (t - c) with Newcombe's interval, and the Cox index."""

    rate_t: float
    rate_c: float
    difference: float
    ci_low: float
    ci_high: float
    n_t: int
    n_c: int
    cox_index: float


@dataclass(frozen=True)
class DidResult:
    """Difference in differences: (after - before) of treated minus that of the comparison.

    n_t, n_c and the means are over the people used (both values, positive weight), the means
    and SDs weighted when weights are given. effect_size is Hedges' g: estimate / pooled SD of
    the two groups' after values, times the small-sample correction 1 - 3 / (4 (n_t + n_c) - 9);
    None when the after values do not vary.
    When the standard error is zero the interval collapses to the estimate and p_value is None.
    """

    estimate: float
    ci_low: float
    ci_high: float
    p_value: float | None
    se: float
    n_t: int
    n_c: int
    mean_before_t: float
    mean_after_t: float
    mean_before_c: float
    mean_after_c: float
    effect_size: float | None


@dataclass(frozen=True)
class BalanceRow:
    """One background trait: group means, standardised difference (t - c) and WWC verdict.

    mean_* are None for a group with no value; difference and verdict are None when the
    difference cannot be computed (a group with fewer than two people, or for a measurement
    that takes one value only across both groups).
    """

    name: str
    mean_t: float | None
    mean_c: float | None
    difference: float | None
    verdict: str | None


@dataclass(frozen=True)
class Slope:
    """Straight-line slope of change on dose with an HC1 (heteroskedasticity-robust) interval.

    When every point lies on the line the interval collapses to the slope and p_value is None.
    """

    slope: float
    ci_low: float
    ci_high: float
    p_value: float | None
    n: int


def rate_difference(
    *, successes_t: int, n_t: int, successes_c: int, n_c: int, confidence: float = 0.95
) -> RateDifference:
    """Compare two rates: difference t - c with Newcombe's hybrid score interval, Cox index.

    Raises ValueError as wilson_interval does (n < 1, successes outside 0..n).
    """
    ci_low, ci_high = newcombe_interval(
        successes_t=successes_t, n_t=n_t, successes_c=successes_c, n_c=n_c, confidence=confidence
    )
    rate_t, rate_c = successes_t / n_t, successes_c / n_c
    return RateDifference(
        rate_t=rate_t,
        rate_c=rate_c,
        difference=rate_t - rate_c,
        ci_low=ci_low,
        ci_high=ci_high,
        n_t=n_t,
        n_c=n_c,
        cox_index=cox_index(p_t=rate_t, n_t=n_t, p_c=rate_c, n_c=n_c),
    )


def did_estimate(
    *,
    treated: np.ndarray,
    before: np.ndarray,
    after: np.ndarray,
    weights: np.ndarray | None = None,
    confidence: float = 0.95,
) -> DidResult | None:
    """Difference in differences over people with both a before and an after value.

    Two rows per person (post 0 and 1), y ~ 1 + treated + post + treated:post by least squares,
    weighted (WLS) when weights are given (a person's weight on both rows; weight 0 leaves the
    person out); the estimate is the treated:post coefficient, with standard errors clustered
    by person. With two periods it equals mean change of treated minus mean change of the
    comparison. None when either group has fewer than 2 usable people.
    """
    check_confidence(confidence)
    treated = _flags(treated)
    before = _floats(before, name="before", n=len(treated))
    after = _floats(after, name="after", n=len(treated))
    weights = _weights(weights, n=len(treated))
    keep = np.isfinite(before) & np.isfinite(after) & (weights > 0)
    treated, before, after, weights = treated[keep], before[keep], after[keep], weights[keep]
    n_t = int(treated.sum())
    n_c = len(treated) - n_t
    if min(n_t, n_c) < 2:
        return None
    fit = _did_fit(treated=treated, before=before, after=after, weights=weights)
    scale = max(1.0, float(np.abs(before).max()), float(np.abs(after).max()))
    estimate, ci_low, ci_high, p_value, se = coefficient_interval(
        fit=fit, index=3, confidence=confidence, scale=scale
    )
    t, c = treated, ~treated
    return DidResult(
        estimate=estimate,
        ci_low=ci_low,
        ci_high=ci_high,
        p_value=p_value,
        se=se,
        n_t=n_t,
        n_c=n_c,
        mean_before_t=weighted_mean(values=before[t], weights=weights[t]),
        mean_after_t=weighted_mean(values=after[t], weights=weights[t]),
        mean_before_c=weighted_mean(values=before[c], weights=weights[c]),
        mean_after_c=weighted_mean(values=after[c], weights=weights[c]),
        effect_size=hedges_g(
            difference=estimate,
            values_t=after[t],
            weights_t=weights[t],
            values_c=after[c],
            weights_c=weights[c],
        ),
    )


def _did_fit(*, treated: np.ndarray, before: np.ndarray, after: np.ndarray, weights: np.ndarray):
    """The fitted long-format regression; columns 1, treated, post, treated:post."""
    from statsmodels.regression.linear_model import WLS  # most of a second: not at start-up

    n = len(treated)
    group = np.tile(treated.astype(float), 2)
    post = np.repeat([0.0, 1.0], n)
    design = np.column_stack([np.ones(2 * n), group, post, group * post])
    person = np.tile(np.arange(n), 2)
    return WLS(np.concatenate([before, after]), design, weights=np.tile(weights, 2)).fit(
        cov_type="cluster", cov_kwds={"groups": person}, use_t=True
    )


def baseline_bands(*, values: np.ndarray, bands: int = 5) -> np.ndarray:
    """Quantile band 0..bands-1 of each value among all non-nan values; nan gives -1.

    A value's band is floor(bands * share of values strictly below it), so equal values always
    share a band, the lowest value is in band 0, and with many ties some bands stay empty.
    """
    if bands < 1:
        raise ValueError(f"bands must be at least 1, got {bands}")
    values = _floats(values, name="values")
    result = np.full(len(values), -1, dtype=np.int64)
    known = ~np.isnan(values)
    if known.any():
        ordered = np.sort(values[known])
        below = np.searchsorted(ordered, values[known], side="left")
        result[known] = below * bands // len(ordered)
    return result


def coarsened_weights(*, treated: np.ndarray, strata: np.ndarray) -> np.ndarray:
    """Coarsened exact matching weights (Iacus, King and Porro) for integer stratum codes.

    A person in a stratum lacking either group gets 0; a treated person 1; a comparison person
    in stratum s gets (n_t_s / n_c_s) * (N_c / N_t), N_c and N_t counting the people of the
    matched strata. The comparison weights then sum to N_c and give each stratum the treated
    group's share of it.
    """
    treated = _flags(treated)
    strata = np.asarray(strata)
    if strata.shape != treated.shape or not np.issubdtype(strata.dtype, np.integer):
        raise ValueError("strata must be integer codes, one per person")
    _, stratum = np.unique(strata, return_inverse=True)
    n_t = np.bincount(stratum, weights=treated)
    n_c = np.bincount(stratum, weights=~treated)
    matched = (n_t > 0) & (n_c > 0)
    comparison_weight = np.zeros(len(n_t))
    if matched.any():
        scale = n_c[matched].sum() / n_t[matched].sum()
        comparison_weight[matched] = n_t[matched] / n_c[matched] * scale
    return np.where(treated, matched[stratum].astype(float), comparison_weight[stratum])


def balance(
    *,
    treated: np.ndarray,
    covariates: dict[str, np.ndarray],
    weights: np.ndarray | None = None,
    binary: set[str] | frozenset[str] = frozenset(),
) -> list[BalanceRow]:
    """Baseline equivalence of each covariate, in the order given, by WWC's thresholds.

    The difference is Hedges' g for measurements and the Cox index for the names in binary
    (values 0 or 1), weighted when weights are given; weight 0 and nan values leave a person
    out (nan only for that covariate). Raises ValueError for a binary name not in covariates.
    """
    unknown = set(binary) - set(covariates)
    if unknown:
        raise ValueError(f"binary names no covariate: {sorted(unknown)}")
    flags = _flags(treated)
    weights = _weights(weights, n=len(flags))
    return [
        _balance_row(
            name=name,
            values=_floats(values, name=name, n=len(flags)),
            treated=flags,
            weights=weights,
            is_binary=name in binary,
        )
        for name, values in covariates.items()
    ]


def _balance_row(
    *, name: str, values: np.ndarray, treated: np.ndarray, weights: np.ndarray, is_binary: bool
) -> BalanceRow:
    keep = ~np.isnan(values) & (weights > 0)
    t, c = keep & treated, keep & ~treated
    if is_binary and not np.isin(values[keep], (0.0, 1.0)).all():
        raise ValueError(f"binary covariate {name} has values other than 0 and 1")
    mean_t = weighted_mean(values=values[t], weights=weights[t])
    mean_c = weighted_mean(values=values[c], weights=weights[c])
    if min(t.sum(), c.sum()) < 2:
        difference = None
    elif is_binary:
        difference = cox_index(
            p_t=mean_t, n_t=float(weights[t].sum()), p_c=mean_c, n_c=float(weights[c].sum())
        )
    else:
        difference = hedges_g(
            difference=mean_t - mean_c,
            values_t=values[t],
            weights_t=weights[t],
            values_c=values[c],
            weights_c=weights[c],
        )
    return BalanceRow(
        name=name, mean_t=mean_t, mean_c=mean_c, difference=difference, verdict=_verdict(difference)
    )


def _verdict(difference: float | None) -> str | None:
    if difference is None:
        return None
    if abs(difference) <= EQUIVALENT_UP_TO:
        return "equivalent"
    if abs(difference) <= ADJUST_UP_TO:
        return "adjust"
    return "not equivalent"


def dose_slope(*, dose: np.ndarray, change: np.ndarray, confidence: float = 0.95) -> Slope | None:
    """Least-squares slope of change on dose, HC1 standard errors, over points with both values.

    None when fewer than 3 points remain or every dose is the same.
    """
    check_confidence(confidence)
    dose = _floats(dose, name="dose")
    change = _floats(change, name="change", n=len(dose))
    keep = np.isfinite(dose) & np.isfinite(change)
    dose, change = dose[keep], change[keep]
    if len(dose) < 3 or np.ptp(dose) == 0:
        return None
    from statsmodels.regression.linear_model import OLS  # most of a second: not at start-up

    design = np.column_stack([np.ones(len(dose)), dose])
    fit = OLS(change, design).fit(cov_type="HC1", use_t=True)
    scale = max(1.0, float(np.abs(change).max()))
    slope, ci_low, ci_high, p_value, _ = coefficient_interval(
        fit=fit, index=1, confidence=confidence, scale=scale
    )
    return Slope(slope=slope, ci_low=ci_low, ci_high=ci_high, p_value=p_value, n=len(dose))


def group_means(
    *, values: np.ndarray, weights: np.ndarray | None = None
) -> tuple[float | None, int]:
    """(weighted mean, count) of the non-nan values with positive weight; (None, 0) if none."""
    values = _floats(values, name="values")
    weights = _weights(weights, n=len(values))
    keep = ~np.isnan(values) & (weights > 0)
    return weighted_mean(values=values[keep], weights=weights[keep]), int(keep.sum())


def _flags(treated: np.ndarray) -> np.ndarray:
    """treated as a 1-D bool array; ValueError unless it holds booleans or 0/1."""
    flags = np.asarray(treated)
    if flags.ndim != 1:
        raise ValueError("treated must be one flag per person")
    if flags.dtype != bool and not np.isin(flags, (0, 1)).all():
        raise ValueError("treated must hold booleans (or 0 and 1)")
    return flags.astype(bool)


def _floats(values: np.ndarray, *, name: str, n: int | None = None) -> np.ndarray:
    array = np.asarray(values, dtype=float)
    if array.ndim != 1 or (n is not None and len(array) != n):
        raise ValueError(f"{name} must be one value per person")
    return array


def _weights(weights: np.ndarray | None, *, n: int) -> np.ndarray:
    """Weights as floats (all 1 when None); ValueError unless finite and non-negative."""
    if weights is None:
        return np.ones(n)
    array = _floats(weights, name="weights", n=n)
    if not (np.isfinite(array).all() and (array >= 0).all()):
        raise ValueError("weights must be finite and non-negative")
    return array
