"""Benchmark every participant page and the coordinator pages: queries and server time.

    .venv/bin/python bench/pages.py                 # queries at 1x and 10x, time at 10x
    .venv/bin/python bench/pages.py --json
    .venv/bin/python bench/pages.py --load          # also p95 under 20 clients on gunicorn
    .venv/bin/python bench/pages.py --startup       # manage.py check against bare Django

Each scale runs in its own subprocess on its own throwaway PostgreSQL database: migrated, then
seeded with the demo (`seed_demo`, 60 participants at 1x, 600 at 10x). Pages are requested in
process through Django's test client as the demo person who would see them (a matched mentee
and mentor of the formal program, a mentee of the informal one, the coordinator), with DEBUG
off as in production: the query count at both scales, and at 10x the median of 20 timed
requests after 3 warm-ups. A streamed export is timed to its first chunk.

With --load, the 10x database is served by gunicorn (4 sync workers) with the production
settings plus one trivial view; for each page, 20 concurrent logged-in clients request it for
--seconds (after a second of the same load, not timed, so that every worker has rendered the
page once), then request the trivial view the same way: p95 of each and their ratio.

Keys of each JSON object: page, who, queries_1x, queries_10x, server_ms_median, and with --load
p95_ms, trivial_p95_ms, ratio. --startup prints one object: check_s, bare_check_s, ratio, and
the same bare project carrying the libraries this one uses (bench/startup.py): stack_check_s,
stack_ratio (its check against the bare one's), ratio_to_stack (ours against it), stack_apps.
"""

from __future__ import annotations

import argparse
import json
import os
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
import urllib.request
from collections.abc import Callable
from dataclasses import dataclass
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
import startup  # noqa: E402 - the bench folder must be importable first
from throwaway import database_reset  # noqa: E402

SERVER = "postgres://postgres@127.0.0.1:5432"
SCALES = {1: 60, 10: 600}  # demo participants
TIMED, WARM = 20, 3
LOAD_WARM_SECONDS = 1.0  # of load on a page before its p95 is taken (--load)
TARGETS = {"server_ms_median": 25, "ratio": 5}
# One key for every process of a run: sessions made in one are read by gunicorn's workers.
os.environ.setdefault("BENCH_SECRET_KEY", "bench-" + secrets.token_urlsafe(48))
PRODUCTION_ENV = {
    "DEBUG": "false",
    "SECRET_KEY": os.environ["BENCH_SECRET_KEY"],
    "ALLOWED_HOSTS": "testserver,127.0.0.1,localhost",
    "SECURE_SSL_REDIRECT": "false",
}


@dataclass(frozen=True)
class Page:
    name: str
    who: str  # mentee, mentor, informal, coordinator
    url: Callable  # (Found) -> str


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Query counts at 1x and 10x demo data and server time of every page; "
        "--load adds p95 under concurrent clients, --startup the start-up time."
    )
    parser.add_argument("--server", default=SERVER, help=f"PostgreSQL server URL ({SERVER})")
    parser.add_argument("--json", action="store_true", help="one JSON object per page")
    parser.add_argument("--load", action="store_true", help="also serve with gunicorn under load")
    parser.add_argument("--clients", type=int, default=20, help="concurrent clients (20)")
    parser.add_argument("--seconds", type=float, default=5.0, help="load per page (5 s)")
    parser.add_argument("--startup", action="store_true", help="only time manage.py check")
    parser.add_argument("--pages", help="comma-separated page names to measure (default all)")
    parser.add_argument("--scale", type=int, help=argparse.SUPPRESS)  # internal: one scale
    parser.add_argument("--database", help=argparse.SUPPRESS)
    return parser.parse_args(argv)


# --- what each page is, found in the seeded data ------------------------------------------------


