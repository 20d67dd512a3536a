"""Benchmark the outcome import and the outcome report through the product, on PostgreSQL.

    .venv/bin/python bench/outcomes.py                    # 200000 people x 5 terms, a table
    .venv/bin/python bench/outcomes.py --rows 100000 --json
    .venv/bin/python bench/outcomes.py --part analysis --profile /tmp/outcomes-profile

Each case runs in a fresh subprocess with its own throwaway PostgreSQL database (migrated, and
dropped afterwards unless `--keep`) and its own throwaway var folder (media files, the Celery
filesystem queue), so nothing reaches the checkout's var/ or a running worker.

Import. A program with the terms 2024-fall, 2025-spring, 2025-fall, 2026-spring, 2026-fall
(first term 2025-fall) and three career stages; one person in 40 of the file takes part
(an account with an institutional ID, an approved application and a match), the others are
comparison students known only by institutional ID. A CSV of PEOPLE x 5 GPA rows is written to
disk (institutional id, term, measure, value), then imported the way the product does:
`outcome_import_create` with a Django `File` over the file on disk (stored in chunks, never read
whole), then `outcome_import_check`, `outcome_import_confirm` and `outcome_import_apply` called
in this process, as the Celery worker calls them (the tasks queued on commit go to the throwaway
filesystem queue, which nobody reads). check_s + apply_s is the import's time. The same file is
then imported again: every row an update.

Memory. Peak RSS growth of this Python process from just before the check to the end of the
apply: the kernel's high-water mark (VmHWM of /proc/self/status, reset through
/proc/self/clear_refs right before the check) minus VmRSS then, or, where the mark cannot be
reset, the highest VmRSS a thread read from /proc/self/status every 10 ms. PostgreSQL's own
processes are not counted.

Analysis. A second program: PARTICIPANTS accounts (one mentor per four mentees, approved
applications, matches in two cohorts, 0-8 held sessions each, one single-choice demographic
question answered) and COMPARISON students without accounts, everyone with a GPA in each of the
5 terms (3% missing at random) and a retained yes/no in the last term, bulk-written (no
factories, unusable passwords), then ANALYZEd. `outcome_report` is timed cold (the first call
in the process, statsmodels not yet imported), then warm (median of 3) for measures=["gpa"] and
for every measure the program holds (gpa, retained): analysis_s is the warm full report. The
import's program and its records stay in the database meanwhile, as other programs' would.

Before each timed import and before the report the server is asked to CHECKPOINT, so that
flushing what the seeding wrote does not land in the timed step; checkpoints an import's own
writes set off still fall inside it, as they would in production.

With --profile DIR each timed step is also run under cProfile (DIR/<step>.prof and a text
summary DIR/<step>.txt); the timings of such a run include the profiler's overhead.

Keys of each JSON object: people, rows, csv_mb, import_participants, create_s, check_s,
apply_s, import_s, import_rows_per_s, import_peak_mb_growth, import_peak_mb_growth_sampled,
memory_method, update_check_s, update_apply_s, update_rows_per_s, update_peak_mb_growth,
analysis_participants, analysis_comparison, analysis_seed_s, analysis_cold_s, analysis_gpa_s,
analysis_s (keys of a part not run are left out), and commit (the checkout's commit, "+dirty" when
outcomes/ has uncommitted changes, "A then B" when it changed during the run).
"""

from __future__ import annotations

import argparse
import cProfile
import gc
import io
import json
import os
import pstats
import random
import secrets
import statistics
import subprocess
import sys
import tempfile
import threading
import time
from datetime import UTC, datetime, timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
from throwaway import database_reset  # noqa: E402 - the bench folder must be importable first

