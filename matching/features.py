"""From applications to the arrays the scorer and solver work on.

Turns a program's approved mentee and mentor applications into two `SideFeatures` aligned
with lists of applications, plus the sparse matrix of forbidden pairs (same person,
exclusions, earlier matches that ended). Weekly availability is converted from each
applicant's own time zone to UTC hours of the week for a reference week, so that a mentee in
Kolkata and a mentor in London overlap where their real hours do.
"""

from dataclasses import dataclass
from datetime import date, datetime, timedelta
from zoneinfo import ZoneInfo

import numpy as np
import scipy.sparse as sp
from django.db.models import Prefetch, QuerySet
from django.utils import timezone

from matching.models import Exclusion, Match, MatchingConfig
from matching.scoring import (
    FMT_EITHER,
    FMT_IN_PERSON,
    FMT_ONLINE,
    HOURS_PER_WEEK,
    PairScorer,
    PairScoreSource,
    SideFeatures,
    Weights,
    incidence,
)
from matching.selectors import matchable_split
from programs.models import Application, AvailabilityWindow, Program

FORMATS = {"online": FMT_ONLINE, "in_person": FMT_IN_PERSON, "either": FMT_EITHER}
UTC = ZoneInfo("UTC")


@dataclass
class ProgramFeatures:
    program: Program
    mentees: list[Application]
    mentors: list[Application]
    mentee_features: SideFeatures
    mentor_features: SideFeatures
    forbidden: sp.csr_matrix
    capacities: np.ndarray
    weights: Weights
    reciprocal: bool
    topic_names: list[str]
    goal_names: list[str]
    language_names: list[str]
    stage_names: list[str]

    def scorer(self) -> PairScorer:
        return PairScorer(
            mentees=self.mentee_features,
            mentors=self.mentor_features,
            weights=self.weights,
            reciprocal=self.reciprocal,
        )

    def source(self) -> PairScoreSource:
        return PairScoreSource(scorer=self.scorer(), forbidden=self.forbidden)


def matching_config_for(program: Program) -> MatchingConfig:
    return MatchingConfig.objects.get_or_create(program=program)[0]


def reference_monday(today: date | None = None) -> date:
    """The Monday of next week: availability is compared for a real week, so daylight
    saving time differences between the two people's zones are the ones they will live."""
    today = today or timezone.localdate()
    return today + timedelta(days=7 - today.weekday())


def utc_hours(window: AvailabilityWindow, zone: ZoneInfo, monday: date) -> tuple[int, int]:
    """A local weekly window as a half-open range of UTC hours of the week.

    Partial hours count when at least half of the hour is covered (rounding to the nearest
    hour), so a 17:30-19:00 window in a +05:30 zone becomes 12:00-13:00 UTC rather than
    claiming three hours.
    """
    day = monday + timedelta(days=window.weekday)
    start = datetime.combine(day, window.start, tzinfo=zone).astimezone(UTC)
    end = datetime.combine(day, window.end, tzinfo=zone).astimezone(UTC)
    week_start = datetime.combine(monday, datetime.min.time(), tzinfo=UTC)
    start_h = round((start - week_start).total_seconds() / 3600)
    end_h = round((end - week_start).total_seconds() / 3600)
    return start_h, max(start_h, end_h)


def _availability(apps: list[Application], monday: date) -> np.ndarray:
    mask = np.zeros((len(apps), HOURS_PER_WEEK), dtype=bool)
    for row, app in enumerate(apps):
        zone = ZoneInfo(str(app.time_zone))
        for window in app.availability.all():
            start, end = utc_hours(window, zone, monday)
            if end > start:
                mask[row, np.arange(start, end) % HOURS_PER_WEEK] = True
    return mask


def _side(apps, *, topic_ix, goal_ix, lang_ix, stage_ix, monday) -> SideFeatures:
    return SideFeatures(
        topics=incidence(
            rows=[[topic_ix[t.pk] for t in a.topics.all()] for a in apps], n_cols=len(topic_ix)
        ),
        goals=incidence(
            rows=[[goal_ix[g.pk] for g in a.goals.all()] for a in apps], n_cols=len(goal_ix)
        ),
        stage=np.array([stage_ix.get(a.career_stage_id, -1) for a in apps], dtype=np.int64),
        availability=_availability(apps, monday),
        languages=incidence(
            rows=[[lang_ix[name] for name in a.languages if name in lang_ix] for a in apps],
            n_cols=len(lang_ix),
        ),
        fmt=np.array([FORMATS[a.format_preference] for a in apps], dtype=np.int8),
    )


