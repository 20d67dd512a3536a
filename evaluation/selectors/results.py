"""Survey results for a program's dashboard: response rates, answer distributions, trends, and
the free-text answers of non-anonymous surveys.

Waves: a baseline, mid or end survey is one wave. An after-session survey is asked after every
session, so each of its Likert questions gets a wave per calendar month of answering (for
anonymous answers, the month of the Monday kept as their week). Choice, number and text
questions are counted over the whole survey. A Likert question is "asked more than once" when it
has two waves or more over the program's surveys (same text ignoring case and spacing, as the
impact report pairs questions); its trend is the mean per wave, oldest first.

Anonymous surveys list no answer and no person: only counts, shares and means, and every figure
for fewer people than the program's `min_cell_size` is withheld, as is any figure from which
such a count could be worked out from the totals shown next to it:
- the survey's answered count is shown, and a required question's answer count equals it;
  a survey answered by fewer people than that (people, not answers: one person answers an
  after-session survey once per session) is withheld whole;
- a question or a Likert wave with fewer answers is withheld, and so is the next smallest wave
  while the withheld ones together hold fewer (else a lone one is the total minus the others);
- in a shown wave (or choice question) a level chosen by fewer people is withheld, and so is the
  next smallest level while the withheld ones together hold fewer: the wave's answer count is
  shown. Shares go with their counts. A level nobody chose shows 0: it names no one, and
  withholding it would be undone by subtraction;
- a wave's mean is shown only when none of its levels is withheld: a mean and a total are two
  equations, enough to solve two withheld counts.
Within an after-session wave a cell counts answers, and one person may give several; no finer
guard is possible, as anonymous answers carry nothing that tells two people apart. Non-anonymous
surveys are shown in full: their export already says who answered what.
"""

from collections import Counter, defaultdict
from dataclasses import dataclass, field
from datetime import date

from django.db.models import Avg, Case, Count, DateField, Func, Min, Q, QuerySet, TextField, When
from django.db.models.functions import Coalesce, TruncMonth
from django.utils.formats import date_format
from django.utils.translation import gettext as _

from evaluation.models import Moment, Survey, SurveyAnswer, SurveyQuestion
from evaluation.questions import likert_choices
from evaluation.selectors.impact import question_key
from mentoring.compiled import compiled
from mentoring.suppression import publishable_keys
from programs.models import Program

Kind = SurveyQuestion.Kind
MOMENT_ORDER = {Moment.BASELINE: 0, Moment.MID: 1, Moment.END: 2, Moment.AFTER_SESSION: 3}
#: Likert levels 1 to 5, from disagreeing red to agreeing blue; withheld shares in grey.
LEVEL_COLOURS = ["#b2182b", "#ef8a62", "#8c8c8c", "#67a9cf", "#2166ac"]
WITHHELD_COLOUR = "#d9d9d9"


class JSONText(Func):
    """A JSON string value as plain text (unquoted, unescaped), for searching answers."""

    output_field = TextField()
    template = "JSON_EXTRACT(%(expressions)s, '$')"

    def as_postgresql(self, compiler, connection, **extra):
        return self.as_sql(compiler, connection, template="(%(expressions)s #>> '{}')", **extra)


@dataclass(frozen=True)
class Cell:
    """One answer level: how many chose it and their share of the wave; None when withheld."""

    label: str
    count: int | None
    share: float | None

    @property
    def withheld(self) -> bool:
        return self.count is None

    @property
    def percent(self) -> int | None:
        return None if self.share is None else round(self.share * 100)


@dataclass(frozen=True)
class Wave:
    """The answers to one question in one wave; `n` None when the whole wave is withheld."""

    label: str
    n: int | None
    cells: tuple[Cell, ...] = ()
    mean: float | None = None
    first_month: date | None = None

    @property
    def withheld(self) -> bool:
        return self.n is None

    @property
    def withheld_share(self) -> float:
        if self.n is None:
            return 1.0
        return max(0.0, 1.0 - sum(c.share for c in self.cells if c.share is not None))


