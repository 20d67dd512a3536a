"""Per-criterion explanations in plain words, for coordinators and participants.

The features and the scorer (numpy, scipy) are imported where a pair is explained, not when
this module is: the admin and the draft's editing import it, and start-up stays light.
"""

from __future__ import annotations

from collections.abc import Iterator
from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError
from django.utils.translation import gettext, ngettext
from django.utils.translation import gettext_lazy as _

if TYPE_CHECKING:
    from matching.features import ProgramFeatures

TARGET_HOURS = 2  # as `explain_pairs` by default: the hours a week that count in full
FORMAT_WORDS = {0: _("online"), 1: _("in person"), 2: _("either way")}


def _names(indices, names) -> str:
    return ", ".join(names[k] for k in indices)


def _topics(item, f: ProgramFeatures) -> str:
    detail = item["detail"]
    if not detail["wanted"]:
        return gettext("No topics were asked for.")
    shared = len(detail["shared"])
    if not shared:
        return ngettext(
            "Covers none of the %(wanted)d topics asked for.",
            "Covers none of the %(wanted)d topics asked for.",
            int(detail["wanted"]),
        ) % {"wanted": detail["wanted"]}
    return ngettext(
        "Covers %(shared)d of %(wanted)d topics: %(names)s.",
        "Covers %(shared)d of %(wanted)d topics: %(names)s.",
        int(detail["wanted"]),
    ) % {
        "shared": shared,
        "wanted": detail["wanted"],
        "names": _names(detail["shared"], f.topic_names),
    }


def _goals(item, f: ProgramFeatures) -> str:
    detail = item["detail"]
    if not detail["wanted"]:
        return gettext("No goals were given.")
    if not detail["shared"]:
        return gettext("Shares none of the goals.")
    return ngettext(
        "Shares %(shared)d of %(wanted)d goals: %(names)s.",
        "Shares %(shared)d of %(wanted)d goals: %(names)s.",
        int(detail["wanted"]),
    ) % {
        "shared": len(detail["shared"]),
        "wanted": detail["wanted"],
        "names": _names(detail["shared"], f.goal_names),
    }


def _stage(item, f: ProgramFeatures) -> str:
    mentee, mentor = item["detail"]["mentee"], item["detail"]["mentor"]
    if mentee < 0 or mentor < 0:
        return gettext("Career stage not given by both.")
    gap = mentor - mentee
    names = {"mentor": f.stage_names[mentor], "mentee": f.stage_names[mentee]}
    if gap > 0:
        return ngettext(
            "Mentor is %(gap)d stage ahead (%(mentor)s mentoring %(mentee)s).",
            "Mentor is %(gap)d stages ahead (%(mentor)s mentoring %(mentee)s).",
            gap,
        ) % {"gap": gap, **names}
    if gap == 0:
        return gettext("Same career stage (%(mentor)s mentoring %(mentee)s).") % names
    return ngettext(
        "Mentor is %(gap)d stage behind (%(mentor)s mentoring %(mentee)s).",
        "Mentor is %(gap)d stages behind (%(mentor)s mentoring %(mentee)s).",
        -gap,
    ) % {"gap": -gap, **names}


def _availability(item, f: ProgramFeatures) -> str:
    hours = item["detail"]["overlap_hours"]
    if not hours:
        return gettext("No weekly time when both are free.")
    return ngettext(
        "%(hours)s hour a week when both are free.",
        "%(hours)s hours a week when both are free.",
        int(hours),
    ) % {"hours": hours}


def _language(item, f: ProgramFeatures) -> str:
    shared = item["detail"]["shared"]
    if shared:
        return gettext("Both speak %(languages)s.") % {
            "languages": _names(shared, f.language_names)
        }
    if item["value"] == 0.5:
        return gettext("Languages not given by both.")
    return gettext("No shared language.")


def _format(item, f: ProgramFeatures) -> str:
    mentee, mentor = item["detail"]["mentee"], item["detail"]["mentor"]
    words = {"mentee": FORMAT_WORDS[mentee], "mentor": FORMAT_WORDS[mentor]}
    if item["value"] == 1.0:
        return gettext("Meeting format fits (%(mentee)s / %(mentor)s).") % words
    return gettext("Different formats (%(mentee)s vs %(mentor)s).") % words