def _approved(program: Program, role: str) -> QuerySet[Application]:
    return (
        Application.objects.filter(program=program, role=role, status=Application.Status.APPROVED)
        .select_related("user")
        .prefetch_related(
            "topics", "goals", Prefetch("availability", queryset=AvailabilityWindow.objects.all())
        )
        .order_by("pk")
    )


def _forbidden(program, mentees, mentors, config) -> sp.csr_matrix:
    """Pairs that must never be proposed: the same person, exclusions either way round, and
    pairs whose earlier match ended (unless the program allows rematching them)."""
    mentee_row = {a.pk: i for i, a in enumerate(mentees)}
    mentor_col = {a.pk: j for j, a in enumerate(mentors)}
    rows_by_user: dict[int, list[int]] = {}
    cols_by_user: dict[int, list[int]] = {}
    for i, a in enumerate(mentees):
        rows_by_user.setdefault(a.user_id, []).append(i)
    for j, a in enumerate(mentors):
        cols_by_user.setdefault(a.user_id, []).append(j)
    cells = set()
    for user_id, rows in rows_by_user.items():
        for j in cols_by_user.get(user_id, []):
            cells.update((i, j) for i in rows)
    for person, other in Exclusion.objects.filter(program=program).values_list("person", "other"):
        for a, b in ((person, other), (other, person)):
            for i in rows_by_user.get(a, []):
                cells.update((i, j) for j in cols_by_user.get(b, []))
    if not config.allow_rematch_with_ended:
        ended = Match.objects.filter(program=program, status=Match.Status.ENDED)
        for mentee_id, mentor_id in ended.values_list("mentee_id", "mentor_id"):
            if mentee_id in mentee_row and mentor_id in mentor_col:
                cells.add((mentee_row[mentee_id], mentor_col[mentor_id]))
    rows, cols = zip(*sorted(cells), strict=True) if cells else ((), ())
    data = np.ones(len(rows), dtype=bool)
    return sp.csr_matrix((data, (rows, cols)), shape=(len(mentees), len(mentors)))


def program_features(
    *,
    program: Program,
    mentees: list[Application] | None = None,
    mentors: list[Application] | None = None,
    today: date | None = None,
) -> ProgramFeatures:
    """Arrays for scoring `mentees` against `mentors`; by default `program`'s approved
    mentees and mentors that matching may use (the training gate holds them back)."""
    config = matching_config_for(program)
    if mentees is None:
        mentees = matchable_split(program=program, applications=list(_approved(program, "mentee")))[
            0
        ]
    if mentors is None:
        mentors = matchable_split(program=program, applications=list(_approved(program, "mentor")))[
            0
        ]
    topics = list(program.topics.order_by("pk").values_list("pk", "name"))
    goals = list(program.goals.order_by("pk").values_list("pk", "name"))
    stages = list(program.career_stages.order_by("position").values_list("pk", "name"))
    languages = sorted({name for a in [*mentees, *mentors] for name in a.languages})
    indexes = {
        "topic_ix": {pk: k for k, (pk, _) in enumerate(topics)},
        "goal_ix": {pk: k for k, (pk, _) in enumerate(goals)},
        "lang_ix": {name: k for k, name in enumerate(languages)},
        "stage_ix": {pk: k for k, (pk, _) in enumerate(stages)},
        "monday": reference_monday(today),
    }
    return ProgramFeatures(
        program=program,
        mentees=mentees,
        mentors=mentors,
        mentee_features=_side(mentees, **indexes),
        mentor_features=_side(mentors, **indexes),
        forbidden=_forbidden(program, mentees, mentors, config),
        capacities=np.array([a.capacity or 0 for a in mentors], dtype=np.int64),
        weights=Weights(**config.weights()),
        reciprocal=program.allow_dual_role,
        topic_names=[name for _, name in topics],
        goal_names=[name for _, name in goals],
        language_names=languages,
        stage_names=[name for _, name in stages],
    )