SERVER = "postgres://postgres@127.0.0.1:5432"
TERMS = ["2024-fall", "2025-spring", "2025-fall", "2026-spring", "2026-fall"]
FIRST_TERM = "2025-fall"
STAGES = ["First-year", "Second-year", "Final-year"]
PARTICIPANT_SHARE = 40  # one person in 40 of the import file takes part
MIN_PEOPLE = 4000  # smaller files are checked inline by outcome_import_create (<= 512 KB)
WARM_RUNS = 3
TARGETS = {"import_rows_per_s": 20_000, "import_peak_mb_growth": 200, "analysis_s": 3.0}
ENV = {
    "DJANGO_SETTINGS_MODULE": "mentoring.settings",
    "DEBUG": "false",
    "SECRET_KEY": "bench-" + secrets.token_urlsafe(48),
    "ALLOWED_HOSTS": "testserver,localhost",
    "SECURE_SSL_REDIRECT": "false",
}


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Time the outcome import (check + apply of a large CSV, then the same file "
        "again as updates, with peak memory growth) and the outcome report on a throwaway "
        "PostgreSQL database. Memory growth is the process's peak RSS from just before the "
        "check to the end of the apply: VmHWM of /proc/self/status (reset through "
        "/proc/self/clear_refs) minus VmRSS before, or the highest VmRSS a thread sampled "
        "every 10 ms where the mark cannot be reset. The report is timed cold (first call, "
        "statsmodels imported by it) and warm (median of 3); analysis_s is the warm one."
    )
    size = parser.add_mutually_exclusive_group()
    size.add_argument(
        "--people",
        default="200000",
        help="comma-separated cases: people in the import file, 5 GPA rows each (200000)",
    )
    size.add_argument("--rows", help="comma-separated cases given as rows instead (people x 5)")
    parser.add_argument(
        "--participants", type=int, default=5000, help="analysis participants (5000)"
    )
    parser.add_argument(
        "--comparison", type=int, default=50000, help="analysis comparison students (50000)"
    )
    parser.add_argument(
        "--part", choices=["all", "import", "analysis"], default="all", help="what to run (all)"
    )
    parser.add_argument("--profile", metavar="DIR", help="also write cProfile stats of each step")
    parser.add_argument("--server", default=SERVER, help=f"PostgreSQL server URL ({SERVER})")
    parser.add_argument("--json", action="store_true", help="one JSON object per case")
    parser.add_argument("--keep", action="store_true", help="keep each case's database")
    parser.add_argument("--timeout", type=float, default=3600, help="seconds per case (3600)")
    parser.add_argument("--one", type=int, help=argparse.SUPPRESS)  # internal: one case here
    return parser.parse_args(argv)


def _cases(args) -> list[int]:
    text, per = (args.rows, len(TERMS)) if args.rows else (args.people, 1)
    cases = []
    for part in text.split(","):
        part = part.strip().replace("_", "")
        if not part.isdigit():
            raise SystemExit(f"bad size {part!r}: write a whole number, e.g. 200000")
        people = int(part) // per
        if people < MIN_PEOPLE and args.part != "analysis":
            raise SystemExit(
                f"{part} is too small: at least {MIN_PEOPLE} people ({MIN_PEOPLE * len(TERMS)} "
                "rows), or outcome_import_create checks the file inline"
            )
        cases.append(people)
    return cases


# --- memory and profiles ------------------------------------------------------------------------


def _status_kb(field: str) -> int:
    with open("/proc/self/status") as status:
        for line in status:
            if line.startswith(field + ":"):
                return int(line.split()[1])
    raise RuntimeError(f"{field} not in /proc/self/status")


