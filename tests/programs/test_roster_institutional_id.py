import logging

import pytest
from django.contrib import admin
from django.contrib.sessions.middleware import SessionMiddleware
from django.core.files.uploadedfile import SimpleUploadedFile
from django.template.response import TemplateResponse
from django.test import RequestFactory

from accounts.models import User
from programs import roster
from programs.admin_roster import roster_import_view
from programs.models import Invitation, Program
from programs.roster import (
    RosterPreview,
    account_institutional_id_fill,
    roster_import,
    roster_parse,
)
from programs.services import application_submit
from tests.factories import UserFactory
from tests.programs.helpers import make_data, make_program

pytestmark = pytest.mark.django_db


def _csv(*lines: str) -> bytes:
    return "".join(f"{line}\r\n" for line in lines).encode()


def _ids(preview: RosterPreview) -> list[tuple[int, str, str, list[str]]]:
    return [(row.line, row.email, row.institutional_id, row.errors) for row in preview.rows]


def _import(program: Program, *lines: str) -> list[Invitation]:
    preview = roster_parse(program=program, data=_csv(*lines))
    assert preview.errors == []
    assert [row.errors for row in preview.rows] == [[] for _ in preview.rows]
    return roster_import(program=program, preview=preview, invited_by=None)


def _account_id(email: str) -> str | None:
    return User.objects.get(email=email).institutional_id


# --- Reading the column -----------------------------------------------------------------------


@pytest.mark.parametrize(
    "header",
    [
        "institutional_id",
        "Institutional ID",
        "institutional-id",
        "Student ID",
        "student_number",
        "Student Number",
        "Staff ID",
        "EMPLOYEE ID",
        "ID number",
        "id_number",
    ],
)
def test_parse_reads_the_institutional_id_under_any_alias(header):
    program = make_program()

    preview = roster_parse(
        program=program, data=_csv(f"email,name,role,{header}", "a@example.org,Ann,mentor, S-001 ")
    )

    assert preview.errors == []
    assert preview.has_institutional_id is True
    assert _ids(preview) == [(2, "a@example.org", "S-001", [])]


def test_parse_without_the_column_reads_no_ids():
    program = make_program()

    preview = roster_parse(
        program=program, data=_csv("email,name,role", "a@example.org,Ann,mentor")
    )

    assert preview.has_institutional_id is False
    assert _ids(preview) == [(2, "a@example.org", "", [])]


def test_parse_allows_empty_id_cells_and_short_rows():
    program = make_program()
    data = _csv(
        "institutional id,email,name,role", ",a@example.org,Ann,mentor", "S1,b@example.org,Bo"
    )

    preview = roster_parse(program=program, data=data)

    assert _ids(preview) == [
        (2, "a@example.org", "", []),
        (3, "b@example.org", "S1", ["Role is missing; use mentor or mentee."]),
    ]


def test_parse_refuses_two_institutional_id_columns():
    program = make_program()

    preview = roster_parse(
        program=program,
        data=_csv("email,name,role,student id,staff id", "a@example.org,A,mentor,1,2"),
    )

    assert preview.errors == ["The institutional_id column appears twice (columns 4 and 5)."]


# --- Errors -----------------------------------------------------------------------------------


def test_parse_accepts_an_id_of_64_characters_and_refuses_65():
    program = make_program()
    data = _csv(
        "email,name,role,student id",
        f"a@example.org,Ann,mentor,{'A' * 64}",
        f"b@example.org,Bo,mentee,{'B' * 65}",
    )

    preview = roster_parse(program=program, data=data)

    assert [row.errors for row in preview.rows] == [
        [],
        ["The institutional ID is longer than 64 characters."],
    ]
    assert preview.ok is False


def test_parse_marks_an_id_given_to_two_people_on_both_lines():
    program = make_program()
    data = _csv(
        "email,name,role,student id",
        "a@example.org,Ann,mentor,S1",
        "b@example.org,Bo,mentee,S2",
        "c@example.org,Cy,mentee,S1",
    )

    preview = roster_parse(program=program, data=data)

    assert _ids(preview) == [
        (2, "a@example.org", "S1", ['The institutional ID "S1" is also on line 4.']),
        (3, "b@example.org", "S2", []),
        (4, "c@example.org", "S1", ['The institutional ID "S1" is also on line 2.']),
    ]
    assert preview.error_row_count == 2


def test_parse_lists_every_other_line_of_an_id_given_to_three_people():
    program = make_program()
    data = _csv(
        "email,name,role,student id",
        "a@example.org,Ann,mentor,S1",
        "b@example.org,Bo,mentee,S1",
        "c@example.org,Cy,mentee,S1",
    )

    preview = roster_parse(program=program, data=data)

    assert [row.errors for row in preview.rows] == [
        ['The institutional ID "S1" is also on line 3, 4.'],
        ['The institutional ID "S1" is also on line 2, 4.'],
        ['The institutional ID "S1" is also on line 2, 3.'],
    ]


