"""Outcome pages: upload, check, confirm, the results page and downloads; scoping (404 for
anyone who does not report on the program), escaping, and fixed query counts."""

import pytest
from django.contrib.auth.models import Group
from django.urls import reverse

from mentoring.roles import REPORTING_GROUP
from outcomes.models import OutcomeImport, OutcomePerson, OutcomeRecord
from tests.factories import UserFactory
from tests.outcomes.helpers import (
    TERMS,
    import_file,
    make_outcome_program,
    make_participant,
    upload,
)

pytestmark = pytest.mark.django_db


def _reporter(program):
    user = UserFactory()
    user.groups.add(Group.objects.get_or_create(name=REPORTING_GROUP)[0])
    program.reporting_staff.add(user)
    return user


def _seed(program, participants: int, comparison: int) -> None:
    rows = ["person,term,measure,value"]
    for i in range(participants):
        make_participant(program, institutional_id=f"P{program.pk}-{i}")
        rows += [f"P{program.pk}-{i},2025-fall,gpa,3.0", f"P{program.pk}-{i},2026-fall,gpa,3.5"]
        rows += [f"P{program.pk}-{i},2026-fall,retained,{'yes' if i % 4 else 'no'}"]
    for i in range(comparison):
        rows += [f"C{i},2025-fall,gpa,3.0", f"C{i},2026-fall,gpa,{3.1 + (i % 3) / 10}"]
        rows += [f"C{i},2026-fall,retained,{'yes' if i % 3 else 'no'}"]
    record = import_file(program, UserFactory(), "\n".join(rows) + "\n")
    assert record.status == OutcomeImport.Status.DONE, record.errors


@pytest.fixture
def program():
    return make_outcome_program(min_cell_size=3)


@pytest.fixture
def reporter(program):
    return _reporter(program)


def _urls(program, record=None):
    pk = program.pk
    urls = [
        reverse("outcomes:program", args=[pk]),
        reverse("outcomes:import-list", args=[pk]),
        reverse("outcomes:report", args=[pk]),
        reverse("outcomes:report-pdf", args=[pk]),
        reverse("outcomes:report-download", args=[pk, "csv"]),
        reverse("outcomes:report-download", args=[pk, "xlsx"]),
    ]
    if record:
        urls.append(reverse("outcomes:import-detail", args=[pk, record.pk]))
    return urls


def test_a_reporter_uploads_checks_and_confirms_a_file(client, program, reporter):
    make_participant(program, institutional_id="S1")
    client.force_login(reporter)
    text = "person,term,measure,value\nS1,2025-fall,gpa,3\nC1,2025-fall,gpa,2.5\n"
    response = client.post(
        reverse("outcomes:import-list", args=[program.pk]), {"file": upload("t.csv", text)}
    )
    record = OutcomeImport.objects.get()
    assert response.status_code == 302
    assert response["Location"] == reverse("outcomes:import-detail", args=[program.pk, record.pk])
    page = client.get(response["Location"]).content.decode()
    assert "2, of whom 1 took part in the program; 1 comparison students are new." in page
    assert "Import 2 rows" in page
    assert not OutcomeRecord.objects.exists()
    response = client.post(reverse("outcomes:import-confirm", args=[program.pk, record.pk]))
    assert response.status_code == 302
    record.refresh_from_db()
    assert (record.status, record.created, record.uploaded_by) == ("done", 2, reporter)
    assert OutcomeRecord.objects.count() == 2
    # A second confirm changes nothing and says why.
    client.post(reverse("outcomes:import-confirm", args=[program.pk, record.pk]))
    assert OutcomeRecord.objects.count() == 2


def test_a_refused_file_lists_its_errors_escaped_and_can_be_discarded(client, program, reporter):
    client.force_login(reporter)
    text = "person,term,measure,value\n<b>x</b>,2025-fall,gpa,<script>1</script>\n"
    client.post(reverse("outcomes:import-list", args=[program.pk]), {"file": upload("t.csv", text)})
    record = OutcomeImport.objects.get()
    page = client.get(reverse("outcomes:import-detail", args=[program.pk, record.pk])).content
    assert b"&lt;script&gt;1&lt;/script&gt;" in page
    assert b"<script>1</script>" not in page
    assert record.status == "refused"
    client.post(reverse("outcomes:import-discard", args=[program.pk, record.pk]))
    record.refresh_from_db()
    assert record.status == "discarded"
    assert not record.file


