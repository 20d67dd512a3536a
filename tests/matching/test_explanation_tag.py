"""How a pair's explanation and a suggested mentor's topics are written on the page: the
`{% explanation %}` tag (suggestions and the match page) and the topics a suggestion names from
the scorer's arrays."""

import random
import re

import numpy as np
import pytest
from django.template import Context, Template
from django.template.defaultfilters import floatformat
from django.urls import reverse
from django.utils import translation
from django.utils.formats import get_format

from matching.templatetags.explanation import _two_places
from programs.models import Topic
from tests.matching.helpers import approved, make_informal_program
from tests.matching.test_finding import _mentee, _mentor

ITEMS = [
    {"value": 0.9, "contribution": 0.25, "label": "Topics", "text": "Covers 2 of 2 topics."},
    {"value": 0.5, "contribution": 0.125, "label": "Hours", "text": "4 hours a week."},
    {"value": 0.1, "contribution": 0.0, "label": "Stage", "text": "A stage apart."},
]


def _render(items, language="en") -> str:
    with translation.override(language):
        return Template("{% load explanation %}{% explanation items %}").render(
            Context({"items": items})
        )


def test_each_criterion_is_a_line_with_its_contribution_in_a_badge_coloured_by_the_fit():
    html = _render(ITEMS)

    assert html.startswith('<ul class="list-unstyled mb-0 explanation">')
    badges = re.findall(r'badge rounded-pill ([^"]+) score-badge">\+([^<]+)<', html)
    assert badges == [
        ("text-bg-success", "0.25"),
        ("text-bg-warning", "0.13"),
        ("text-bg-light border", "0.00"),
    ]
    assert "<strong>Topics.</strong> Covers 2 of 2 topics.</span>" in html
    assert html.count("<li ") == 3


def test_the_numbers_follow_the_language():
    assert "+0,25<" in _render(ITEMS, "es")


def test_words_from_the_database_are_escaped():
    hostile = [{"value": 1, "contribution": 1, "label": "<b>x</b>", "text": "<script>y</script>"}]

    html = _render(hostile)

    assert "<script>" not in html and "<b>x" not in html
    assert "&lt;script&gt;y&lt;/script&gt;" in html


def test_an_explanation_stored_without_some_keys_still_renders():
    assert "<strong>.</strong>" in _render([{}])
    assert _render([]) == '<ul class="list-unstyled mb-0 explanation"></ul>'
    assert _render(None) == '<ul class="list-unstyled mb-0 explanation"></ul>'


@pytest.mark.django_db
def test_a_suggestion_names_every_topic_the_mentor_offers_alphabetically_and_escaped(client):
    program = make_informal_program()
    Topic.objects.create(program=program, name="<i>Arts</i>")
    mentee = _mentee(program)
    _mentor(program, "Dan", topics=(3, 0, 1))  # "<i>Arts</i>", "Study skills", "Careers"
    approved(program, "mentor", name="Eve", stage=2, capacity=1, topics=(2,))
    client.force_login(mentee.user)

    response = client.get(reverse("matching:suggestions", args=[mentee.pk]))

    cards = {s.mentor.user.display_name: s.topics for s in response.context["suggestions"]}
    assert cards == {"Dan": ["<i>Arts</i>", "Careers", "Study skills"], "Eve": ["Research"]}
    page = response.content.decode()
    assert "<bdi>&lt;i&gt;Arts&lt;/i&gt;, Careers, Study skills</bdi>" in page
    assert "<i>Arts" not in page


def test_contributions_are_written_as_the_floatformat_filter_writes_them():
    """The tag's own two-decimal writer gives what `floatformat:2` gives, in every language:
    halves rounded up from the shortest decimal form, no "-0.00", and the filter's own
    answer for what it does not write itself (large numbers, text, nothing, infinity)."""

    rng = random.Random(15)
    values = [
        0,
        1,
        -1,
        0.0,
        -0.0,
        0.125,
        0.375,
        0.005,
        0.015,
        0.995,
        -0.004,
        2.675,
        1.005,
        0.1 + 0.2,
        1e-9,
        999.999,
        -999.995,
        1000,
        12345.678,
        float("inf"),
        float("nan"),
        "0.5",
        "",
        None,
        True,
        np.float64(0.125),
        np.float32(0.3),
        *(rng.random() for _ in range(2000)),
        *(round(rng.random(), 3) for _ in range(2000)),
        *(rng.uniform(-1000, 1000) for _ in range(500)),
    ]
    for language in ("en", "es", "ar"):
        with translation.override(language):
            separator = get_format("DECIMAL_SEPARATOR")
            for value in values:
                assert _two_places(value, separator) == floatformat(value, 2), (language, value)
