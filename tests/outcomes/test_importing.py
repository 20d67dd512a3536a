"""The outcome import: checking, all or nothing, upserts, encodings and every refusal."""

import io

import pytest
from openpyxl import Workbook

from outcomes.models import OutcomeImport, OutcomePerson, OutcomeRecord
from tests.factories import UserFactory
from tests.outcomes.helpers import import_file, make_outcome_program, make_participant

S = OutcomeImport.Status
pytestmark = pytest.mark.django_db


@pytest.fixture
def program():
    return make_outcome_program()


@pytest.fixture
def staff():
    return UserFactory()


def _values(program):
    return sorted(
        OutcomeRecord.objects.filter(person__program=program).values_list(
            "person__institutional_id", "term", "measure", "value"
        )
    )


def test_a_clean_file_imports_participants_and_comparison_students(program, staff):
    participant = make_participant(program, institutional_id="S1")
    text = (
        "institutional id,term,measure,value,career stage\n"
        "S1,2025-fall,GPA,3.1,First-year\n"
        "S1,2026-fall,gpa,3.5,First-year\n"
        "C1,2025-fall,gpa,3.0,Second-year\n"
        "C1,2026-fall,Retained,yes,Second-year\n"
    )
    record = import_file(program, staff, text)
    assert (record.status, record.rows, record.people, record.participants) == (S.DONE, 4, 2, 1)
    assert (record.new_people, record.created, record.updated) == (1, 4, 0)
    assert record.terms == ["2025-fall", "2026-fall"]
    assert record.measures == ["gpa", "retained"]
    assert not record.file
    assert _values(program) == [
        ("C1", "2025-fall", "gpa", 3.0),
        ("C1", "2026-fall", "retained", 1.0),
        ("S1", "2025-fall", "gpa", 3.1),
        ("S1", "2026-fall", "gpa", 3.5),
    ]
    person = OutcomePerson.objects.get(program=program, user=participant)
    assert person.institutional_id == "S1"
    comparison = OutcomePerson.objects.get(program=program, institutional_id="C1")
    assert (comparison.user, comparison.career_stage.name) == (None, "Second-year")


def test_uploading_the_same_person_term_and_measure_again_updates_it(program, staff):
    import_file(program, staff, "person,term,measure,value\nC1,2025-fall,gpa,2.0\n")
    record = import_file(
        program, staff, "person,term,measure,value\nC1,2025-fall,gpa,2.5\nC1,2026-fall,gpa,3\n"
    )
    assert (record.created, record.updated, record.new_people) == (1, 1, 0)
    assert _values(program) == [("C1", "2025-fall", "gpa", 2.5), ("C1", "2026-fall", "gpa", 3.0)]
    assert OutcomePerson.objects.filter(program=program).count() == 1


def test_a_person_named_by_email_must_have_an_account_and_nothing_is_imported(program, staff):
    UserFactory(email="known@example.org")
    text = (
        "person,term,measure,value\n"
        "known@example.org,2025-fall,gpa,3\n"
        "ghost@example.org,2025-fall,gpa,3\n"
        "C1,2025-fall,gpa,3\n"
    )
    record = import_file(program, staff, text)
    assert record.status == S.REFUSED
    assert record.errors == [
        "Line 3: nobody has an account with the email ghost@example.org; name students "
        "without an account by their institutional ID."
    ]
    assert not OutcomeRecord.objects.exists()
    assert not OutcomePerson.objects.exists()


def test_every_bad_row_is_listed_with_its_line_and_nothing_changes(program, staff):
    text = (
        "person,term,measure,value\n"
        "C1,2024-fall,gpa,3\n"
        "C2,2025-fall,gpa,A\n"
        "C3,2025-fall,gpa,-3\n"
        "C4,2025-fall,happiness,3\n"
        "C5,2025-fall,retained,maybe\n"
        ",2025-fall,gpa,3\n"
        "C6,2025-fall,gpa,3.2\n"
        "C6,2025-fall,gpa,3.3\n"
    )
    record = import_file(program, staff, text)
    assert record.status == S.REFUSED
    assert record.error_count == 7
    assert record.errors == [
        "Line 2: the term “2024-fall” is not in the program's terms "
        "(2025-spring, 2025-fall, 2026-spring, 2026-fall).",
        "Line 3: “A” is not a number for GPA.",
        "Line 4: -3 is outside 0 to 5 for GPA.",
        "Line 5: “happiness” is not a measure we know (GPA, credits, enrolled next term, "
        "retained, graduated, or grade:COURSE).",
        "Line 6: “maybe” is not yes or no.",
        "Line 7: no person: give an institutional ID or an email.",
        "Line 9 repeats line 8: the same person, term and measure.",
    ]
    assert not OutcomeRecord.objects.exists()
    assert not OutcomePerson.objects.exists()