def test_parse_accepts_one_person_with_one_id_in_both_roles():
    program = make_program(allow_dual_role=True)
    data = _csv(
        "email,name,role,student id",
        "a@example.org,Ann,mentor,S1",
        "A@example.org,Ann,mentee,S1",
    )

    preview = roster_parse(program=program, data=data)

    assert preview.ok is True


def test_parse_marks_one_person_given_two_ids_on_both_lines():
    program = make_program(allow_dual_role=True)
    data = _csv(
        "email,name,role,student id",
        "a@example.org,Ann,mentor,S1",
        "a@example.org,Ann,mentee,S2",
    )

    preview = roster_parse(program=program, data=data)

    assert [row.errors for row in preview.rows] == [
        ["Line 3 gives this email another institutional ID."],
        ["Line 2 gives this email another institutional ID."],
    ]


def test_parse_refuses_an_id_that_belongs_to_another_account():
    program = make_program()
    UserFactory(email="owner@example.org", institutional_id="S1")
    data = _csv("email,name,role,student id", "a@example.org,Ann,mentor,S1")

    preview = roster_parse(program=program, data=data)

    assert _ids(preview) == [
        (2, "a@example.org", "S1", ['The institutional ID "S1" belongs to another account.'])
    ]


def test_parse_accepts_an_id_that_belongs_to_the_invited_persons_account():
    program = make_program()
    UserFactory(email="Ann@Example.org", institutional_id="S1")
    data = _csv("email,name,role,student id", "ann@example.org,Ann,mentor,S1")

    preview = roster_parse(program=program, data=data)

    assert preview.ok is True


def test_parse_compares_ids_exactly():
    program = make_program()
    UserFactory(email="owner@example.org", institutional_id="s1")
    data = _csv("email,name,role,student id", "a@example.org,Ann,mentor,S1")

    preview = roster_parse(program=program, data=data)

    assert preview.ok is True


def test_parse_looks_up_ids_in_batches(monkeypatch):
    monkeypatch.setattr(roster, "_LOOKUP_BATCH", 2)
    program = make_program()
    UserFactory(email="owner@example.org", institutional_id="S5")
    rows = [f"p{n}@example.org,P{n},mentee,S{n}" for n in range(1, 8)]

    preview = roster_parse(program=program, data=_csv("email,name,role,student id", *rows))

    assert [row.line for row in preview.rows if row.errors] == [6]


# --- Import -----------------------------------------------------------------------------------


def test_import_stores_the_id_on_each_invitation():
    program = make_program()

    _import(
        program,
        "email,name,role,student id",
        "a@example.org,Ann,mentor,S1",
        "b@example.org,Bo,mentee,",
    )

    assert sorted(Invitation.objects.values_list("email", "institutional_id")) == [
        ("a@example.org", "S1"),
        ("b@example.org", ""),
    ]


def test_import_gives_the_id_to_an_existing_account_without_one():
    program = make_program()
    UserFactory(email="Ann@example.org")
    UserFactory(email="bo@example.org", institutional_id="")

    _import(
        program,
        "email,name,role,student id",
        "ann@example.org,Ann,mentor,S1",
        "bo@example.org,Bo,mentee,S2",
    )

    assert _account_id("Ann@example.org") == "S1"
    assert _account_id("bo@example.org") == "S2"


def test_import_never_overwrites_an_accounts_id():
    program = make_program()
    UserFactory(email="ann@example.org", institutional_id="OLD")

    _import(program, "email,name,role,student id", "ann@example.org,Ann,mentor,NEW")

    assert _account_id("ann@example.org") == "OLD"
    assert Invitation.objects.get().institutional_id == "NEW"


def test_import_still_invites_when_another_account_took_the_id_after_the_preview():
    program = make_program()
    UserFactory(email="ann@example.org")
    UserFactory(email="bo@example.org")
    preview = roster_parse(
        program=program,
        data=_csv(
            "email,name,role,student id",
            "ann@example.org,Ann,mentor,S1",
            "bo@example.org,Bo,mentee,S2",
        ),
    )
    UserFactory(email="late@example.org", institutional_id="S1")

    invitations = roster_import(program=program, preview=preview, invited_by=None)

    assert len(invitations) == 2
    assert _account_id("ann@example.org") is None
    assert _account_id("bo@example.org") == "S2"


