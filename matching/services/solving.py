"""Executing a formal program's matching run: read the candidates, score and solve, explain
each proposed pair and write the draft (see `matching.services.runs` for the run's life).

The numeric core (numpy, scipy, the features, scorer and solver) is imported here and by the
worker's task, never by the pages, forms or admin at start-up: `runs.run_start` imports this
module when it solves a small run inline.
"""

import dataclasses
import json
import logging

import numpy as np
import scipy.sparse as sp
from django.db import connection, transaction
from django.db.models import Exists, OuterRef, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from matching.explain import pairs_explanation, pairs_explanation_encoded
from matching.features import ProgramFeatures, program_features
from matching.groups import groups_cohere
from matching.models import Match, MatchingRun, ProposedPair, UnmatchedEntry
from matching.scoring import Weights
from matching.selectors import MATCHABLE, matchable_split, mentors_active_counts, screening_split
from matching.services.runs import gc_paused, run_refresh_stats
from matching.services.unmatched import unmatched_entries
from matching.solver import solve_optimal, solve_stable, stability_cost
from programs.models import Application, Program

logger = logging.getLogger(__name__)
R = MatchingRun.Status


def run_execute(*, run_id: int) -> MatchingRun | None:
    """Solve a queued run into a draft. Safe to call twice: only the caller that moves it
    from queued to running does the work."""
    claimed = MatchingRun.objects.filter(pk=run_id, status=R.QUEUED).update(
        status=R.RUNNING, progress=5, progress_note=_("Reading applications")
    )
    if not claimed:
        return None
    run = MatchingRun.objects.select_related("program").get(pk=run_id)
    try:
        with gc_paused():
            _solve_into(run)
    except Exception as exc:
        logger.exception("Matching run %s failed", run_id)
        MatchingRun.objects.filter(pk=run_id).update(
            status=R.FAILED, error=f"{exc.__class__.__name__}: {exc}"[:2000], progress=100
        )
        return MatchingRun.objects.get(pk=run_id)
    return run


def _progress(run: MatchingRun, percent: int, note: str) -> None:
    MatchingRun.objects.filter(pk=run.pk).update(progress=percent, progress_note=note)


@dataclasses.dataclass(slots=True)
class Candidate:
    """What a run reads of an application, under the model's attribute names (the features,
    the training and screening selectors and the run's writes read only these): plain
    values, read with one query, because a run reads tens of thousands of applications and
    model instances are most of the time it takes to read them."""

    pk: int
    user_id: int
    role: str
    status: str
    career_stage_id: int | None
    languages: list[str]
    format_preference: str
    time_zone: object
    capacity: int | None


_CANDIDATE_FIELDS = [field.name for field in dataclasses.fields(Candidate)]


def _candidates(program: Program) -> tuple[list, list, dict[int, tuple]]:
    """Mentees not in an active match (approved or waitlisted) and approved mentors that
    matching may use, and the people of both sides the training or the screening holds back
    (id -> (candidate, reason, (done, required))), who are not passed to the solver."""
    in_match = Match.objects.filter(mentee=OuterRef("pk"), status=Match.Status.ACTIVE)
    rows = (
        Application.objects.filter(program=program)
        .filter(
            Q(role="mentee", status__in=MATCHABLE) & ~Exists(in_match)
            | Q(role="mentor", status=Application.Status.APPROVED)
        )
        .order_by("pk")
        .values_list(*_CANDIDATE_FIELDS)
    )
    read = [Candidate(*row) for row in rows]
    people = [a for a in read if a.role == "mentee"] + [a for a in read if a.role == "mentor"]
    ready, held = matchable_split(program=program, applications=people)
    ready, unscreened = screening_split(applications=ready)
    training, screening = UnmatchedEntry.Reason.TRAINING, UnmatchedEntry.Reason.SCREENING
    return (
        [a for a in ready if a.role == "mentee"],
        [a for a in ready if a.role == "mentor"],
        {
            **{a.pk: (a, training, held[a.pk]) for a in people if a.pk in held},
            **{a.pk: (a, screening, unscreened[a.pk]) for a in people if a.pk in unscreened},
        },
    )


def _participants(program: Program) -> tuple[list[Candidate], list[Candidate]]:
    """The mentees and mentors a run passes to the solver."""
    mentees, mentors, _held = _candidates(program)
    return mentees, mentors


def _held_entries(run, held: dict) -> list[UnmatchedEntry]:
    """The people a run holds back (training, screening) as unmatched entries with details."""
    entries = []
    for application, reason, (done, required) in held.values():
        if reason == UnmatchedEntry.Reason.TRAINING:
            detail = ngettext(
                "training not complete (%(done)d of %(required)d step)",
                "training not complete (%(done)d of %(required)d steps)",
                required,
            )
        else:
            detail = ngettext(
                "screening not complete (%(done)d of %(required)d item)",
                "screening not complete (%(done)d of %(required)d items)",
                required,
            )
        entries.append(
            UnmatchedEntry(
                run=run,
                application_id=application.pk,
                reason=reason,
                detail=detail % {"done": done, "required": required},
            )
        )
    return entries


