"""Every list costs the same queries per page however much data there is: no COUNT (cursor
pages), related rows joined or prefetched."""

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from tests.api.helpers import make_token, make_world, seed_sessions, token_client

pytestmark = pytest.mark.django_db

LISTS = [
    "programs", "applications", "invitations", "matches", "sessions", "session-logs",
    "check-ins", "survey-responses", "anonymous-responses",
]  # fmt: skip


def _queries(client, url) -> int:
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
    assert response.status_code == 200
    return len(queries)


def _all_lists(client) -> dict[str, tuple[int, int]]:
    """Queries of the first page and of the next page of every list."""
    counts = {}
    for resource in LISTS:
        first = _queries(client, f"/api/v1/{resource}/?page_size=10")
        following = client.get(f"/api/v1/{resource}/?page_size=10").json()["next"]
        counts[resource] = (first, _queries(client, following) if following else first)
    return counts


def test_queries_per_page_do_not_grow_with_the_data():
    world = make_world()
    _token, secret = make_token(world.coordinator)
    client = token_client(secret)
    client.get("/api/v1/programs/")  # records the token's use: once a minute, not per page
    seed_sessions(world.program, 15, pairs=3)
    small = _all_lists(client)
    seed_sessions(world.program, 150, pairs=30)
    large = _all_lists(client)
    assert large == small, (small, large)
    # Token lookup (+ its use, at most once a minute), roles, the scope subquery, the page,
    # and a prefetch where a list has one.
    assert small["sessions"] == (3, 3)
    assert small["session-logs"] == (4, 4)
