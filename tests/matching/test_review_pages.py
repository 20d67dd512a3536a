"""The review page of a large run: pages of pairs and of unmatched people, filters, figures
from the database, explanations on demand, and actions that come back to the same page."""

import re

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import User
from matching.admin import review as review_admin
from matching.models import MatchingRun, ProposedPair, UnmatchedEntry
from matching.selectors_review import run_review_summary
from matching.services.runs import run_start
from programs.models import Application
from tests.e2e.helpers import make_coordinator
from tests.matching.helpers import approved, make_formal_program

pytestmark = pytest.mark.django_db

EXPLANATION = [
    {"criterion": "topics", "label": "Topics", "contribution": 0.5, "text": "Covers 1 of 1."},
    {"criterion": "goals", "label": "Goals", "contribution": 0.25, "text": "Shares 1 of 1."},
]
REASONS = ["capacity", "outscored", "no_allowed"]


def score_of(k: int) -> float:
    """Scores spread over every band, with ties (k and k + 100 score the same)."""
    return round(((k * 37) % 100) / 100 + 0.005, 6)


def make_run(
    *, pairs: int, unmatched: int = 0, program=None, tag: str = "", status: str = "draft"
) -> MatchingRun:
    """A draft with `pairs` pairs (mentee k named "Mentee k", mentor k "Mentor k", scored
    `score_of(k)`) and `unmatched` mentees left out, reasons taken in turn from REASONS."""
    program = program or make_formal_program()
    people = pairs * 2 + unmatched
    users = User.objects.bulk_create(
        User(email=f"p{tag}{n}@example.org", display_name=name)
        for n, name in enumerate(
            [f"Mentee {k}" for k in range(pairs)]
            + [f"Mentor {k}" for k in range(pairs)]
            + [f"Waiting {k}" for k in range(unmatched)]
        )
    )
    roles = ["mentee"] * pairs + ["mentor"] * pairs + ["mentee"] * unmatched
    applications = Application.objects.bulk_create(
        Application(program=program, user=user, role=role, status="approved", capacity=1)
        if role == "mentor"
        else Application(program=program, user=user, role=role, status="approved")
        for user, role in zip(users, roles, strict=True)
    )
    assert len(applications) == people
    run = MatchingRun.objects.create(program=program, algorithm="optimal", status=status)
    ProposedPair.objects.bulk_create(
        ProposedPair(
            run=run,
            mentee=applications[k],
            mentor=applications[pairs + k],
            score=score_of(k),
            explanation=EXPLANATION,
        )
        for k in range(pairs)
    )
    UnmatchedEntry.objects.bulk_create(
        UnmatchedEntry(run=run, application=application, reason=REASONS[n % len(REASONS)])
        for n, application in enumerate(applications[2 * pairs :])
    )
    return run


@pytest.fixture
def coordinating(client):
    def log_in(program, email="coordinator@example.org"):
        coordinator = make_coordinator(email=email)
        program.coordinators.add(coordinator)
        client.force_login(coordinator)
        return client

    return log_in


def url_of(run, query: str = "") -> str:
    return reverse("admin:matching_matchingrun_change", args=[run.pk]) + query


def rows(page: str) -> list[int]:
    return [int(pk) for pk in re.findall(r'<tr class="[^"]*" data-pair="(\d+)"', page)]


def unmatched_names(page: str) -> list[str]:
    return re.findall(r"<tr><td>(Waiting \d+)</td>", page)


def get(client, url: str) -> str:
    response = client.get(url)
    assert response.status_code == 200
    return response.content.decode()


def review_order(run) -> list[int]:
    return list(run.pairs.order_by("-locked", "-score", "pk").values_list("pk", flat=True))


def test_page_two_shows_the_next_fifty_pairs_in_review_order(client, coordinating):
    run = make_run(pairs=120)
    coordinating(run.program)
    expected = review_order(run)
    first, second, third = (get(client, url_of(run, f"?page={n}")) for n in (1, 2, 3))
    assert rows(first) == expected[:50]
    assert rows(second) == expected[50:100]
    assert rows(third) == expected[100:]
    assert "Page 2 of 3" in second
    assert f'href="{url_of(run, "?page=3")}" rel="next"' in second
    assert f'href="{url_of(run)}">First</a>' in second


def test_a_page_past_the_end_shows_the_last_page_and_a_word_shows_the_first(client, coordinating):
    run = make_run(pairs=120)
    coordinating(run.program)
    expected = review_order(run)
    assert rows(get(client, url_of(run, "?page=99"))) == expected[100:]
    assert rows(get(client, url_of(run, "?page=two"))) == expected[:50]
    assert rows(get(client, url_of(run, "?page="))) == expected[:50]