class PeakRss:
    """Peak RSS growth over a block: the reset high-water mark, cross-checked by sampling."""

    def __init__(self, interval: float = 0.01):
        self.interval = interval
        self.base_kb = self.sampled_kb = self.hwm_kb = 0
        self._stop = threading.Event()

    def _sample(self) -> None:
        while not self._stop.wait(self.interval):
            self.sampled_kb = max(self.sampled_kb, _status_kb("VmRSS"))

    def __enter__(self):
        gc.collect()
        self.base_kb = self.sampled_kb = _status_kb("VmRSS")
        try:
            Path("/proc/self/clear_refs").write_text("5")  # VmHWM := current RSS
            self.resettable = True
        except OSError:
            self.resettable = False
        self._thread = threading.Thread(target=self._sample, daemon=True)
        self._thread.start()
        return self

    def __exit__(self, *exc):
        self._stop.set()
        self._thread.join()
        self.sampled_kb = max(self.sampled_kb, _status_kb("VmRSS"))
        if self.resettable:
            self.hwm_kb = _status_kb("VmHWM")
        return False

    @property
    def method(self) -> str:
        return "VmHWM after clear_refs" if self.resettable else "VmRSS sampled every 10 ms"

    @property
    def growth_mb(self) -> float:
        peak = max(self.hwm_kb, self.sampled_kb) if self.resettable else self.sampled_kb
        return round((peak - self.base_kb) / 1024, 1)

    @property
    def sampled_growth_mb(self) -> float:
        return round((self.sampled_kb - self.base_kb) / 1024, 1)


class Steps:
    """Times steps; with a folder, also profiles each into DIR/<name>.prof and .txt."""

    def __init__(self, folder: str | None):
        self.folder = Path(folder) if folder else None
        if self.folder:
            self.folder.mkdir(parents=True, exist_ok=True)

    def run(self, name: str, call):
        profile = cProfile.Profile() if self.folder else None
        started = time.perf_counter()
        if profile:
            profile.enable()
        try:
            result = call()
        finally:
            if profile:
                profile.disable()
        elapsed = time.perf_counter() - started
        if profile:
            profile.dump_stats(self.folder / f"{name}.prof")
            text = io.StringIO()
            stats = pstats.Stats(profile, stream=text).strip_dirs()
            text.write(f"{name}: {elapsed:.2f} s wall under the profiler\n")
            stats.sort_stats("cumulative").print_stats(40)
            stats.sort_stats("tottime").print_stats(30)
            (self.folder / f"{name}.txt").write_text(text.getvalue())
        return result, elapsed


# --- one case, in its own process ---------------------------------------------------------------


def _setup(url: str, var_dir: str) -> None:
    for name in ("REDIS_URL", "CELERY_BROKER_URL"):  # the throwaway filesystem queue instead
        os.environ.pop(name, None)
    os.environ.update(ENV, DATABASE_URL=url, MENTORING_VAR_DIR=var_dir)
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _unusable() -> str:
    from django.contrib.auth.hashers import make_password

    return make_password(None)  # "!" and random text: no hashing, nobody signs in


def _program(slug: str):
    from programs.models import CareerStage, Program

    program = Program.objects.create(
        name=f"Bench {slug}",
        slug=slug,
        description="Generated for the outcomes benchmark.",
        status=Program.Status.RUNNING,
        outcome_terms="\n".join(TERMS),
        outcome_first_term=FIRST_TERM,
        min_cell_size=10,
    )
    CareerStage.objects.bulk_create(
        [CareerStage(program=program, name=name, position=n) for n, name in enumerate(STAGES)]
    )
    return program, list(program.career_stages.order_by("position"))


def _reporter():
    from accounts.models import User

    return User.objects.create(
        email=f"reporter-{secrets.token_hex(4)}@bench.example.org",
        password=_unusable(),
        is_staff=True,
    )


