"""The impact report: baseline vs end-of-program answers, paired per person.

Which questions are compared: a Likert or number question counts as "the same question" at
baseline and at the end when its text matches after folding case and whitespace, and its kind
matches. A survey belongs to one moment, so the same question row cannot be asked twice;
matching by text lets a coordinator write the end-of-program survey by hand or copy the
baseline one (admin action "Copy as end-of-program survey"), and lets several cohorts
(programs) that ask the same question be reported side by side. Editing the text of one side
therefore splits the pair: the admin help text on questions says so.

Who is paired: a participant in one role in one program (an application) with an answer at
both moments; if they answered one moment twice, the latest answer counts. Only
non-anonymous answers can be paired. Anonymous answers carry no person, so for them the report
shows the baseline and end means side by side (each withheld below five answers) with a note,
and no interval: the two samples mostly hold the same people, so they are not independent and
a two-sample interval would be wrong, and a paired one is impossible.

Breakdowns (role, career stage, cohort) go through `summarise_groups`, which withholds groups
of fewer than five people (and a complementary group where needed). Each breakdown is
protected on its own; see its docstring for what that does not cover.
"""

from collections import defaultdict
from dataclasses import dataclass, field

from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from evaluation.models import Moment, SurveyAnswer, SurveyQuestion
from evaluation.stats import MIN_GROUP_SIZE, GroupSummary, summarise_groups
from mentoring.compiled import compiled
from programs.models import Program, Role

#: How to read the report, for the "Method" sheet of the download (the docstring above says
#: the same for developers).
METHOD = (
    gettext_lazy(
        "Questions compared: a Likert (1 to 5) or number question of a baseline survey and the "
        "question with the same text (ignoring case and spacing) and type in an end-of-program "
        "survey."
    ),
    gettext_lazy(
        "Pairs: each participant, in one role in one program, who answered both; if they "
        "answered one moment twice, the later answer counts. Change = end answer minus baseline "
        "answer."
    ),
    gettext_lazy(
        # xgettext:no-python-format (never %-formatted: "95%" is a percentage)
        "Figures: mean change with its 95% confidence interval (t distribution, n - 1 degrees "
        "of freedom), the paired t-test p-value, and Cohen's d_z effect size (mean change "
        "divided by the standard deviation of the changes)."
    ),
    gettext_lazy(
        "Breakdowns: by role, career stage and cohort (program). A group of fewer than 5 people "
        "is withheld, and so is the next smallest group where the withheld ones together are "
        "fewer than 5, so that no small group can be worked out from the total."
    ),
    gettext_lazy(
        "Anonymous surveys: answers carry no person, so they cannot be paired. Their baseline "
        "and end means are shown side by side (a mean of fewer than 5 answers is withheld) "
        "without an interval: the two samples mostly hold the same people, so a two-sample "
        "interval would be wrong."
    ),
)
NUMERIC_KINDS = [SurveyQuestion.Kind.LIKERT, SurveyQuestion.Kind.NUMBER]
MOMENTS = [Moment.BASELINE, Moment.END]
NO_STAGE = gettext_lazy("No career stage")
ROLE_LABELS = dict(Role.choices)


def question_key(text: str) -> str:
    return " ".join(text.split()).casefold()


@dataclass(frozen=True)
class Breakdown:
    label: str
    rows: list[GroupSummary]


@dataclass(frozen=True)
class UnpairedMeans:
    """Means of anonymous answers; a mean is None (withheld) below MIN_GROUP_SIZE answers."""

    n_before: int
    mean_before: float | None
    n_after: int
    mean_after: float | None


@dataclass
class QuestionImpact:
    text: str
    kind: str
    overall: GroupSummary | None = None
    breakdowns: list[Breakdown] = field(default_factory=list)
    unpaired: UnpairedMeans | None = None

    @property
    def kind_label(self) -> str:
        return SurveyQuestion.Kind(self.kind).label


@dataclass(frozen=True)
class ImpactReport:
    programs: list[Program]
    questions: list[QuestionImpact]
    min_group: int = MIN_GROUP_SIZE


