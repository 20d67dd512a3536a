"""Formal programs: run the solver into a draft, let the coordinator edit it, publish it.

A run is a row that moves queued -> running -> draft -> published (or discarded/failed).
Execution claims the row with a conditional UPDATE, so a run is executed once even if the
fast path (a Celery task queued after commit) and the minute sweep both try. Mentees already
in an active match are left alone and mentors' capacity is reduced by their active matches,
so running again after publication places late joiners and the waitlist into leftover
capacity without moving anyone. Waitlisted mentees take part like approved ones; publishing
approves the ones it matches.
"""

import dataclasses
import gc
import json
import logging
from contextlib import contextmanager

import numpy as np
import scipy.sparse as sp
from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Count, Q
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from audit.models import Action
from audit.services import audit_record
from matching.explain import pair_score_explanation, pairs_explanation
from matching.features import ProgramFeatures, matching_config_for, program_features
from matching.groups import groups_cohere
from matching.models import Match, MatchingRun, ProposedPair, UnmatchedEntry
from matching.scoring import Weights
from matching.selectors import (
    MATCHABLE,
    matchable_split,
    screening_gate_message,
    screening_split,
    training_gate_check,
)
from matching.services.unmatched import WAITLIST_REASONS, unmatched_entries
from matching.services.waitlist import (
    matched_from_waitlist,
    mentor_capacity,
    waitlist_offers_close_for,
)
from matching.solver import solve_optimal, solve_stable, stability_cost
from notifications.models import Kind
from notifications.services import notifications_queue_many
from programs.models import Application, Program
from programs.services import application_decide

logger = logging.getLogger(__name__)
R = MatchingRun.Status
INLINE_LIMIT = 1500  # mentees; larger runs go to a worker and show progress


def run_start(*, program: Program, by=None) -> MatchingRun:
    """Create a matching run for a formal program. Small programs are solved right away;
    larger ones are handed to a worker after commit (the minute sweep picks them up if the
    broker is down)."""
    if not program.is_formal:
        raise ValidationError("Informal programs have no matching runs: mentees ask mentors.")
    if program.status not in (Program.Status.ENROLLING, Program.Status.RUNNING):
        raise ValidationError("Open enrollment before running matching.")
    config = matching_config_for(program)
    try:
        with transaction.atomic():
            run = MatchingRun.objects.create(
                program=program,
                algorithm=config.algorithm,
                weights=config.weights(),
                created_by=by,
                progress_note="Waiting to start",
            )
    except IntegrityError:
        raise ValidationError(
            "A matching run is already in progress or waiting for review for this program."
        ) from None
    _dispatch(run)
    return run


def _dispatch(run: MatchingRun) -> None:
    mentees = Application.objects.filter(
        program=run.program, role="mentee", status__in=MATCHABLE
    ).count()
    if mentees <= INLINE_LIMIT:
        run_execute(run_id=run.pk)
        return

    def enqueue():
        from matching.tasks import execute_run

        try:
            execute_run.delay(run_id=run.pk)
        except Exception:  # broker down: the sweep runs it within a minute
            logger.warning("Broker unavailable; matching run %s left for the sweep", run.pk)

    transaction.on_commit(enqueue)


