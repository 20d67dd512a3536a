"""The pages that run scripts work under the Content-Security-Policy: charts draw, htmx polls,
the application form adds rows, confirmations ask, and the admin's own scripts run. Every
journey here and in the other files fails on any CSP violation (tests/e2e/conftest.py)."""

import re
from datetime import timedelta

import pytest
from allauth.account.models import EmailAddress
from django.utils import timezone
from django_celery_beat.models import CrontabSchedule, PeriodicTask

from evaluation.models import CheckIn
from evaluation.services import checkin_answer
from matching.models import MatchingRun
from matching.services.solving import run_execute
from programs.models import Application
from tests.e2e.helpers import log_in, make_coordinator
from tests.evaluation.helpers import make_pair
from tests.evaluation.helpers import make_program as make_running_program
from tests.factories import ApplicationFactory, UserFactory
from tests.matching.helpers import approved, make_formal_program
from tests.programs.helpers import make_program as make_enrolling_program

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CHARTS_DRAWN = """() => [...document.querySelectorAll('canvas[data-chart]')].every(
  (canvas) => Chart.getChart(canvas) !== undefined && canvas.toDataURL().length > 3000)"""


def test_the_watch_records_a_violation(page, browser_watch):
    def serve(route):
        route.fulfill(
            body="<p>x</p><script>document.title = 'ran'</script>",
            content_type="text/html",
            headers={"Content-Security-Policy": "script-src 'self'"},
        )

    page.route("http://csp.test/", serve)
    page.goto("http://csp.test/")
    page.wait_for_function("() => document.readyState === 'complete'")
    assert page.title() != "ran"
    page.wait_for_timeout(200)  # let the binding's report arrive
    assert browser_watch.violations
    assert "script-src" in browser_watch.violations[0]
    browser_watch.violations.clear()  # this test's violation was on purpose


def test_dashboard_charts_draw_under_the_policy(page, live_server, artifacts):
    page.set_default_timeout(10_000)
    program = make_running_program(name="Chart Circle")
    match = make_pair(program, days_ago=10)
    today = timezone.localdate()
    for days_ago, score in ((14, 2), (7, 4)):
        checkin = CheckIn.objects.create(
            match=match,
            application=match.mentee,
            opens_on=today - timedelta(days=days_ago),
            due_on=today - timedelta(days=days_ago - 3),
        )
        checkin_answer(checkin=checkin, score=score, met=True, today=checkin.opens_on)
    coordinator = make_coordinator()
    program.coordinators.add(coordinator)

    log_in(page, live_server.url, coordinator.email)
    page.goto(f"{live_server.url}/evaluation/programs/{program.pk}/")
    page.get_by_role("heading", name="Chart Circle: program health").wait_for()
    page.wait_for_function(CHARTS_DRAWN)
    assert page.locator("canvas[data-chart]").count() == 2
    # The box height comes from data-height through the CSSOM (no style= attribute).
    heights = page.eval_on_selector_all(
        ".chart-box", "boxes => boxes.map(b => [b.dataset.height, getComputedStyle(b).height])"
    )
    assert heights == [["240px", "240px"], ["240px", "240px"]]
    page.screenshot(path=artifacts / "01-dashboard.png", full_page=True)


def test_application_form_adds_rows_and_withdrawing_asks_first(page, live_server, artifacts):
    page.set_default_timeout(10_000)
    program = make_enrolling_program(name="Form Circle")
    person = UserFactory()
    log_in(page, live_server.url, person.email)
    page.goto(f"{live_server.url}/programs/{program.slug}/apply/mentee/")
    rows = page.locator(".availability-row")
    before = rows.count()
    page.get_by_role("button", name="Add another time").click()
    assert rows.count() == before + 1
    assert page.locator("#id_form-TOTAL_FORMS").input_value() == str(before + 1)
    assert page.evaluate("document.activeElement.name") == f"form-{before}-weekday"
    page.screenshot(path=artifacts / "01-added-row.png", full_page=True)

    application = ApplicationFactory(program=make_enrolling_program(name="Other"), user=person)
    page.goto(f"{live_server.url}/programs/applications/{application.pk}/")
    questions = []

    def answer(dialog, accept):
        questions.append(dialog.message)
        dialog.accept() if accept else dialog.dismiss()

    page.once("dialog", lambda dialog: answer(dialog, accept=False))
    page.get_by_role("button", name="Withdraw").click()
    page.wait_for_timeout(300)
    application.refresh_from_db()
    assert application.status == Application.Status.APPLIED
    page.once("dialog", lambda dialog: answer(dialog, accept=True))
    page.get_by_role("button", name="Withdraw").click()
    page.get_by_text("Your application was withdrawn.").wait_for()
    assert questions == ["Withdraw your application?", "Withdraw your application?"]