def _asked_at_both(program_ids: list[int]) -> dict[tuple, dict]:
    """(key, kind) -> {"text", "identified", "anonymous"}: which kinds of survey asked the
    question at both moments."""
    seen: dict[tuple, dict] = {}
    moments = defaultdict(set)
    for text, kind, moment, anonymous in _numeric_questions(program_ids=program_ids):
        key = (question_key(text), kind)
        seen.setdefault(key, {"text": text})
        moments[(key, anonymous)].add(moment)
    for key, entry in seen.items():
        entry["identified"] = moments[(key, False)] == set(MOMENTS)
        entry["anonymous"] = moments[(key, True)] == set(MOMENTS)
    return {key: entry for key, entry in seen.items() if entry["identified"] or entry["anonymous"]}


@compiled
def _numeric_questions(*, program_ids: list[int]):
    """(text, kind, moment, anonymous) of the numeric questions asked at either moment."""
    return (
        SurveyQuestion.objects.filter(
            survey__program_id__in=program_ids,
            survey__moment__in=MOMENTS,
            kind__in=NUMERIC_KINDS,
        )
        .values_list("text", "kind", "survey__moment", "survey__anonymous")
        .order_by("survey__moment", "pk")
    )


@compiled
def _identified_numbers(*, program_ids: list[int]):
    """Every numeric answer of an identified response at either moment, oldest first."""
    return (
        SurveyAnswer.objects.filter(
            response__isnull=False,
            number__isnull=False,
            question__kind__in=NUMERIC_KINDS,
            response__invitation__survey__moment__in=MOMENTS,
            response__invitation__survey__program_id__in=program_ids,
        )
        .order_by("response__submitted_at", "response_id")
        .values_list(
            "question__text",
            "question__kind",
            "response__invitation__survey__moment",
            "response__invitation__application_id",
            "response__invitation__application__role",
            "response__invitation__application__career_stage__name",
            "response__invitation__survey__program_id",
            "number",
        )
    )


def _paired(program_ids: list[int]) -> dict[tuple, list[tuple]]:
    """(key, kind) -> [(role, stage, program_id, before, after)], one per application."""
    answers = _identified_numbers(program_ids=program_ids)
    people: dict[tuple, dict] = defaultdict(dict)
    for text, kind, moment, application, role, stage, program_id, number in answers:
        person = people[(question_key(text), kind)].setdefault(
            application, {"meta": (role, stage or str(NO_STAGE), program_id)}
        )
        person[moment] = number  # ordered by time: the latest answer wins
    return {
        key: [
            (*p["meta"], p[Moment.BASELINE], p[Moment.END])
            for p in by_person.values()
            if Moment.BASELINE in p and Moment.END in p
        ]
        for key, by_person in people.items()
    }


@compiled
def _anonymous_numbers(*, program_ids: list[int]):
    """(text, kind, moment, number) of every numeric answer of an anonymous response."""
    return SurveyAnswer.objects.filter(
        anonymous_response__isnull=False,
        number__isnull=False,
        question__kind__in=NUMERIC_KINDS,
        anonymous_response__moment__in=MOMENTS,
        anonymous_response__program_id__in=program_ids,
    ).values_list("question__text", "question__kind", "anonymous_response__moment", "number")


def _unpaired(program_ids: list[int]) -> dict[tuple, UnpairedMeans]:
    numbers: dict[tuple, dict[str, list[float]]] = defaultdict(lambda: defaultdict(list))
    for text, kind, moment, number in _anonymous_numbers(program_ids=program_ids):
        numbers[(question_key(text), kind)][moment].append(number)

    def mean(values: list[float]) -> float | None:
        return sum(values) / len(values) if len(values) >= MIN_GROUP_SIZE else None

    return {
        key: UnpairedMeans(
            n_before=len(by_moment[Moment.BASELINE]),
            mean_before=mean(by_moment[Moment.BASELINE]),
            n_after=len(by_moment[Moment.END]),
            mean_after=mean(by_moment[Moment.END]),
        )
        for key, by_moment in numbers.items()
    }