def run_execute(*, run_id: int) -> MatchingRun | None:
    """Solve a queued run into a draft. Safe to call twice: only the caller that moves it
    from queued to running does the work."""
    claimed = MatchingRun.objects.filter(pk=run_id, status=R.QUEUED).update(
        status=R.RUNNING, progress=5, progress_note="Reading applications"
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


@contextmanager
def gc_paused():
    """Python's cyclic garbage collector off for a bulk step. A run builds hundreds of
    thousands of small objects (rows, explanations, emails), none of them cycles, and each
    few hundred of them would start a collection that walks the growing heap: at 10,000
    mentees that is most of the time spent explaining the pairs."""
    enabled = gc.isenabled()
    gc.disable()
    try:
        yield
    finally:
        if enabled:
            gc.enable()


def _progress(run: MatchingRun, percent: int, note: str) -> None:
    MatchingRun.objects.filter(pk=run.pk).update(progress=percent, progress_note=note)


def _active_counts(program: Program) -> dict[int, int]:
    rows = (
        Match.objects.filter(program=program, status=Match.Status.ACTIVE)
        .values("mentor_id")
        .annotate(n=Count("pk"))
    )
    return {row["mentor_id"]: row["n"] for row in rows}


def _candidates(program: Program) -> tuple[list, list, dict[int, tuple[int, int]]]:
    """Mentees not in an active match (approved or waitlisted) and approved mentors that
    matching may use, and the people of both sides the training holds back (id -> (done,
    required)), who are not passed to the solver."""
    mentees = Application.objects.filter(
        program=program, role="mentee", status__in=MATCHABLE
    ).exclude(mentee_matches__status=Match.Status.ACTIVE)
    mentors = Application.objects.filter(
        program=program, role="mentor", status=Application.Status.APPROVED
    )
    # Topics, goals and availability are read set-wise by `program_features`; a run never
    # looks at the texts and dates, which are most of each row.
    unused = ("decision_reason", "motivation", "submitted_at", "updated_at", "decided_at")
    mentees = list(mentees.defer(*unused, "decided_by").order_by("pk"))
    mentors = list(mentors.defer(*unused, "decided_by").order_by("pk"))
    ready, held = matchable_split(program=program, applications=[*mentees, *mentors])
    ready, unscreened = screening_split(applications=ready)
    people = [*mentees, *mentors]
    return (
        [a for a in ready if a.role == "mentee"],
        [a for a in ready if a.role == "mentor"],
        {
            **{
                a.pk: (a, UnmatchedEntry.Reason.TRAINING, held[a.pk])
                for a in people
                if a.pk in held
            },
            **{
                a.pk: (a, UnmatchedEntry.Reason.SCREENING, unscreened[a.pk])
                for a in people
                if a.pk in unscreened
            },
        },
    )


def _participants(program: Program) -> tuple[list[Application], list[Application]]:
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
                application=application,
                reason=reason,
                detail=detail % {"done": done, "required": required},
            )
        )
    return entries


