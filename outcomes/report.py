"""A program's outcome results per measure, ready for the page, the PDF and the tables.

For each measure: participants against the comparison group, before (the terms before the
program's first term) and after (that term and later). Numeric measures get the difference
in differences; yes/no measures the difference in rates after the program. Each comes twice:
against every comparison student, and against a comparison group matched on career stage and
baseline band (coarsened exact matching), with the balance of the two groups before and after
matching. Then breakdowns, the per-term series and dose and response. Any figure for fewer
people than the program's smallest group shown is withheld, and so is any breakdown cell that
could be worked out from the total and the other cells.
"""

from __future__ import annotations

from dataclasses import dataclass, field

import numpy as np
from django.utils.formats import number_format
from django.utils.translation import gettext as _

from mentoring.suppression import publishable_keys
from outcomes import analysis
from outcomes.measures import measure_for
from outcomes.population import Population, outcome_population, outcome_values
from outcomes.selectors import outcome_measures
from programs.consent import records_consenting_user_ids, records_withdrawn_user_ids

BANDS = 5
STAGE_STRIDE = BANDS + 1


@dataclass
class Comparison:
    """One estimate: participants against the comparison group (all, or matched)."""

    matched: bool
    n_t: int
    n_c: int
    did: analysis.DidResult | None = None
    rates: analysis.RateDifference | None = None
    sentence: str = ""
    withheld: bool = False


@dataclass
class BreakdownRow:
    key: str
    n_t: int | None
    estimate: float | None
    ci_low: float | None
    ci_high: float | None
    withheld: bool


@dataclass
class Breakdown:
    title: str
    rows: list[BreakdownRow]


@dataclass
class TermPoint:
    term: str
    before: bool
    value_t: float | None
    n_t: int | None
    value_c: float | None
    n_c: int | None


@dataclass
class DoseResult:
    dose: str
    slope: analysis.Slope | None
    sentence: str


def verdict_label(verdict: str | None) -> str:
    """What the What Works Clearinghouse baseline-equivalence verdict means, in words."""
    return {
        "equivalent": _("alike (0.05 or less)"),
        "adjust": _("needs adjustment (0.05 to 0.25)"),
        "not equivalent": _("not alike (over 0.25)"),
    }.get(verdict or "", "")


@dataclass(frozen=True)
class BalanceLine:
    name: str
    mean_t: float | None
    mean_c: float | None
    difference: float | None
    verdict: str

    @classmethod
    def of(cls, row: analysis.BalanceRow) -> BalanceLine:
        return cls(row.name, row.mean_t, row.mean_c, row.difference, verdict_label(row.verdict))


@dataclass
class MeasureResult:
    code: str
    label: str
    yes_no: bool
    unit: str
    overall: Comparison
    matched: Comparison
    balance_before: list[analysis.BalanceRow] = field(default_factory=list)
    balance_after: list[analysis.BalanceRow] = field(default_factory=list)
    breakdowns: list[Breakdown] = field(default_factory=list)
    series: list[TermPoint] = field(default_factory=list)
    dose: list[DoseResult] = field(default_factory=list)

    @property
    def balance_tables(self) -> list[tuple[str, list[BalanceLine]]]:
        return [
            (_("Before matching"), [BalanceLine.of(row) for row in self.balance_before]),
            (_("After matching"), [BalanceLine.of(row) for row in self.balance_after]),
        ]


@dataclass
class OutcomeReport:
    program: object
    min_cell: int
    measures: list[MeasureResult]
    participants: int
    comparison: int
    #: Participants with records left out because their consent was not in force.
    without_consent: int = 0
    #: A consent decision changed the analysed group while it ran: computed again.
    consent_changed: bool = False
    #: The program's comparison policy is "none": no comparison group is used.
    no_comparison: bool = False

    @property
    def caveat(self) -> str:
        return _(
            "These results are observational: students chose to take part, so differences "
            "may come from who they are rather than from the program. The matched comparison "
            "makes the groups alike in career stage and baseline, not in everything."
        )

    @property
    def notes(self) -> list[str]:
        """What the reader must know about who was analysed: consent and comparison policy."""
        notes = []
        if self.consent_changed:
            notes.append(
                _(
                    "A participant's consent changed while this analysis ran; the figures were "
                    "computed again with the consent in force now."
                )
            )
        if self.without_consent >= self.min_cell:
            notes.append(
                _(
                    "%(n)s participants with records are left out: they have not consented to "
                    "the use of their academic records."
                )
                % {"n": _count(self.without_consent)}
            )
        elif self.without_consent:
            notes.append(
                _(
                    "Fewer than %(min)s participants with records are left out: they have not "
                    "consented to the use of their academic records."
                )
                % {"min": self.min_cell}
            )
        if self.no_comparison:
            notes.append(no_comparison_sentence())
        return notes


