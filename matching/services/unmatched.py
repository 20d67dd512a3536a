"""Why each person of a run is left unmatched, in words that are true for this run.

For an unmatched mentee, the mentors they could be matched with ("compatible": not the same
person, no exclusion, no earlier match that ended) are looked at one by one:

- REMOVED: the coordinator took a pair of theirs out of this draft.
- NO_ALLOWED_MENTOR: no mentor is compatible; the detail counts each cause.
- CAPACITY: every compatible mentor is full with existing matches or pairs the coordinator
  locked, so this run had no place to give.
- OUTSCORED: a compatible mentor's place went to another mentee this run; the detail says
  "who score at least as well with them" only when that holds for every such mentor (it does
  for the optimal and the stable solver; swaps between groups can break it).

Mentors with places left get NO_MENTEE. People the program's training holds back never reach
the solver; the run lists them as TRAINING (runs.py). Scores are re-read in row blocks, so a
large run with many unmatched mentees never holds a dense matrix.
"""

from dataclasses import dataclass

import numpy as np
import scipy.sparse as sp
from django.utils.translation import gettext as _
from django.utils.translation import ngettext

from matching.features import ProgramFeatures
from matching.models import Exclusion, Match, UnmatchedEntry
from matching.scoring import PairScoreSource
from matching.selectors import matching_config_for

R = UnmatchedEntry.Reason
TOLERANCE = 1e-6  # the solver compares scores at this resolution


@dataclass
class _Mentors:
    """Per mentor after the solve: places before it, and the lowest score among the mentees
    the solver (not a lock) placed there (+inf when none)."""

    places: np.ndarray
    used: np.ndarray
    lowest_unlocked: np.ndarray


def unmatched_entries(
    *, run, features: ProgramFeatures, result, intrinsic: sp.csr_matrix, removed: list
) -> list[UnmatchedEntry]:
    """Entries for every unmatched mentee and every mentor with places left. `intrinsic` is
    the forbidden matrix without the coordinator's removals; `removed` the (row, col) pairs
    they removed from this draft."""
    removed_by_row: dict[int, list[int]] = {}
    for i, j in removed:
        removed_by_row.setdefault(i, []).append(j)
    mentors = _mentor_state(features, result)
    rows = np.flatnonzero(result.assignment < 0)
    entries = []
    if len(rows):
        source = PairScoreSource(scorer=features.scorer(), forbidden=intrinsic)
        ruled_out = _RuledOut(features)
        step = source.block_rows
        for start in range(0, len(rows), step):
            chunk = rows[start : start + step]
            block = source.block(chunk)
            for k, i in enumerate(chunk.tolist()):
                gone = removed_by_row.get(i, [])
                reason, detail = _mentee_reason(
                    block[k], mentors, gone, lambda i=i: ruled_out.detail(i)
                )
                entries.append(
                    UnmatchedEntry(
                        run=run, application_id=features.mentees[i].pk, reason=reason, detail=detail
                    )
                )
    for j, mentor in enumerate(features.mentors):
        spare = int(mentors.places[j] - mentors.used[j])
        if spare > 0:
            detail = ngettext("%(n)d place left.", "%(n)d places left.", spare) % {"n": spare}
            entries.append(
                UnmatchedEntry(run=run, application_id=mentor.pk, reason=R.NO_MENTEE, detail=detail)
            )
    return entries


def _mentor_state(features, result) -> _Mentors:
    m = len(features.mentors)
    assigned = result.assignment >= 0
    cols = result.assignment[assigned]
    lowest = np.full(m, np.inf)
    unlocked = assigned & ~np.asarray(result.locked, dtype=bool)
    np.minimum.at(lowest, result.assignment[unlocked], result.pair_scores[unlocked])
    return _Mentors(
        places=np.asarray(features.capacities, dtype=np.int64),
        used=np.bincount(cols, minlength=m),
        lowest_unlocked=lowest,
    )