def _capacities(features: ProgramFeatures) -> np.ndarray:
    program = features.program
    active = mentors_active_counts(program=program)
    caps = []
    for mentor in features.mentors:
        cap = mentor.capacity or 0
        if program.is_group and program.group_size:
            cap = min(cap, program.group_size)
        caps.append(max(0, cap - active.get(mentor.pk, 0)))
    return np.array(caps, dtype=np.int64)


def _draft_pairs(run, features) -> tuple[list, list, list]:
    """The draft's locked pairs, the pairs the coordinator removed, and the draft's other
    pairs (kept where equally good), as (row, col) of `features`."""
    row = {a.pk: i for i, a in enumerate(features.mentees)}
    col = {a.pk: j for j, a in enumerate(features.mentors)}
    locks, previous = [], []
    for mentee_id, mentor_id, locked in run.pairs.values_list("mentee_id", "mentor_id", "locked"):
        if mentee_id in row and mentor_id in col:
            (locks if locked else previous).append((row[mentee_id], col[mentor_id]))
    removed = [
        (row[a], col[b]) for a, b in run.stats.get("removed_pairs", []) if a in row and b in col
    ]
    return locks, removed, previous


def _solve_into(run: MatchingRun) -> None:
    mentees, mentors, held = _candidates(run.program)
    features = program_features(program=run.program, mentees=mentees, mentors=mentors)
    # The weights the run records are the ones it is solved and explained with.
    features.weights = Weights(**run.weights)
    features.capacities = _capacities(features)
    locks, removed, previous = _draft_pairs(run, features)
    intrinsic = features.forbidden
    if removed:
        extra = sp.csr_matrix(
            (np.ones(len(removed), dtype=bool), tuple(zip(*removed, strict=True))),
            shape=features.forbidden.shape,
        )
        features.forbidden = (features.forbidden + extra).astype(bool).tocsr()
    _progress(
        run,
        20,
        _("Scoring %(mentees)d mentees against %(mentors)d mentors")
        % {"mentees": len(mentees), "mentors": len(mentors)},
    )
    result, extra = _solve(run, features, locks, previous)
    _progress(run, 70, _("Explaining each proposed pair"))
    with transaction.atomic():
        run.pairs.filter(locked=False).delete()
        run.unmatched.all().delete()
        _store_pairs(run, features, result, locks)
        UnmatchedEntry.objects.bulk_create(
            unmatched_entries(
                run=run, features=features, result=result, intrinsic=intrinsic, removed=removed
            ),
            batch_size=1000,
        )
        UnmatchedEntry.objects.bulk_create(_held_entries(run, held), batch_size=1000)
        run.stats = {
            **{k: v for k, v in run.stats.items() if k == "removed_pairs"},
            "optimal_proven": bool(result.optimal_proven),
            "certificate": _jsonable(result.certificate),
            "timings": {k: round(v, 4) for k, v in result.timings.items()},
            **_kept(result, previous),
            **(extra or {}),
        }
        run.status, run.progress, run.progress_note = R.DRAFT, 100, _("Ready for review")
        run.finished_at = timezone.now()
        run.save()
        run_refresh_stats(run=run)


def _kept(result, previous) -> dict:
    """On a re-run: how many of the draft's unlocked pairs are proposed again."""
    if not previous:
        return {}
    kept = sum(int(result.assignment[i]) == j for i, j in previous)
    return {"kept_from_draft": {"kept": kept, "of": len(previous)}}


def _solve(run, features, locks, previous):
    if not features.mentees or not features.mentors:
        empty = np.zeros((len(features.mentees), len(features.mentors)))
        result = solve_optimal(scores=empty, capacities=features.capacities, locked=locks)
        return result, None
    source = features.source()
    common = {"scores": source, "capacities": features.capacities, "locked": locks}
    # Among equally good assignments, the draft's own pairs stay where they are.
    optimal = solve_optimal(**common, preferred=previous)
    if run.algorithm != "stable":
        if run.program.is_group and run.program.group_size:
            return _cohere_groups(run.program, features, source, optimal)
        return optimal, None
    stable = solve_stable(**common, preferred=previous)
    cost = stability_cost(optimal=optimal, stable=stable)
    return stable, {
        "stability": {
            "optimal_total": round(cost.optimal_total, 4),
            "stable_total": round(cost.stable_total, 4),
            "optimal_matched": cost.optimal_matched,
            "stable_matched": cost.stable_matched,
            "ratio": round(cost.ratio, 4),
        }
    }


def _jsonable(value):
    if isinstance(value, dict):
        return {k: _jsonable(v) for k, v in value.items()}
    if isinstance(value, np.generic):
        return value.item()
    return value


