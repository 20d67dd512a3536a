"""Every page of `bench/pages.py` makes as many queries at two sizes of the demo data: a page
whose query count grows with the data gets slower as a program grows (issue 15).

The pages, the people who see them and the objects they are about are the bench's own
(`bench/pages.py`: `_pages`, `Found`, `_measure`), so a page added to the bench is checked here
too. Each size is seeded inside a savepoint that is rolled back before the next one.
"""

import pytest
from django.db import transaction

from mentoring.demo import seed_demo
from privacy.notice import notice_memo_reset
from tests.bench_pages import bench_pages

pytestmark = [pytest.mark.django_db, pytest.mark.slow]

SIZES = (30, 75)  # demo participants: the small seed and one two and a half times larger


def _query_counts(bench, participants: int) -> dict[str, int]:
    counts = {}
    with transaction.atomic():
        notice_memo_reset()
        seed_demo(participants=participants, password="page-queries")
        found = bench.Found()
        for page in bench._pages():
            row = bench._measure(page, found, timed=False)
            if row is not None:
                counts[page.name] = row["queries"]
        transaction.set_rollback(True)
    notice_memo_reset()
    return counts


def test_every_benched_page_makes_as_many_queries_at_two_data_sizes():
    bench = bench_pages()
    small, large = (_query_counts(bench, size) for size in SIZES)

    assert set(small) == {page.name for page in bench._pages()}
    assert large == small