class Found:
    """The demo objects the pages are about (the first of each kind, so both scales agree)."""

    def __init__(self):
        from allauth.mfa.models import Authenticator
        from allauth.mfa.totp.internal.auth import TOTP, generate_totp_secret
        from django.db.models import F
        from django.utils import timezone

        from accounts.models import User
        from evaluation.models import CheckIn
        from matching.models import Match
        from mentoring.demo import DEMO_DOMAIN
        from messaging.services import conversation_for_match
        from programs.models import Application, Program
        from relationships.models import Goal
        from relationships.services.goals import goal_create
        from sessions.models import Meeting

        self.program = Program.objects.get(slug="first-year-success")
        # A pair with a session its mentee logged, at every size: the demo's logged session
        # when it is there (which pair it is follows no order of ids on PostgreSQL), else one
        # made here. A logged meeting's page reads the log's goals.
        logged = (
            Meeting.objects.filter(
                program=self.program,
                match__status="active",
                logs__author=F("match__mentee__user"),
            )
            .order_by("start", "pk")
            .select_related("match")
            .first()
        )
        self.match = (
            logged.match
            if logged
            else Match.objects.filter(program=self.program, status="active").order_by("pk")[0]
        )
        # A pair with goals at every size (the demo gives goals to one pair, which match ids
        # on PostgreSQL do not always make this one): pages read more for a pair that has some.
        if not Goal.objects.filter(match=self.match).exists():
            goal_create(match=self.match, by=self.match.mentee.user, title="Find an internship")
        self.people = {
            "mentee": self.match.mentee.user,
            "mentor": self.match.mentor.user,
            "coordinator": User.objects.get(email=f"coordinator@{DEMO_DOMAIN}"),
        }
        # Staff need an authenticator app in production (MFA_REQUIRED_FOR_STAFF), or every
        # coordinator page is a redirect to set one up.
        coordinator = self.people["coordinator"]
        if not Authenticator.objects.filter(user=coordinator, type=Authenticator.Type.TOTP):
            TOTP.activate(coordinator, generate_totp_secret())
        informal = Application.objects.filter(
            program__slug="career-connect", role="mentee", status="approved"
        ).order_by("pk")[0]
        self.informal_application = informal
        self.people["informal"] = informal.user
        self.meeting = logged or self._logged_meeting(self.match)
        self.conversation = conversation_for_match(match=self.match)
        self.checkin = (  # one the mentee can still answer (a missed one redirects)
            CheckIn.objects.filter(
                application=self.match.mentee,
                answered_at__isnull=True,
                due_on__gte=timezone.localdate(),
            )
            .order_by("pk")
            .first()
        )

    @staticmethod
    def _logged_meeting(match):
        """A session of `match` held a week ago, early in the morning (no demo session is
        then), and logged by its mentee."""
        from datetime import timedelta

        from django.utils import timezone

        from sessions.models import Meeting
        from sessions.services import session_log_save

        start = (timezone.now() - timedelta(days=7)).replace(
            hour=6, minute=30, second=0, microsecond=0
        )
        meeting = Meeting.objects.create(
            program=match.program, mentor=match.mentor.user, match=match, start=start,
            end=start + timedelta(hours=1), booked_by=match.mentee.user,
        )  # fmt: skip
        session_log_save(
            meeting=meeting, author=match.mentee.user, outcome="held", duration_minutes=60
        )
        return meeting


