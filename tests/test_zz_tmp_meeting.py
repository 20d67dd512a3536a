import pytest
from django.db import connection, transaction
from django.test import Client
from django.test.utils import CaptureQueriesContext

from mentoring.demo import seed_demo
from privacy.notice import notice_memo_reset
from tests.test_page_queries import SIZES, _bench

pytestmark = [pytest.mark.django_db, pytest.mark.slow]


def test_zz_meeting_queries():
    bench = _bench()
    out = {}
    for size in SIZES:
        with transaction.atomic():
            notice_memo_reset()
            seed_demo(participants=size, password="x")
            found = bench.Found()
            page = next(p for p in bench._pages() if p.name == "meeting")
            c = Client()
            c.force_login(found.people[page.who])
            url = page.url(found)
            for _ in range(3):
                c.get(url)
            with CaptureQueriesContext(connection) as q:
                c.get(url)
            out[size] = [x["sql"][:200] for x in q.captured_queries]
            transaction.set_rollback(True)
        notice_memo_reset()
    with open("/tmp/zz_meeting.txt", "w") as f:
        for size, rows in out.items():
            f.write(f"== {size} {len(rows)}\n" + "\n".join(rows) + "\n")