def test_a_byte_order_mark_and_latin_1_with_semicolons_are_read(program, staff):
    stage = program.career_stages.get(name="Second-year")
    stage.name = "Segundo año"
    stage.save()
    record = import_file(program, staff, "\ufeffperson,term,measure,value\nC1,2025-fall,gpa,3.25\n")
    assert record.status == S.DONE
    text = "Person;Term;Measure;Value;Career stage\nC2;2025-fall;gpa;3,5;Segundo año\n"
    record = import_file(program, staff, text, encoding="latin-1")
    assert record.status == S.DONE, record.errors
    assert _values(program) == [("C1", "2025-fall", "gpa", 3.25), ("C2", "2025-fall", "gpa", 3.5)]
    assert OutcomePerson.objects.get(institutional_id="C2").career_stage == stage


def test_an_xlsx_file_is_read_like_a_csv(program, staff):
    book = Workbook()
    sheet = book.active
    sheet.append(["Student ID", "Term", "Measure", "Value"])
    sheet.append(["C1", "2025-fall", "GPA", 3.75])
    sheet.append([1234, "2025-fall", "grade:math101", "B+"])
    buffer = io.BytesIO()
    book.save(buffer)
    record = import_file(program, staff, buffer.getvalue(), name="grades.xlsx")
    assert record.status == S.DONE, record.errors
    assert _values(program) == [
        ("1234", "2025-fall", "grade:MATH101", 3.3),
        ("C1", "2025-fall", "gpa", 3.75),
    ]


@pytest.mark.parametrize(
    ("data", "message"),
    [
        (b"\x00\x01garbage" * 1000, "This is not a CSV or XLSX file."),
        (b"\xd0\xcf\x11\xe0old", "Old Excel (.xls) files cannot be read: save it as .xlsx or CSV."),
        (b"PK\x03\x04notazip", "The spreadsheet could not be opened."),
        (
            b"name,score\nC1,3\n",
            "The first row must name the columns. Missing: person, term, "
            "measure, value. Expected: person (or institutional id, or email), term, measure, "
            "value, and optionally career stage.",
        ),
        (b"person,term,measure,value\n", "The file has no rows under its header."),
    ],
)
def test_files_that_are_not_outcome_tables_are_refused(program, staff, data, message):
    record = import_file(program, staff, data)
    assert (record.status, record.errors) == (S.REFUSED, [message])
    assert not OutcomePerson.objects.exists()


def test_random_bytes_are_refused_without_writing(program, staff):
    import random

    data = bytes(random.Random(4).getrandbits(8) for _ in range(200_000))
    record = import_file(program, staff, data.replace(b"\x00", b"x"))
    assert record.status == S.REFUSED
    assert record.error_count == 1
    assert not OutcomePerson.objects.exists()


def test_a_program_without_terms_refuses_imports(staff):
    program = make_outcome_program(outcome_terms="", outcome_first_term="")
    record = import_file(program, staff, "person,term,measure,value\nC1,2025-fall,gpa,3\n")
    assert record.errors == [
        "This program has no term list yet: a coordinator sets it on the program."
    ]


def test_an_id_and_email_of_two_different_accounts_are_refused(program, staff):
    UserFactory(email="a@example.org", institutional_id="S1")
    UserFactory(email="b@example.org", institutional_id="S2")
    record = import_file(
        program, staff, "student id,email,term,measure,value\nS1,b@example.org,2025-fall,gpa,3\n"
    )
    assert record.errors == [
        "Line 2: the institutional ID S1 and the email b@example.org belong to two different "
        "accounts."
    ]


def test_records_of_one_program_never_touch_another(program, staff):
    other = make_outcome_program()
    import_file(program, staff, "person,term,measure,value\nC1,2025-fall,gpa,2\n")
    import_file(other, staff, "person,term,measure,value\nC1,2025-fall,gpa,4\n")
    assert _values(program) == [("C1", "2025-fall", "gpa", 2.0)]
    assert _values(other) == [("C1", "2025-fall", "gpa", 4.0)]


@pytest.mark.parametrize(
    ("terms", "first", "error"),
    [
        (
            "2025-fall\n2025-fall",
            "2025-fall",
            {"outcome_terms": ["Each term may be listed only once."]},
        ),
        (
            "2025-fall\n2026-spring",
            "2027-fall",
            {"outcome_first_term": ["The first term must be one of the terms listed."]},
        ),
        (
            "2025-fall",
            "",
            {"outcome_first_term": ["Say which of the terms is the program's first."]},
        ),
        ("x" * 33, "", {"outcome_terms": ["A term is at most 32 characters."]}),
    ],
)
def test_a_programs_terms_are_checked(terms, first, error):
    from django.core.exceptions import ValidationError

    program = make_outcome_program()
    program.outcome_terms, program.outcome_first_term = terms, first
    with pytest.raises(ValidationError) as caught:
        program.full_clean()
    assert caught.value.message_dict == error