def test_the_score_band_filter_lists_exactly_the_pairs_in_that_band(client, coordinating):
    run = make_run(pairs=120)
    coordinating(run.program)
    page = get(client, url_of(run, "?band=0.6-0.7"))
    in_band = [pk for pk in review_order(run) if 0.6 <= run.pairs.get(pk=pk).score < 0.7]
    assert len(in_band) == 11
    assert rows(page) == in_band
    assert "11 pairs match the filters." in page
    assert '<option value="0.6-0.7" selected>0.6 to 0.7 (11)</option>' in page


def test_the_top_band_includes_a_perfect_score(client, coordinating):
    run = make_run(pairs=3)
    run.pairs.filter(mentee__user__display_name="Mentee 0").update(score=1.0)
    coordinating(run.program)
    top = [pk for pk in review_order(run) if run.pairs.get(pk=pk).score >= 0.9]
    assert rows(get(client, url_of(run, "?band=0.9-1.0"))) == top
    assert run.pairs.get(pk=top[0]).score == 1.0


def test_search_finds_a_name_or_an_email_on_either_side_in_any_case(client, coordinating):
    run = make_run(pairs=120, unmatched=5, tag="x")
    coordinating(run.program)
    mentee_12 = run.pairs.get(mentee__user__display_name="Mentee 12").pk
    mentor_107 = run.pairs.get(mentor__user__display_name="Mentor 107").pk
    assert rows(get(client, url_of(run, "?q=mentee+12"))) == [mentee_12]
    assert rows(get(client, url_of(run, "?q=MENTOR+107"))) == [mentor_107]
    email = run.pairs.get(pk=mentor_107).mentor.user.email.upper()
    page = get(client, url_of(run, f"?q={email}"))
    assert rows(page) == [mentor_107]
    assert "Nobody unmatched matches the filters." in page
    page = get(client, url_of(run, "?q=waiting+3"))
    assert (rows(page), unmatched_names(page)) == ([], ["Waiting 3"])
    assert "No pair matches the filters." in page


def test_the_unmatched_list_is_paginated_and_filtered_by_reason(client, coordinating):
    run = make_run(pairs=2, unmatched=160)
    coordinating(run.program)
    ordered = [
        e.application.user.display_name
        for e in run.unmatched.select_related("application__user").order_by("reason", "pk")
    ]
    assert unmatched_names(get(client, url_of(run, "?upage=2"))) == ordered[50:100]
    assert unmatched_names(get(client, url_of(run, "?upage=9"))) == ordered[150:]
    page = get(client, url_of(run, "?reason=outscored"))
    outscored = [f"Waiting {n}" for n in range(160) if REASONS[n % 3] == "outscored"]
    assert unmatched_names(page) == outscored[:50]
    assert "53 people match the filters." in page
    assert rows(page) == review_order(run)  # the reason narrows only the unmatched list
    page = get(client, url_of(run, "?reason=outscored&upage=2"))
    assert unmatched_names(page) == outscored[50:]


def test_unknown_filter_values_are_ignored_with_a_message(client, coordinating):
    run = make_run(pairs=60, unmatched=3)
    coordinating(run.program)
    page = get(client, url_of(run, "?band=0.65-0.7&reason=lazy&page=2"))
    assert "“0.65-0.7” is not a filter this page knows (Score); it was ignored." in page
    assert "“lazy” is not a filter this page knows (Not matched because); it was ignored." in page
    assert rows(page) == review_order(run)[50:]
    assert unmatched_names(page) == ["Waiting 0", "Waiting 2", "Waiting 1"]  # by reason
    assert "0.65-0.7&" not in page and "reason=lazy" not in page  # links drop them
    assert "match the filters" not in page


def test_the_summary_figures_are_what_the_rows_say(client, coordinating):
    run = make_run(pairs=57, unmatched=10)
    run.pairs.filter(pk__in=review_order(run)[:4]).update(locked=True)
    coordinating(run.program)
    summary = run_review_summary(run=run)
    scores = list(run.pairs.values_list("score", flat=True))
    assert (summary.pairs, summary.locked, summary.manual) == (57, 4, 0)
    assert summary.mean_score == pytest.approx(sum(scores) / 57)
    assert summary.min_score == min(scores)
    assert summary.total_score == pytest.approx(sum(scores))
    assert [n for _band, n in summary.bands] == [
        sum(1 for s in scores if k / 10 <= s < (k + 1) / 10) for k in range(10)
    ]
    assert sum(n for _band, n in summary.bands) == 57
    assert [(reason, n) for reason, _label, n in summary.reasons] == [
        ("no_allowed", 3),
        ("capacity", 4),
        ("outscored", 3),
    ]
    assert (summary.unmatched, summary.unmatched_mentees, summary.mentees) == (10, 10, 67)
    page = get(client, url_of(run))
    assert f"Mean score<strong>{sum(scores) / 57:.3f}</strong>" in page
    assert "Mentees matched<strong>57 / 67</strong>" in page
    assert "Match rate<strong>85%</strong>" in page
    assert "Locked pairs<strong>4</strong>" in page
    assert "Proposed pairs (57)" in page and "Not matched (10)" in page
    capacity = url_of(run, "?reason=capacity")
    assert f'<a href="{capacity}">Every compatible mentor is full</a>: 4' in page
    for band, n in summary.bands:
        assert f'<a href="{url_of(run, f"?band={band.key}")}">{band.label}</a></td><td>{n}<' in page
        assert n == len(rows(get(client, url_of(run, f"?band={band.key}"))))