@dataclass(frozen=True)
class QuestionResult:
    question: SurveyQuestion
    waves: list[Wave]
    anonymous: bool

    @property
    def answered(self) -> bool:
        return bool(self.waves)

    @property
    def withheld(self) -> bool:
        return bool(self.waves) and all(w.withheld for w in self.waves)

    @property
    def has_withheld(self) -> bool:
        return any(w.withheld or any(c.withheld for c in w.cells) for w in self.waves)

    @property
    def levels(self) -> list[str]:
        shown = next((w for w in self.waves if w.cells), None)
        return [] if shown is None else [c.label for c in shown.cells]

    @property
    def chart_id(self) -> str:
        return f"survey-question-{self.question.pk}"

    @property
    def chart(self) -> dict | None:
        if self.withheld or self.question.kind not in (Kind.LIKERT, *SurveyQuestion.CHOICE_KINDS):
            return None
        if self.question.kind == Kind.LIKERT:
            return _stacked_chart(self)
        return _counts_chart(self)


@dataclass(frozen=True)
class SurveyResult:
    survey: Survey
    invited: int
    answered: int
    questions: list[QuestionResult]

    @property
    def response_percent(self) -> int | None:
        return round(self.answered * 100 / self.invited) if self.invited else None


@dataclass(frozen=True)
class TrendPoint:
    label: str
    n: int | None
    mean: float | None


@dataclass(frozen=True)
class QuestionTrend:
    text: str
    points: list[TrendPoint]
    number: int

    @property
    def has_withheld(self) -> bool:
        return any(p.mean is None for p in self.points)

    @property
    def chart_id(self) -> str:
        return f"survey-trend-{self.number}"

    @property
    def chart(self) -> dict:
        return {
            "type": "line",
            "labels": [p.label for p in self.points],
            "datasets": [{"label": _("Mean answer"), "data": [p.mean for p in self.points]}],
            "y": {"min": 1, "max": 5, "ticks": {"stepSize": 1}},
        }


@dataclass(frozen=True)
class SurveyResults:
    min_cell_size: int
    surveys: list[SurveyResult] = field(default_factory=list)
    trends: list[QuestionTrend] = field(default_factory=list)

    @property
    def has_text_answers(self) -> bool:
        """Whether any non-anonymous free-text question has answers to read."""
        return any(
            q.question.kind == Kind.TEXT and not q.anonymous and q.answered
            for s in self.surveys
            for q in s.questions
        )


def _stacked_chart(result: QuestionResult) -> dict:
    waves = result.waves
    datasets = [
        {
            "label": label,
            "data": [_percent1(w.cells[i].share) if w.cells else None for w in waves],
            "backgroundColor": LEVEL_COLOURS[i % len(LEVEL_COLOURS)],
        }
        for i, label in enumerate(result.levels)
    ]
    if result.has_withheld:
        datasets.append(
            {
                "label": _("Withheld"),
                "data": [_percent1(w.withheld_share) for w in waves],
                "backgroundColor": WITHHELD_COLOUR,
            }
        )
    return {
        "type": "bar",
        "horizontal": True,
        "labels": [w.label for w in waves],
        "datasets": datasets,
        "x": {"stacked": True, "min": 0, "max": 100, "title": {"display": True, "text": "%"}},
        "y": {"stacked": True},
        "height": f"{max(140, 40 * len(waves) + 100)}px",
    }


def _counts_chart(result: QuestionResult) -> dict:
    cells = result.waves[0].cells
    return {
        "type": "bar",
        "horizontal": True,
        "labels": [c.label for c in cells],
        "datasets": [{"label": _("Answers"), "data": [c.count for c in cells]}],
        "x": {"beginAtZero": True, "ticks": {"precision": 0}},
        "height": f"{max(140, 36 * len(cells) + 60)}px",
    }


def _percent1(share: float | None) -> float | None:
    return None if share is None else round(share * 100, 1)


@compiled
def _surveys_counted(*, program):
    completed = Q(invitations__completed=True)
    return Survey.objects.filter(program=program).annotate(
        invited=Count("invitations", distinct=True),
        answered=Count("invitations", filter=completed, distinct=True),
        respondents=Count("invitations__application", filter=completed, distinct=True),
    )