def no_comparison_sentence() -> str:
    return _(
        "No comparison group is used: this program's privacy settings take no records of "
        "students who did not take part. Only participants' own figures are shown."
    )


def outcome_report(*, program, measures: list[str] | None = None) -> OutcomeReport:
    """Every measure's results for the program (or the measures named).

    Participants are analysed only with their consent when the program asks for it, and
    never after they refused or withdrew it, even when it does not. The decisions are read at
    the start and again at the end; if one changed meanwhile, everything is computed once
    more and the report says so (a withdrawal is never outrun by an analysis that started
    before it)."""
    chosen = _consent_in_force(program)
    report = _report(program, measures, **chosen)
    now = _consent_in_force(program)
    if now != chosen:
        report = _report(program, measures, **now)
        report.consent_changed = True
    return report


def _consent_in_force(program) -> dict:
    if program.records_consent_required:
        return {"consenting": records_consenting_user_ids(program=program)}
    return {"withdrawn": records_withdrawn_user_ids(program=program)}


def _report(program, measures, *, consenting=None, withdrawn=frozenset()) -> OutcomeReport:
    population = outcome_population(program=program, consenting=consenting, withdrawn=withdrawn)
    codes = measures if measures is not None else outcome_measures(program=program)
    results = [measure_result(program=program, population=population, code=code) for code in codes]
    return OutcomeReport(
        program=program,
        min_cell=program.min_cell_size,
        measures=results,
        participants=int(population.treated.sum()),
        comparison=int((~population.treated).sum()),
        without_consent=population.without_consent,
        no_comparison=program.comparison_policy == "none",
    )


def _periods(program, matrix: np.ndarray, yes_no: bool) -> tuple[np.ndarray, np.ndarray]:
    first = _first_index(program)
    before_cols, after_cols = matrix[:, :first], matrix[:, first:]
    before = _row_mean(before_cols)
    after = _last_value(after_cols) if yes_no else _row_mean(after_cols)
    return before, after


def _first_index(program) -> int:
    """Where the program's first term stands in its term list: the columns before it are
    the baseline."""
    terms = program.term_list
    return terms.index(program.outcome_first_term) if program.outcome_first_term in terms else 0


def _usable(before: np.ndarray, after: np.ndarray, yes_no: bool) -> np.ndarray:
    """Who an estimate can use: an after value (yes/no measures), or both values."""
    return ~np.isnan(after) if yes_no else ~np.isnan(before) & ~np.isnan(after)


def _row_mean(matrix: np.ndarray) -> np.ndarray:
    counts = np.sum(~np.isnan(matrix), axis=1)
    sums = np.nansum(matrix, axis=1)
    with np.errstate(invalid="ignore", divide="ignore"):
        return np.where(counts > 0, sums / np.maximum(counts, 1), np.nan)


def _last_value(matrix: np.ndarray) -> np.ndarray:
    """The latest term's value of each row: where a yes/no measure ended up."""
    result = np.full(matrix.shape[0], np.nan)
    for column in range(matrix.shape[1]):
        present = ~np.isnan(matrix[:, column])
        result[present] = matrix[present, column]
    return result


def measure_result(*, program, population: Population, code: str) -> MeasureResult:
    measure = measure_for(code)
    yes_no = bool(measure and measure.is_yes_no)
    label = str(measure.label) if measure else code
    unit = str(measure.unit) if measure else ""
    matrix = outcome_values(program=program, population=population, measure=code)
    before, after = _periods(program, matrix, yes_no)
    min_cell = program.min_cell_size
    treated = population.treated
    if program.comparison_policy == "none":
        return _participants_only(program, population, matrix, before, after, code, label, unit)
    weights = _matching(population, before, after, yes_no)
    context = {"label": label, "unit": unit, "yes_no": yes_no, "min_cell": min_cell}
    result = MeasureResult(
        code=code,
        label=label,
        yes_no=yes_no,
        unit=unit,
        overall=_compare(treated, before, after, None, matched=False, **context),
        matched=_compare(treated, before, after, weights, matched=True, **context),
    )
    usable = _usable(before, after, yes_no)
    # The groups' means would reveal what a withheld comparison hides.
    if not result.overall.withheld:
        result.balance_before = _balance(population, before, usable, None, yes_no)
    if not result.matched.withheld:
        result.balance_after = _balance(population, before, usable, weights, yes_no)
    result.breakdowns = _breakdowns(population, before, after, yes_no, min_cell)
    result.series = _series(program, matrix, treated, min_cell)
    result.dose = _doses(population, before, after, yes_no, min_cell, label)
    return result


