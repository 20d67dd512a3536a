"""Journey 7, outcomes: a reporting staff member uploads a term file of GPAs for participants
and a comparison group, confirms it after the check, sees the outcomes page with the
difference-in-differences sentence and its chart drawn, opens the printable report and
downloads the PDF, which holds the same sentence."""

import re

import pytest
from django.contrib.auth.models import Group
from pypdf import PdfReader

from mentoring.roles import REPORTING_GROUP
from outcomes.models import OutcomeRecord
from tests.e2e.helpers import log_in
from tests.factories import UserFactory
from tests.outcomes.helpers import make_outcome_program, make_participant

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]
SENTENCE = re.compile(
    r"Participants' GPA rose 0\.30 points more than the comparison group's "
    r"\(95% CI [0-9.]+ to [0-9.]+; 12 participants, 16 comparison students\)\."
)


def _term_file(path) -> None:
    lines = ["Student ID,Term,Measure,Value,Career stage"]
    for i in range(12):
        wiggle = 0.1 if i % 2 else -0.1
        lines += [f"P{i},2025-fall,GPA,3.0,First-year", f"P{i},2026-fall,GPA,{3.5 + wiggle:.1f},"]
    for i in range(16):
        wiggle = 0.1 if i % 2 else -0.1
        lines += [f"C{i},2025-fall,GPA,3.0,First-year", f"C{i},2026-fall,GPA,{3.2 + wiggle:.1f},"]
    path.write_text("\n".join(lines) + "\n", encoding="utf-8")


def _normalised(text: str) -> str:
    return " ".join(text.replace("\u2019", "'").split())


def test_reporting_staff_upload_a_term_file_and_take_away_the_pdf(
    page, live_server, artifacts, tmp_path
):
    page.set_default_timeout(15_000)
    base = live_server.url
    program = make_outcome_program(
        name="Peer Study Circle", slug="peer-study-circle", min_cell_size=10
    )
    for i in range(12):
        make_participant(program, institutional_id=f"P{i}")
    staff = UserFactory(email="rita.reports@example.org", display_name="Rita Reports")
    staff.groups.add(Group.objects.get_or_create(name=REPORTING_GROUP)[0])
    program.reporting_staff.add(staff)
    term_file = tmp_path / "gpa-2026-fall.csv"
    _term_file(term_file)

    log_in(page, base, staff.email)
    page.goto(f"{base}/evaluation/programs/{program.pk}/")
    page.get_by_role("link", name="Import outcome records").click()
    page.get_by_label("Outcome file (CSV or XLSX)").set_input_files(term_file)
    page.get_by_role("button", name="Check the file").click()
    page.get_by_text("28, of whom 12 took part in the program").wait_for()
    page.screenshot(path=artifacts / "01-checked.png", full_page=True)
    assert not OutcomeRecord.objects.exists()
    page.get_by_role("button", name="Import 56 rows").click()
    page.get_by_text("56 records added and 0 updated").wait_for()
    page.get_by_role("link", name="See the outcomes").click()

    headline = page.get_by_test_id("headline-overall")
    sentence = _normalised(headline.inner_text())
    assert SENTENCE.fullmatch(sentence), sentence
    assert "observational" in page.locator("[role=note]").inner_text()
    page.wait_for_function(
        "() => [...document.querySelectorAll('canvas[data-chart]')]"
        ".every(c => Chart.getChart(c) !== undefined && c.toDataURL().length > 3000)"
    )
    page.screenshot(path=artifacts / "02-outcomes.png", full_page=True)
    page.set_viewport_size({"width": 375, "height": 800})
    page.reload()
    page.screenshot(path=artifacts / "03-outcomes-375.png", full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    page.set_viewport_size({"width": 1280, "height": 900})

    page.get_by_role("link", name="Impact report (printable)").click()
    page.get_by_role("heading", name="Peer Study Circle: impact report").wait_for()
    page.emulate_media(media="print")
    page.screenshot(path=artifacts / "04-report-print.png", full_page=True)
    assert not page.get_by_role("navigation", name="Main navigation").is_visible()
    page.emulate_media(media="screen")
    with page.expect_download() as download_info:
        page.get_by_role("link", name="Download PDF").click()
    download = download_info.value
    assert re.fullmatch(
        r"peer-study-circle-impact-\d{4}-\d{2}-\d{2}\.pdf", download.suggested_filename
    )
    path = tmp_path / download.suggested_filename
    download.save_as(path)
    text = _normalised(" ".join(p.extract_text() for p in PdfReader(path).pages))
    assert sentence in text
    assert "Peer Study Circle" in text