def test_a_file_that_is_not_csv_or_xlsx_is_refused_by_the_form(client, program, reporter):
    client.force_login(reporter)
    response = client.post(
        reverse("outcomes:import-list", args=[program.pk]), {"file": upload("t.pdf", "%PDF")}
    )
    assert response.status_code == 400
    assert "Upload a .csv or .xlsx file." in response.content.decode()
    assert not OutcomeImport.objects.exists()


@pytest.mark.parametrize("who", ["other_reporter", "participant", "other_coordinator"])
def test_anyone_who_does_not_report_on_the_program_gets_404_everywhere(client, program, who):
    _seed(program, 3, 3)
    record = OutcomeImport.objects.get()
    other = make_outcome_program()
    if who == "other_reporter":
        user = _reporter(other)
    elif who == "participant":
        user = OutcomePerson.objects.filter(program=program, user__isnull=False).first().user
    else:
        user = UserFactory(is_staff=True)
        other.coordinators.add(user)
    client.force_login(user)
    for url in _urls(program, record):
        assert client.get(url).status_code == 404, url
    for name in ("import-confirm", "import-discard"):
        url = reverse(f"outcomes:{name}", args=[program.pk, record.pk])
        assert client.post(url).status_code == 404
    # Another program's import under this program's URL is 404 even for its own reporter.
    mine = _reporter(other)
    client.force_login(mine)
    url = reverse("outcomes:import-detail", args=[other.pk, record.pk])
    assert client.get(url).status_code == 404
    response = client.post(
        reverse("outcomes:import-list", args=[program.pk]), {"file": upload("t.csv", "x")}
    )
    assert response.status_code == 404
    assert OutcomeImport.objects.count() == 1


def test_the_outcomes_page_shows_the_sentence_chart_and_tables(client, program, reporter):
    _seed(program, 4, 6)
    client.force_login(reporter)
    page = client.get(reverse("outcomes:program", args=[program.pk])).content.decode()
    assert "Participants&#x27; GPA rose" in page or "Participants' GPA rose" in page
    assert 'data-chart="series-data"' in page
    assert "observational" in page
    retained = client.get(reverse("outcomes:program", args=[program.pk]) + "?measure=retained")
    assert "of participants were retained at the end" in retained.content.decode()


def test_downloads_are_a_pdf_a_csv_and_a_workbook(client, program, reporter):
    _seed(program, 4, 6)
    client.force_login(reporter)
    pdf = client.get(reverse("outcomes:report-pdf", args=[program.pk]))
    assert pdf["Content-Type"] == "application/pdf"
    assert pdf.content.startswith(b"%PDF")
    csv = client.get(reverse("outcomes:report-download", args=[program.pk, "csv"]))
    assert csv["Content-Type"] == "text/csv; charset=utf-8"
    assert "GPA" in b"".join(csv.streaming_content).decode("utf-8-sig")
    xlsx = client.get(reverse("outcomes:report-download", args=[program.pk, "xlsx"]))
    assert b"".join(xlsx.streaming_content).startswith(b"PK")
    missing = reverse("outcomes:report-download", args=[program.pk, "csv"]) + "?table=nope"
    assert client.get(missing).status_code == 404
    assert (
        client.get(reverse("outcomes:report-download", args=[program.pk, "txt"])).status_code == 404
    )


def _queries(client, django_assert_max_num_queries, url):
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    with CaptureQueriesContext(connection) as captured:
        assert client.get(url).status_code == 200
    return len(captured)


@pytest.mark.parametrize(
    "name",
    ["outcomes:program", "outcomes:report", "outcomes:import-list", "outcomes:import-detail"],
)
def test_each_page_takes_the_same_queries_at_two_sizes(client, name, django_assert_max_num_queries):
    counts = []
    for participants, comparison in ((3, 3), (9, 30)):
        program = make_outcome_program(min_cell_size=3)
        _seed(program, participants, comparison)
        reporter = _reporter(program)
        client.force_login(reporter)
        args = [program.pk]
        if name == "outcomes:import-detail":
            args.append(OutcomeImport.objects.filter(program=program).get().pk)
        counts.append(_queries(client, django_assert_max_num_queries, reverse(name, args=args)))
    assert counts[0] == counts[1]


def test_terms_listed_on_the_upload_page(client, program, reporter):
    client.force_login(reporter)
    page = client.get(reverse("outcomes:import-list", args=[program.pk])).content.decode()
    assert ", ".join(TERMS) in page