def test_import_still_invites_when_the_ids_collide_while_saving(monkeypatch, caplog):
    program = make_program()
    UserFactory(email="ann@example.org")
    preview = roster_parse(
        program=program, data=_csv("email,name,role,student id", "ann@example.org,Ann,mentor,S1")
    )
    UserFactory(email="late@example.org", institutional_id="S1")
    # As if the other account took the ID between the check and the update.
    monkeypatch.setattr(roster, "_institutional_id_owners", lambda ids: {})

    with caplog.at_level(logging.INFO, logger="programs.roster"):
        invitations = roster_import(program=program, preview=preview, invited_by=None)

    assert [invitation.institutional_id for invitation in invitations] == ["S1"]
    assert Invitation.objects.count() == 1
    assert _account_id("ann@example.org") is None
    assert [record.levelname for record in caplog.records] == ["INFO"]


# --- Acceptance -------------------------------------------------------------------------------


def test_accepting_an_invitation_gives_its_id_to_the_account():
    program = make_program()
    _import(program, "email,name,role,student id", "ann@example.org,Ann,mentee,S1")
    user = UserFactory(email="Ann@example.org")

    application_submit(program=program, user=user, data=make_data(program))

    assert user.institutional_id == "S1"
    assert _account_id("Ann@example.org") == "S1"
    assert Invitation.objects.get().accepted_at is not None


def test_accepting_an_invitation_never_overwrites_the_accounts_id():
    program = make_program()
    _import(program, "email,name,role,student id", "ann@example.org,Ann,mentee,NEW")
    user = UserFactory(email="ann@example.org", institutional_id="OLD")

    application_submit(program=program, user=user, data=make_data(program))

    assert _account_id("ann@example.org") == "OLD"


def test_accepting_an_invitation_skips_an_id_another_account_took(caplog):
    program = make_program()
    _import(program, "email,name,role,student id", "ann@example.org,Ann,mentee,S1")
    UserFactory(email="other@example.org", institutional_id="S1")
    user = UserFactory(email="ann@example.org")

    with caplog.at_level(logging.INFO, logger="programs.roster"):
        application = application_submit(program=program, user=user, data=make_data(program))

    assert application.pk is not None
    assert _account_id("ann@example.org") is None
    assert _account_id("other@example.org") == "S1"
    assert [(r.levelname, r.getMessage()) for r in caplog.records] == [
        ("INFO", f"Institutional ID of user {user.pk} not set: another account holds it")
    ]
    assert Invitation.objects.get().accepted_at is not None


def test_accepting_an_invitation_without_an_id_leaves_the_account_alone():
    program = make_program()
    _import(program, "email,name,role", "ann@example.org,Ann,mentee")
    user = UserFactory(email="ann@example.org")

    application_submit(program=program, user=user, data=make_data(program))

    assert _account_id("ann@example.org") is None


def test_accepting_only_uses_the_invitation_for_the_role_applied_for():
    program = make_program(allow_dual_role=True)
    Invitation.objects.create(
        program=program, email="ann@example.org", role="mentor", token="t1", institutional_id="S1"
    )
    user = UserFactory(email="ann@example.org")

    application_submit(program=program, user=user, data=make_data(program, "mentee"))

    assert _account_id("ann@example.org") is None


def test_fill_does_nothing_for_an_id_the_account_already_has():
    user = UserFactory(institutional_id="S1")

    assert account_institutional_id_fill(user=user, institutional_id="S1") is False
    assert _account_id(user.email) == "S1"


def test_fill_does_not_overwrite_an_id_set_since_the_account_was_loaded():
    user = UserFactory()
    User.objects.filter(pk=user.pk).update(institutional_id="OLD")

    assert account_institutional_id_fill(user=user, institutional_id="NEW") is False
    assert _account_id(user.email) == "OLD"


# --- The admin preview ------------------------------------------------------------------------


@pytest.fixture
def superuser():
    return UserFactory(is_staff=True, is_superuser=True)


def _upload(user, program, content: bytes) -> TemplateResponse:
    upload = SimpleUploadedFile("roster.csv", content, "text/csv")
    request = RequestFactory().post("/admin/programs/program/roster/", {"file": upload})
    request.user = user
    SessionMiddleware(lambda r: None).process_request(request)
    response = roster_import_view(admin.site._registry[Program], request, str(program.pk))
    return response.render()


def test_admin_preview_shows_the_id_column_when_the_file_has_it(superuser):
    program = make_program()
    content = _csv("email,name,role,student number", "a@example.org,Ann,mentor,S-77")

    html = _upload(superuser, program, content).content.decode()

    assert '<th scope="col">Institutional ID</th>' in html
    assert '<td class="roster-institutional-id">S-77</td>' in html


def test_admin_preview_has_no_id_column_when_the_file_has_none(superuser):
    program = make_program()
    content = _csv("email,name,role", "a@example.org,Ann,mentor")

    html = _upload(superuser, program, content).content.decode()

    assert '<th scope="col">Institutional ID</th>' not in html
    assert "roster-institutional-id" not in html
