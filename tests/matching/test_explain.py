"""Explanations of many pairs at once: the same items and sentences as one pair at a time,
and the run's encoded form (each distinct item written once) the same JSON."""

import json

import numpy as np
import pytest
from django.utils import translation

from matching.explain import pair_explanation, pairs_explanation, pairs_explanation_encoded
from matching.features import ProgramFeatures
from matching.scoring import Weights
from tests.matching.test_scoring import N_GOALS, N_LANGUAGES, N_TOPICS, random_side


def random_features(seed: int, *, weights: Weights, reciprocal: bool) -> ProgramFeatures:
    rng = np.random.default_rng(seed)
    return ProgramFeatures(
        program=None,
        mentees=[],
        mentors=[],
        mentee_features=random_side(rng, 40),
        mentor_features=random_side(rng, 15),
        forbidden=None,
        capacities=None,
        weights=weights,
        reciprocal=reciprocal,
        topic_names=[f"Topic {k}" for k in range(N_TOPICS)],
        goal_names=[f"Goal {k}" for k in range(N_GOALS)],
        language_names=[f"Language {k}" for k in range(N_LANGUAGES)],
        stage_names=[f"Stage {k}" for k in range(5)],
    )


CASES = [
    (1, Weights(), False),
    (2, Weights(topics=0.7, goals=0, stage=1.3, availability=2.9, language=0.1, format=5), True),
    (3, Weights(topics=0, goals=0, stage=0, availability=0, language=0, format=1), False),
]


@pytest.mark.parametrize(("seed", "weights", "reciprocal"), CASES)
def test_pairs_are_explained_as_one_pair_at_a_time(seed, weights, reciprocal):
    features = random_features(seed, weights=weights, reciprocal=reciprocal)
    rng = np.random.default_rng(seed)
    rows, cols = rng.integers(0, 40, 300).tolist(), rng.integers(0, 15, 300).tolist()
    explained = pairs_explanation(features=features, rows=rows, cols=cols)
    assert explained == [
        pair_explanation(features=features, i=i, j=j) for i, j in zip(rows, cols, strict=True)
    ]
    # Every pair has items of its own: changing one leaves the others as they are.
    explained[0][0]["text"] = "changed"
    assert all(items[0]["text"] != "changed" for items in explained[1:])


@pytest.mark.parametrize("language", ["en", "es"])
@pytest.mark.parametrize(("seed", "weights", "reciprocal"), CASES)
def test_encoded_explanations_are_the_json_of_the_explanations(seed, weights, reciprocal, language):
    features = random_features(seed, weights=weights, reciprocal=reciprocal)
    rng = np.random.default_rng(seed + 100)
    rows, cols = rng.integers(0, 40, 500).tolist(), rng.integers(0, 15, 500).tolist()
    encode = json.JSONEncoder(separators=(",", ":")).encode
    with translation.override(language):
        explained = pairs_explanation(features=features, rows=rows, cols=cols)
        encoded = list(
            pairs_explanation_encoded(features=features, rows=rows, cols=cols, encode=encode)
        )
    assert encoded == [
        (round(sum(item["contribution"] for item in items), 6), encode(items))
        for items in explained
    ]


def test_no_pairs_encode_to_nothing():
    features = random_features(4, weights=Weights(), reciprocal=False)
    encode = json.JSONEncoder().encode
    assert list(pairs_explanation_encoded(features=features, rows=[], cols=[], encode=encode)) == []
    assert pairs_explanation(features=features, rows=[], cols=[]) == []
