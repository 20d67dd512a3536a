"""Per-criterion explanations in plain words, for coordinators and participants.

The features and the scorer (numpy, scipy) are imported where a pair is explained, not when
this module is: the admin and the draft's editing import it, and start-up stays light.
"""

from __future__ import annotations

from typing import TYPE_CHECKING

from django.core.exceptions import ValidationError

if TYPE_CHECKING:
    from matching.features import ProgramFeatures

FORMAT_WORDS = {0: "online", 1: "in person", 2: "either way"}


def _names(indices, names) -> str:
    return ", ".join(names[k] for k in indices)


def _topics(item, f: ProgramFeatures) -> str:
    detail = item["detail"]
    if not detail["wanted"]:
        return "No topics were asked for."
    shared = len(detail["shared"])
    if not shared:
        return f"Covers none of the {detail['wanted']} topics asked for."
    return (
        f"Covers {shared} of {detail['wanted']} topics: {_names(detail['shared'], f.topic_names)}."
    )


def _goals(item, f: ProgramFeatures) -> str:
    detail = item["detail"]
    if not detail["wanted"]:
        return "No goals were given."
    if not detail["shared"]:
        return "Shares none of the goals."
    return f"Shares {len(detail['shared'])} of {detail['wanted']} goals: " + (
        f"{_names(detail['shared'], f.goal_names)}."
    )


def _stage(item, f: ProgramFeatures) -> str:
    mentee, mentor = item["detail"]["mentee"], item["detail"]["mentor"]
    if mentee < 0 or mentor < 0:
        return "Career stage not given by both."
    gap = mentor - mentee
    names = f"({f.stage_names[mentor]} mentoring {f.stage_names[mentee]})"
    if gap > 0:
        return f"Mentor is {gap} stage{'s' if gap > 1 else ''} ahead {names}."
    if gap == 0:
        return f"Same career stage {names}."
    return f"Mentor is {-gap} stage{'s' if gap < -1 else ''} behind {names}."


def _availability(item, f: ProgramFeatures) -> str:
    hours = item["detail"]["overlap_hours"]
    if not hours:
        return "No weekly time when both are free."
    return f"{hours} hour{'s' if hours != 1 else ''} a week when both are free."


def _language(item, f: ProgramFeatures) -> str:
    shared = item["detail"]["shared"]
    if shared:
        return f"Both speak {_names(shared, f.language_names)}."
    return "Languages not given by both." if item["value"] == 0.5 else "No shared language."


def _format(item, f: ProgramFeatures) -> str:
    mentee, mentor = item["detail"]["mentee"], item["detail"]["mentor"]
    if item["value"] == 1.0:
        return f"Meeting format fits ({FORMAT_WORDS[mentee]} / {FORMAT_WORDS[mentor]})."
    return f"Different formats ({FORMAT_WORDS[mentee]} vs {FORMAT_WORDS[mentor]})."


LABELS = {
    "topics": ("Topics", _topics),
    "goals": ("Goals", _goals),
    "stage": ("Career stage", _stage),
    "availability": ("Availability", _availability),
    "language": ("Language", _language),
    "format": ("Format", _format),
}


def pair_explanation(*, features: ProgramFeatures, i: int, j: int) -> list[dict]:
    """The scorer's breakdown of mentee i with mentor j, each item with a label and a
    sentence; contributions add up to the pair's score."""
    return pairs_explanation(features=features, rows=[i], cols=[j])[0]


def pairs_explanation(*, features: ProgramFeatures, rows, cols) -> list[list[dict]]:
    """`pair_explanation` of every pair (rows[k], cols[k]), computed set-wise: a run
    explains only the pairs it proposes, all at once."""
    from matching.scoring import explain_pairs

    explained = explain_pairs(
        mentees=features.mentee_features,
        mentors=features.mentor_features,
        rows=rows,
        cols=cols,
        weights=features.weights,
        reciprocal=features.reciprocal,
    )
    for items in explained:
        for item in items:
            label, words = LABELS[item["criterion"]]
            item["label"] = label
            item["text"] = words(item, features)
    return explained


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
            f"{mentee.user.name} and {mentor.user.name} may not be matched "
            "(same person, an exclusion, or an earlier match that ended)."
        )
    explanation = pair_explanation(features=features, i=0, j=0)
    return round(explanation_score(explanation), 6), explanation
