"""Journeys 5 and 7: a mentee answers a check-in from the email on a phone, the coordinator
sees it (and the pair at risk) on the program dashboard, and reporting staff download the
check-ins as XLSX, which opens with the expected rows."""

import re
from datetime import timedelta

import pytest
from django.contrib.auth.models import Group
from django.core import mail
from django.utils import timezone
from openpyxl import load_workbook

from evaluation.models import AnonymousResponse, Survey, SurveyInvitation, SurveyQuestion
from evaluation.services import survey_invitations_for_approval
from evaluation.tasks import evaluation_daily
from matching.models import Match
from mentoring.roles import REPORTING_GROUP
from notifications.services import notifications_deliver_due
from programs.models import Application, CareerStage, Program
from tests.e2e.helpers import log_in, log_out, make_coordinator
from tests.evaluation.helpers import CHECKIN_EXPORT_HEADER
from tests.factories import UserFactory

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
CHECKIN_LINK = re.compile(r"https?://[^/\s]+(/evaluation/check-ins/\d+/)")


def _running_program_with_a_pair():
    program = Program.objects.create(
        name="Peer Study Circle", slug="peer-study-circle", status="running", cadence_days=14
    )
    first_year = CareerStage.objects.create(program=program, name="First-year", position=0)
    final_year = CareerStage.objects.create(program=program, name="Final-year", position=2)
    mentor = UserFactory(email="omar.mentor@example.org", display_name="Omar Mentor")
    mentee = UserFactory(email="mia.mentee@example.org", display_name="Mia Mentee")
    match = Match.objects.create(
        program=program,
        mentor=Application.objects.create(
            program=program,
            user=mentor,
            role="mentor",
            status="approved",
            capacity=2,
            career_stage=final_year,
        ),
        mentee=Application.objects.create(
            program=program,
            user=mentee,
            role="mentee",
            status="approved",
            career_stage=first_year,
        ),
        started_at=timezone.now() - timedelta(days=14),
    )
    return program, match


