"""Formal programs: run the solver into a draft, let the coordinator edit it, publish it.

A run is a row that moves queued -> running -> draft -> published (or discarded/failed).
Execution claims the row with a conditional UPDATE, so a run is executed once even if the
fast path (a Celery task queued after commit) and the minute sweep both try. Mentees already
in an active match are left alone and mentors' capacity is reduced by their active matches,
so running again after publication places late joiners and the waitlist into leftover
capacity without moving anyone. Waitlisted mentees take part like approved ones; publishing
approves the ones it matches.
"""

import gc
import logging
from contextlib import contextmanager

from django.contrib.auth import get_user_model
from django.core.exceptions import ValidationError
from django.db import IntegrityError, connection, transaction
from django.db.models import Avg, Count, Min, Q, Sum
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, ngettext

from audit.models import Action
from audit.services import audit_record
from matching.explain import pair_score_explanation
from matching.models import Match, MatchingRun, ProposedPair, UnmatchedEntry
from matching.selectors import (
    MATCHABLE,
    matching_config_for,
    mentors_active_counts,
    screening_gate_message,
    training_gate_check,
)
from matching.services.waitlist import (
    matched_from_waitlist,
    mentor_capacity,
    waitlist_offers_close_for,
)
from mentoring.events import MATCH_PUBLISHED, events_emit
from notifications.models import Kind
from notifications.services import notifications_queue_many
from programs.models import Application, Program
from programs.services import application_decide

logger = logging.getLogger(__name__)
R = MatchingRun.Status
INLINE_LIMIT = 1500  # mentees; larger runs go to a worker and show progress

#: What a mentee is told when a run leaves them on the waitlist: the reason without the
#: coordinator's detail (an exclusion someone asked for is never revealed).
_FULL = gettext_lazy(
    "No place this round: the mentors who suit you are full. "
    "You will be matched when a place frees up."
)
WAITLIST_REASONS = {
    UnmatchedEntry.Reason.CAPACITY: _FULL,
    UnmatchedEntry.Reason.OUTSCORED: _FULL,
    UnmatchedEntry.Reason.REMOVED: gettext_lazy(
        "The coordinators did not place you this round. You will be matched when a place frees up."
    ),
    UnmatchedEntry.Reason.NO_ALLOWED_MENTOR: gettext_lazy(
        "No mentor of this round can be matched with you. The coordinators will be in touch."
    ),
    UnmatchedEntry.Reason.TRAINING: gettext_lazy(
        "Your training for this program is not finished yet. Finish it and you will be "
        "matched when a place frees up."
    ),
}


def run_start(*, program: Program, by=None) -> MatchingRun:
    """Create a matching run for a formal program. Small programs are solved right away;
    larger ones are handed to a worker after commit (the minute sweep picks them up if the
    broker is down)."""
    if not program.is_formal:
        raise ValidationError(_("Informal programs have no matching runs: mentees ask mentors."))
    if program.status not in (Program.Status.ENROLLING, Program.Status.RUNNING):
        raise ValidationError(_("Open enrollment before running matching."))
    config = matching_config_for(program)
    try:
        with transaction.atomic():
            run = MatchingRun.objects.create(
                program=program,
                algorithm=config.algorithm,
                weights=config.weights(),
                created_by=by,
                progress_note=_("Waiting to start"),
            )
    except IntegrityError:
        raise ValidationError(
            _("A matching run is already in progress or waiting for review for this program.")
        ) from None
    _dispatch(run)
    return run


def _dispatch(run: MatchingRun) -> None:
    mentees = Application.objects.filter(
        program=run.program, role="mentee", status__in=MATCHABLE
    ).count()
    if mentees <= INLINE_LIMIT:
        from matching.services.solving import run_execute  # the numeric core: not at start-up

        run_execute(run_id=run.pk)
        return

    def enqueue():
        from matching.tasks import execute_run

        try:
            execute_run.delay(run_id=run.pk)
        except Exception:  # broker down: the sweep runs it within a minute
            logger.warning("Broker unavailable; matching run %s left for the sweep", run.pk)

    transaction.on_commit(enqueue)


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