def _cohere_groups(program, features, source, result):
    """Group programs: swap members between groups so each group's topics and goals are
    close (see matching.groups); stable runs are left as they are, a swap could unsettle them."""
    scores = source.block(slice(0, len(features.mentees)))
    wants = sp.hstack([features.mentee_features.topics, features.mentee_features.goals]).tocsr()
    cohesion = groups_cohere(
        assignment=result.assignment,
        scores=scores,
        features=wants,
        group_size=program.group_size,
        locked=result.locked,
    )
    assigned = cohesion.assignment >= 0
    pair_scores = np.full(cohesion.assignment.size, np.nan)
    pair_scores[assigned] = scores[assigned, cohesion.assignment[assigned]]
    result = dataclasses.replace(
        result,
        assignment=cohesion.assignment,
        pair_scores=pair_scores,
        total_score=float(np.nansum(pair_scores)),
    )
    return result, {
        "groups": {
            "swaps": cohesion.swaps,
            "cohesion_before": round(cohesion.cohesion_before, 4),
            "cohesion_after": round(cohesion.cohesion_after, 4),
            "score_before": round(cohesion.score_before, 4),
            "score_after": round(cohesion.score_after, 4),
        }
    }


def _store_pairs(run, features, result, locks) -> None:
    """The solver's pairs (not the locked ones, already stored) with their explanations,
    explained set-wise and written in bulk (COPY on PostgreSQL)."""
    locked_rows = {i for i, _ in locks}
    rows = [i for i, j in enumerate(result.assignment.tolist()) if j >= 0 and i not in locked_rows]
    cols = result.assignment[rows].tolist() if rows else []
    if connection.vendor == "postgresql":
        _copy_pairs(run, features, rows, cols)
        return
    ProposedPair.objects.bulk_create(
        (
            ProposedPair(
                run=run, mentee_id=mentee, mentor_id=mentor, score=score, explanation=explanation
            )
            for mentee, mentor, score, explanation in _explained_pairs(features, rows, cols)
        ),
        batch_size=2000,
    )


EXPLAIN_CHUNK = 5000  # pairs explained at a time: a large run never holds every explanation


def _explained_pairs(features, rows: list[int], cols: list[int]):
    """(mentee id, mentor id, score, explanation) of each pair (rows[k], cols[k]); the score
    is the explanation's sum, as the review page shows it."""
    for start in range(0, len(rows), EXPLAIN_CHUNK):
        chunk = slice(start, start + EXPLAIN_CHUNK)
        explanations = pairs_explanation(features=features, rows=rows[chunk], cols=cols[chunk])
        for i, j, explanation in zip(rows[chunk], cols[chunk], explanations, strict=True):
            score = round(sum(item["contribution"] for item in explanation), 6)
            yield features.mentees[i].pk, features.mentors[j].pk, score, explanation


def _copy_pairs(run, features, rows: list[int], cols: list[int]) -> None:
    """COPY the pairs (rows[k], cols[k]) in with their explanations, encoded as JSON straight
    from the distinct items (`pairs_explanation_encoded`): bulk_create quotes every JSON
    explanation in Python, which is most of a large run's write. The columns are the
    model's, with its defaults."""
    fields = {f.name: f for f in ProposedPair._meta.concrete_fields if not f.primary_key}
    defaults = {
        name: field.get_db_prep_save(field.get_default(), connection)
        for name, field in fields.items()
        if name not in {"run", "mentee", "mentor", "score", "explanation"}
    }
    columns = ["run_id", "mentee_id", "mentor_id", "score", "explanation"]
    columns += [fields[name].column for name in defaults]
    constant = list(defaults.values())
    table = connection.ops.quote_name(ProposedPair._meta.db_table)
    names = ", ".join(connection.ops.quote_name(c) for c in columns)
    # jsonb keeps no spacing: the compact form is less to send and to parse.
    encode = (fields["explanation"].encoder or json.JSONEncoder)(separators=(",", ":")).encode
    with (
        connection.cursor() as cursor,
        cursor.cursor.copy(f"COPY {table} ({names}) FROM STDIN") as copy,
    ):
        pairs = pairs_explanation_encoded(features=features, rows=rows, cols=cols, encode=encode)
        for i, j, (score, text) in zip(rows, cols, pairs, strict=True):
            mentee, mentor = features.mentees[i].pk, features.mentors[j].pk
            copy.write_row([run.pk, mentee, mentor, score, text, *constant])


def runs_execute_queued(*, older_than_seconds: int = 30) -> int:
    """The minute sweep: execute queued runs whose fast path did not happen."""
    cutoff = timezone.now() - timezone.timedelta(seconds=older_than_seconds)
    done = 0
    for pk in MatchingRun.objects.filter(status=R.QUEUED, created_at__lt=cutoff).values_list(
        "pk", flat=True
    ):
        done += run_execute(run_id=pk) is not None
    return done