def _mentee_reason(scores, mentors: _Mentors, gone: list[int], ruled_out) -> tuple[str, str]:
    compatible = np.isfinite(scores)
    if gone:
        compatible[gone] = False
        others = int(compatible.sum())
        if others:
            rest = ngettext(
                "their other compatible mentor is full.",
                "their %(n)d other compatible mentors are full.",
                others,
            ) % {"n": others}
        else:
            rest = _("no other mentor can be matched with them.")
        return R.REMOVED, _("Removed from the draft by the coordinator; %(rest)s") % {"rest": rest}
    if not compatible.any():
        return R.NO_ALLOWED_MENTOR, ruled_out()
    n = int(compatible.sum())
    took = compatible & (mentors.lowest_unlocked < np.inf)
    if took.any():
        best = float(scores[compatible].max())
        as_well = bool((mentors.lowest_unlocked[took] >= scores[took] - TOLERANCE).all())
        text = (
            _(
                "All %(n)d compatible mentors are full; %(k)d of them took mentees who score "
                "at least as well with them (best score for this person: %(best).3f)."
            )
            if as_well
            else _(
                "All %(n)d compatible mentors are full; %(k)d of them took other mentees "
                "(best score for this person: %(best).3f)."
            )
        )
        return R.OUTSCORED, text % {"n": n, "k": int(took.sum()), "best": best}
    return R.CAPACITY, _capacity_detail(compatible, mentors, n)


def _capacity_detail(compatible, mentors: _Mentors, n: int) -> str:
    existing = int((compatible & (mentors.places == 0)).sum())
    spare = int((compatible & (mentors.used < mentors.places)).sum())
    locked = n - existing - spare
    parts = []
    if existing:
        parts.append(
            ngettext("%(n)d with existing matches", "%(n)d with existing matches", existing)
            % {"n": existing}
        )
    if locked:
        parts.append(
            ngettext(
                "%(n)d with a pair the coordinator locked",
                "%(n)d with pairs the coordinator locked",
                locked,
            )
            % {"n": locked}
        )
    if spare:  # not expected from either solver; said rather than hidden
        parts.append(
            ngettext("%(n)d with a place left unused", "%(n)d with places left unused", spare)
            % {"n": spare}
        )
    return ngettext(
        "The only compatible mentor is full: %(parts)s.",
        "All %(n)d compatible mentors are full: %(parts)s.",
        n,
    ) % {"n": n, "parts": ", ".join(parts)}


class _RuledOut:
    """Counts, per mentee, why each mentor is not allowed (read once, on first use)."""

    def __init__(self, features: ProgramFeatures):
        self.features = features
        self._loaded = False

    def _load(self):
        f = self.features
        self.excluded: set[tuple[int, int]] = set()
        for a, b in Exclusion.objects.filter(program=f.program).values_list("person", "other"):
            self.excluded.update({(a, b), (b, a)})
        self.ended: set[tuple[int, int]] = set()
        if not matching_config_for(f.program).allow_rematch_with_ended:
            self.ended = set(
                Match.objects.filter(program=f.program, status=Match.Status.ENDED).values_list(
                    "mentee_id", "mentor_id"
                )
            )
        self._loaded = True

    def detail(self, i: int) -> str:
        if not self._loaded:
            self._load()
        mentee = self.features.mentees[i]
        if not self.features.mentors:
            return _("The program has no approved mentor.")
        same = excluded = ended = 0
        for mentor in self.features.mentors:
            if mentor.user_id == mentee.user_id:
                same += 1
            elif (mentee.user_id, mentor.user_id) in self.excluded:
                excluded += 1
            elif (mentee.pk, mentor.pk) in self.ended:
                ended += 1
        parts = []
        if excluded:
            parts.append(
                ngettext("%(n)d by an exclusion", "%(n)d by exclusions", excluded) % {"n": excluded}
            )
        if ended:
            parts.append(
                ngettext(
                    "%(n)d by an earlier match that ended",
                    "%(n)d by earlier matches that ended",
                    ended,
                )
                % {"n": ended}
            )
        if same:
            parts.append(_("1 is this person in the mentor role"))
        n = len(self.features.mentors)
        return ngettext(
            "The only mentor is ruled out: %(parts)s.",
            "All %(n)d mentors are ruled out: %(parts)s.",
            n,
        ) % {"n": n, "parts": ", ".join(parts)}