def _participants_only(program, population, matrix, before, after, code, label, unit):
    """A program without a comparison group: no estimate against one, only the
    participants' own term series and dose and response."""
    yes_no = bool((measure := measure_for(code)) and measure.is_yes_no)
    treated, min_cell = population.treated, program.min_cell_size
    sentence = no_comparison_sentence()
    return MeasureResult(
        code=code,
        label=label,
        yes_no=yes_no,
        unit=unit,
        overall=Comparison(matched=False, n_t=0, n_c=0, sentence=sentence, withheld=True),
        matched=Comparison(matched=True, n_t=0, n_c=0, sentence=sentence, withheld=True),
        series=_series(program, matrix, treated, min_cell),
        dose=_doses(population, before, after, yes_no, min_cell, label),
    )


def _matching(population: Population, before, after, yes_no: bool):
    """Coarsened exact matching weights over the people with the values the estimate uses:
    career stage, and for numeric measures the fifth of the baseline they were in."""
    usable = _usable(before, after, yes_no)
    strata = population.stage * STAGE_STRIDE
    if not yes_no:
        bands = np.full(population.size, -1, dtype=np.int64)
        if usable.any():
            bands[usable] = analysis.baseline_bands(values=before[usable], bands=BANDS)
        strata = strata + bands + 1
    weights = np.zeros(population.size)
    if usable.any():
        weights[usable] = analysis.coarsened_weights(
            treated=population.treated[usable], strata=strata[usable]
        )
    return weights


def _start(keep, treated, weights, matched, min_cell) -> tuple[np.ndarray, Comparison]:
    """The people an estimate uses (weight 0 drops people from the matched one) and its
    comparison, withheld when either group is under the smallest size."""
    if weights is not None:
        keep = keep & (weights > 0)
    n_t, n_c = int((keep & treated).sum()), int((keep & ~treated).sum())
    comparison = Comparison(matched=matched, n_t=n_t, n_c=n_c)
    if n_t < min_cell or n_c < min_cell:
        comparison.withheld = True
        comparison.sentence = _withheld_sentence(n_t, n_c, min_cell)
    return keep, comparison


def _compare(treated, before, after, weights, *, matched, label, unit, yes_no, min_cell):
    if yes_no:
        return _compare_rates(treated, after, weights, matched, label, min_cell)
    keep, comparison = _start(_usable(before, after, False), treated, weights, matched, min_cell)
    if comparison.withheld:
        return comparison
    comparison.did = analysis.did_estimate(
        treated=treated[keep],
        before=before[keep],
        after=after[keep],
        weights=None if weights is None else weights[keep],
    )
    if comparison.did is not None:
        comparison.sentence = did_sentence(comparison.did, label=label, unit=unit, matched=matched)
    return comparison


def _compare_rates(treated, after, weights, matched, label, min_cell) -> Comparison:
    keep, comparison = _start(~np.isnan(after), treated, weights, matched, min_cell)
    if comparison.withheld:
        return comparison
    n_t, n_c = comparison.n_t, comparison.n_c
    yes_t = int(after[keep & treated].sum())
    if weights is None:
        yes_c, size_c = int(after[keep & ~treated].sum()), n_c
    else:
        # Weighted comparison: its rate, at Kish's effective sample size.
        w = weights[keep & ~treated]
        size_c = max(round(w.sum() ** 2 / (w**2).sum()), 1)
        yes_c = round(float(np.average(after[keep & ~treated], weights=w)) * size_c)
    comparison.rates = analysis.rate_difference(
        successes_t=yes_t, n_t=n_t, successes_c=yes_c, n_c=size_c
    )
    comparison.sentence = rate_sentence(comparison.rates, label=label, matched=matched, n_c=n_c)
    return comparison


def _num(value: float, places: int = 2) -> str:
    return number_format(round(value, places), decimal_pos=places, use_l10n=True)


def _count(value: int) -> str:
    return number_format(value, force_grouping=True, use_l10n=True)