def _pages() -> list[Page]:
    from django.urls import reverse as r

    return [
        Page("home", "mentee", lambda f: r("home")),
        Page("programs", "mentee", lambda f: r("programs:list")),
        Page("program", "mentee", lambda f: r("programs:detail", args=[f.program.slug])),
        Page(
            "application",
            "mentee",
            lambda f: r("programs:application-detail", args=[f.match.mentee_id]),
        ),
        Page("matches", "mentee", lambda f: r("matching:my-matches")),
        Page("match", "mentee", lambda f: r("matching:match-detail", args=[f.match.pk])),
        Page("sessions", "mentee", lambda f: r("sessions:list")),
        Page("meeting", "mentee", lambda f: r("sessions:meeting-detail", args=[f.meeting.pk])),
        Page("booking", "mentee", lambda f: r("sessions:booking-create", args=[f.match.pk])),
        Page("calendar", "mentee", lambda f: r("sessions:calendar")),
        Page("to-answer", "mentee", lambda f: r("evaluation:pending")),
        Page(
            "check-in",
            "mentee",
            lambda f: r("evaluation:checkin-answer", args=[f.checkin.pk]) if f.checkin else None,
        ),
        Page("training", "mentee", lambda f: r("training:checklist", args=[f.program.pk])),
        Page("preferences", "mentee", lambda f: r("notifications:preferences")),
        Page("profile", "mentee", lambda f: r("accounts:profile")),
        Page("two-factor", "mentee", lambda f: r("mfa_index")),
        Page(
            "mentor's profile",
            "mentee",
            lambda f: r("accounts:person-detail", args=[f.match.mentor.user_id]),
        ),
        Page("goals", "mentee", lambda f: r("relationships:goals", args=[f.match.pk])),
        Page("messages", "mentee", lambda f: r("messaging:list")),
        Page(
            "conversation",
            "mentee",
            lambda f: r("messaging:conversation", args=[f.conversation.pk]),
        ),
        Page("privacy notice", "mentee", lambda f: r("privacy:notice")),
        Page("privacy settings", "mentee", lambda f: r("privacy:settings")),
        Page("my data", "mentee", lambda f: r("privacy:data")),
        Page("delete account", "mentee", lambda f: r("privacy:delete")),
        Page("home (mentor)", "mentor", lambda f: r("home")),
        Page("availability", "mentor", lambda f: r("sessions:availability")),
        Page(
            "suggestions",
            "informal",
            lambda f: r("matching:suggestions", args=[f.informal_application.pk]),
        ),
        Page(
            "suggestions (filtered)",
            "informal",
            lambda f: (
                r("matching:suggestions", args=[f.informal_application.pk])
                + "?language=English&hours=1"
            ),
        ),
        Page("requests", "informal", lambda f: r("matching:requests")),
        Page("dashboards", "coordinator", lambda f: r("evaluation:program-list")),
        Page(
            "dashboard",
            "coordinator",
            lambda f: r("evaluation:program-dashboard", args=[f.program.pk]),
        ),
        Page("impact report", "coordinator", lambda f: r("evaluation:impact")),
        Page(
            "export sessions.csv",
            "coordinator",
            lambda f: r("evaluation:export", args=["sessions", "csv"]),
        ),
        Page(
            "export check-ins.xlsx",
            "coordinator",
            lambda f: r("evaluation:export", args=["checkins", "xlsx"]),
        ),
        Page(
            "admin applications",
            "coordinator",
            lambda f: r("admin:programs_application_changelist"),
        ),
        Page("admin matches", "coordinator", lambda f: r("admin:matching_match_changelist")),
        Page(
            "admin invite a colleague",
            "coordinator",
            lambda f: r("admin:programs_program_staff_invite", args=[f.program.pk]),
        ),
        Page(
            "admin meetings",
            "coordinator",
            lambda f: r("admin:mentoring_sessions_meeting_changelist"),
        ),
        Page(
            "admin notifications",
            "coordinator",
            lambda f: r("admin:notifications_notification_changelist"),
        ),
    ]


# --- one scale, in its own process --------------------------------------------------------------


def _django(url: str) -> None:
    os.environ.update(PRODUCTION_ENV, DATABASE_URL=url)
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mentoring.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()


def _seed(participants: int) -> None:
    from django.core.management import call_command
    from django.db import connection

    from mentoring.demo import seed_demo

    call_command("migrate", verbosity=0)
    seed_demo(participants=participants, password="bench-" + secrets.token_hex(6))
    # Statistics, as autovacuum keeps them on a running server (a server with autovacuum off
    # would otherwise plan every query of a fresh database from default estimates).
    with connection.cursor() as cursor:
        cursor.execute("ANALYZE")


def _first_byte(response) -> None:
    if response.streaming:
        next(iter(response.streaming_content), b"")


def _measure(page: Page, found: Found, *, timed: bool) -> dict | None:
    from django.db import connection
    from django.test import Client
    from django.test.utils import CaptureQueriesContext

    url = page.url(found)
    if url is None:
        return None
    client = Client()
    client.force_login(found.people[page.who])
    for _ in range(WARM):
        _first_byte(client.get(url))
    with CaptureQueriesContext(connection) as queries:
        response = client.get(url)
        _first_byte(response)
    if response.status_code != 200:
        raise RuntimeError(f"{page.name}: {url} answered {response.status_code}")
    row = {"url": url, "queries": len(queries)}
    if timed:
        times = []
        for _ in range(TIMED):
            started = time.perf_counter()
            _first_byte(client.get(url))
            times.append((time.perf_counter() - started) * 1000)
        row["server_ms_median"] = round(statistics.median(times), 1)
    return row


