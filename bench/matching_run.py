"""Benchmark a formal matching run through the product, on PostgreSQL.

    .venv/bin/python bench/matching_run.py                       # 10000x4000, a table
    .venv/bin/python bench/matching_run.py --size 2000x800 --json
    .venv/bin/python bench/matching_run.py --size 50000x20000

For each size (mentees x mentors) a fresh subprocess creates its own throwaway PostgreSQL
database, migrates it and bulk-seeds an approved formal program (`mentoring.demo.seed_scale`:
capacities 1-5, 50 topics, 10 goals, career stages, weekly availability). Then, as the worker
does, it executes a queued run (`run_execute`: features read from the database, scoring,
solving, explanations, the draft written), times the solver alone on the same instance in the
same process, publishes the draft (`run_publish`: matches written and every notification
queued in the ledger), and loads the first page of the run's review page in the admin as its
coordinator. The database is dropped afterwards unless `--keep`. With `--profile` the run and
the publish each print their cProfile top functions to stderr (cProfile inflates per-row code:
compare phases, not totals).

Keys of each JSON object: size, mentees, mentors, product_s, solver_s, ratio (product_s /
solver_s), publish_s, notifications_queued, review_first_page_ms, review_first_page_kb, peak_mb,
queries_run, matched.
"""

from __future__ import annotations

import argparse
import json
import os
import resource
import subprocess
import sys
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
from throwaway import database_reset  # noqa: E402 - the bench folder must be importable first

SERVER = "postgres://postgres@127.0.0.1:5432"
PASSWORD = "bench-" + os.urandom(6).hex()  # nobody signs in to a bench database
TARGETS = {"ratio": 2.0, "publish_s": 5.0, "review_first_page_ms": 200, "review_first_page_kb": 300}


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Time a formal matching run through the product (run_execute, the solver "
        "alone, run_publish, the review page) on a throwaway PostgreSQL database."
    )
    parser.add_argument(
        "--size",
        default="10000x4000",
        help="comma-separated MENTEESxMENTORS cases (default 10000x4000)",
    )
    parser.add_argument("--server", default=SERVER, help=f"PostgreSQL server URL ({SERVER})")
    parser.add_argument("--json", action="store_true", help="one JSON object per case")
    parser.add_argument("--keep", action="store_true", help="keep each case's database")
    parser.add_argument("--timeout", type=float, default=3600, help="seconds per case")
    parser.add_argument(
        "--profile",
        action="store_true",
        help="also print where run_execute and run_publish spend their time (cProfile, to stderr)",
    )
    parser.add_argument("--one", help=argparse.SUPPRESS)  # internal: run one case here
    return parser.parse_args(argv)


def _sizes(text: str) -> list[tuple[int, int]]:
    sizes = []
    for part in text.split(","):
        mentees, _, mentors = part.strip().lower().partition("x")
        if not (mentees.isdigit() and mentors.isdigit()) or int(mentors) < 1:
            raise SystemExit(f"bad size {part!r}: write MENTEESxMENTORS, e.g. 10000x4000")
        sizes.append((int(mentees), int(mentors)))
    return sizes


# --- one case, in its own process --------------------------------------------------------------


