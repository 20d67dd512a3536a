"""The analysis's reads: who has outcomes in a program, what they received, their values.

The analysis works on numpy arrays with one entry per outcome person of the program, in the
order `outcome_population` returns them. Participants are the accounts that were in one of
the program's matches (`outcomes.selectors.participant_user_ids`). People who applied but were
never matched are in neither group: they chose the program (so they are not a fair
comparison) but did not receive it.
"""

from __future__ import annotations

from collections import defaultdict
from collections.abc import Iterable
from dataclasses import dataclass, field

import numpy as np
from django.db.models import Min

from matching.models import Match
from outcomes.models import OutcomePerson, OutcomeRecord
from programs.models import Answer, Application, Question
from sessions.models import Attendance, Meeting
from sessions.selectors import counted_attendance_q, held_session_minutes


@dataclass
class Population:
    """Everyone with outcomes in a program, as parallel arrays (one entry per person)."""

    person_ids: np.ndarray
    treated: np.ndarray
    stage: np.ndarray  # career stage id, 0 when unknown
    role: list[str | None]
    cohort: list[str | None]
    answers: dict[str, list[str | None]] = field(default_factory=dict)
    sessions: np.ndarray | None = None
    hours: np.ndarray | None = None
    stage_names: dict[int, str] = field(default_factory=dict)
    #: Participants with records who were left out: their consent was not in force.
    without_consent: int = 0

    @property
    def size(self) -> int:
        return len(self.person_ids)


def outcome_population(
    *, program, consenting: set[int] | None = None, withdrawn: Iterable[int] = ()
) -> Population:
    """The program's outcome people, participants flagged, applicants who were never matched
    left out; with role, career stage, cohort (year first matched), demographic answers and
    the sessions and hours each participant took part in. A fixed number of queries.

    With `consenting` (the program uses records only with consent), participants not in it
    are left out too, and counted: not moved to the comparison group, not analysed at all;
    so are the participants in `withdrawn` (who refused or withdrew consent) in any case.
    A program whose comparison policy is "none" has no comparison group: only participants
    are kept."""
    participants = _applications(program)
    # Participants without consent: nothing of theirs is read beyond this point.
    withdrawn = set(withdrawn)
    applications = {
        user_id: entry
        for user_id, entry in participants.items()
        if (consenting is None or user_id in consenting) and user_id not in withdrawn
    }
    applied_users = set(
        Application.objects.filter(program=program).values_list("user_id", flat=True)
    )
    rows = list(
        OutcomePerson.objects.filter(program=program)
        .order_by("pk")
        .values_list("pk", "user_id", "career_stage_id")
    )
    comparison = program.comparison_policy != "none"
    kept, without_consent = [], 0
    for row in rows:
        user_id = row[1]
        if user_id in participants:
            if user_id not in applications:
                without_consent += 1
                continue
        elif user_id in applied_users or not comparison:
            continue
        kept.append(row)
    person_ids = np.array([pk for pk, _u, _s in kept], dtype=np.int64)
    users = [user_id for _p, user_id, _s in kept]
    treated = np.array([user_id in applications for user_id in users], dtype=bool)
    stage = np.array(
        [
            (applications[user_id]["stage"] if user_id in applications else None) or stage_id or 0
            for _p, user_id, stage_id in kept
        ],
        dtype=np.int64,
    )
    sessions, hours = _dose(program, applications, users)
    return Population(
        person_ids=person_ids,
        treated=treated,
        stage=stage,
        role=[applications[u]["role"] if u in applications else None for u in users],
        cohort=[applications[u]["cohort"] if u in applications else None for u in users],
        answers=_answers(program, applications, users),
        sessions=sessions,
        hours=hours,
        stage_names=dict(program.career_stages.values_list("pk", "name")),
        without_consent=without_consent,
    )


