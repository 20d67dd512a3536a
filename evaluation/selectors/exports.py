"""Rows for the CSV and XLSX exports: flat tuples, streamed from the database in chunks.

Each dataset reads with `values_list(...)` through `_streamed`: a small export in one plain
query, a larger one with `.iterator(chunk_size=CHUNK)`, so memory stays flat whatever the row
count. The sessions export carries each log's topics, goal progress and
shared notes (the notes both sides of a pair see); the closures export why each ended match
ended. What is never exported: private session notes (a separate model this module does not
import), the private feedback of requests to end a match, and anything that identifies an
anonymous respondent (anonymous rows come from AnonymousResponse, which holds nothing that
could).
"""

from collections import defaultdict
from collections.abc import Callable, Iterable, Iterator, Sequence
from dataclasses import dataclass
from itertools import islice

from django.db.models import QuerySet
from django.utils.translation import gettext_lazy as _

from evaluation.models import CheckIn, Moment, SurveyAnswer, answer_display
from evaluation.services.common import week_start
from evaluation.services.risk import session_facts
from matching.models import EndReason, Match
from programs.models import Program
from relationships.selectors import goal_entries_by_log, goal_progress_text
from sessions.models import Meeting, SessionLog

CHUNK = 2000
#: Rows an export reads with one plain query before it streams instead (`_streamed`).
FEW = 500
MOMENT_LABELS = {value: label.split(" (")[0] for value, label in Moment.choices}
END_REASON_LABELS = {value: str(label) for value, label in EndReason.choices}


@dataclass(frozen=True)
class Dataset:
    slug: str
    title: str
    header: tuple[str, ...]
    rows: Callable[[list[int]], Iterator[Sequence]]


def _yes_no(value: bool | None) -> str:
    return "" if value is None else ("yes" if value else "no")


def _streamed(rows: QuerySet) -> Iterator:
    """The rows of `rows`, in order. At most `FEW` of them are read with one plain query;
    more are streamed from the start again with `.iterator(chunk_size=CHUNK)`, so memory stays
    flat. On PostgreSQL streaming is a server-side cursor: declaring it, fetching and closing
    it cost more than a program's few hundred rows do, and a count first would cost a query
    for every export. The rows a larger export read first are dropped, not joined to the
    stream: two queries could see different rows."""
    first = list(rows[: FEW + 1])
    if len(first) <= FEW:
        yield from first
    else:
        del first
        yield from rows.iterator(chunk_size=CHUNK)


def checkin_rows(program_ids: Iterable[int]) -> Iterator[tuple]:
    rows = (
        CheckIn.objects.filter(match__program_id__in=list(program_ids))
        .order_by("pk")
        .values_list(
            "match__program__name",
            "match_id",
            "application__user__email",
            "application__user__display_name",
            "application__role",
            "application__career_stage__name",
            "opens_on",
            "due_on",
            "answered_at",
            "score",
            "met",
            "blocking",
        )
    )
    for row in _streamed(rows):
        yield (*row[:10], _yes_no(row[10]), row[11])


def _chunks(rows: Iterator, size: int) -> Iterator[list]:
    while chunk := list(islice(rows, size)):
        yield chunk


def _topics_by_log(log_ids: list[int]) -> dict[int, str]:
    """Each log's topic names, joined by "; ", for one chunk of rows (one query)."""
    names = defaultdict(list)
    rows = (
        SessionLog.topics.through.objects.filter(sessionlog_id__in=log_ids)
        .order_by("topic__name", "topic_id")
        .values_list("sessionlog_id", "topic__name")
    )
    for log_id, name in rows:
        names[log_id].append(name)
    return {log_id: "; ".join(topics) for log_id, topics in names.items()}


def _progress_by_log(log_ids: list[int]) -> dict[int, str]:
    """Each log's progress on the pair's goals as "Goal: Progress" pairs by goal title,
    joined by "; ", for one chunk of rows (one query)."""
    return {
        log_id: "; ".join(f"{entry.goal.title}: {goal_progress_text(entry)}" for entry in entries)
        for log_id, entries in goal_entries_by_log(log_ids=log_ids).items()
    }