def did_sentence(did: analysis.DidResult, *, label: str, unit: str, matched: bool) -> str:
    """The plain-language reading of a difference in differences."""
    change_t = did.mean_after_t - did.mean_before_t
    rose = change_t > 0
    more = (rose and did.estimate >= 0) or (not rose and did.estimate < 0)
    values = {
        "label": label,
        "amount": _num(abs(did.estimate)),
        "unit": unit,
        "low": _num(did.ci_low),
        "high": _num(did.ci_high),
        "n_t": _count(did.n_t),
        "n_c": _count(did.n_c),
    }
    group = _("the matched comparison group's") if matched else _("the comparison group's")
    values["group"] = group
    if rose and more:
        text = _("Participants' %(label)s rose %(amount)s %(unit)s more than %(group)s")
    elif rose:
        text = _("Participants' %(label)s rose %(amount)s %(unit)s less than %(group)s")
    elif more:
        text = _("Participants' %(label)s fell %(amount)s %(unit)s more than %(group)s")
    else:
        text = _("Participants' %(label)s fell %(amount)s %(unit)s less than %(group)s")
    sentence = (
        text
        + " "
        + _("(95%% CI %(low)s to %(high)s; %(n_t)s participants, %(n_c)s comparison students).")
    ) % values
    if did.ci_low <= 0 <= did.ci_high:
        sentence += " " + _(
            "The interval includes zero: the data are also consistent with no difference."
        )
    return sentence


def rate_sentence(rates: analysis.RateDifference, *, label: str, matched: bool, n_c: int) -> str:
    values = {
        "label": label.lower(),
        "rate_t": _num(rates.rate_t * 100, 1),
        "rate_c": _num(rates.rate_c * 100, 1),
        "diff": _num(rates.difference * 100, 1),
        "low": _num(rates.ci_low * 100, 1),
        "high": _num(rates.ci_high * 100, 1),
        "n_t": _count(rates.n_t),
        "n_c": _count(n_c),
        "group": _("the matched comparison group") if matched else _("the comparison group"),
    }
    sentence = (
        _(
            "%(rate_t)s%% of participants were %(label)s at the end, against %(rate_c)s%% of "
            "%(group)s: a difference of %(diff)s percentage points (95%% CI %(low)s to "
            "%(high)s; %(n_t)s participants, %(n_c)s comparison students)."
        )
        % values
    )
    if rates.ci_low <= 0 <= rates.ci_high:
        sentence += " " + _(
            "The interval includes zero: the data are also consistent with no difference."
        )
    return sentence


def _withheld_sentence(n_t: int, n_c: int, min_cell: int) -> str:
    return _(
        "Not shown: fewer than %(min)s people with values in a group (this program shows no "
        "figure for smaller groups)."
    ) % {"min": min_cell}


def _balance(population, before, usable, weights, yes_no) -> list[analysis.BalanceRow]:
    """How alike the groups are on the baseline and career stage, before or after matching."""
    covariates: dict[str, np.ndarray] = {}
    binary: set[str] = set()
    if not yes_no:
        covariates[_("Baseline value")] = np.where(usable, before, np.nan)
    for stage_id, name in population.stage_names.items():
        indicator = (population.stage == stage_id).astype(float)
        if len(set(indicator[usable].tolist())) < 2:
            continue  # everyone or no one at this stage: nothing to balance
        key = _("Career stage: %(stage)s") % {"stage": name}
        covariates[key] = np.where(usable, indicator, np.nan)
        binary.add(key)
    weights_used = None if weights is None else np.where(usable, weights, 0.0)
    return analysis.balance(
        treated=population.treated, covariates=covariates, weights=weights_used, binary=binary
    )


def _effect(treated, before, after, yes_no, subset) -> tuple[float, float, float] | None:
    """(estimate, low, high) for participants in `subset` against all comparison students."""
    keep = (subset | ~treated) & _usable(before, after, yes_no)
    if yes_no:
        n_t, n_c = int((keep & treated).sum()), int((keep & ~treated).sum())
        if not n_t or not n_c:
            return None
        rates = analysis.rate_difference(
            successes_t=int(after[keep & treated].sum()),
            n_t=n_t,
            successes_c=int(after[keep & ~treated].sum()),
            n_c=n_c,
        )
        return rates.difference, rates.ci_low, rates.ci_high
    did = analysis.did_estimate(treated=treated[keep], before=before[keep], after=after[keep])
    return (did.estimate, did.ci_low, did.ci_high) if did else None