def _mentee_checks_in_on_a_phone(page, base, artifacts, *, email):
    [message] = [m for m in mail.outbox if m.to == [email] and "check-in" in m.subject]
    assert message.subject == "Quick check-in: how is Peer Study Circle going?"
    page.set_viewport_size({"width": 375, "height": 800})
    log_in(page, base, email)
    page.goto(base + CHECKIN_LINK.search(message.body).group(1))
    page.get_by_role("heading", name="Quick check-in").wait_for()
    page.screenshot(path=artifacts / "01-checkin-form-375.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375

    page.get_by_role("button", name="Send check-in").click()  # nothing chosen yet
    page.get_by_text("Choose how it is going, from 1 to 5.").wait_for()
    page.screenshot(path=artifacts / "02-checkin-errors-375.png", full_page=True)

    page.get_by_text("2 \u2013 Poorly").click()
    page.get_by_text("No", exact=True).click()
    page.get_by_label("Anything blocking you? (optional)").fill("Exams all month")
    page.screenshot(path=artifacts / "03-checkin-filled-375.png", full_page=True)
    page.get_by_role("button", name="Send check-in").click()
    page.get_by_text("Thank you: your check-in is saved.").wait_for()
    page.screenshot(path=artifacts / "04-checkin-saved-375.png", full_page=True)

    # The pending list still holds the anonymous baseline survey.
    page.get_by_role("link", name="Where you start", exact=True).click()
    page.get_by_text("This survey is anonymous").wait_for()
    page.get_by_label("4", exact=True).check()
    page.screenshot(path=artifacts / "04b-survey-375.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.get_by_role("button", name="Send answers").click()
    page.get_by_text("Thank you: your answers are saved.").wait_for()
    page.get_by_text("Nothing to answer right now.").wait_for()
    log_out(page)


def _coordinator_sees_it_on_the_dashboard(page, base, artifacts, *, coordinator, program):
    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, base, coordinator.email)
    page.goto(f"{base}/evaluation/programs/{program.pk}/")
    page.get_by_role("heading", name="Peer Study Circle: program health").wait_for()
    risk = page.locator("#risk-table")
    assert "Omar Mentor" in risk.inner_text() and "Mia Mentee" in risk.inner_text()
    assert "Mentee rated it 2/5" in risk.inner_text()
    assert "2.00" in page.locator("#satisfaction-table").inner_text()
    # Chart.js drew on the canvases (they are no longer blank).
    page.wait_for_function(
        "() => [...document.querySelectorAll('canvas[data-chart]')]"
        ".every(c => c.toDataURL().length > 3000)"
    )
    page.screenshot(path=artifacts / "05-dashboard.png", full_page=True)
    page.set_viewport_size({"width": 375, "height": 800})
    page.reload()
    page.screenshot(path=artifacts / "06-dashboard-375.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    log_out(page)


def test_check_in_reaches_the_dashboard_and_the_xlsx_report(page, live_server, artifacts, tmp_path):
    page.set_default_timeout(10_000)
    base = live_server.url
    program, match = _running_program_with_a_pair()
    coordinator = make_coordinator()
    program.coordinators.add(coordinator)
    staff = UserFactory(email="rita.reports@example.org", display_name="Rita Reports")
    staff.groups.add(Group.objects.get(name=REPORTING_GROUP))
    program.reporting_staff.add(staff)

    survey = Survey.objects.create(
        program=program, title="Where you start", moment="baseline", anonymous=True
    )
    SurveyQuestion.objects.create(
        survey=survey,
        text="I feel confident about my studies.",
        kind="likert",
        low_label="Not at all",
        high_label="Very",
    )
    survey_invitations_for_approval(application=match.mentee)
    assert evaluation_daily()["checkins"] == 2
    assert notifications_deliver_due() == 3

    _mentee_checks_in_on_a_phone(page, base, artifacts, email=match.mentee.user.email)
    assert AnonymousResponse.objects.get().survey == survey
    assert SurveyInvitation.objects.get().completed is True
    _coordinator_sees_it_on_the_dashboard(
        page, base, artifacts, coordinator=coordinator, program=program
    )

    page.set_viewport_size({"width": 1280, "height": 900})
    log_in(page, base, staff.email)
    page.goto(f"{base}/evaluation/programs/")
    page.get_by_role("link", name="Peer Study Circle").click()
    page.screenshot(path=artifacts / "07-staff-dashboard.png", full_page=True)
    with page.expect_download() as download_info:
        page.get_by_role("listitem").filter(has_text="Check-ins").get_by_role(
            "link", name="XLSX"
        ).click()
    download = download_info.value
    assert re.fullmatch(
        r"peer-study-circle-checkins-\d{4}-\d{2}-\d{2}\.xlsx", download.suggested_filename
    )
    path = tmp_path / download.suggested_filename
    download.save_as(path)

    rows = [[cell.value for cell in row] for row in load_workbook(path)["Check-ins"].iter_rows()]
    assert rows[0] == CHECKIN_EXPORT_HEADER
    by_email = {row[2]: row for row in rows[1:]}
    assert sorted(by_email) == ["mia.mentee@example.org", "omar.mentor@example.org"]
    mia = by_email["mia.mentee@example.org"]
    assert mia[:6] == [
        "Peer Study Circle",
        match.pk,
        "mia.mentee@example.org",
        "Mia Mentee",
        "mentee",
        "First-year",
    ]
    assert mia[9:] == [2, "no", "Exams all month"]
    assert by_email["omar.mentor@example.org"][9:] == [None, None, None]


def _answer(invitation, value):
    from evaluation.services import survey_answer

    [question] = invitation.survey.questions.all()
    survey_answer(invitation=invitation, answers={question.pk: value})


def _program_with_baseline_and_end_answers(before_after):
    from evaluation.models import Survey, SurveyQuestion
    from evaluation.services import survey_invitations_for_approval, survey_send

    program, _ = _running_program_with_a_pair()
    for moment in ("baseline", "end"):
        survey = Survey.objects.create(program=program, title=f"{moment} survey", moment=moment)
        SurveyQuestion.objects.create(
            survey=survey, text="I feel confident about my studies.", kind="likert"
        )
    stage = program.career_stages.get(name="First-year")
    people = {}
    for before, after in before_after:
        application = Application.objects.create(
            program=program,
            user=UserFactory(),
            role="mentee",
            status="approved",
            career_stage=stage,
        )
        [baseline] = survey_invitations_for_approval(application=application)
        _answer(baseline, before)
        people[application.pk] = after
    end = program.surveys.get(moment="end")
    survey_send(survey=end)
    for invitation in end.invitations.filter(application__in=people):
        _answer(invitation, people[invitation.application_id])
    return program


def test_staff_read_the_impact_report_and_download_it(page, live_server, artifacts, tmp_path):
    page.set_default_timeout(10_000)
    answers = [(2, 4), (3, 3), (1, 4), (2, 3), (3, 5), (4, 4)]
    program = _program_with_baseline_and_end_answers(answers)
    staff = UserFactory(email="rita.reports@example.org")
    staff.groups.add(Group.objects.get(name=REPORTING_GROUP))
    program.reporting_staff.add(staff)
    base = live_server.url

    log_in(page, base, staff.email)
    page.goto(f"{base}/evaluation/programs/")
    page.get_by_role("link", name="Impact report").click()
    page.get_by_role("heading", name="Impact report", exact=True).wait_for()
    table = page.locator(".impact-table").first.inner_text()
    assert "First-year" in table and "1.33" in table  # mean change 8/6
    page.screenshot(path=artifacts / "01-impact.png", full_page=True)
    page.set_viewport_size({"width": 375, "height": 800})
    page.reload()
    page.screenshot(path=artifacts / "02-impact-375.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375

    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download XLSX").click()
    path = tmp_path / "impact.xlsx"
    download_info.value.save_as(path)

    rows = [[c.value for c in row] for row in load_workbook(path)["Impact"].iter_rows()]
    assert [row[2:5] for row in rows[1:]] == [
        ["All", "All", 6],
        ["Role", "Mentee", 6],
        ["Career stage", "First-year", 6],
        ["Cohort", "Peer Study Circle", 6],
    ]
    assert rows[1][7] == round(8 / 6, 4)