def _applications(program) -> dict[int, dict]:
    """user id -> role, career stage and cohort of each participant (their first match's
    application when they had two roles)."""
    firsts = defaultdict(list)
    for side in ("mentor", "mentee"):
        for app_id, user_id, role, stage_id, started in (
            Match.objects.filter(program=program)
            .values_list(
                f"{side}_id", f"{side}__user_id", f"{side}__role", f"{side}__career_stage_id"
            )
            .annotate(first=Min("started_at"))
            .order_by()
        ):
            firsts[user_id].append((started, app_id, role, stage_id))
    participants = {}
    for user_id, entries in firsts.items():
        started, app_id, role, stage_id = min(entries)
        participants[user_id] = {
            "application": app_id,
            "role": role,
            "stage": stage_id,
            "cohort": str(started.year),
        }
    return participants


def _answers(program, applications, users) -> dict[str, list[str | None]]:
    """Single-choice application questions (the demographic ones a program asks), answered
    by participants: question text -> each person's answer (None for the comparison)."""
    questions = dict(
        Question.objects.filter(program=program, kind=Question.Kind.SINGLE_CHOICE).values_list(
            "pk", "text"
        )
    )
    if not questions:
        return {}
    by_app: dict[int, dict[int, str]] = defaultdict(dict)
    app_ids = [entry["application"] for entry in applications.values()]
    for app_id, question_id, value in Answer.objects.filter(
        application_id__in=app_ids, question_id__in=questions
    ).values_list("application_id", "question_id", "value"):
        if isinstance(value, str) and value:
            by_app[app_id][question_id] = value
    result = {}
    for question_id, text in questions.items():
        result[text] = [
            by_app[applications[u]["application"]].get(question_id) if u in applications else None
            for u in users
        ]
    return result


def _dose(program, applications, users) -> tuple[np.ndarray, np.ndarray]:
    """Sessions held and hours for each participant (nan for the comparison): a mentor counts
    every held session they led, a mentee their pair's held sessions and the group sessions
    that count for them (`counted_attendance_q`: not marked absent)."""
    minutes = held_session_minutes(program=program)
    per_user_sessions: dict[int, int] = defaultdict(int)
    per_user_minutes: dict[int, float] = defaultdict(float)

    def add(user_id, meeting_id):
        per_user_sessions[user_id] += 1
        per_user_minutes[user_id] += minutes[meeting_id]

    # Joined on the program rather than an IN list of every held meeting (tens of thousands).
    meetings = Meeting.objects.filter(program=program).values_list(
        "pk", "mentor_id", "match__mentee__user_id"
    )
    for meeting_id, mentor_id, mentee_id in meetings:
        if meeting_id not in minutes:
            continue
        add(mentor_id, meeting_id)
        if mentee_id:
            add(mentee_id, meeting_id)
    for meeting_id, member_id in Attendance.objects.filter(
        counted_attendance_q(), meeting__program=program
    ).values_list("meeting_id", "member_id"):
        if meeting_id in minutes:
            add(member_id, meeting_id)
    sessions = np.array(
        [per_user_sessions.get(u, 0) if u in applications else np.nan for u in users], dtype=float
    )
    hours = np.array(
        [per_user_minutes.get(u, 0.0) / 60 if u in applications else np.nan for u in users],
        dtype=float,
    )
    return sessions, hours


def outcome_values(*, program, population: Population, measure: str) -> np.ndarray:
    """A people x terms matrix of the measure's values (nan where none), terms in the
    program's order."""
    terms = {term: i for i, term in enumerate(program.term_list)}
    index = {pk: i for i, pk in enumerate(population.person_ids.tolist())}
    matrix = np.full((population.size, len(terms)), np.nan)
    for person_id, term, value in OutcomeRecord.objects.filter(
        person__program=program, measure=measure
    ).values_list("person_id", "term", "value"):
        row, column = index.get(person_id), terms.get(term)
        if row is not None and column is not None:
            matrix[row, column] = value
    return matrix