def measure_scale(scale: int, server: str, keep_as: str | None, only: set[str] | None) -> dict:
    name = keep_as or f"mentoring_bench_pages_{scale}x_{os.getpid()}"
    database_reset(server, name, create=True)
    try:
        _django(f"{server}/{name}")
        _seed(SCALES[scale])
        found = Found()
        rows = {}
        for page in _pages():
            if only and page.name not in only:
                continue
            rows[page.name] = _measure(page, found, timed=scale == 10)
        from django.db import connection

        connection.close()
        return rows
    finally:
        if keep_as is None:
            database_reset(server, name, create=False)


def _scale_in_subprocess(scale: int, args, database: str | None = None) -> dict:
    command = [sys.executable, __file__, "--scale", str(scale), "--server", args.server]
    if database:
        command += ["--database", database]
    if args.pages:
        command += ["--pages", args.pages]
    done = subprocess.run(command, capture_output=True, text=True, cwd=ROOT, check=False)
    if done.returncode != 0:
        raise SystemExit(f"scale {scale}x failed:\n{done.stderr[-3000:]}")
    return json.loads(done.stdout.strip().splitlines()[-1])


# --- under load ---------------------------------------------------------------------------------


LOAD_SETTINGS = """from mentoring.settings import *  # noqa: F403
ROOT_URLCONF = "bench_load_urls"
"""
LOAD_URLS = """from django.http import HttpResponse
from django.urls import include, path


def trivial(request):
    return HttpResponse("ok")


urlpatterns = [path("__trivial__/", trivial), path("", include("mentoring.urls"))]
"""


def _session_cookies(server: str, database: str) -> tuple[dict[str, str], dict]:
    """Session cookies of each demo person (made in the served database) and the pages' URLs."""
    _django(f"{server}/{database}")
    from django.test import Client

    found = Found()
    cookies = {}
    for who, user in found.people.items():
        client = Client()
        client.force_login(user)
        cookies[who] = client.cookies["sessionid"].value
    urls = {page.name: page.url(found) for page in _pages()}
    return cookies, urls


def _hammer(url: str, cookie: str, clients: int, seconds: float) -> float:
    """p95 in ms of `clients` threads requesting `url` back to back for `seconds`."""
    latencies: list[float] = []
    lock = threading.Lock()
    stop = time.monotonic() + seconds

    def client():
        headers = {"Cookie": f"sessionid={cookie}"}
        request = urllib.request.Request(url, headers=headers)  # noqa: S310 (our own server)
        mine = []
        while time.monotonic() < stop:
            started = time.perf_counter()
            with urllib.request.urlopen(request, timeout=60) as response:  # noqa: S310
                response.read()
                if response.url != url:  # signed out, or sent elsewhere: not this page
                    raise RuntimeError(f"{url} redirected to {response.url}")
            mine.append((time.perf_counter() - started) * 1000)
        with lock:
            latencies.extend(mine)

    threads = [threading.Thread(target=client) for _ in range(clients)]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join()
    return statistics.quantiles(latencies, n=20)[-1] if len(latencies) > 1 else float("nan")