def cohort_labels(programs: list[Program]) -> dict[int, str]:
    """Program names, with the slug added where two selected programs share a name."""
    counts = defaultdict(int)
    for program in programs:
        counts[program.name] += 1
    return {p.pk: p.name if counts[p.name] == 1 else f"{p.name} ({p.slug})" for p in programs}


def impact_report(*, programs) -> ImpactReport:
    """The impact report over `programs` (a queryset or list the caller may see)."""
    programs = sorted(programs, key=lambda p: (p.name.casefold(), p.pk))
    ids = [p.pk for p in programs]
    cohorts = cohort_labels(programs)
    paired = _paired(ids)
    unpaired = _unpaired(ids)
    questions = []
    for key, asked in sorted(_asked_at_both(ids).items()):
        question = QuestionImpact(text=asked["text"], kind=key[1])
        if asked["identified"]:
            rows = paired.get(key, [])
            cuts = [
                (_("Role"), [(str(ROLE_LABELS.get(r[0], r[0])), r[3], r[4]) for r in rows]),
                (_("Career stage"), [(r[1], r[3], r[4]) for r in rows]),
                (_("Cohort"), [(cohorts[r[2]], r[3], r[4]) for r in rows]),
            ]
            for label, cut in cuts:
                summary = summarise_groups(rows=cut)
                question.overall = summary[0]
                question.breakdowns.append(Breakdown(label=label, rows=summary[1:]))
        if asked["anonymous"]:
            question.unpaired = unpaired.get(
                key, UnpairedMeans(n_before=0, mean_before=None, n_after=0, mean_after=None)
            )
        questions.append(question)
    return ImpactReport(programs=programs, questions=questions)


IMPACT_HEADER = (
    "question",
    "kind",
    "breakdown",
    "group",
    "n_pairs",
    "mean_baseline",
    "mean_end",
    "mean_change",
    "ci95_low",
    "ci95_high",
    "effect_size_dz",
    "p_value",
    "note",
)


def _suppressed_note() -> str:
    return _("Withheld: fewer than %(min)s people, or it would reveal such a group.") % {
        "min": MIN_GROUP_SIZE
    }


def _round(value: float | None) -> float | None:
    return None if value is None else round(value, 4)


def _summary_row(question: QuestionImpact, breakdown: str, row: GroupSummary) -> tuple:
    head = (
        question.text,
        question.kind_label,
        breakdown,
        _("All") if row.is_total else str(row.key),
    )
    change = row.change
    if change is None:
        return (*head, None, None, None, None, None, None, None, None, _suppressed_note())
    numbers = (
        change.mean_before,
        change.mean_after,
        change.mean_change,
        change.ci_low,
        change.ci_high,
        change.effect_size,
        change.p_value,
    )
    return (*head, change.n, *(_round(v) for v in numbers), "")


def impact_rows(report: ImpactReport):
    """The report as flat rows for CSV/XLSX (IMPACT_HEADER)."""
    for question in report.questions:
        if question.overall is not None:
            yield _summary_row(question, _("All"), question.overall)
            for breakdown in question.breakdowns:
                for row in breakdown.rows:
                    yield _summary_row(question, breakdown.label, row)
        if question.unpaired is not None:
            u = question.unpaired
            values = {"before": u.n_before, "after": u.n_after, "min": MIN_GROUP_SIZE}
            if u.mean_before is None or u.mean_after is None:
                note = (
                    _(
                        "Anonymous answers cannot be paired per person: means of %(before)s "
                        "baseline and %(after)s end answers, no interval; a mean of fewer than "
                        "%(min)s answers is withheld."
                    )
                    % values
                )
            else:
                note = (
                    _(
                        "Anonymous answers cannot be paired per person: means of %(before)s "
                        "baseline and %(after)s end answers, no interval."
                    )
                    % values
                )
            change = (
                None
                if u.mean_before is None or u.mean_after is None
                else u.mean_after - u.mean_before
            )
            yield (
                question.text,
                question.kind_label,
                _("Anonymous (unpaired)"),
                _("All"),
                None,
                _round(u.mean_before),
                _round(u.mean_after),
                _round(change),
                None,
                None,
                None,
                None,
                note,
            )
