"""Benchmark the privacy work on PostgreSQL: a program's retention run, one person's erasure
and one person's archive.

    .venv/bin/python bench/privacy.py                    # 2,000 participants, a table
    .venv/bin/python bench/privacy.py --participants 500,2000 --json

For each size a fresh subprocess creates its own throwaway PostgreSQL database, migrates it and
bulk-seeds a closed program of that many participants in pairs: applications with answers and
availability, agreements, four held sessions a pair with both sides' logs and private notes,
check-ins, a survey with a numeric and a free-text answer each, ten emails a person and an
audit entry each. Then, each rolled back so the next starts from the same data, it times:
`person_erase` of one mentor of the program (the map applied to everything of theirs),
`archive_build` of that mentor (their ZIP), and `program_anonymise` of the whole program (the
retention run). The database is dropped afterwards unless `--keep`.

Keys of each JSON object: participants, rows, erase_s, erase_queries, archive_s, archive_kb,
anonymise_s, anonymise_queries, anonymise_db_s.
"""

from __future__ import annotations

import argparse
import json
import os
import subprocess
import sys
import time
from datetime import time as clock
from datetime import timedelta
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
sys.path.insert(0, str(Path(__file__).resolve().parent))
from throwaway import database_reset  # noqa: E402 - the bench folder must be importable first

SERVER = "postgres://postgres@127.0.0.1:5432"


def parse_args(argv=None) -> argparse.Namespace:
    parser = argparse.ArgumentParser(
        description="Time a person's erasure and archive and a program's retention run on a "
        "throwaway PostgreSQL database."
    )
    parser.add_argument(
        "--participants",
        default="2000",
        help="comma-separated program sizes, in participants (default 2000; even numbers)",
    )
    parser.add_argument("--server", default=SERVER, help=f"PostgreSQL server URL ({SERVER})")
    parser.add_argument("--json", action="store_true", help="one JSON object per case")
    parser.add_argument("--keep", action="store_true", help="keep each case's database")
    parser.add_argument("--one", help=argparse.SUPPRESS)  # internal: run one case here
    return parser.parse_args(argv)


def _setup(url: str) -> None:
    os.environ["DATABASE_URL"] = url
    os.environ.setdefault("DJANGO_SETTINGS_MODULE", "mentoring.settings")
    sys.path.insert(0, str(ROOT))
    import django

    django.setup()
    from django.core.management import call_command

    call_command("migrate", verbosity=0)


def _seed(participants: int):
    from django.utils import timezone

    from accounts.models import User
    from audit.models import AuditEntry
    from evaluation.models import (
        CheckIn,
        Survey,
        SurveyAnswer,
        SurveyInvitation,
        SurveyQuestion,
        SurveyResponse,
    )
    from matching.models import Match
    from notifications.models import Notification
    from programs.models import Answer, Application, AvailabilityWindow, Program, Question
    from relationships.models import Agreement
    from sessions.models import Meeting, PrivateNote, SessionLog

    now = timezone.now()
    pairs = participants // 2
    program = Program.objects.create(
        name="Bench program", slug="bench-program", status="closed",
        closed_at=now - timedelta(days=4 * 366),
    )  # fmt: skip
    users = User.objects.bulk_create(
        [User(email=f"p{i}@bench.example", display_name=f"Person {i}") for i in range(2 * pairs)],
        batch_size=1000,
    )
    question = Question.objects.create(program=program, text="Why?", kind="short_text")
    applications = Application.objects.bulk_create(
        [
            Application(
                program=program,
                user=user,
                role="mentor" if i < pairs else "mentee",
                status="approved",
                motivation=f"motivation {i}",
                capacity=1 if i < pairs else None,
                languages=["English"],
            )
            for i, user in enumerate(users)
        ],
        batch_size=1000,
    )
    Answer.objects.bulk_create(
        [Answer(application=a, question=question, value="an answer") for a in applications],
        batch_size=1000,
    )
    AvailabilityWindow.objects.bulk_create(
        [
            AvailabilityWindow(application=a, weekday=day, start=clock(17), end=clock(19))
            for a in applications
            for day in (0, 2)
        ],
        batch_size=2000,
    )
    matches = Match.objects.bulk_create(
        [
            Match(
                program=program,
                mentor=applications[i],
                mentee=applications[pairs + i],
                started_at=now - timedelta(days=400),
                status="ended",
                ended_at=now - timedelta(days=300),
                end_reason="other",
                end_reason_text="text",
            )
            for i in range(pairs)
        ],
        batch_size=1000,
    )
    Agreement.objects.bulk_create(
        [Agreement(match=m, mentor_hopes="h", mentee_hopes="h") for m in matches], batch_size=1000
    )
    meetings = Meeting.objects.bulk_create(
        [
            Meeting(
                program=program,
                mentor=m.mentor.user,
                booked_by=m.mentee.user,
                match=m,
                start=now - timedelta(days=400 - 7 * k),
                end=now - timedelta(days=400 - 7 * k) + timedelta(hours=1),
                location="office",
            )
            for m in matches
            for k in range(4)
        ],
        batch_size=2000,
    )
    sides = {m.pk: (m.mentor.user, m.mentee.user) for m in matches}
    SessionLog.objects.bulk_create(
        [
            SessionLog(
                meeting=meeting,
                author=who,
                outcome="held",
                duration_minutes=50,
                shared_notes="notes",
            )
            for meeting in meetings
            for who in sides[meeting.match_id]
        ],
        batch_size=2000,
    )
    PrivateNote.objects.bulk_create(
        [
            PrivateNote(meeting=meeting, author=who, text="private")
            for meeting in meetings
            for who in sides[meeting.match_id]
        ],
        batch_size=2000,
    )
    CheckIn.objects.bulk_create(
        [
            CheckIn(
                match=m,
                application=a,
                opens_on=(now - timedelta(days=400 - 14 * k)).date(),
                due_on=(now - timedelta(days=396 - 14 * k)).date(),
                score=4,
                met=True,
                blocking="blocking",
                answered_at=now - timedelta(days=390),
            )
            for m in matches
            for k in range(4)
            for a in (m.mentor, m.mentee)
        ],
        batch_size=2000,
    )
    survey = Survey.objects.create(program=program, title="Baseline", moment="baseline")
    questions = [
        SurveyQuestion.objects.create(survey=survey, position=p, text=f"Q{p}", kind=kind)
        for p, kind in enumerate(["likert", "text"])
    ]
    invitations = SurveyInvitation.objects.bulk_create(
        [
            SurveyInvitation(survey=survey, application=a, due_on=now.date(), completed=True)
            for a in applications
        ],
        batch_size=1000,
    )
    responses = SurveyResponse.objects.bulk_create(
        [SurveyResponse(invitation=i, submitted_at=now) for i in invitations], batch_size=1000
    )
    SurveyAnswer.objects.bulk_create(
        [
            SurveyAnswer(
                response=r,
                question=q,
                value=4 if q.kind == "likert" else "words",
                number=4 if q.kind == "likert" else None,
            )
            for r in responses
            for q in questions
        ],
        batch_size=2000,
    )
    Notification.objects.bulk_create(
        [
            Notification(
                kind="session_reminder",
                idempotency_key=f"bench-{u.pk}-{k}",
                recipient=u,
                to_email=u.email,
                program=program,
                context={"by": "x"},
            )
            for u in users
            for k in range(10)
        ],
        batch_size=2000,
    )
    AuditEntry.objects.bulk_create(
        [
            AuditEntry(action="application_approved", program=program, person=a.user)
            for a in applications
        ],
        batch_size=2000,
    )
    rows = {
        "applications": len(applications), "meetings": len(meetings),
        "logs": 2 * len(meetings), "private_notes": 2 * len(meetings),
        "check_ins": 8 * pairs, "survey_answers": 2 * len(responses),
        "notifications": 10 * len(users),
    }  # fmt: skip
    return program, users[0], rows


