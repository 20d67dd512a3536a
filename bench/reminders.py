"""Benchmark reminder delivery: N due reminders through a real Celery worker on Redis to a
local SMTP sink (aiosmtpd), with the ledger on PostgreSQL.

Creates a throwaway PostgreSQL database (`bench_reminders_<pid>`, dropped afterwards), migrates
it, writes N session reminders all due now, starts `celery -A mentoring worker` as a
subprocess and triggers a sweep every `--sweep-interval` seconds (beat does it every minute in
production; rows due at commit time also get an immediate sweep). Prints emails per second
(N over the time from the due moment to the last arrival), the delay from due time to arrival
(median and p95), and how many were lost or received twice.

    .venv/bin/python bench/reminders.py                  # 10,000 reminders, a table
    .venv/bin/python bench/reminders.py --count 2000 --concurrency 4 --json
"""

import argparse
import json
import os
import statistics
import sys
import time
from collections import Counter
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
TARGET_PER_SECOND = 200


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="N due reminders through a real worker on Redis to a local SMTP sink; "
        "prints emails/s, delivery delay (median, p95), lost and duplicated."
    )
    parser.add_argument("--count", type=int, default=10_000, help="reminders (default 10000)")
    parser.add_argument("--concurrency", type=int, default=4, help="worker processes (default 4)")
    parser.add_argument("--sweep-interval", type=float, default=1.0, help="seconds between sweeps")
    parser.add_argument(
        "--postgres",
        default="postgres://postgres@127.0.0.1:5432/postgres",
        help="server URL used to create and drop the throwaway database",
    )
    parser.add_argument("--redis", default="redis://127.0.0.1:6379/12", help="broker (flushed)")
    parser.add_argument("--timeout", type=float, default=600, help="give up after this long")
    parser.add_argument("--json", action="store_true", help="one JSON object per case")
    return parser.parse_args(argv)


def _database(server_url: str, name: str, *, create: bool) -> str:
    import psycopg

    with psycopg.connect(server_url, autocommit=True) as conn:
        conn.execute(f'DROP DATABASE IF EXISTS "{name}"')
        if create:
            conn.execute(f'CREATE DATABASE "{name}"')
    return server_url.rsplit("/", 1)[0] + "/" + name


def django_setup(database_url: str, redis_url: str) -> None:
    os.environ.update(
        DATABASE_URL=database_url,
        REDIS_URL=redis_url,
        DJANGO_SETTINGS_MODULE="mentoring.settings",
        LOG_LEVEL="WARNING",
    )
    sys.path.insert(0, str(ROOT))
    import django
    from django.core.management import call_command

    django.setup()
    call_command("migrate", verbosity=0)


def make_reminders(count: int) -> list[int]:
    from django.contrib.contenttypes.models import ContentType

    from accounts.models import User
    from matching.models import Match
    from notifications.models import Kind, Notification
    from programs.models import Application, Program
    from sessions.models import Meeting

    program = Program.objects.create(name="Bench", slug="bench", status="running")
    mentor = User.objects.create_user(email="mentor@bench.test", password=None, display_name="M")
    mentee = User.objects.create_user(email="mentee@bench.test", password=None, display_name="E")
    match = Match.objects.create(
        program=program,
        mentor=Application.objects.create(program=program, user=mentor, role="mentor"),
        mentee=Application.objects.create(program=program, user=mentee, role="mentee"),
    )
    start = datetime.now(UTC) + timedelta(days=1)
    meeting = Meeting.objects.create(
        program=program, mentor=mentor, match=match, start=start, end=start + timedelta(hours=1)
    )
    kind = ContentType.objects.get_for_model(Meeting)
    far = datetime.now(UTC) + timedelta(days=365)  # not due until the timed run starts
    rows = [
        Notification(
            kind=Kind.SESSION_REMINDER,
            idempotency_key=f"bench:{k}",
            recipient=mentee,
            to_email=mentee.email,
            program=program,
            subject_type=kind,
            subject_id=meeting.pk,
            context={"hours": 24},
            due_at=far,
        )
        for k in range(count)
    ]
    Notification.objects.bulk_create(rows, batch_size=2000)
    return list(Notification.objects.values_list("pk", flat=True))


def run(args) -> dict:
    import redis
    from celery import current_app

    from notifications.models import Notification
    from notifications.tasks import sweep_notifications
    from tests.notifications.support import SmtpSink, Worker, worker_env

    redis.Redis.from_url(args.redis).flushdb()
    ids = make_reminders(args.count)
    with SmtpSink() as sink:
        env = worker_env(
            database_url=os.environ["DATABASE_URL"], redis_url=args.redis, email_url=sink.email_url
        )
        with Worker(env, concurrency=args.concurrency):
            deadline = time.monotonic() + 60
            while not current_app.control.ping(timeout=0.5) and time.monotonic() < deadline:
                pass
            due = datetime.now(UTC)
            Notification.objects.update(due_at=due)
            started = time.time()
            deadline = time.monotonic() + args.timeout
            while len(sink.received) < args.count and time.monotonic() < deadline:
                sweep_notifications.delay()
                time.sleep(args.sweep_interval)
            time.sleep(2)  # let stragglers (duplicates) arrive
        received = list(sink.received)
    counts = Counter(pk for pk, _ in received)
    first_arrival = {}
    for pk, at in received:
        first_arrival.setdefault(pk, at)
    delays = sorted(at - started for at in first_arrival.values())
    last = max(first_arrival.values(), default=started)
    statuses = Counter(Notification.objects.values_list("status", flat=True))
    return {
        "case": f"{args.count} reminders, worker -c {args.concurrency}",
        "count": args.count,
        "concurrency": args.concurrency,
        "sweep_interval_s": args.sweep_interval,
        "emails_per_s": round(len(first_arrival) / max(last - started, 1e-9), 1),
        "delay_median_s": round(statistics.median(delays), 2) if delays else None,
        "delay_p95_s": round(delays[int(0.95 * (len(delays) - 1))], 2) if delays else None,
        "lost": len(set(ids) - set(first_arrival)),
        "duplicated": sum(n - 1 for n in counts.values()),
        "ledger_sent": statuses.get("sent", 0),
    }


def main(argv=None) -> int:
    args = parse_args(argv)
    name = f"bench_reminders_{os.getpid()}"
    database_url = _database(args.postgres, name, create=True)
    try:
        django_setup(database_url, args.redis)
        result = run(args)
    finally:
        from django.db import connections

        connections.close_all()
        _database(args.postgres, name, create=False)
    if args.json:
        print(json.dumps(result))
        return 0
    ok = result["emails_per_s"] >= TARGET_PER_SECOND and not result["lost"]
    ok = ok and not result["duplicated"]
    print(f"Reminder delivery: {result['case']}, sweep every {args.sweep_interval} s")
    print()
    print(
        f"{'emails/s':>10} {'median delay s':>15} {'p95 delay s':>12} {'lost':>6} {'dup':>5}"
        "  target"
    )
    print(
        f"{result['emails_per_s']:>10} {result['delay_median_s']:>15} {result['delay_p95_s']:>12}"
        f" {result['lost']:>6} {result['duplicated']:>5}  >= {TARGET_PER_SECOND}/s, none lost or"
        f" duplicated: {'met' if ok else 'NOT met'}"
    )
    return 0


if __name__ == "__main__":
    sys.exit(main())