def _surveys(program: Program) -> list[Survey]:
    return sorted(
        _surveys_counted(program=program),
        key=lambda s: (MOMENT_ORDER[s.moment], s.title.casefold(), s.pk),
    )


@compiled
def _questions(*, program):
    return SurveyQuestion.objects.filter(survey__program=program).order_by("position", "pk")


@compiled
def _level_rows(*, program):
    """(question, wave month or None, value, number) -> answers and the month of the first,
    for Likert and choice questions, counted in the database."""
    month = Coalesce(
        TruncMonth("response__submitted_at", output_field=DateField()),
        TruncMonth("anonymous_response__submitted_week"),
        output_field=DateField(),
    )
    monthly = Q(question__kind=Kind.LIKERT, question__survey__moment=Moment.AFTER_SESSION)
    return (
        SurveyAnswer.objects.filter(
            question__survey__program=program,
            question__kind__in=[Kind.LIKERT, *SurveyQuestion.CHOICE_KINDS],
        )
        .exclude(question__kind=Kind.LIKERT, number__isnull=True)
        .annotate(wave=Case(When(monthly, then=month), default=None, output_field=DateField()))
        .values("question_id", "wave", "value", "number")
        .annotate(n=Count("pk"), first=Min(month))
        .order_by()
    )


@compiled
def _totals_rows(*, program):
    return (
        SurveyAnswer.objects.filter(
            question__survey__program=program, question__kind__in=[Kind.NUMBER, Kind.TEXT]
        )
        .values("question_id")
        .annotate(n=Count("pk"), mean=Avg("number"))
        .order_by()
    )


def _totals(program: Program) -> dict[int, dict]:
    """question id -> answers and their mean, for number and text questions."""
    return {row["question_id"]: row for row in _totals_rows(program=program)}


@dataclass
class _Tally:
    n: int = 0
    levels: Counter = field(default_factory=Counter)
    first: date | None = None


def _tallies(program: Program, kinds: dict[int, str]) -> dict[int, dict]:
    """question id -> {wave month or None: _Tally}."""
    tallies: dict[int, dict] = defaultdict(lambda: defaultdict(_Tally))
    for row in _level_rows(program=program):
        tally = tallies[row["question_id"]][row["wave"]]
        tally.n += row["n"]
        tally.first = min(filter(None, [tally.first, row["first"]]), default=None)
        kind, value = kinds[row["question_id"]], row["value"]
        if kind == Kind.LIKERT:
            tally.levels[int(row["number"])] += row["n"]
        elif kind == Kind.MULTIPLE_CHOICE:
            for choice in value if isinstance(value, list) else [value]:
                tally.levels[str(choice)] += row["n"]
        else:
            tally.levels[str(value)] += row["n"]
    return tallies


def _level_labels(question: SurveyQuestion, seen) -> list[tuple[object, str]]:
    if question.kind == Kind.LIKERT:
        return likert_choices(question)
    known = question.choice_list
    return [(c, c) for c in known] + [(c, c) for c in sorted(set(seen) - set(known))]


def _cells(question, tally: _Tally, *, min_size: int | None) -> tuple[tuple[Cell, ...], bool]:
    """The wave's cells, and whether any is withheld (min_size None: withhold nothing)."""
    sizes = {key: n for key, n in tally.levels.items() if n}
    shown = set(sizes) if min_size is None else publishable_keys(sizes=sizes, min_group=min_size)
    cells = tuple(
        Cell(label, tally.levels[key], tally.levels[key] / tally.n)
        if key in shown or not tally.levels[key]
        else Cell(label, None, None)
        for key, label in _level_labels(question, tally.levels)
    )
    return cells, len(shown) < len(sizes)


def _wave_label(survey: Survey, month: date | None) -> str:
    return survey.title if month is None else date_format(month, "F Y")


def _waves(question, by_wave: dict, *, min_size: int | None) -> list[Wave]:
    sizes = {key: tally.n for key, tally in by_wave.items()}
    shown = set(sizes) if min_size is None else publishable_keys(sizes=sizes, min_group=min_size)
    waves = []
    for key in sorted(by_wave, key=lambda k: (k is not None, k)):
        tally, label = by_wave[key], _wave_label(question.survey, key)
        if key not in shown:
            waves.append(Wave(label=label, n=None, first_month=tally.first))
            continue
        cells, withheld = _cells(question, tally, min_size=min_size)
        mean = None
        if question.kind == Kind.LIKERT and not withheld:
            mean = round(sum(int(k) * n for k, n in tally.levels.items()) / tally.n, 2)
        waves.append(Wave(label, tally.n, cells, mean, tally.first))
    return waves