def _review_queries(client, url: str) -> int:
    client.get(url)  # warm: content types, templates
    with CaptureQueriesContext(connection) as queries:
        assert client.get(url).status_code == 200
    return len(queries)


@pytest.mark.parametrize("query", ["", "?page=2", "?q=Men&band=0.3-0.4&reason=capacity&page=2"])
def test_the_review_page_runs_as_many_queries_for_600_pairs_as_for_60(client, coordinating, query):
    small = make_run(pairs=60, unmatched=3, tag="s")
    large = make_run(pairs=600, unmatched=120, tag="l")
    coordinating(small.program)
    large.program.coordinators.add(*small.program.coordinators.all())
    counted = _review_queries(client, url_of(small, query))
    assert counted == _review_queries(client, url_of(large, query))
    # session, user, run, the admin's permissions and groups (3), the figures (2), each list's
    # keys and rows (4), and the count of a list the filters narrow (the figures count the rest)
    assert counted <= 14


def test_the_page_does_not_carry_the_explanations(client, coordinating):
    run = make_run(pairs=200)
    coordinating(run.program)
    page = get(client, url_of(run))
    assert "Covers 1 of 1." not in page
    why = reverse("admin:matching_matchingrun_why", args=[run.pk, review_order(run)[0]])
    assert f'hx-get="{why}" hx-trigger="toggle once"' in page
    assert len(rows(page)) == 50


def test_the_explanation_of_a_pair_comes_on_demand(client, coordinating):
    program = make_formal_program()
    approved(program, "mentee", name="Ana", stage=0)
    approved(program, "mentor", name="Mo", stage=2, capacity=1)
    run = run_start(program=program)
    pair = run.pairs.get()
    coordinating(program)
    response = client.get(reverse("admin:matching_matchingrun_why", args=[run.pk, pair.pk]))
    assert response.status_code == 200
    items = "".join(
        f"<li>{item['label']} (+{item['contribution']:.3f}): {item['text']}</li>"
        for item in pair.explanation
    )
    assert response.content.decode().strip() == f'<ul class="why">{items}</ul>'
    assert "Topics (+" in items


def test_the_explanation_is_404_outside_the_coordinators_programs(client, coordinating):
    mine, theirs = make_run(pairs=2, tag="m"), make_run(pairs=2, tag="t")
    other_run_of_mine = make_run(pairs=1, program=mine.program, tag="o", status="discarded")
    coordinating(mine.program)

    def why(run, pair):
        return client.get(reverse("admin:matching_matchingrun_why", args=[run.pk, pair.pk]))

    assert why(mine, mine.pairs.first()).status_code == 200
    assert why(theirs, theirs.pairs.first()).status_code == 404
    assert why(mine, theirs.pairs.first()).status_code == 404
    assert why(mine, other_run_of_mine.pairs.get()).status_code == 404
    client.force_login(make_coordinator(email="elsewhere@example.org"))
    assert why(mine, mine.pairs.first()).status_code == 404
    assert client.get(url_of(mine)).status_code == 404
    client.force_login(mine.pairs.first().mentee.user)
    response = why(mine, mine.pairs.first())
    assert response.status_code == 302 and "/login/" in response["Location"]


def test_the_add_form_lists_come_on_demand(client, coordinating):
    run = make_run(pairs=2, unmatched=1)
    Application.objects.filter(program=run.program, role="mentor").update(capacity=2)
    coordinating(run.program)
    page = get(client, url_of(run))
    assert "<option" not in page.split("Add a pair by hand")[1].split("Not matched")[0]
    fragment = get(client, reverse("admin:matching_matchingrun_add_form", args=[run.pk]))
    assert ">Waiting 0</option>" in fragment and ">Mentor 1</option>" in fragment
    assert ">Mentee 0</option>" not in fragment  # already in a pair


# --- actions from page 2 with filters ---------------------------------------------------------


