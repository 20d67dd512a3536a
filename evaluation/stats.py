"""Paired before/after statistics for impact reports, with small-cell suppression.

Pure numpy/scipy; no Django. For a survey question asked both at baseline and at the end of a
program, the Django layer pairs each participant's baseline answer with their end answer and
hands the pairs here. Only complete pairs belong in the input: a participant who answered just
one of the two surveys is left out by the caller, because a paired comparison needs both.

`paired_change` summarises one set of pairs (mean change, t-interval, Cohen's d_z, paired t-test).
`summarise_groups` does that per group (role, cohort, ...) plus an "All" row, and withholds
every number of a group too small to publish safely (see `summarise_groups` for the rules).
"""

from __future__ import annotations

import math
from collections import defaultdict
from collections.abc import Hashable, Iterable, Sequence
from dataclasses import dataclass
from typing import TYPE_CHECKING

from mentoring.suppression import publishable_keys

if TYPE_CHECKING:
    import numpy as np

#: Fewest participants a published group may have; smaller cells can identify people.
MIN_GROUP_SIZE = 5
#: Key of the row that summarises every participant, whatever their group.
ALL = "All"


@dataclass(frozen=True)
class PairedChange:
    """Summary of paired (before, after) answers; change means after - before.

    sd_change is the sample standard deviation (ddof=1) of the per-person changes; it, the
    confidence interval, the effect size and the p-value are None when n < 2. When every person
    changed by exactly the same amount (sd_change == 0) the interval collapses to
    (mean_change, mean_change), since the sample shows no variability to be uncertain about, and
    effect_size and p_value are None: d_z and the t statistic divide by zero there, and reporting
    an infinite effect or p = 0 would overstate what a handful of identical answers show.
    """

    n: int
    mean_before: float
    mean_after: float
    mean_change: float
    sd_change: float | None
    ci_low: float | None
    ci_high: float | None
    effect_size: float | None
    p_value: float | None
    confidence: float


@dataclass(frozen=True)
class GroupSummary:
    """One row of a grouped report: a group's change, or nothing at all when suppressed.

    A suppressed row carries no numbers, not even its size, so `n` is None as well.
    """

    key: Hashable
    change: PairedChange | None
    is_total: bool = False

    @property
    def suppressed(self) -> bool:
        return self.change is None

    @property
    def n(self) -> int | None:
        return None if self.change is None else self.change.n


def paired_change(
    *, pairs: Sequence[tuple[float, float]], confidence: float = 0.95
) -> PairedChange | None:
    """Paired comparison of (before, after) answers; None when there are no pairs.

    The interval is the two-sided t-interval of the mean change with n - 1 degrees of freedom,
    the p-value that of the two-sided paired t-test (the same as scipy.stats.ttest_rel(after,
    before)), and effect_size is Cohen's d_z = mean_change / sd_change. Raises ValueError for a
    confidence outside (0, 1), a pair that is not two numbers, or a non-finite answer.
    """
    if not 0 < confidence < 1:
        raise ValueError(f"confidence must be between 0 and 1, got {confidence}")
    import numpy as np  # here, not at start-up: the reports import this module

    data = np.array(list(pairs), dtype=float)
    if data.size == 0:
        return None
    if data.ndim != 2 or data.shape[1] != 2:
        raise ValueError("each pair must be exactly (before, after)")
    if not np.isfinite(data).all():
        raise ValueError("answers must be finite numbers")
    before, after = data[:, 0], data[:, 1]
    changes = after - before
    n = len(changes)
    mean_change = float(np.mean(changes))
    sd = _sd(changes=changes)
    ci_low, ci_high, effect_size, p_value = _inference(
        n=n, mean=mean_change, sd=sd, confidence=confidence
    )
    return PairedChange(
        n=n,
        mean_before=float(np.mean(before)),
        mean_after=float(np.mean(after)),
        mean_change=mean_change,
        sd_change=sd,
        ci_low=ci_low,
        ci_high=ci_high,
        effect_size=effect_size,
        p_value=p_value,
        confidence=confidence,
    )


def _sd(*, changes: np.ndarray) -> float | None:
    """Sample standard deviation (ddof=1), None for one value, exactly 0.0 when all agree."""
    if len(changes) < 2:
        return None
    # np.std of identical floats can come out as 1e-17 instead of 0; that would turn a "no
    # variability" sample into an absurd t statistic, so equal changes are caught exactly.
    if (changes == changes[0]).all():
        return 0.0
    return float(changes.std(ddof=1))


def _inference(
    *, n: int, mean: float, sd: float | None, confidence: float
) -> tuple[float | None, float | None, float | None, float | None]:
    """(ci_low, ci_high, effect_size, p_value) for a mean change; see PairedChange for Nones."""
    if sd is None:
        return None, None, None, None
    if sd == 0:
        return mean, mean, None, None
    from scipy import stats  # here, not at start-up: scipy.stats takes a third of a second

    df = n - 1
    se = sd / math.sqrt(n)
    half_width = float(stats.t.ppf(0.5 + confidence / 2, df)) * se
    t_stat = mean / se
    # sf of |t| rather than 1 - cdf keeps precision for very small p-values.
    p_value = float(2 * stats.t.sf(abs(t_stat), df))
    return mean - half_width, mean + half_width, mean / sd, p_value


def summarise_groups(
    *,
    rows: Iterable[tuple[Hashable, float, float]],
    min_group: int = MIN_GROUP_SIZE,
    confidence: float = 0.95,
) -> list[GroupSummary]:
    """Per-group paired changes from (group_key, before, after) rows, "All" row first.

    The "All" row (key ALL, is_total True) covers every row; the group rows follow sorted by
    key, so keys must be mutually orderable (e.g. all strings, or all tuples of strings). A row
    is suppressed when it has fewer than min_group people. Because the groups partition "All",
    a lone small group could still be recovered by subtracting the published groups from "All"
    (n and the sums of answers follow from the n and means); so while the suppressed groups
    together hold fewer than min_group people, the smallest published group is suppressed too
    (ties broken by key). Nothing guards against differencing across separate calls (e.g. by
    role and then by cohort over the same people); callers publishing several cuts should keep
    that in mind.
    """
    if min_group < 1:
        raise ValueError(f"min_group must be at least 1, got {min_group}")
    groups: defaultdict[Hashable, list[tuple[float, float]]] = defaultdict(list)
    everyone: list[tuple[float, float]] = []
    for key, before, after in rows:
        groups[key].append((before, after))
        everyone.append((before, after))
    published = publishable_keys(
        sizes={key: len(pairs) for key, pairs in groups.items()}, min_group=min_group
    )
    total = GroupSummary(
        key=ALL,
        change=paired_change(pairs=everyone, confidence=confidence)
        if len(everyone) >= min_group
        else None,
        is_total=True,
    )
    return [total] + [
        GroupSummary(
            key=key,
            change=paired_change(pairs=groups[key], confidence=confidence)
            if key in published
            else None,
        )
        for key in sorted(groups)
    ]
