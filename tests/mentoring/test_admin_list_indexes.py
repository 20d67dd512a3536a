"""The admin's busiest lists read their first page from the end of an index on their order
(newest first, the key as tie-break) instead of sorting every row of the table: on
PostgreSQL, with a table of thousands of rows, the plan of the list's query says so."""

from datetime import timedelta

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.urls import reverse
from django.utils import timezone

from accounts.models import User
from matching.models import Match
from notifications.models import Kind, Notification
from programs.models import Application
from tests.evaluation.helpers import make_application, make_coordinator, make_program

pytestmark = [pytest.mark.django_db, pytest.mark.postgres]

ROWS = 3000


def _applications(program):
    now = timezone.now()
    users = User.objects.bulk_create(
        User(email=f"listed{n}@example.org", display_name=f"Listed {n}") for n in range(ROWS)
    )
    Application.objects.bulk_create(
        Application(
            program=program, user=user, role="mentee", submitted_at=now - timedelta(minutes=n)
        )
        for n, user in enumerate(users)
    )


def _matches(program):
    mentor, mentee = make_application(program, "mentor"), make_application(program)
    now = timezone.now()
    Match.objects.bulk_create(
        Match(
            program=program,
            mentor=mentor,
            mentee=mentee,
            status="ended",
            started_at=now - timedelta(days=1, minutes=n),
            ended_at=now,
        )
        for n in range(ROWS)
    )


def _notifications(program):
    now = timezone.now()
    Notification.objects.bulk_create(
        Notification(
            program=program,
            kind=Kind.MATCH_PUBLISHED,
            idempotency_key=f"listed-{n}",
            to_email=f"person{n}@example.org",
            due_at=now - timedelta(minutes=n),
        )
        for n in range(ROWS)
    )


@pytest.mark.parametrize(
    "model, fill, index",
    [
        (Application, _applications, "application_submitted_id"),
        (Match, _matches, "match_started_id"),
        (Notification, _notifications, "notification_due_id"),
    ],
)
def test_an_admin_list_reads_its_newest_rows_from_an_index(client, model, fill, index):
    program = make_program()
    fill(program)
    with connection.cursor() as cursor:
        cursor.execute(f'ANALYZE "{model._meta.db_table}"')
    client.force_login(make_coordinator(program))
    url = reverse(f"admin:{model._meta.app_label}_{model._meta.model_name}_changelist")

    with CaptureQueriesContext(connection) as captured:
        response = client.get(url)

    assert response.status_code == 200
    assert len(response.context["cl"].result_list) == response.context["cl"].list_per_page
    table = f'FROM "{model._meta.db_table}"'
    (rows,) = [q["sql"] for q in captured if table in q["sql"] and "ORDER BY" in q["sql"]]
    with connection.cursor() as cursor:
        cursor.execute(f"EXPLAIN {rows}")
        plan = "\n".join(line for (line,) in cursor.fetchall())
    assert f"Index Scan Backward using {index}" in plan, plan