def _breakdowns(population: Population, before, after, yes_no, min_cell) -> list[Breakdown]:
    """Participants by role, career stage, cohort and each demographic question, each group
    against the whole comparison group. Groups under the smallest size are withheld, and so
    is the next smallest while the withheld ones could be recovered from the total."""
    treated = population.treated
    usable = _usable(before, after, yes_no)
    stage_names = population.stage_names
    roles = {"mentor": _("Mentors"), "mentee": _("Mentees")}
    cuts = [
        (_("By role"), [roles.get(r) if r else None for r in population.role]),
        (_("By career stage"), [stage_names.get(int(s)) for s in population.stage]),
        (_("By cohort (year first matched)"), population.cohort),
        *[(question, answers) for question, answers in population.answers.items()],
    ]
    result = []
    for title, keys in cuts:
        members: dict[str, list[int]] = {}
        for index in np.flatnonzero(treated & usable).tolist():
            key = keys[index]
            if key is not None:
                members.setdefault(key, []).append(index)
        groups = {key: _mask(population.size, indices) for key, indices in members.items()}
        if len(groups) < 2:
            continue
        sizes = {key: int(mask.sum()) for key, mask in groups.items()}
        shown = publishable_keys(sizes=sizes, min_group=min_cell)
        rows = []
        for key in sorted(groups):
            effect = _effect(treated, before, after, yes_no, groups[key]) if key in shown else None
            rows.append(
                BreakdownRow(
                    key=key,
                    n_t=sizes[key] if key in shown else None,
                    estimate=effect[0] if effect else None,
                    ci_low=effect[1] if effect else None,
                    ci_high=effect[2] if effect else None,
                    withheld=key not in shown,
                )
            )
        result.append(Breakdown(title=str(title), rows=rows))
    return result


def _mask(size: int, indices: list[int]) -> np.ndarray:
    mask = np.zeros(size, dtype=bool)
    mask[indices] = True
    return mask


def _series(program, matrix: np.ndarray, treated: np.ndarray, min_cell: int) -> list[TermPoint]:
    """Each term's mean (or rate) of participants and comparison; a group's cell under the
    smallest size is withheld."""
    terms = program.term_list
    first = _first_index(program)
    points = []
    for column, term in enumerate(terms):
        values = matrix[:, column]
        present = ~np.isnan(values)
        n_t, n_c = int((present & treated).sum()), int((present & ~treated).sum())
        points.append(
            TermPoint(
                term=term,
                before=column < first,
                value_t=float(values[present & treated].mean()) if n_t >= min_cell else None,
                n_t=n_t if n_t >= min_cell else None,
                value_c=float(values[present & ~treated].mean()) if n_c >= min_cell else None,
                n_c=n_c if n_c >= min_cell else None,
            )
        )
    return points


def _doses(population: Population, before, after, yes_no, min_cell, label) -> list[DoseResult]:
    """Did participants who had more sessions (or hours) change more? The slope of the
    change (after value, for yes/no measures) on the dose."""
    treated = population.treated
    outcome = after if yes_no else after - before
    results = []
    for dose, values, unit in (
        ("sessions", population.sessions, _("session")),
        ("hours", population.hours, _("hour")),
    ):
        keep = treated & ~np.isnan(outcome) & ~np.isnan(values)
        slope = None
        if int(keep.sum()) >= min_cell:
            slope = analysis.dose_slope(dose=values[keep], change=outcome[keep])
        results.append(
            DoseResult(
                dose=dose,
                slope=slope,
                sentence=_dose_sentence(slope, label=label, unit=unit, yes_no=yes_no),
            )
        )
    return results


def _dose_sentence(slope, *, label, unit, yes_no) -> str:
    if slope is None:
        return _("Not enough participants with sessions recorded to estimate this.")
    values = {
        "slope": _num(slope.slope * (100 if yes_no else 1), 2 if not yes_no else 1),
        "low": _num(slope.ci_low * (100 if yes_no else 1), 2 if not yes_no else 1),
        "high": _num(slope.ci_high * (100 if yes_no else 1), 2 if not yes_no else 1),
        "label": label,
        "unit": unit,
        "n": _count(slope.n),
    }
    if yes_no:
        text = _(
            "Each extra %(unit)s goes with %(slope)s percentage points in %(label)s "
            "(95%% CI %(low)s to %(high)s; %(n)s participants)."
        )
    else:
        text = _(
            "Each extra %(unit)s goes with a change in %(label)s of %(slope)s "
            "(95%% CI %(low)s to %(high)s; %(n)s participants)."
        )
    return text % values