def measure_load(args, database: str, pages: list[str]) -> dict[str, dict]:
    cookies_and_urls = subprocess.run(
        [sys.executable, "-c", (
            "import json, sys; sys.path.insert(0, 'bench'); import pages;"
            f"c, u = pages._session_cookies({args.server!r}, {database!r});"
            "print(json.dumps([c, u]))"
        )],
        capture_output=True, text=True, cwd=ROOT, check=True, env={**os.environ, **PRODUCTION_ENV},
    )  # fmt: skip
    cookies, urls = json.loads(cookies_and_urls.stdout.strip().splitlines()[-1])
    who = {page.name: page.who for page in _pages()}
    port = 8765
    with tempfile.TemporaryDirectory() as folder:
        Path(folder, "bench_load_settings.py").write_text(LOAD_SETTINGS)
        Path(folder, "bench_load_urls.py").write_text(LOAD_URLS)
        env = {
            **os.environ, **PRODUCTION_ENV,
            "DATABASE_URL": f"{args.server}/{database}",
            "DJANGO_SETTINGS_MODULE": "bench_load_settings",
            "PYTHONPATH": f"{folder}:{ROOT}",
        }  # fmt: skip
        gunicorn = Path(sys.executable).with_name("gunicorn")
        server = subprocess.Popen(
            [str(gunicorn), "mentoring.wsgi", "-b", f"127.0.0.1:{port}", "-w", "4",
             "--log-level", "warning"],
            cwd=ROOT, env=env,
        )  # fmt: skip
        try:
            base = f"http://127.0.0.1:{port}"
            for _ in range(150):
                if server.poll() is not None:
                    raise SystemExit(f"gunicorn exited with {server.returncode}")
                try:
                    urllib.request.urlopen(f"{base}/__trivial__/", timeout=2).read()  # noqa: S310
                    break
                except OSError:
                    time.sleep(0.2)
            else:
                raise SystemExit("gunicorn did not answer within 30 s")
            rows = {}
            for name in pages:
                if urls.get(name) is None:
                    continue
                cookie = cookies[who[name]]
                # Each worker first renders the page once (its templates compiled, its
                # catalogues read; the first page also opens each worker's connection): a
                # running server is warm, and a cold start is start-up, timed by --startup.
                _hammer(base + urls[name], cookie, args.clients, LOAD_WARM_SECONDS)
                p95 = _hammer(base + urls[name], cookie, args.clients, args.seconds)
                _hammer(f"{base}/__trivial__/", cookie, args.clients, LOAD_WARM_SECONDS)
                trivial = _hammer(f"{base}/__trivial__/", cookie, args.clients, args.seconds)
                rows[name] = {
                    "p95_ms": round(p95, 1),
                    "trivial_p95_ms": round(trivial, 1),
                    "ratio": round(p95 / trivial, 1),
                }
            return rows
        finally:
            server.terminate()
            server.wait(timeout=30)


# --- the driver ---------------------------------------------------------------------------------


def _table(rows: list[dict], load: bool) -> str:
    columns = [("page", 22), ("who", 11), ("queries_1x", 10), ("queries_10x", 11),
               ("server_ms_median", 16)]  # fmt: skip
    if load:
        columns += [("p95_ms", 8), ("trivial_p95_ms", 14), ("ratio", 6)]
    lines = ["  ".join(f"{key:>{width}}" for key, width in columns)]
    for row in rows:
        lines.append("  ".join(f"{row.get(key, '-')!s:>{width}}" for key, width in columns))
    lines.append(
        "targets: server_ms_median <= 25 at 10x, queries_1x == queries_10x"
        + (", ratio <= 5" if load else "")
    )
    return "\n".join(lines)


def main(argv=None) -> int:
    args = parse_args(argv)
    only = set(args.pages.split(",")) if args.pages else None
    if args.scale:
        print(json.dumps(measure_scale(args.scale, args.server, args.database, only)))
        return 0
    if args.startup:
        row = startup.measure_startup()
        print(json.dumps(row) if args.json else startup.table(row))
        return 0
    scratch = tempfile.TemporaryDirectory()
    # Production settings serve hashed static names from a manifest: build one for this run.
    os.environ.update(STATIC_ROOT=str(Path(scratch.name, "static")), MENTORING_VAR_DIR=scratch.name)
    subprocess.run(
        [sys.executable, "manage.py", "collectstatic", "--noinput", "-v0"],
        cwd=ROOT, check=True, env={**os.environ, **PRODUCTION_ENV},
    )  # fmt: skip
    small = _scale_in_subprocess(1, args)
    kept = f"mentoring_bench_pages_load_{os.getpid()}" if args.load else None
    large = _scale_in_subprocess(10, args, database=kept)
    try:
        loaded = measure_load(args, kept, list(large)) if args.load else {}
    finally:
        if kept:
            database_reset(args.server, kept, create=False)
    who = {page.name: page.who for page in _pages()}
    rows = []
    for name, row in large.items():
        if row is None:
            continue
        rows.append({
            "page": name, "who": who[name],
            "queries_1x": (small.get(name) or {}).get("queries"),
            "queries_10x": row["queries"], "server_ms_median": row["server_ms_median"],
            **loaded.get(name, {}),
        })  # fmt: skip
    if args.json:
        for row in rows:
            print(json.dumps(row))
    else:
        print(_table(rows, args.load))
    return 0


if __name__ == "__main__":
    sys.exit(main())