def _capacities(features: ProgramFeatures) -> np.ndarray:
    program = features.program
    active = _active_counts(program)
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
    _progress(run, 20, f"Scoring {len(mentees)} mentees against {len(mentors)} mentors")
    result, extra = _solve(run, features, locks, previous)
    _progress(run, 70, "Explaining each proposed pair")
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
        run.status, run.progress, run.progress_note = R.DRAFT, 100, "Ready for review"
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
    pairs = _explained_pairs(features, rows, cols)
    if connection.vendor == "postgresql":
        _copy_pairs(run, pairs)
        return
    ProposedPair.objects.bulk_create(
        (
            ProposedPair(
                run=run, mentee_id=mentee, mentor_id=mentor, score=score, explanation=explanation
            )
            for mentee, mentor, score, explanation in pairs
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


def _copy_pairs(run, pairs) -> None:
    """COPY the pairs in: bulk_create quotes every JSON explanation in Python, which is most
    of a large run's write. The columns are the model's, with its defaults."""
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
        for mentee, mentor, score, explanation in pairs:
            text = encode(explanation)
            copy.write_row([run.pk, mentee, mentor, score, text, *constant])


def run_refresh_stats(*, run: MatchingRun) -> dict:
    """Recompute the numbers shown on the review page from the run's current pairs."""
    scores = np.array(list(run.pairs.values_list("score", flat=True)), dtype=float)
    # Mentees left unmatched; mentors with places or held back by their training are not.
    n_unmatched = run.unmatched.filter(application__role="mentee").count()
    n_mentees = len(scores) + n_unmatched
    histogram, _ = np.histogram(scores, bins=10, range=(0, 1))
    run.stats.update(
        n_mentees=n_mentees,
        n_matched=len(scores),
        n_unmatched=n_unmatched,
        match_rate=round(len(scores) / n_mentees, 4) if n_mentees else 0.0,
        mean_score=round(float(scores.mean()), 4) if len(scores) else None,
        # Unrounded: the page rounds it exactly as it rounds the pair it comes from.
        min_score=float(scores.min()) if len(scores) else None,
        total_score=round(float(scores.sum()), 4),
        histogram=histogram.tolist(),
    )
    run.save(update_fields=["stats"])
    return run.stats


def runs_execute_queued(*, older_than_seconds: int = 30) -> int:
    """The minute sweep: execute queued runs whose fast path did not happen."""
    cutoff = timezone.now() - timezone.timedelta(seconds=older_than_seconds)
    done = 0
    for pk in MatchingRun.objects.filter(status=R.QUEUED, created_at__lt=cutoff).values_list(
        "pk", flat=True
    ):
        done += run_execute(run_id=pk) is not None
    return done


# --- editing a draft ------------------------------------------------------------------------


def _draft(run: MatchingRun) -> MatchingRun:
    run = MatchingRun.objects.select_for_update().get(pk=run.pk)
    if run.status != R.DRAFT:
        raise ValidationError("Only a draft run can be changed.")
    return run


@transaction.atomic
def pair_set_locked(*, pair: ProposedPair, locked: bool) -> ProposedPair:
    """Lock a pair so re-running keeps it, or unlock it."""
    _draft(pair.run)
    pair.locked = locked
    pair.save(update_fields=["locked"])
    return pair


@transaction.atomic
def pair_remove(*, pair: ProposedPair) -> None:
    """Take a pair out of the draft; re-running will not propose it again."""
    run = _draft(pair.run)
    removed = run.stats.get("removed_pairs", [])
    removed.append([pair.mentee_id, pair.mentor_id])
    run.stats["removed_pairs"] = removed
    run.save(update_fields=["stats"])
    UnmatchedEntry.objects.update_or_create(
        run=run,
        application=pair.mentee,
        defaults={
            "reason": UnmatchedEntry.Reason.REMOVED,
            "detail": _("Removed from the draft by the coordinator."),
        },
    )
    pair.delete()
    _sync_mentor_spare(run, pair.mentor)
    run_refresh_stats(run=run)


def _check_capacity(run: MatchingRun, mentor: Application, extra: int = 1) -> None:
    in_run = run.pairs.filter(mentor=mentor).count()
    active = Match.objects.filter(mentor=mentor, status=Match.Status.ACTIVE).count()
    capacity = mentor_capacity(mentor)
    if in_run + active + extra > capacity:
        raise ValidationError(f"{mentor.user.name} has no free place left (capacity {capacity}).")


@transaction.atomic
def pair_add(*, run: MatchingRun, mentee: Application, mentor: Application) -> ProposedPair:
    """Add a pair by hand (it is locked: a coordinator chose it)."""
    run = _draft(run)
    for application, role in ((mentee, "mentee"), (mentor, "mentor")):
        if application.program_id != run.program_id or application.role != role:
            raise ValidationError(f"Pick a {role} of this program.")
        allowed = MATCHABLE if role == "mentee" else (Application.Status.APPROVED,)
        if application.status not in allowed:
            raise ValidationError(f"{application.user.name}'s application is not approved.")
    training_gate_check(applications=[mentor, mentee])
    if message := screening_gate_message(application=mentee):
        raise ValidationError(message)
    if run.pairs.filter(mentee=mentee).exists():
        raise ValidationError(f"{mentee.user.name} is already in a proposed pair.")
    if Match.objects.filter(mentee=mentee, status=Match.Status.ACTIVE).exists():
        raise ValidationError(f"{mentee.user.name} is already matched.")
    _check_capacity(run, mentor)
    score, explanation = pair_score_explanation(run.program, mentee, mentor, weights=run.weights)
    pair = ProposedPair.objects.create(
        run=run,
        mentee=mentee,
        mentor=mentor,
        score=score,
        explanation=explanation,
        locked=True,
        source=ProposedPair.Source.MANUAL,
    )
    run.unmatched.filter(application=mentee).delete()
    _sync_mentor_spare(run, mentor)
    run_refresh_stats(run=run)
    return pair


def _sync_mentor_spare(run: MatchingRun, mentor: Application) -> None:
    """Keep the mentor's "places left" entry true after a pair was added or removed."""
    spare = (
        mentor_capacity(mentor)
        - Match.objects.filter(mentor=mentor, status=Match.Status.ACTIVE).count()
        - run.pairs.filter(mentor=mentor).count()
    )
    if spare <= 0:
        run.unmatched.filter(application=mentor).delete()
        return
    detail = ngettext("%(n)d place left.", "%(n)d places left.", spare) % {"n": spare}
    UnmatchedEntry.objects.update_or_create(
        run=run,
        application=mentor,
        defaults={"reason": UnmatchedEntry.Reason.NO_MENTEE, "detail": detail},
    )


@transaction.atomic
def pair_swap(*, first: ProposedPair, second: ProposedPair) -> tuple[ProposedPair, ProposedPair]:
    """Exchange the mentors of two pairs; both are locked afterwards."""
    run = _draft(first.run)
    if second.run_id != run.pk or first.pk == second.pk:
        raise ValidationError("Pick two different pairs of the same draft.")
    weights = run.weights
    a_score, a_expl = pair_score_explanation(
        run.program, first.mentee, second.mentor, weights=weights
    )
    b_score, b_expl = pair_score_explanation(
        run.program, second.mentee, first.mentor, weights=weights
    )
    first_mentor, second_mentor = first.mentor, second.mentor
    for pair, mentor, score, explanation in (
        (first, second_mentor, a_score, a_expl),
        (second, first_mentor, b_score, b_expl),
    ):
        pair.mentor, pair.score, pair.explanation = mentor, score, explanation
        pair.locked, pair.source = True, ProposedPair.Source.MANUAL
        pair.save(update_fields=["mentor", "score", "explanation", "locked", "source"])
    run_refresh_stats(run=run)
    return first, second


@transaction.atomic
def run_rerun(*, run: MatchingRun) -> MatchingRun:
    """Solve again around the locked pairs (removed pairs stay out), with the program's
    weights and algorithm as they are now; among equally good results the draft's other
    pairs stay where they are."""
    run = _draft(run)
    config = matching_config_for(run.program)
    run.weights, run.algorithm = config.weights(), config.algorithm
    run.status, run.progress, run.progress_note = R.QUEUED, 0, "Waiting to start"
    run.save(update_fields=["status", "progress", "progress_note", "weights", "algorithm"])
    _dispatch(run)
    return run


@transaction.atomic
def run_discard(*, run: MatchingRun) -> MatchingRun:
    run = MatchingRun.objects.select_for_update().get(pk=run.pk)
    if run.status not in (R.DRAFT, R.FAILED, R.QUEUED):
        raise ValidationError("Only a draft, failed or queued run can be discarded.")
    run.status = R.DISCARDED
    run.save(update_fields=["status"])
    return run


def run_publish(*, run: MatchingRun, by=None) -> list[Match]:
    """Turn every proposed pair into a match and email both sides; unmatched mentees go to
    the waitlist and are told; the audit trail records who published it, with the number of
    pairs and of mentees waitlisted. All or nothing: if any pair has become impossible
    (someone matched meanwhile, capacity changed) nothing is published and the reason is
    given. Written set-wise (a run can hold tens of thousands of pairs): the matches are
    copied from the pairs in the database, the emails queued in bulk."""
    with gc_paused(), transaction.atomic():
        return _publish(run, by)


def _publish(run: MatchingRun, by) -> list[Match]:
    run = _draft(run)
    Program.objects.select_for_update().get(pk=run.program_id)
    pairs = list(run.pairs.values_list("mentee_id", "mentor_id"))
    locked_mentors = {
        a.pk: a
        for a in Application.objects.select_for_update().filter(
            pk__in=run.pairs.values("mentor_id")
        )
    }
    _check_publishable(run, pairs, locked_mentors)
    now = timezone.now()
    _matches_from_pairs(run, now)
    matches = list(Match.objects.filter(run=run).defer("explanation").order_by("pk"))
    _queue_published(run, matches)
    for mentee in Application.objects.filter(
        pk__in=run.pairs.values("mentee_id"), status=Application.Status.WAITLISTED
    ).select_related("user", "program"):
        matched_from_waitlist(mentee=mentee, by=by)
    waitlist_offers_close_for(
        mentees=run.pairs.values("mentee_id"), note=_("Matched by a published matching run.")
    )
    waitlisted = _waitlist_unmatched(run, by)
    run.status, run.published_at = R.PUBLISHED, now
    run.save(update_fields=["status", "published_at"])
    audit_record(
        action=Action.RUN_PUBLISHED,
        actor=by,
        program=run.program,
        target=run,
        detail={"pairs": len(pairs), "waitlisted": waitlisted},
    )
    return matches


def _matches_from_pairs(run: MatchingRun, now) -> None:
    """One INSERT ... SELECT: each pair's score and explanation go from row to row in the
    database, never through Python. Match's other columns take the model's defaults."""
    given = {
        "program": run.program_id,
        "origin": Match.Origin.FORMAL,
        "run": run.pk,
        "started_at": now,
    }
    copied = {"mentor": "mentor_id", "mentee": "mentee_id", "score": "score"}
    copied["explanation"] = "explanation"
    columns, values, params = [], [], []
    for field in Match._meta.concrete_fields:
        if field.primary_key:
            continue
        columns.append(connection.ops.quote_name(field.column))
        if field.name in copied:
            values.append(connection.ops.quote_name(copied[field.name]))
            continue
        value = given[field.name] if field.name in given else field.get_default()
        values.append("%s")
        params.append(field.get_db_prep_save(value, connection))
    pair_table = connection.ops.quote_name(ProposedPair._meta.db_table)
    sql = (
        f"INSERT INTO {connection.ops.quote_name(Match._meta.db_table)} ({', '.join(columns)}) "  # noqa: S608
        f"SELECT {', '.join(values)} FROM {pair_table} WHERE run_id = %s ORDER BY score DESC, id"
    )
    with connection.cursor() as cursor:
        cursor.execute(sql, [*params, run.pk])


def _queue_published(run: MatchingRun, matches: list[Match]) -> None:
    """Both sides of every match are emailed (MATCH_PUBLISHED), queued in bulk; the users
    are read once each (a mentor is in several matches)."""
    applications = Application.objects.filter(
        Q(pk__in=run.pairs.values("mentee_id")) | Q(pk__in=run.pairs.values("mentor_id"))
    )
    people = dict(applications.values_list("pk", "user_id"))
    users = get_user_model().objects.filter(pk__in=applications.values("user_id"))
    users = {user.pk: user for user in users.only("pk", "email")}
    notifications_queue_many(
        kind=Kind.MATCH_PUBLISHED,
        program=run.program,
        recipients=[
            (users[people[application]], match)
            for match in matches
            for application in (match.mentee_id, match.mentor_id)
        ],
    )


def _check_publishable(run, pairs, mentors) -> None:
    active = _active_counts(run.program)
    per_mentor: dict[int, int] = {}
    for _mentee, mentor_id in pairs:
        per_mentor[mentor_id] = per_mentor.get(mentor_id, 0) + 1
    for mentor_id, count in per_mentor.items():
        mentor = mentors[mentor_id]
        capacity = mentor.capacity or 0
        if mentor.status != Application.Status.APPROVED:
            raise ValidationError(f"{mentor.user.name} is no longer an approved mentor.")
        if active.get(mentor_id, 0) + count > capacity:
            raise ValidationError(f"{mentor.user.name} would be over capacity ({capacity}).")
    taken = Match.objects.filter(
        mentee__in=run.pairs.values("mentee_id"), status=Match.Status.ACTIVE
    ).select_related("mentee__user")
    for match in taken[:1]:
        raise ValidationError(f"{match.mentee.user.name} has been matched in the meantime.")


def _waitlist_unmatched(run: MatchingRun, by) -> int:
    """Approved mentees the run leaves unmatched go to the waitlist, each with the reason
    that holds for them; mentees already waitlisted stay there without another email.
    Returns how many it put there."""
    count = 0
    for entry in run.unmatched.filter(
        ~Q(reason=UnmatchedEntry.Reason.NO_MENTEE),
        application__role="mentee",
        application__status="approved",
    ).select_related("application"):
        application_decide(
            application=entry.application,
            status=Application.Status.WAITLISTED,
            by=by,
            reason=str(WAITLIST_REASONS[entry.reason]),
        )
        count += 1
    return count
