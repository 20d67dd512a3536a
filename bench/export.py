"""Benchmark the check-in export: N check-ins as CSV and as XLSX, through the export view.

Sets Django up on a throwaway SQLite file (MENTORING_VAR_DIR pointed at a temporary folder;
DATABASE_URL is ignored so a real database is never written to), migrates it, bulk-creates the
check-ins, then calls `evaluation.views.export` exactly as a request would and reads the whole
response. Each case runs twice: once timed, with a thread sampling the process's RSS, and once
under tracemalloc for the peak of Python allocations.

    .venv/bin/python bench/export.py                # 100,000 rows, a table
    .venv/bin/python bench/export.py --rows 20000 --json
"""

import argparse
import json
import os
import platform
import resource
import sys
import tempfile
import threading
import time
import tracemalloc
from datetime import UTC, date, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGETS = {"csv": 50_000, "xlsx": 10_000}  # rows per second
MEMORY_TARGET_MB = 50
PEOPLE_PAIRS = 200
MB = 1024 * 1024
UNUSABLE = "!"  # Django's marker for "no password"


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Export N check-ins as CSV and XLSX through the export view; print rows "
        "per second and peak memory growth."
    )
    parser.add_argument("--rows", type=int, default=100_000, help="check-ins (default 100000)")
    parser.add_argument(
        "--json", action="store_true", help="print one JSON object per case, one per line"
    )
    args = parser.parse_args(argv)
    if args.rows < PEOPLE_PAIRS * 2:
        parser.error(f"--rows must be at least {PEOPLE_PAIRS * 2}")
    return args