def test_admin_changelist_change_form_and_run_review_under_the_policy(page, live_server, artifacts):
    page.set_default_timeout(15_000)
    base = live_server.url
    coordinator = make_coordinator()
    program = make_formal_program(name="Review Circle")
    program.coordinators.add(coordinator)
    approved(program, "mentee", name="Ana Mentee", stage=0, topics=(0,))
    approved(program, "mentor", name="Mo Mentor", stage=2, topics=(0,), capacity=1)
    log_in(page, base, coordinator.email)

    page.goto(f"{base}/admin/programs/application/")
    page.get_by_role("link", name=re.compile("Ana Mentee")).wait_for()
    page.locator("#action-toggle").check()  # actions.js ticks every row
    assert page.locator("input.action-select:checked").count() == 2
    page.screenshot(path=artifacts / "01-changelist.png", full_page=True)

    page.goto(f"{base}/admin/programs/program/{program.pk}/change/")
    # SelectFilter2.js turned the coordinators field into the two-box chooser.
    page.locator("#id_coordinators_from").wait_for()
    page.screenshot(path=artifacts / "02-change-form.png", full_page=True)

    # A queued run's review page polls its progress with htmx until the draft is ready.
    run = MatchingRun.objects.create(
        program=program, algorithm="optimal", progress_note="Waiting to start"
    )
    with page.expect_request(re.compile(rf"/admin/matching/matchingrun/{run.pk}/progress/$")):
        page.goto(f"{base}/admin/matching/matchingrun/{run.pk}/change/")
    page.screenshot(path=artifacts / "03-run-queued.png", full_page=True)
    run_execute(run_id=run.pk)
    page.get_by_role("heading", name="Proposed pairs (1)").wait_for()
    assert page.locator(".run-stats").is_visible()
    # Explanations and the add-a-pair lists come with htmx when opened.
    page.get_by_text("Explain", exact=True).click()
    page.locator("ul.why").get_by_text("Topics (+", exact=False).wait_for()
    page.get_by_text("Add a pair by hand").click()
    page.locator("select#id_mentor").wait_for()
    page.screenshot(path=artifacts / "04-run-review.png", full_page=True)


def test_periodic_task_form_says_the_crontab_in_words(page, live_server, artifacts):
    page.set_default_timeout(10_000)
    admin = UserFactory(is_staff=True, is_superuser=True)
    crontab = CrontabSchedule.objects.create(minute="0", hour="7")
    task = PeriodicTask.objects.create(name="Morning", task="x.y", crontab=crontab)
    log_in(page, live_server.url, admin.email)
    page.goto(f"{live_server.url}/admin/django_celery_beat/periodictask/{task.pk}/change/")
    page.locator("#id_crontab").wait_for(state="attached")
    assert page.locator(".field-crontab_translation").is_hidden()
    page.locator("#id_crontab").dispatch_event("change")
    help_text = page.locator(".field-crontab .help").inner_text()
    assert help_text.splitlines()[-1] == f"Translation: {crontab.human_readable}"
    page.screenshot(path=artifacts / "01-periodic-task.png", full_page=True)


def test_pending_email_change_page_hides_its_form_under_the_policy(page, live_server):
    page.set_default_timeout(10_000)
    person = UserFactory()
    EmailAddress.objects.create(user=person, email="new@example.org", verified=False)
    log_in(page, live_server.url, person.email)
    page.goto(f"{live_server.url}/accounts/email/")
    assert page.locator("#pending-email").evaluate("f => getComputedStyle(f).display") == "none"
