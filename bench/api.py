"""Benchmark the REST API: list 10,000 sessions page by page with a personal access token.

    .venv/bin/python bench/api.py                    # 10,000 sessions, pages of 100 and 500
    .venv/bin/python bench/api.py --json             # one JSON object per case
    .venv/bin/python bench/api.py --sessions 2000 --page-size 50

Runs in process on a throwaway SQLite database in a temporary folder (migrated, then seeded
with bulk writes: one program, 50 matched pairs, the sessions and a log each), through
Django's test client with a write token of the program's coordinator, as an integration
would: GET /api/v1/sessions/?page_size=N, then each page's `next` until there is none.

Keys of each JSON object: case, resource, page_size, rows, pages, seconds, rows_per_s,
queries_per_page (the distinct counts seen over all pages: one number when fixed),
fixed (true when every page cost the same queries).
"""

from __future__ import annotations

import argparse
import json
import os
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(description=__doc__.split("\n\n")[0])
    parser.add_argument("--sessions", type=int, default=10_000, help="sessions to seed")
    parser.add_argument(
        "--page-size",
        type=int,
        action="append",
        help="rows per page (repeat for several cases; default 100 and 500)",
    )
    parser.add_argument("--json", action="store_true", help="one JSON object per case")
    args = parser.parse_args(argv)
    args.page_size = args.page_size or [100, 500]
    return args


def _setup(var_dir: str) -> None:
    os.environ.update(
        DJANGO_SETTINGS_MODULE="mentoring.settings",
        MENTORING_VAR_DIR=var_dir,
        DEBUG="true",
        ALLOWED_HOSTS="testserver",
        # The bench pages as fast as it can; throttling is not what it measures.
        API_THROTTLE_RATE="1000000/minute",
    )
    os.environ.pop("DATABASE_URL", None)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _seed(count: int) -> str:
    """The data and a token for its coordinator; returns the token's secret."""
    from tests.api.helpers import make_coordinator, make_token, seed_sessions
    from tests.factories import ProgramFactory

    program = ProgramFactory(name="Bench program")
    coordinator = make_coordinator(program, email="bench.coordinator@example.org")
    seed_sessions(program, count, pairs=50)
    _token, secret = make_token(coordinator, scope="read", name="Bench")
    return secret


def _run(secret: str, resource: str, page_size: int) -> dict:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    client = Client(HTTP_AUTHORIZATION=f"Bearer {secret}")
    client.get(f"/api/v1/{resource}/?page_size=1")  # warm: imports, the token's last use
    url, rows, pages, queries = f"/api/v1/{resource}/?page_size={page_size}", 0, 0, []
    started = time.perf_counter()
    while url:
        with CaptureQueriesContext(connection) as captured:
            response = client.get(url)
        if response.status_code != 200:
            raise SystemExit(f"{url}: {response.status_code} {response.content[:200]!r}")
        body = response.json()
        rows += len(body["results"])
        pages += 1
        queries.append(len(captured))
        url = body["next"]
    seconds = time.perf_counter() - started
    return {
        "case": f"{resource} page_size={page_size}",
        "resource": resource,
        "page_size": page_size,
        "rows": rows,
        "pages": pages,
        "seconds": round(seconds, 3),
        "rows_per_s": round(rows / seconds, 1),
        "queries_per_page": sorted(set(queries)),
        "fixed": len(set(queries)) == 1,
    }


def main(argv=None) -> int:
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="bench-api-") as var_dir:
        _setup(var_dir)
        secret = _seed(args.sessions)
        results = [
            _run(secret, resource, size)
            for resource in ("sessions", "session-logs")
            for size in args.page_size
        ]
    for result in results:
        if args.json:
            print(json.dumps(result))
        else:
            print(
                f"{result['case']:<28} {result['rows']:>6} rows in {result['pages']:>4} pages "
                f"{result['rows_per_s']:>9.1f} rows/s  queries/page {result['queries_per_page']}"
            )
    if not all(result["fixed"] for result in results):
        print("queries per page are not fixed", file=sys.stderr)
        return 1
    return 0


if __name__ == "__main__":
    sys.exit(main())