LABELS = {
    "topics": (_("Topics"), _topics),
    "goals": (_("Goals"), _goals),
    "stage": (_("Career stage"), _stage),
    "availability": (_("Availability"), _availability),
    "language": (_("Language"), _language),
    "format": (_("Format"), _format),
}


def pair_explanation(*, features: ProgramFeatures, i: int, j: int) -> list[dict]:
    """The scorer's breakdown of mentee i with mentor j, each item with a label and a
    sentence; contributions add up to the pair's score."""
    return pairs_explanation(features=features, rows=[i], cols=[j])[0]


def pairs_explanation(*, features: ProgramFeatures, rows, cols) -> list[list[dict]]:
    """`pair_explanation` of every pair (rows[k], cols[k]), computed set-wise: a run
    explains only the pairs it proposes, all at once."""
    from matching.scoring import EXPLAIN_KEYS, explain_item

    columns = _columns(features, rows, cols)
    named, total = list(features.weights.as_dict().items()), features.weights.total
    labels = {name: str(label) for name, (label, _words) in LABELS.items()}
    texts: dict[tuple, str] = {}  # items repeat across pairs: each sentence is written once
    explained = []
    for k in range(len(columns.overlap)):
        items = []
        for name, weight in named:
            item = explain_item(columns, k, name, weight, total, TARGET_HOURS)
            key = (name, EXPLAIN_KEYS[name](columns, k))
            if key not in texts:
                texts[key] = LABELS[name][1](item, features)
            item["label"] = labels[name]  # stored as JSON: the words, not a lazy string
            item["text"] = texts[key]
            items.append(item)
        explained.append(items)
    return explained


def pairs_explanation_encoded(
    *, features: ProgramFeatures, rows, cols, encode
) -> Iterator[tuple[float, str]]:
    """(score, encode(explanation)) of each pair (rows[k], cols[k]): the explanation
    `pairs_explanation` gives, encoded by `encode` (a JSON encoder's, without indent), and the
    sum of its contributions rounded as a run stores it. The items of a criterion repeat
    across pairs (the same stages, formats, hours, shared topics), so each distinct item is
    explained and encoded once and the pairs are joined from them."""
    from matching.scoring import EXPLAIN_KEYS, explain_item

    columns = _columns(features, rows, cols)
    named, total = list(features.weights.as_dict().items()), features.weights.total
    labels = {name: str(label) for name, (label, _words) in LABELS.items()}
    keys = [(name, weight, EXPLAIN_KEYS[name]) for name, weight in named]
    encoded: dict[tuple, tuple[float, str]] = {}
    for k in range(len(columns.overlap)):
        contributions, parts = [], []
        for name, weight, key_of in keys:
            key = (name, key_of(columns, k))
            done = encoded.get(key)
            if done is None:
                item = explain_item(columns, k, name, weight, total, TARGET_HOURS)
                item["label"] = labels[name]
                item["text"] = LABELS[name][1](item, features)
                done = encoded[key] = (item["contribution"], encode(item))
            contributions.append(done[0])
            parts.append(done[1])
        yield round(sum(contributions), 6), "[" + ",".join(parts) + "]"


def _columns(features: ProgramFeatures, rows, cols):
    from matching.scoring import explain_columns

    return explain_columns(
        mentees=features.mentee_features,
        mentors=features.mentor_features,
        rows=rows,
        cols=cols,
        reciprocal=features.reciprocal,
    )


def explanation_score(items: list[dict]) -> float:
    return sum(item["contribution"] for item in items)


def pair_score_explanation(
    program, mentee, mentor, *, weights: dict | None = None
) -> tuple[float, list]:
    """Score and explanation of one pair as a run would store them (with a run's `weights`,
    else the program's); ValidationError when the pair may not be matched (same person, an
    exclusion, an earlier match that ended)."""
    from matching.features import program_features
    from matching.scoring import Weights

    features = program_features(program=program, mentees=[mentee], mentors=[mentor])
    if weights is not None:
        features.weights = Weights(**weights)
    if features.forbidden[0, 0]:
        raise ValidationError(
            gettext(
                "%(mentee)s and %(mentor)s may not be matched "
                "(same person, an exclusion, or an earlier match that ended)."
            )
            % {"mentee": mentee.user.name, "mentor": mentor.user.name}
        )
    explanation = pair_explanation(features=features, i=0, j=0)
    return round(explanation_score(explanation), 6), explanation