def _setup(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mentoring.settings")
    os.environ["ALLOWED_HOSTS"] = "testserver,localhost"
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _seed(mentees: int, mentors: int):
    from django.contrib.auth.models import Group

    from mentoring.demo import DEMO_DOMAIN, demo_user, seed_scale
    from mentoring.roles import COORDINATORS_GROUP
    from programs.models import Program

    coordinator = demo_user(
        email=f"coordinator@{DEMO_DOMAIN}", first="Bench", last="Coordinator",
        password=PASSWORD, is_staff=True,
    )  # fmt: skip
    coordinator.groups.add(Group.objects.get(name=COORDINATORS_GROUP))
    slug = seed_scale(mentees=mentees, mentors=mentors, password=PASSWORD)["program"]
    program = Program.objects.get(slug=slug)
    program.status = Program.Status.RUNNING
    program.save(update_fields=["status"])
    return program, coordinator


def _queued_run(program, coordinator):
    """The row `run_start` writes before handing a large program to a worker."""
    from matching.models import MatchingRun
    from matching.selectors import matching_config_for

    config = matching_config_for(program)
    return MatchingRun.objects.create(
        program=program, algorithm=config.algorithm, weights=config.weights(),
        created_by=coordinator, progress_note="Waiting to start",
    )  # fmt: skip


def _solver_alone(run) -> float:
    """The solver on the instance the run solved, features built beforehand (not timed)."""
    from matching.features import program_features
    from matching.scoring import Weights
    from matching.services import solving
    from matching.solver import solve_optimal

    mentees, mentors = solving._participants(run.program)
    features = program_features(program=run.program, mentees=mentees, mentors=mentors)
    features.weights = Weights(**run.weights)
    features.capacities = solving._capacities(features)
    started = time.perf_counter()
    solve_optimal(scores=features.source(), capacities=features.capacities, locked=[])
    return time.perf_counter() - started


def _review(run, coordinator) -> tuple[float, float]:
    from django.test import Client
    from django.urls import reverse

    client = Client()
    client.force_login(coordinator)
    url = reverse("admin:matching_matchingrun_change", args=[run.pk])
    client.get(url)  # warm: templates compiled, caches filled
    started = time.perf_counter()
    response = client.get(url)
    elapsed = time.perf_counter() - started
    assert response.status_code == 200, response.status_code
    return elapsed * 1000, len(response.content) / 1024


class _Profile:
    """cProfile around one call when asked; prints the top functions to stderr."""

    def __init__(self, title: str, enabled: bool):
        self.title, self.enabled = title, enabled

    def __enter__(self):
        if self.enabled:
            import cProfile

            self.profile = cProfile.Profile()
            self.profile.enable()
        return self

    def __exit__(self, *exc):
        if self.enabled:
            import pstats

            self.profile.disable()
            print(f"--- {self.title} ---", file=sys.stderr)
            stats = pstats.Stats(self.profile, stream=sys.stderr).sort_stats("cumulative")
            stats.print_stats(40)
            stats.sort_stats("tottime").print_stats(25)
        return False


def measure(mentees: int, mentors: int, server: str, keep: bool, profile: bool = False) -> dict:
    name = f"mentoring_bench_run_{mentees}x{mentors}_{os.getpid()}"
    database_reset(server, name, create=True)
    try:
        _setup(f"{server}/{name}")
        from django.db import connection, reset_queries
        from django.test.utils import CaptureQueriesContext

        from matching.models import MatchingRun
        from matching.services.runs import run_publish
        from matching.services.solving import run_execute
        from notifications.models import Notification

        program, coordinator = _seed(mentees, mentors)
        run = _queued_run(program, coordinator)
        reset_queries()
        with CaptureQueriesContext(connection) as queries, _Profile("run_execute", profile):
            started = time.perf_counter()
            run_execute(run_id=run.pk)
            product_s = time.perf_counter() - started
        run = MatchingRun.objects.get(pk=run.pk)
        if run.status != MatchingRun.Status.DRAFT:
            raise RuntimeError(f"run ended {run.status}: {run.error}")
        solver_s = _solver_alone(run)
        review_ms, review_kb = _review(run, coordinator)
        before = Notification.objects.count()
        with _Profile("run_publish", profile):
            started = time.perf_counter()
            matches = run_publish(run=run, by=coordinator)
            publish_s = time.perf_counter() - started
        queued = Notification.objects.count() - before
        connection.close()
    finally:
        if not keep:
            database_reset(server, name, create=False)
    return {
        "size": f"{mentees}x{mentors}",
        "mentees": mentees,
        "mentors": mentors,
        "product_s": round(product_s, 2),
        "solver_s": round(solver_s, 2),
        "ratio": round(product_s / solver_s, 2) if solver_s else None,
        "publish_s": round(publish_s, 2),
        "notifications_queued": queued,
        "review_first_page_ms": round(review_ms, 1),
        "review_first_page_kb": round(review_kb, 1),
        "peak_mb": round(resource.getrusage(resource.RUSAGE_SELF).ru_maxrss / 1024, 1),
        "queries_run": len(queries),
        "matched": len(matches),
    }


# --- the driver --------------------------------------------------------------------------------


def run_case(mentees: int, mentors: int, args) -> dict:
    command = [sys.executable, __file__, "--one", f"{mentees}x{mentors}", "--server", args.server]
    if args.keep:
        command.append("--keep")
    if args.profile:
        command.append("--profile")
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=args.timeout, check=False, cwd=ROOT
    )
    if args.profile:
        sys.stderr.write(done.stderr)
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-5:]
        return {"size": f"{mentees}x{mentors}", "error": " | ".join(tail)}
    return json.loads(done.stdout.strip().splitlines()[-1])


def _table(rows: list[dict]) -> str:
    columns = [
        ("size", "size"), ("product_s", "run s"), ("solver_s", "solver s"), ("ratio", "ratio"),
        ("publish_s", "publish s"), ("notifications_queued", "emails"),
        ("review_first_page_ms", "review ms"), ("review_first_page_kb", "review KB"),
        ("peak_mb", "peak MB"), ("queries_run", "queries"), ("matched", "matched"),
    ]  # fmt: skip
    lines = ["  ".join(f"{title:>10}" for _, title in columns)]
    for row in rows:
        if "error" in row:
            lines.append(f"{row['size']:>10}  failed: {row['error']}")
            continue
        lines.append("  ".join(f"{row[key]!s:>10}" for key, _ in columns))
    lines.append(
        "targets: ratio <= 2, publish <= 5 s, review first page <= 200 ms and <= 300 KB; "
        "at 50000x20000 run <= 90 s and peak <= 2048 MB"
    )
    return "\n".join(lines)


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.one:
        ((mentees, mentors),) = _sizes(args.one)
        print(json.dumps(measure(mentees, mentors, args.server, args.keep, args.profile)))
        return 0
    rows = []
    for mentees, mentors in _sizes(args.size):
        row = run_case(mentees, mentors, args)
        rows.append(row)
        if args.json:
            print(json.dumps(row), flush=True)
    if not args.json:
        print(_table(rows))
    return 0 if all("error" not in row for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