def _participants(program, stages, *, count: int, prefix: str, rng, sessions: bool) -> list:
    """`count` accounts with institutional IDs prefix0000000..., one mentor per four mentees,
    approved applications, one active match per mentee (two cohorts), optionally 0-8 held
    sessions per match. Returns the users, in ID order."""
    from accounts.models import User
    from matching.models import Match
    from programs.models import Application
    from sessions.models import Meeting, SessionLog

    mentors = max(1, count // 5)
    users = User.objects.bulk_create(
        [
            User(
                email=f"{prefix.lower()}{n:07d}@bench.example.org",
                password=_unusable(),
                display_name=f"Bench {prefix}{n}",
                institutional_id=f"{prefix}{n:07d}",
            )
            for n in range(count)
        ],
        batch_size=5000,
    )
    per_mentor = -(-(count - mentors) // mentors)
    applications = Application.objects.bulk_create(
        [
            Application(
                program=program,
                user=user,
                role="mentor" if n < mentors else "mentee",
                status=Application.Status.APPROVED,
                career_stage=stages[2] if n < mentors else stages[rng.randint(0, 1)],
                capacity=per_mentor if n < mentors else None,
                languages=["English"],
            )
            for n, user in enumerate(users)
        ],
        batch_size=5000,
    )
    cohorts = [datetime(2025, 9, 1, tzinfo=UTC), datetime(2026, 1, 15, tzinfo=UTC)]
    matches = Match.objects.bulk_create(
        [
            Match(
                program=program,
                mentor=applications[(n - mentors) % mentors],
                mentee=applications[n],
                started_at=cohorts[n % 2],
            )
            for n in range(mentors, count)
        ],
        batch_size=5000,
    )
    if sessions:
        slots = [0] * mentors
        meetings = []
        by_app = {app.pk: n for n, app in enumerate(applications[:mentors])}
        for match in matches:
            m = by_app[match.mentor_id]
            for _ in range(rng.randint(0, 8)):
                start = cohorts[0] + timedelta(hours=2 * slots[m])
                slots[m] += 1
                meetings.append(
                    Meeting(
                        program=program,
                        mentor_id=users[m].pk,
                        match=match,
                        start=start,
                        end=start + timedelta(minutes=60),
                        booked_by_id=users[m].pk,
                    )
                )
        meetings = Meeting.objects.bulk_create(meetings, batch_size=5000)
        SessionLog.objects.bulk_create(
            [
                SessionLog(
                    meeting=meeting,
                    author_id=meeting.mentor_id,
                    outcome=SessionLog.Outcome.HELD,
                    duration_minutes=rng.choice([45, 60, 75, None]),
                )
                for meeting in meetings
            ],
            batch_size=5000,
        )
    return users, applications


def _checkpoint() -> None:
    """Flush the server's dirty pages now, so a checkpoint the seeding's writes made due does
    not land inside the next timed step (checkpoints the step's own writes cause still do)."""
    from django.db import DatabaseError, connection

    try:
        with connection.cursor() as cursor:
            cursor.execute("CHECKPOINT")
    except DatabaseError:  # not allowed to: the step is timed all the same
        pass


def _gpa(rng, base: float, shift: float) -> float:
    return min(4.0, max(0.0, base + rng.gauss(0, 0.25) + shift))


def _write_csv(path: Path, people: int, participants: int, rng) -> None:
    """PEOPLE x 5 GPA rows, written a block at a time (never held whole)."""
    first = TERMS.index(FIRST_TERM)
    with open(path, "w", newline="", encoding="utf-8") as out:
        out.write("institutional id,term,measure,value\n")
        block = []
        for n in range(people):
            base = rng.gauss(2.9, 0.5)
            shift = 0.15 if n < participants else 0.0
            person = f"I{n:07d}"
            for t, term in enumerate(TERMS):
                value = _gpa(rng, base, shift if t >= first else 0.0)
                block.append(f"{person},{term},gpa,{value:.2f}\n")
            if len(block) >= 50_000:
                out.writelines(block)
                block = []
        out.writelines(block)


def _import_once(program, user, path: Path, steps: Steps, prefix: str) -> dict:
    from django.core.files import File

    from outcomes.importing import (
        outcome_import_apply,
        outcome_import_check,
        outcome_import_confirm,
        outcome_import_create,
    )
    from outcomes.models import OutcomeImport

    S = OutcomeImport.Status
    with open(path, "rb") as handle:
        upload = File(handle, name="outcomes.csv")
        started = time.perf_counter()
        record = outcome_import_create(program=program, user=user, upload=upload)
        create_s = time.perf_counter() - started
    if record.status != S.UPLOADED:
        raise RuntimeError(f"the import was {record.status} after create (checked inline?)")
    with PeakRss() as memory:
        _, check_s = steps.run(f"{prefix}check", lambda: outcome_import_check(import_id=record.pk))
        record.refresh_from_db()
        if record.status != S.READY:
            raise RuntimeError(f"check: {record.status}, {record.error_count} errors: "
                               f"{record.errors[:3]}")  # fmt: skip
        outcome_import_confirm(record=record, user=user)
        _, apply_s = steps.run(f"{prefix}apply", lambda: outcome_import_apply(import_id=record.pk))
    record.refresh_from_db()
    if record.status != S.DONE:
        raise RuntimeError(f"apply: {record.status}: {record.errors[:3]}")
    return {
        "record": record,
        "create_s": create_s,
        "check_s": check_s,
        "apply_s": apply_s,
        "memory": memory,
    }


def measure_import(people: int, steps: Steps, folder: Path) -> dict:
    from django.db import connection

    rng = random.Random(7)
    program, stages = _program("bench-outcome-import")
    participants = max(1, people // PARTICIPANT_SHARE)
    _participants(program, stages, count=participants, prefix="I", rng=rng, sessions=False)
    user = _reporter()
    path = folder / "outcomes.csv"
    _write_csv(path, people, participants, rng)
    rows = people * len(TERMS)
    _checkpoint()
    connection.close()  # the check opens a fresh connection, as a worker's task would

    first = _import_once(program, user, path, steps, "")
    record = first["record"]
    if (record.rows, record.created, record.updated) != (rows, rows, 0):
        raise RuntimeError(f"first import: {record.rows} rows, {record.created} added, "
                           f"{record.updated} updated; expected {rows} added")  # fmt: skip
    if record.participants != participants or record.new_people != people - participants:
        raise RuntimeError(f"first import: {record.participants} participants, "
                           f"{record.new_people} new people")  # fmt: skip
    _checkpoint()
    again = _import_once(program, user, path, steps, "update_")
    done = again["record"]
    if (done.created, done.updated) != (0, rows):
        raise RuntimeError(f"second import: {done.created} added, {done.updated} updated")
    import_s = first["check_s"] + first["apply_s"]
    update_s = again["check_s"] + again["apply_s"]
    return {
        "people": people,
        "rows": rows,
        "csv_mb": round(path.stat().st_size / 2**20, 1),
        "import_participants": participants,
        "create_s": round(first["create_s"], 2),
        "check_s": round(first["check_s"], 2),
        "apply_s": round(first["apply_s"], 2),
        "import_s": round(import_s, 2),
        "import_rows_per_s": round(rows / import_s),
        "import_peak_mb_growth": first["memory"].growth_mb,
        "import_peak_mb_growth_sampled": first["memory"].sampled_growth_mb,
        "memory_method": first["memory"].method,
        "update_check_s": round(again["check_s"], 2),
        "update_apply_s": round(again["apply_s"], 2),
        "update_rows_per_s": round(rows / update_s),
        "update_peak_mb_growth": again["memory"].growth_mb,
    }


def _seed_analysis(participants: int, comparison: int):
    from django.db import connection

    from outcomes.models import OutcomePerson, OutcomeRecord
    from programs.models import Answer, Question, RecordsConsent

    rng = random.Random(11)
    program, stages = _program("bench-outcome-report")
    users, applications = _participants(
        program, stages, count=participants, prefix="A", rng=rng, sessions=True
    )
    # Every participant consented when applying (the report reads the decisions too).
    RecordsConsent.objects.bulk_create(
        [
            RecordsConsent(program=program, user=user, granted=True, source="application")
            for user in users
        ],
        batch_size=5000,
    )
    question = Question.objects.create(
        program=program,
        text="Are you the first in your family to go to university?",
        kind=Question.Kind.SINGLE_CHOICE,
        choices="Yes\nNo\nPrefer not to say",
    )
    Answer.objects.bulk_create(
        [
            Answer(
                application=app,
                question=question,
                value=rng.choices(["Yes", "No", "Prefer not to say"], [3, 6, 1])[0],
            )
            for app in applications
        ],
        batch_size=5000,
    )
    people = OutcomePerson.objects.bulk_create(
        [
            OutcomePerson(program=program, user=user, institutional_id=user.institutional_id)
            for user in users
        ]
        + [
            OutcomePerson(
                program=program, institutional_id=f"C{n:07d}", career_stage=rng.choice(stages)
            )
            for n in range(comparison)
        ],
        batch_size=5000,
    )
    first = TERMS.index(FIRST_TERM)
    table = OutcomeRecord._meta.db_table
    with connection.cursor() as cursor:
        with cursor.cursor.copy(
            f"COPY {table} (person_id, term, measure, value) FROM STDIN"
        ) as copy:
            for n, person in enumerate(people):
                taking_part = n < participants
                base = rng.gauss(2.9, 0.5) + (0.1 if taking_part else 0.0)
                for t, term in enumerate(TERMS):
                    if rng.random() < 0.03:
                        continue
                    shift = 0.15 if taking_part and t >= first else 0.0
                    copy.write_row((person.pk, term, "gpa", _gpa(rng, base, shift)))
                retained = rng.random() < (0.9 if taking_part else 0.85)
                copy.write_row((person.pk, TERMS[-1], "retained", float(retained)))
        cursor.execute("ANALYZE")
    return program


def measure_analysis(participants: int, comparison: int, steps: Steps) -> dict:
    from outcomes.report import outcome_report

    started = time.perf_counter()
    program = _seed_analysis(participants, comparison)
    seed_s = time.perf_counter() - started
    _checkpoint()
    if "statsmodels" in sys.modules:
        raise RuntimeError("statsmodels was imported before the cold report")
    report, cold_s = steps.run("analysis_cold", lambda: outcome_report(program=program))
    if (report.participants, report.comparison) != (participants, comparison):
        raise RuntimeError(f"report: {report.participants} participants, "
                           f"{report.comparison} comparison")  # fmt: skip
    if [m.code for m in report.measures] != ["gpa", "retained"]:
        raise RuntimeError(f"report measures: {[m.code for m in report.measures]}")
    gpa = [
        steps.run(f"analysis_gpa_{n}", lambda: outcome_report(program=program, measures=["gpa"]))[1]
        for n in range(WARM_RUNS)
    ]
    full = [
        steps.run(f"analysis_full_{n}", lambda: outcome_report(program=program))[1]
        for n in range(WARM_RUNS)
    ]
    return {
        "analysis_participants": participants,
        "analysis_comparison": comparison,
        "analysis_seed_s": round(seed_s, 1),
        "analysis_cold_s": round(cold_s, 2),
        "analysis_gpa_s": round(statistics.median(gpa), 2),
        "analysis_s": round(statistics.median(full), 2),
    }


def measure(people: int, args) -> dict:
    name = f"mentoring_bench_outcomes_{people}_{os.getpid()}"
    database_reset(args.server, name, create=True)
    try:
        with tempfile.TemporaryDirectory(prefix="bench-outcomes-") as folder:
            _setup(f"{args.server}/{name}", str(Path(folder, "var")))
            from django.db import connection

            steps = Steps(args.profile)
            row: dict = {}
            if args.part in ("all", "import"):
                row.update(measure_import(people, steps, Path(folder)))
            if args.part in ("all", "analysis"):
                row.update(measure_analysis(args.participants, args.comparison, steps))
            connection.close()
    finally:
        if not args.keep:
            database_reset(args.server, name, create=False)
    return row


# --- the driver --------------------------------------------------------------------------------


def _commit() -> str:
    """The checkout's commit, "+dirty" when the outcomes app has uncommitted changes."""
    git = ["git", "-C", str(ROOT)]
    head = subprocess.run([*git, "rev-parse", "--short", "HEAD"], capture_output=True, text=True)
    dirty = subprocess.run(
        [*git, "status", "--porcelain", "--", "outcomes"], capture_output=True, text=True
    )
    return head.stdout.strip() + ("+dirty" if dirty.stdout.strip() else "")


def run_case(people: int, args) -> dict:
    command = [
        sys.executable, __file__, "--one", str(people), "--server", args.server,
        "--participants", str(args.participants), "--comparison", str(args.comparison),
        "--part", args.part,
    ]  # fmt: skip
    if args.profile:
        command += ["--profile", str(Path(args.profile, f"{people}").resolve())]
    if args.keep:
        command.append("--keep")
    before = _commit()
    done = subprocess.run(
        command, capture_output=True, text=True, timeout=args.timeout, check=False, cwd=ROOT
    )
    after = _commit()
    if done.returncode != 0:
        tail = (done.stderr or done.stdout).strip().splitlines()[-5:]
        return {"people": people, "error": " | ".join(tail)}
    row = json.loads(done.stdout.strip().splitlines()[-1])
    # The app may change under a long run (others work in this checkout): say so.
    row["commit"] = before if before == after else f"{before} then {after}"
    return row


ROWS = [
    ("rows", "rows imported", ""),
    ("csv_mb", "CSV MB", ""),
    ("create_s", "create s (store the file)", ""),
    ("check_s", "check s", ""),
    ("apply_s", "apply s", ""),
    ("import_s", "check + apply s", ""),
    ("import_rows_per_s", "import rows/s", ">= 20000"),
    ("import_peak_mb_growth", "import peak RSS growth MB", "< 200"),
    ("import_peak_mb_growth_sampled", "  (sampled VmRSS) MB", ""),
    ("update_check_s", "again: check s", ""),
    ("update_apply_s", "again: apply s", ""),
    ("update_rows_per_s", "again (all updates) rows/s", ""),
    ("update_peak_mb_growth", "again: peak RSS growth MB", ""),
    ("analysis_participants", "report participants", ""),
    ("analysis_comparison", "report comparison", ""),
    ("analysis_seed_s", "report seeding s", ""),
    ("analysis_cold_s", "report cold s (statsmodels)", ""),
    ("analysis_gpa_s", "report warm, gpa only s", ""),
    ("analysis_s", "report warm, all measures s", "< 3"),
]


def _met(key: str, value) -> str:
    if key not in TARGETS or not isinstance(value, int | float):
        return ""
    if key == "import_rows_per_s":
        return "met" if value >= TARGETS[key] else "MISSED"
    return "met" if value < TARGETS[key] else "MISSED"


def _table(rows: list[dict]) -> str:
    width = max(len(title) for _, title, _ in ROWS)
    heads = [f"{row.get('people', '-')} people" for row in rows]
    lines = ["  ".join([f"{'':<{width}}", *(f"{h:>16}" for h in heads), f"{'target':>10}"])]
    for row in rows:
        if "error" in row:
            lines.append(f"{row.get('people', '-')} people failed: {row['error']}")
    good = [row for row in rows if "error" not in row]
    for key, title, target in ROWS:
        if not any(key in row for row in good):
            continue
        cells = []
        for row in rows:
            value = row.get(key, "")
            text = f"{value:,}" if isinstance(value, int) else str(value)
            met = _met(key, value)
            cells.append(f"{text + (' ' + met if met else ''):>16}")
        lines.append("  ".join([f"{title:<{width}}", *cells, f"{target:>10}"]))
    commits = {row["commit"] for row in good if "commit" in row}
    if commits:
        lines.append(f"commit: {', '.join(sorted(commits))}")
    methods = {row["memory_method"] for row in good if "memory_method" in row}
    if methods:
        lines.append(f"memory: {', '.join(sorted(methods))}; PostgreSQL's processes not counted")
    lines.append(
        "targets: import >= 20,000 rows/s with < 200 MB peak RSS growth; full report < 3 s warm"
    )
    return "\n".join(lines)


def main(argv=None) -> int:
    args = parse_args(argv)
    if args.one is not None:
        print(json.dumps(measure(args.one, args)))
        return 0
    rows = []
    for people in _cases(args):
        row = run_case(people, args)
        rows.append(row)
        if args.json:
            print(json.dumps(row), flush=True)
    if not args.json:
        print(_table(rows))
    return 0 if all("error" not in row for row in rows) else 1


if __name__ == "__main__":
    sys.exit(main())