def session_rows(program_ids: Iterable[int]) -> Iterator[tuple]:
    """One row per meeting and log (two logs, two rows; unlogged meetings one row), with the
    log's topics, goal progress and shared notes; never a private note."""
    ids = list(program_ids)
    rows = (
        Meeting.objects.filter(program_id__in=ids)
        .order_by("start", "pk", "logs__pk")
        .values_list(
            "program__name",
            "pk",
            "kind",
            "title",
            "start",
            "end",
            "status",
            "match_id",
            "mentor__email",
            "mentor__display_name",
            "match__mentee__user__email",
            "match__mentee__user__display_name",
            "logs__author__email",
            "logs__outcome",
            "logs__duration_minutes",
            "logs__created_at",
            "logs__pk",
            "logs__shared_notes",
        )
    )
    for chunk in _chunks(_streamed(rows), CHUNK):
        log_ids = [row[16] for row in chunk if row[16] is not None]
        topics, progress = _topics_by_log(log_ids), _progress_by_log(log_ids)
        for row in chunk:
            start, end = row[4], row[5]
            log_id, notes = row[16:]
            yield (
                *row[:6],
                int((end - start).total_seconds() // 60),
                *row[6:16],
                topics.get(log_id, ""),
                progress.get(log_id, ""),
                notes or "",
            )


def _identified_answers(program_ids: list[int]) -> Iterator[tuple]:
    rows = (
        SurveyAnswer.objects.filter(
            response__isnull=False, response__invitation__survey__program_id__in=program_ids
        )
        .order_by("response_id", "question__position", "question_id")
        .values_list(
            "response__invitation__survey__program__name",
            "response__invitation__survey__title",
            "response__invitation__survey__moment",
            "response_id",
            "response__invitation__application__user__email",
            "response__invitation__application__user__display_name",
            "response__invitation__application__role",
            "response__invitation__application__career_stage__name",
            "response__submitted_at",
            "question__position",
            "question__text",
            "value",
        )
    )
    for row in _streamed(rows):
        program, title, moment, response_id, *person, submitted_at, position, text, value = row
        yield (
            program,
            title,
            MOMENT_LABELS[moment],
            "no",
            str(response_id),
            *person,
            submitted_at,
            week_start(submitted_at.date()),
            position,
            text,
            _answer(value),
        )


def _anonymous_answers(program_ids: list[int]) -> Iterator[tuple]:
    # Ordered by the random response id within a week: the order says nothing about who
    # answered first.
    rows = (
        SurveyAnswer.objects.filter(anonymous_response__program_id__in=program_ids)
        .order_by(
            "anonymous_response__survey_id",
            "anonymous_response__submitted_week",
            "anonymous_response_id",
            "question__position",
            "question_id",
        )
        .values_list(
            "anonymous_response__program__name",
            "anonymous_response__survey__title",
            "anonymous_response__moment",
            "anonymous_response_id",
            "anonymous_response__submitted_week",
            "question__position",
            "question__text",
            "value",
        )
    )
    for row in _streamed(rows):
        program, title, moment, response_id, week, position, text, value = row
        yield (
            program,
            title,
            MOMENT_LABELS[moment],
            "yes",
            str(response_id),
            "",
            "",
            "",
            "",
            None,
            week,
            position,
            text,
            _answer(value),
        )


def _answer(value):
    return value if isinstance(value, int | float) else answer_display(value)


def survey_response_rows(program_ids: Iterable[int]) -> Iterator[tuple]:
    ids = list(program_ids)
    yield from _identified_answers(ids)
    yield from _anonymous_answers(ids)


def closure_rows(program_ids: Iterable[int]) -> Iterator[tuple]:
    """One row per ended match: when it started and ended, why (the reason from the list and
    the words given for "other"), and the sessions it held, counted as the dashboard counts
    them. Never the private feedback of a request to end, nor names: join on match_id with
    the sessions export for who."""
    for program in Program.objects.filter(pk__in=list(program_ids)).order_by("name", "pk"):
        ended = Match.objects.filter(program=program, status=Match.Status.ENDED).order_by(
            "ended_at", "pk"
        )
        for chunk in _chunks(_streamed(ended.select_related("mentor", "mentee")), CHUNK):
            facts = session_facts(program=program, matches=chunk)
            for match in chunk:
                held = sum(outcome == "held" for _, outcome in facts[match.pk].meetings)
                yield (
                    program.name,
                    match.pk,
                    match.started_at,
                    match.ended_at,
                    match.end_reason,
                    END_REASON_LABELS.get(match.end_reason, ""),
                    match.end_reason_text,
                    held,
                )


DATASETS = {
    dataset.slug: dataset
    for dataset in [
        Dataset(
            slug="sessions",
            title=_("Sessions"),
            header=(
                "program",
                "meeting_id",
                "kind",
                "title",
                "start_utc",
                "end_utc",
                "booked_minutes",
                "status",
                "match_id",
                "mentor_email",
                "mentor_name",
                "mentee_email",
                "mentee_name",
                "logged_by",
                "outcome",
                "logged_minutes",
                "logged_at_utc",
                "topics_covered",
                "goal_progress",
                "shared_notes",
            ),
            rows=session_rows,
        ),
        Dataset(
            slug="checkins",
            title=_("Check-ins"),
            header=(
                "program",
                "match_id",
                "email",
                "name",
                "role",
                "career_stage",
                "opened_on",
                "due_on",
                "answered_at_utc",
                "score",
                "met_since_last",
                "blocking",
            ),
            rows=checkin_rows,
        ),
        Dataset(
            slug="survey-responses",
            title=_("Survey responses"),
            header=(
                "program",
                "survey",
                "moment",
                "anonymous",
                "response_id",
                "email",
                "name",
                "role",
                "career_stage",
                "submitted_at_utc",
                "week_of",
                "question_number",
                "question",
                "answer",
            ),
            rows=survey_response_rows,
        ),
        Dataset(
            slug="closures",
            title=_("Closures"),
            header=(
                "program",
                "match_id",
                "started_at_utc",
                "ended_at_utc",
                "end_reason",
                "end_reason_label",
                "other_reason",
                "sessions_held",
            ),
            rows=closure_rows,
        ),
    ]
}