def django_setup(var_dir: str) -> None:
    os.environ["MENTORING_VAR_DIR"] = var_dir
    os.environ.pop("DATABASE_URL", None)
    os.environ["DJANGO_SETTINGS_MODULE"] = "mentoring.settings"
    os.environ.setdefault("LOG_LEVEL", "WARNING")
    sys.path.insert(0, str(ROOT))
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def create_checkins(rows: int):
    """PEOPLE_PAIRS matches; check-ins spread over both people and successive periods."""
    from accounts.models import User
    from evaluation.models import CheckIn
    from matching.models import Match
    from programs.models import Application, CareerStage, Program

    program = Program.objects.create(name="Benchmark cohort", slug="bench", status="running")
    stage = CareerStage.objects.create(program=program, name="Second-year", position=1)
    users = User.objects.bulk_create(
        User(email=f"person{i}@bench.example", display_name=f"Person {i}", password=UNUSABLE)
        for i in range(PEOPLE_PAIRS * 2)
    )
    applications = Application.objects.bulk_create(
        Application(
            program=program,
            user=user,
            role="mentor" if i % 2 == 0 else "mentee",
            status="approved",
            capacity=2 if i % 2 == 0 else None,
            career_stage=stage,
        )
        for i, user in enumerate(users)
    )
    matches = Match.objects.bulk_create(
        Match(program=program, mentor=applications[i], mentee=applications[i + 1])
        for i in range(0, len(applications), 2)
    )
    texts = ["", "Exams", '=HYPERLINK("http://x")', "Timetable clash, will rebook next week"]
    start = date(2020, 1, 6)

    def checkins():
        for n in range(rows):
            match = matches[n % PEOPLE_PAIRS]
            side = (n // PEOPLE_PAIRS) % 2
            period = n // (PEOPLE_PAIRS * 2)
            opens = start + timedelta(days=14 * period)
            answered = n % 5 != 0
            yield CheckIn(
                match=match,
                application_id=match.mentee_id if side else match.mentor_id,
                opens_on=opens,
                due_on=opens + timedelta(days=7),
                score=(n % 5) + 1 if answered else None,
                met=(n % 3 != 0) if answered else None,
                blocking=texts[n % 4] if answered else "",
                answered_at=datetime(opens.year, opens.month, opens.day, 9, tzinfo=UTC)
                if answered
                else None,
            )

    batch = []
    for checkin in checkins():
        batch.append(checkin)
        if len(batch) == 5000:
            CheckIn.objects.bulk_create(batch)
            batch.clear()
    CheckIn.objects.bulk_create(batch)
    return User.objects.create_superuser(email="bench@bench.example", password=None)


def rss_bytes() -> int:
    with open("/proc/self/statm") as statm:
        return int(statm.read().split()[1]) * resource.getpagesize()


class RssSampler(threading.Thread):
    """Peak RSS above the starting RSS, sampled every few milliseconds."""

    def __init__(self):
        super().__init__(daemon=True)
        self.start_rss = rss_bytes()
        self.peak = self.start_rss
        self.running = True

    def run(self):
        while self.running:
            self.peak = max(self.peak, rss_bytes())
            time.sleep(0.005)

    def stop(self) -> int:
        self.running = False
        self.join()
        self.peak = max(self.peak, rss_bytes())
        return self.peak - self.start_rss


def export_once(fmt: str, user) -> tuple[int, int]:
    """Run the export view for all check-ins; returns (bytes, CSV lines or 0)."""
    from django.test import RequestFactory

    from evaluation.views import export

    request = RequestFactory().get(f"/evaluation/exports/checkins.{fmt}")
    request.user = user
    response = export(request, dataset="checkins", fmt=fmt)
    size = lines = 0
    try:
        for chunk in response.streaming_content:
            size += len(chunk)
            if fmt == "csv":
                lines += chunk.count(b"\r\n")
    finally:
        response.close()
    return size, lines


def measure(fmt: str, rows: int, user) -> dict:
    sampler = RssSampler()
    sampler.start()
    began = time.perf_counter()
    size, lines = export_once(fmt, user)
    seconds = time.perf_counter() - began
    rss_growth = sampler.stop()
    if fmt == "csv" and lines != rows + 1:
        raise SystemExit(f"CSV had {lines - 1} rows, expected {rows}")
    tracemalloc.start()
    export_once(fmt, user)
    _, traced_peak = tracemalloc.get_traced_memory()
    tracemalloc.stop()
    rate = rows / seconds
    peak_mb = max(rss_growth, traced_peak) / MB
    return {
        "case": fmt,
        "rows": rows,
        "seconds": round(seconds, 3),
        "rows_per_second": round(rate),
        "bytes": size,
        "peak_rss_growth_mb": round(rss_growth / MB, 1),
        "peak_traced_mb": round(traced_peak / MB, 1),
        "target_rows_per_second": TARGETS[fmt],
        "meets_target": rate >= TARGETS[fmt] and (fmt != "csv" or peak_mb < MEMORY_TARGET_MB),
    }


def print_table(results: list[dict], setup_seconds: float) -> None:
    rows = results[0]["rows"]
    print(
        f"Check-in export, {rows:,} rows, through evaluation.views.export "
        f"(SQLite, Python {platform.python_version()}, {os.cpu_count()} CPUs; "
        f"data created in {setup_seconds:.1f} s)\n"
    )
    header = ("case", "seconds", "rows/s", "file", "peak RSS +", "peak heap +", "target", "")
    widths = (6, 8, 9, 9, 11, 12, 26, 4)
    print("  ".join(h.ljust(w) for h, w in zip(header, widths, strict=True)))
    print("  ".join("-" * w for w in widths))
    for r in results:
        target = f">= {r['target_rows_per_second']:,} rows/s"
        if r["case"] == "csv":
            target += f", < {MEMORY_TARGET_MB} MB"
        cells = (
            r["case"].upper(),
            f"{r['seconds']:.2f}",
            f"{r['rows_per_second']:,}",
            f"{r['bytes'] / MB:.1f} MB",
            f"{r['peak_rss_growth_mb']:.1f} MB",
            f"{r['peak_traced_mb']:.1f} MB",
            target,
            "ok" if r["meets_target"] else "MISS",
        )
        print("  ".join(c.ljust(w) for c, w in zip(cells, widths, strict=True)))
    print(
        "\npeak RSS +: resident memory above the start of the timed run (sampled every 5 ms);"
        "\npeak heap +: peak of Python allocations in a second run under tracemalloc."
    )


def main(argv=None) -> int:
    args = parse_args(argv)
    with tempfile.TemporaryDirectory(prefix="mentoring-bench-") as var_dir:
        django_setup(var_dir)
        began = time.perf_counter()
        user = create_checkins(args.rows)
        setup_seconds = time.perf_counter() - began
        export_once("csv", user)  # warm the database file into the page cache
        results = [measure(fmt, args.rows, user) for fmt in ("csv", "xlsx")]
        from django.db import connections

        connections.close_all()
    if args.json:
        for result in results:
            print(json.dumps(result))
    else:
        print_table(results, setup_seconds)
    return 0 if all(r["meets_target"] for r in results) else 1


if __name__ == "__main__":
    sys.exit(main())