def _timed(function, **kwargs):
    """(seconds, queries, seconds in the database, result) of one call, rolled back."""
    from django.db import connection, transaction
    from django.test.utils import CaptureQueriesContext

    with transaction.atomic(), CaptureQueriesContext(connection) as captured:
        started = time.perf_counter()
        result = function(**kwargs)
        elapsed = time.perf_counter() - started
        transaction.set_rollback(True)
    database = sum(float(query["time"]) for query in captured.captured_queries)
    return elapsed, len(captured.captured_queries), database, result


def run_one(participants: int, url: str) -> dict:
    _setup(url)
    from privacy.archive import archive_build
    from privacy.erasure import person_erase
    from privacy.retention import program_anonymise

    program, person, rows = _seed(participants)
    erase_s, erase_queries, _db, _summary = _timed(person_erase, user=person)
    archive_s, _queries, _db, archive = _timed(archive_build, user=person)
    anonymise_s, anonymise_queries, anonymise_db_s, _run = _timed(
        program_anonymise, program=program
    )
    return {
        "participants": participants,
        "rows": rows,
        "erase_s": round(erase_s, 3),
        "erase_queries": erase_queries,
        "archive_s": round(archive_s, 3),
        "archive_kb": round(len(archive) / 1024, 1),
        "anonymise_s": round(anonymise_s, 2),
        "anonymise_queries": anonymise_queries,
        "anonymise_db_s": round(anonymise_db_s, 2),
    }


def main(argv=None) -> None:
    args = parse_args(argv)
    if args.one:
        print(json.dumps(run_one(int(args.one), os.environ["BENCH_DATABASE_URL"])))
        return
    sizes = [int(part) for part in args.participants.split(",")]
    if any(size < 2 or size % 2 for size in sizes):
        raise SystemExit("--participants: even numbers of at least 2 (they come in pairs)")
    results = []
    for size in sizes:
        name = f"mentoring_bench_privacy_{os.getpid()}_{size}"
        database_reset(args.server, name, create=True)
        try:
            out = subprocess.run(
                [sys.executable, __file__, "--one", str(size)],
                env={**os.environ, "BENCH_DATABASE_URL": f"{args.server}/{name}"},
                capture_output=True,
                text=True,
                check=True,
                cwd=ROOT,
            )
        finally:
            if not args.keep:
                database_reset(args.server, name, create=False)
        result = json.loads(out.stdout.strip().splitlines()[-1])
        results.append(result)
        if args.json:
            print(json.dumps(result), flush=True)
    if not args.json:
        print(f"{'participants':>12} {'erase s':>8} {'queries':>8} {'archive s':>9} "
              f"{'archive KB':>10} {'anonymise s':>11} {'queries':>8} {'in db s':>8}")  # fmt: skip
        for r in results:
            print(
                f"{r['participants']:>12,} {r['erase_s']:>8} {r['erase_queries']:>8} "
                f"{r['archive_s']:>9} {r['archive_kb']:>10} {r['anonymise_s']:>11} "
                f"{r['anonymise_queries']:>8} {r['anonymise_db_s']:>8}"
            )


if __name__ == "__main__":
    main()