def _total_wave(question, totals: dict, *, min_size: int | None) -> list[Wave]:
    row = totals.get(question.pk)
    if row is None:
        return []
    if min_size is not None and row["n"] < min_size:
        return [Wave(label=question.survey.title, n=None)]
    mean = None if row["mean"] is None else round(row["mean"], 2)
    return [Wave(label=question.survey.title, n=row["n"], mean=mean)]


def _question_result(question, survey, tallies, totals, min_cell_size) -> QuestionResult:
    min_size = min_cell_size if survey.anonymous else None
    if question.kind in (Kind.NUMBER, Kind.TEXT):
        waves = _total_wave(question, totals, min_size=min_size)
    else:
        waves = _waves(question, tallies.get(question.pk, {}), min_size=min_size)
    if min_size is not None and survey.respondents < min_size:
        waves = [Wave(label=w.label, n=None, first_month=w.first_month) for w in waves]
    return QuestionResult(question=question, waves=waves, anonymous=survey.anonymous)


def _trends(surveys: list[SurveyResult]) -> list[QuestionTrend]:
    asked: dict[str, list] = defaultdict(list)
    texts: dict[str, str] = {}
    for result in surveys:
        for q in result.questions:
            if q.question.kind != Kind.LIKERT:
                continue
            key = question_key(q.question.text)
            texts.setdefault(key, q.question.text)
            survey = result.survey
            for i, wave in enumerate(q.waves):
                label = survey.title
                if survey.moment == Moment.AFTER_SESSION:
                    label = f"{label}, {wave.label}"
                order = (wave.first_month or date.max, MOMENT_ORDER[survey.moment], survey.pk, i)
                asked[key].append((order, TrendPoint(label, wave.n, wave.mean)))
    trends = [
        (texts[key], sorted(points, key=lambda point: point[0]))
        for key, points in asked.items()
        if len(points) > 1
    ]
    return [
        QuestionTrend(text=text, points=[p for _, p in points], number=number)
        for number, (text, points) in enumerate(trends, start=1)
    ]


def survey_results(*, program: Program) -> SurveyResults:
    """Every survey of the program with its response rate and, per question, the answers per
    wave (withheld where an anonymous figure covers too few people: see the module docstring),
    and the trend of each Likert question asked more than once. Four queries."""
    surveys = _surveys(program)
    questions = _questions(program=program)
    by_pk = {s.pk: s for s in surveys}
    tallies = _tallies(program, {q.pk: q.kind for q in questions})
    totals = _totals(program)
    per_survey = defaultdict(list)
    for question in questions:
        question.survey = by_pk[question.survey_id]
        per_survey[question.survey_id].append(
            _question_result(question, question.survey, tallies, totals, program.min_cell_size)
        )
    results = [SurveyResult(s, s.invited, s.answered, per_survey.get(s.pk, [])) for s in surveys]
    return SurveyResults(
        min_cell_size=program.min_cell_size, surveys=results, trends=_trends(results)
    )


def survey_text_answers(*, program: Program, search: str = "") -> QuerySet[SurveyAnswer]:
    """Free-text answers to the program's non-anonymous surveys with who gave them, newest
    first; `search` keeps those whose text contains it (ignoring case). Never an anonymous
    answer: those have no response, and a survey marked anonymous is left out whole."""
    answers = (
        SurveyAnswer.objects.filter(
            question__survey__program=program,
            question__survey__anonymous=False,
            question__kind=Kind.TEXT,
            response__isnull=False,
        )
        .annotate(text=JSONText("value"))
        .select_related("question__survey", "response__invitation__application__user")
        .order_by("-response__submitted_at", "question__position", "question_id", "pk")
    )
    if search:
        answers = answers.filter(text__icontains=search)
    return answers
