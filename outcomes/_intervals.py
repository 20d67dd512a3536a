"""The formulas under `outcomes.analysis`: score intervals and standardised differences.

Wilson's interval for a proportion, Newcombe's for a difference of two, the Cox index and
Hedges' g (the What Works Clearinghouse effect sizes), and the interval of one regression
coefficient. The normal quantile comes from the standard library, so none of this imports
scipy. `outcomes.analysis` re-exports `wilson_interval`; import it from there.
"""

from __future__ import annotations

import math
from statistics import NormalDist

import numpy as np

#: The Cox index divides a log odds ratio by 1.65 to put it on the scale of Hedges' g (WWC).
COX_DIVISOR = 1.65


def check_confidence(confidence: float) -> None:
    """Raise ValueError unless 0 < confidence < 1."""
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be between 0 and 1, got {confidence}")


def z_critical(*, confidence: float) -> float:
    """Two-sided standard normal critical value: 1.959964 for confidence 0.95."""
    check_confidence(confidence)
    return NormalDist().inv_cdf(0.5 + confidence / 2)


def wilson_interval(*, successes: int, n: int, confidence: float = 0.95) -> tuple[float, float]:
    """Wilson score interval (low, high) for the proportion successes / n.

    Unlike the textbook p +/- z * se interval, it never leaves 0..1 and keeps close to its
    nominal coverage for small n and for rates near 0 or 1. Raises ValueError for n < 1,
    successes outside 0..n, or a confidence outside (0, 1).
    """
    if n < 1:
        raise ValueError(f"n must be at least 1, got {n}")
    if not 0 <= successes <= n:
        raise ValueError(f"successes must be between 0 and n={n}, got {successes}")
    z = z_critical(confidence=confidence)
    p = successes / n
    shrink = 1 + z * z / n
    centre = (p + z * z / (2 * n)) / shrink
    half_width = z / shrink * math.sqrt(p * (1 - p) / n + z * z / (4 * n * n))
    # At 0 or n successes the bound is exactly 0 or 1; rounding would leave it a hair off.
    low = 0.0 if successes == 0 else centre - half_width
    high = 1.0 if successes == n else centre + half_width
    return low, high


def newcombe_interval(
    *, successes_t: int, n_t: int, successes_c: int, n_c: int, confidence: float = 0.95
) -> tuple[float, float]:
    """Newcombe's hybrid score interval (method 10 of Newcombe 1998) for p_t - p_c.

    Each rate's own Wilson interval says how far that rate could plausibly move down or up;
    the difference's interval combines those two distances as if they were independent
    standard errors (square root of the sum of squares).
    """
    low_t, high_t = wilson_interval(successes=successes_t, n=n_t, confidence=confidence)
    low_c, high_c = wilson_interval(successes=successes_c, n=n_c, confidence=confidence)
    p_t, p_c = successes_t / n_t, successes_c / n_c
    difference = p_t - p_c
    down = math.hypot(p_t - low_t, high_c - p_c)
    up = math.hypot(high_t - p_t, p_c - low_c)
    return difference - down, difference + up


def cox_index(*, p_t: float, n_t: float, p_c: float, n_c: float) -> float:
    """(logit p_t - logit p_c) / 1.65; a rate of 0 or 1 would make it infinite, so then, as
    the WWC does, 0.5 is added to each cell of the 2x2 table (both groups). Equal rates are
    no difference, whatever the group sizes (the correction would otherwise invent one)."""
    if p_t == p_c:
        return 0.0
    if {p_t, p_c} & {0.0, 1.0}:
        p_t, p_c = (p_t * n_t + 0.5) / (n_t + 1), (p_c * n_c + 0.5) / (n_c + 1)
    return (_logit(p_t) - _logit(p_c)) / COX_DIVISOR


def _logit(p: float) -> float:
    return math.log(p / (1 - p))


def hedges_g(
    *,
    difference: float,
    values_t: np.ndarray,
    weights_t: np.ndarray,
    values_c: np.ndarray,
    weights_c: np.ndarray,
) -> float | None:
    """Hedges' g: difference / pooled SD of the two groups' values, times the small-sample
    correction 1 - 3 / (4 N - 9); None when neither group's values vary.

    Needs at least two values in each group.
    """
    n_t, n_c = len(values_t), len(values_c)
    spread_t = (n_t - 1) * weighted_variance(values=values_t, weights=weights_t)
    spread_c = (n_c - 1) * weighted_variance(values=values_c, weights=weights_c)
    pooled = (spread_t + spread_c) / (n_t + n_c - 2)
    if pooled == 0:
        return None
    return difference / math.sqrt(pooled) * (1 - 3 / (4 * (n_t + n_c) - 9))


def weighted_mean(*, values: np.ndarray, weights: np.ndarray) -> float | None:
    """Weighted mean as a Python float; None for no values."""
    return float(np.average(values, weights=weights)) if len(values) else None


def weighted_variance(*, values: np.ndarray, weights: np.ndarray) -> float:
    """Weighted variance, unbiased for reliability weights (the sample variance when all
    weights are equal); exactly 0.0 when all values agree. Needs at least two values."""
    # A weighted mean of equal values can miss them by 1e-16; the tiny "variance" that leaves
    # would turn a gap between two constant groups into an absurd effect size.
    if (values == values[0]).all():
        return 0.0
    total = weights.sum()
    mean = np.average(values, weights=weights)
    return float((weights * (values - mean) ** 2).sum() / (total - (weights**2).sum() / total))


def coefficient_interval(
    *, fit, index: int, confidence: float, scale: float
) -> tuple[float, float, float, float | None, float]:
    """(estimate, ci_low, ci_high, p_value, se) of one coefficient of a statsmodels fit.

    scale is the size of the data (largest absolute value, at least 1): a standard error
    below 1e-12 of it counts as 0, and the interval collapses to the estimate.
    """
    estimate = float(fit.params[index])
    variance = float(fit.cov_params()[index, index])
    # Where the exact standard error is 0, round-off leaves +-1e-32 of variance (or nan);
    # taken at face value that would report p = 0, a certainty the data cannot give.
    if not variance > (1e-12 * scale) ** 2:
        return estimate, estimate, estimate, None, 0.0
    # statsmodels takes square roots of every variance; another coefficient's may be -1e-32.
    with np.errstate(invalid="ignore"):
        low, high = fit.conf_int(alpha=1 - confidence)[index]
        p_value = float(fit.pvalues[index])
    return estimate, float(low), float(high), p_value, math.sqrt(variance)