def run_refresh_stats(*, run: MatchingRun) -> dict:
    """Recompute the numbers shown on the review page from the run's current pairs, in the
    database."""
    figures = run.pairs.aggregate(
        n=Count("pk"), mean=Avg("score"), lowest=Min("score"), total=Sum("score")
    )
    matched = figures["n"]
    # Mentees left unmatched; mentors with places or held back by their training are not.
    n_unmatched = run.unmatched.filter(application__role="mentee").count()
    n_mentees = matched + n_unmatched
    run.stats.update(
        n_mentees=n_mentees,
        n_matched=matched,
        n_unmatched=n_unmatched,
        match_rate=round(matched / n_mentees, 4) if n_mentees else 0.0,
        mean_score=round(figures["mean"], 4) if matched else None,
        # Unrounded: the page rounds it exactly as it rounds the pair it comes from.
        min_score=figures["lowest"],
        total_score=round(figures["total"] or 0.0, 4),
    )
    run.save(update_fields=["stats"])
    return run.stats


# --- editing a draft ------------------------------------------------------------------------


def _draft(run: MatchingRun) -> MatchingRun:
    run = MatchingRun.objects.select_for_update().get(pk=run.pk)
    if run.status != R.DRAFT:
        raise ValidationError(_("Only a draft run can be changed."))
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
        raise ValidationError(
            _("%(name)s has no free place left (capacity %(capacity)s).")
            % {"name": mentor.user.name, "capacity": capacity}
        )


@transaction.atomic
def pair_add(*, run: MatchingRun, mentee: Application, mentor: Application) -> ProposedPair:
    """Add a pair by hand (it is locked: a coordinator chose it)."""
    run = _draft(run)
    for application, role in ((mentee, "mentee"), (mentor, "mentor")):
        if application.program_id != run.program_id or application.role != role:
            raise ValidationError(
                _("Pick a mentee of this program.")
                if role == "mentee"
                else _("Pick a mentor of this program.")
            )
        allowed = MATCHABLE if role == "mentee" else (Application.Status.APPROVED,)
        if application.status not in allowed:
            raise ValidationError(
                _("%(name)s's application is not approved.") % {"name": application.user.name}
            )
    training_gate_check(applications=[mentor, mentee])
    if message := screening_gate_message(application=mentee):
        raise ValidationError(message)
    if run.pairs.filter(mentee=mentee).exists():
        raise ValidationError(
            _("%(name)s is already in a proposed pair.") % {"name": mentee.user.name}
        )
    if Match.objects.filter(mentee=mentee, status=Match.Status.ACTIVE).exists():
        raise ValidationError(_("%(name)s is already matched.") % {"name": mentee.user.name})
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
        raise ValidationError(_("Pick two different pairs of the same draft."))
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
    run.status, run.progress, run.progress_note = R.QUEUED, 0, _("Waiting to start")
    run.save(update_fields=["status", "progress", "progress_note", "weights", "algorithm"])
    _dispatch(run)
    return run


@transaction.atomic
def run_discard(*, run: MatchingRun) -> MatchingRun:
    run = MatchingRun.objects.select_for_update().get(pk=run.pk)
    if run.status not in (R.DRAFT, R.FAILED, R.QUEUED):
        raise ValidationError(_("Only a draft, failed or queued run can be discarded."))
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
    events_emit(
        name=MATCH_PUBLISHED,
        program=run.program,
        payloads=[
            {
                "match_id": match.pk,
                "mentor_application_id": match.mentor_id,
                "mentee_application_id": match.mentee_id,
                "origin": match.origin,
            }
            for match in matches
        ],
    )
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
    active = mentors_active_counts(program=run.program)
    per_mentor: dict[int, int] = {}
    for _mentee, mentor_id in pairs:
        per_mentor[mentor_id] = per_mentor.get(mentor_id, 0) + 1
    for mentor_id, count in per_mentor.items():
        mentor = mentors[mentor_id]
        capacity = mentor.capacity or 0
        if mentor.status != Application.Status.APPROVED:
            raise ValidationError(
                _("%(name)s is no longer an approved mentor.") % {"name": mentor.user.name}
            )
        if active.get(mentor_id, 0) + count > capacity:
            raise ValidationError(
                _("%(name)s would be over capacity (%(capacity)s).")
                % {"name": mentor.user.name, "capacity": capacity}
            )
    taken = Match.objects.filter(
        mentee__in=run.pairs.values("mentee_id"), status=Match.Status.ACTIVE
    ).select_related("mentee__user")
    for match in taken[:1]:
        raise ValidationError(
            _("%(name)s has been matched in the meantime.") % {"name": match.mentee.user.name}
        )


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