@pytest.fixture
def small_pages(monkeypatch):
    monkeypatch.setattr(review_admin, "PAIRS_PER_PAGE", 2)


@pytest.fixture
def six_pairs(coordinating):
    program = make_formal_program()
    for name in ("Ana", "Ben", "Cat", "Dan", "Eve", "Fay"):
        approved(program, "mentee", name=f"{name} Mentee", stage=0)
    for name in ("Mo", "Nia", "Oz"):
        approved(program, "mentor", name=f"{name} Mentor", stage=2, capacity=2)
    approved(program, "mentee", name="Gus Other", stage=0)  # left out by the search
    approved(program, "mentor", name="Pia Mentor", stage=2, capacity=1)
    run = run_start(program=program)
    assert run.pairs.count() == 7
    return run, coordinating(program)


def searched(run) -> list[int]:
    """The review order of the pairs a search for "mentee" finds (all but Gus's)."""
    gus = run.pairs.get(mentee__user__display_name="Gus Other").pk
    return [pk for pk in review_order(run) if pk != gus]


def act(client, run, action: str, data: dict, back: str):
    url = reverse("admin:matching_matchingrun_action", args=[run.pk, action])
    return client.post(url, {**data, "next": back})


def test_the_page_posts_its_own_address_with_every_action(client, small_pages, six_pairs):
    run, client = six_pairs
    page = get(client, url_of(run, "?q=mentee&page=2"))
    here = url_of(run, "?q=mentee&amp;page=2")
    assert page.count(f'<input type="hidden" name="next" value="{here}">') == 6
    assert 'form="pair-actions" formaction="' in page


def test_lock_from_page_two_with_a_filter_comes_back_to_it(small_pages, six_pairs):
    run, client = six_pairs
    back = url_of(run, "?q=mentee&page=2")
    pair = run.pairs.get(pk=rows(get(client, back))[0])
    response = act(client, run, "lock", {"pair": pair.pk}, back)
    assert response.status_code == 302
    assert response["Location"] == back
    pair.refresh_from_db()
    assert pair.locked
    page = get(client, response["Location"])
    assert f"Locked {pair.mentee.user.name}&#x27;s pair." in page
    assert rows(page) == searched(run)[2:4]


def test_swap_from_page_two_with_a_filter_comes_back_to_it(small_pages, six_pairs):
    run, client = six_pairs
    back = url_of(run, "?q=mentee&page=2")
    first, *others = (run.pairs.get(pk=pk) for pk in rows(get(client, back)))
    # Two ticked pairs on page 2 (another if both share a mentor: a swap would change nothing).
    second = next(p for p in [*others, *run.pairs.all()] if p.mentor_id != first.mentor_id)
    response = act(client, run, "swap", {"pairs": [first.pk, second.pk]}, back)
    assert response["Location"] == back
    mentors = (first.mentor_id, second.mentor_id)
    first.refresh_from_db()
    second.refresh_from_db()
    assert (second.mentor_id, first.mentor_id) == mentors
    assert first.locked and second.locked and first.source == "manual"


def test_remove_from_page_two_with_a_filter_comes_back_to_it(small_pages, six_pairs):
    run, client = six_pairs
    back = url_of(run, "?q=mentee&page=2")
    pair = run.pairs.get(pk=rows(get(client, back))[1])
    response = act(client, run, "remove", {"pair": pair.pk}, back)
    assert response["Location"] == back
    assert not run.pairs.filter(pk=pair.pk).exists()
    assert run.unmatched.get(application=pair.mentee).reason == "removed"
    page = get(client, response["Location"])
    assert f"Removed {pair.mentee.user.name}&#x27;s pair from the draft." in page
    assert rows(page) == searched(run)[2:4]


def test_an_action_goes_back_only_to_this_review_page(small_pages, six_pairs):
    run, client = six_pairs
    pair = run.pairs.first()
    plain = url_of(run)
    for back, expected in [
        ("https://elsewhere.example/admin/?page=2", plain),
        ("/admin/matching/match/?page=2", plain),
        (url_of(run, "?page=2&evil=1&band=0.5-0.6"), url_of(run, "?band=0.5-0.6&page=2")),
        ("", plain),
    ]:
        assert act(client, run, "lock", {"pair": pair.pk}, back)["Location"] == expected


def test_a_published_run_is_paginated_without_the_draft_actions(client, coordinating):
    run = make_run(pairs=60, status="published")
    coordinating(run.program)
    page = get(client, url_of(run, "?page=2"))
    assert rows(page) == review_order(run)[50:]
    assert "pair-actions" not in page and "swap-form" not in page
    assert "Add a pair by hand" not in page
    fragment = get(client, reverse("admin:matching_matchingrun_add_form", args=[run.pk]))
    assert "<select" not in fragment
