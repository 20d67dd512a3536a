import codecs
import time

import pytest
from django.conf import settings
from django.contrib import admin
from django.contrib.admin import ModelAdmin
from django.contrib.auth.models import Group
from django.contrib.messages import get_messages
from django.contrib.messages.storage.fallback import FallbackStorage
from django.contrib.sessions.middleware import SessionMiddleware
from django.core import mail, signing
from django.core.exceptions import ValidationError
from django.core.files.uploadedfile import SimpleUploadedFile
from django.http import Http404
from django.template.response import TemplateResponse
from django.test import RequestFactory
from django.urls import reverse

from mentoring.roles import COORDINATORS_GROUP
from notifications.models import Kind, Notification
from notifications.services import notifications_deliver_due
from programs.admin_roster import payload_dumps, roster_import_view
from programs.models import Invitation, Program
from programs.roster import (
    MAX_BYTES,
    MAX_ROWS,
    RosterPreview,
    RosterRow,
    invitations_send_pending,
    roster_import,
    roster_parse,
)
from tests.factories import ApplicationFactory, UserFactory
from tests.programs.helpers import make_program

pytestmark = pytest.mark.django_db

HINT = "The first line must name the columns email, name and role (career_stage is optional)."


def _csv(*lines: str, encoding: str = "utf-8") -> bytes:
    return "".join(f"{line}\r\n" for line in lines).encode(encoding)


def _summary(preview: RosterPreview) -> list[tuple]:
    return [
        (
            row.line,
            row.email,
            row.name,
            row.role,
            row.career_stage.name if row.career_stage else None,
            row.errors,
        )
        for row in preview.rows
    ]


def _invite(program: Program, email: str, role: str = "mentee") -> Invitation:
    return Invitation.objects.create(program=program, email=email, role=role, token=email)


# --- Reading the file -------------------------------------------------------------------------


def test_parse_reads_utf8_with_bom():
    program = make_program()
    data = codecs.BOM_UTF8 + _csv("email,name,role", "zoe@example.org,Zoë Ñúñez,mentee")

    preview = roster_parse(program=program, data=data)

    assert preview.errors == []
    assert _summary(preview) == [(2, "zoe@example.org", "Zoë Ñúñez", "mentee", None, [])]


def test_parse_reads_utf8_without_bom_and_normalises_values():
    program = make_program()
    data = _csv(
        " E-Mail ,Full Name,ROLE,Career Stage",
        "Zoe.Nunez@Example.ORG , Zoë Ñúñez ,Mentor,final-YEAR",
    )

    preview = roster_parse(program=program, data=data)

    assert preview.errors == []
    assert _summary(preview) == [
        (2, "zoe.nunez@example.org", "Zoë Ñúñez", "mentor", "Final-year", [])
    ]


def test_parse_reads_latin1_file():
    program = make_program()
    data = _csv("email;name;role", "zoe@example.org;Zoë Ñúñez;mentee", encoding="latin-1")

    preview = roster_parse(program=program, data=data)

    assert _summary(preview) == [(2, "zoe@example.org", "Zoë Ñúñez", "mentee", None, [])]


def test_parse_reads_windows_1252_quotes():
    program = make_program()
    data = _csv("email,name,role", "ann@example.org,Ann \u201cNan\u201d O\u2019Neil,mentee")

    preview = roster_parse(program=program, data=data.decode("utf-8").encode("cp1252"))

    assert _summary(preview) == [
        (2, "ann@example.org", "Ann \u201cNan\u201d O\u2019Neil", "mentee", None, [])
    ]


def test_parse_reads_utf16_with_bom():
    program = make_program()
    data = "email\tname\trole\r\nzoe@example.org\tZoë Ñúñez\tmentee\r\n".encode("utf-16")

    preview = roster_parse(program=program, data=data)

    assert _summary(preview) == [(2, "zoe@example.org", "Zoë Ñúñez", "mentee", None, [])]


def test_parse_accepts_semicolon_delimiter():
    program = make_program()
    data = _csv(
        "email;name;role;career_stage",
        'a@example.org;"Smith, Ann";mentor;Graduate',
        "b@example.org;Bo;mentee;",
    )

    preview = roster_parse(program=program, data=data)

    assert _summary(preview) == [
        (2, "a@example.org", "Smith, Ann", "mentor", "Graduate", []),
        (3, "b@example.org", "Bo", "mentee", None, []),
    ]


def test_parse_ignores_extra_columns_and_blank_lines_keeping_physical_line_numbers():
    program = make_program()
    data = _csv(
        "id,email,notes,name,role,department",
        '1,a@example.org,"two',
        'lines",Ann,mentor,Physics,extra,cells',
        "",
        ",,,,,",
        "2,b@example.org,,Bo,mentee",
        "",
    )

    preview = roster_parse(program=program, data=data)

    assert preview.errors == []
    assert _summary(preview) == [
        (2, "a@example.org", "Ann", "mentor", None, []),
        (6, "b@example.org", "Bo", "mentee", None, []),
    ]


@pytest.mark.parametrize(
    "header, expected",
    [
        ("email,name", f"Missing column: role. {HINT}"),
        ("e-mail,career stage", f"Missing columns: name, role. {HINT}"),
        ("first,second,third", f"Missing columns: email, name, role. {HINT}"),
    ],
)
def test_parse_reports_missing_columns(header, expected):
    program = make_program()

    preview = roster_parse(program=program, data=_csv(header, "a@example.org,Ann,mentor"))

    assert preview.errors == [expected]
    assert preview.rows == []
    assert preview.ok is False


def test_parse_reports_a_column_given_twice():
    program = make_program()
    data = _csv("email,name,role,e-mail", "a@example.org,Ann,mentor,b@example.org")

    preview = roster_parse(program=program, data=data)

    assert preview.errors == ["The email column appears twice (columns 1 and 4)."]


@pytest.mark.parametrize("data", [b"", b"\r\n\r\n", codecs.BOM_UTF8 + b"\n", b"  \n\t\n"])
def test_parse_reports_empty_file(data):
    preview = roster_parse(program=make_program(), data=data)

    assert preview.errors == ["The file is empty."]


def test_parse_reports_file_with_only_a_header():
    preview = roster_parse(program=make_program(), data=_csv("email,name,role", ",,"))

    assert preview.errors == ["The file has a header line but no rows below it."]


def test_parse_reports_file_too_large():
    data = _csv("email,name,role") + b"x" * MAX_BYTES

    preview = roster_parse(program=make_program(), data=data)

    assert preview.errors == ["The file is larger than 5 MB; split it into smaller files."]


def test_parse_reports_too_many_rows():
    rows = [f"p{n}@example.org,P {n},mentee" for n in range(MAX_ROWS + 1)]

    preview = roster_parse(program=make_program(), data=_csv("email,name,role", *rows))

    assert preview.errors == ["The file has more than 20,000 rows; split it into smaller files."]
    assert preview.rows == []


@pytest.mark.parametrize(
    "data, expected",
    [
        (
            b"PK\x03\x04\x14\x00\x06\x00rest-of-a-workbook",
            "This is a spreadsheet workbook, not a CSV file. Save or download it as CSV "
            "(comma-separated values) and upload that file.",
        ),
        (
            b"\x89PNG\r\n\x1a\n\x00\x00\x00\rIHDR",
            "This file contains binary data; it is not a CSV file.",
        ),
        (
            b'email,name,role\r\na@example.org,"' + b"x" * 200_000 + b'",mentee\r\n',
            "This does not look like a CSV file (field larger than field limit (131072)).",
        ),
    ],
)
def test_parse_reports_files_that_are_not_csv(data, expected):
    preview = roster_parse(program=make_program(), data=data)

    assert preview.errors == [expected]


# --- Checking rows ----------------------------------------------------------------------------


def test_parse_reports_each_row_problem_in_a_sentence():
    program = make_program()
    data = _csv(
        "email,name,role,career_stage",
        "not-an-email,Ann,mentor,",
        ",Bo,mentee,",
        "c@example.org,,mentee,",
        f"d@example.org,{'x' * 121},mentee,",
        "e@example.org,Eve,coach,",
        "f@example.org,Fay,,",
        "g@example.org,Gus,mentee,Postdoc",
        "h@example.org,Hal,mentee,first-year",
    )

    preview = roster_parse(program=program, data=data)

    assert [(row.line, row.errors) for row in preview.rows] == [
        (2, ['"not-an-email" is not a valid email address.']),
        (3, ["Email is missing."]),
        (4, ["Name is missing."]),
        (5, ["Name is longer than 120 characters."]),
        (6, ['Role must be mentor or mentee, not "coach".']),
        (7, ["Role is missing; use mentor or mentee."]),
        (
            8,
            [
                'Unknown career stage "Postdoc"; use one of: '
                "First-year, Second-year, Final-year, Graduate."
            ],
        ),
        (9, []),
    ]
    assert preview.error_row_count == 7
    assert preview.ok is False


def test_parse_reports_stage_when_program_has_no_stages():
    program = Program.objects.create(name="Bare", slug="bare")

    preview = roster_parse(
        program=program, data=_csv("email,name,role,stage", "a@example.org,Ann,mentee,Senior")
    )

    assert preview.rows[0].errors == [
        'Unknown career stage "Senior": this program has none; leave the cell empty.'
    ]


def test_parse_reports_duplicate_email_and_role():
    program = make_program(allow_dual_role=True)
    data = _csv(
        "email,name,role",
        "ann@example.org,Ann,mentor",
        "ANN@example.org,Ann again,Mentor",
        "ann@example.org,Ann,mentee",
    )

    preview = roster_parse(program=program, data=data)

    assert [(row.line, row.errors) for row in preview.rows] == [
        (2, []),
        (3, ["Duplicate of line 2."]),
        (4, []),
    ]


def test_parse_reports_people_already_invited_or_applied_in_that_role():
    program = make_program(allow_dual_role=True)
    _invite(program, "Invited@example.org", "mentor")
    ApplicationFactory(program=program, user=UserFactory(email="applied@example.org"))
    other = make_program()
    _invite(other, "elsewhere@example.org", "mentor")
    data = _csv(
        "email,name,role",
        "invited@example.org,Ivy,mentor",
        "invited@example.org,Ivy,mentee",
        "applied@example.org,Abe,mentee",
        "applied@example.org,Abe,mentor",
        "elsewhere@example.org,Eli,mentor",
    )

    preview = roster_parse(program=program, data=data)

    assert [(row.line, row.errors) for row in preview.rows] == [
        (2, ["Already invited to this program as a mentor."]),
        (3, []),
        (4, ["Already applied to this program as a mentee."]),
        (5, []),
        (6, []),
    ]


def test_parse_refuses_both_roles_when_program_does_not_allow_them():
    program = make_program(allow_dual_role=False)
    _invite(program, "invited@example.org", "mentor")
    ApplicationFactory(program=program, user=UserFactory(email="applied@example.org"))
    rule = "this program does not allow being both mentor and mentee."
    data = _csv(
        "email,name,role",
        "ann@example.org,Ann,mentor",
        "ann@example.org,Ann,mentee",
        "invited@example.org,Ivy,mentee",
        "applied@example.org,Abe,mentor",
    )

    preview = roster_parse(program=program, data=data)

    assert [(row.line, row.errors) for row in preview.rows] == [
        (2, []),
        (3, [f"Also listed as a mentor on line 2; {rule}"]),
        (4, [f"Already invited as a mentor; {rule}"]),
        (5, [f"Already applied as a mentee; {rule}"]),
    ]


def test_preview_counts_roles_and_rows_with_errors():
    program = make_program()
    data = _csv(
        "email,name,role",
        "a@example.org,Ann,mentor",
        "b@example.org,Bo,mentee",
        "c@example.org,Cy,mentee",
        "bad,Dee,mentee",
    )

    preview = roster_parse(program=program, data=data)

    assert (preview.mentor_count, preview.mentee_count, preview.error_row_count) == (1, 3, 1)


# --- Importing --------------------------------------------------------------------------------


def test_import_creates_invitations_and_queues_one_email_each():
    program = make_program(name="Peer Support", description="Meet fortnightly.\nBe kind.")
    coordinator = UserFactory(display_name="Ada Lovelace")
    data = _csv(
        "email,name,role,career_stage",
        "zoe@example.org,Zoë Ñúñez,mentee,First-year",
        "max@example.org,Max,mentor,",
    )

    invitations = roster_import(
        program=program, preview=roster_parse(program=program, data=data), invited_by=coordinator
    )

    stored = Invitation.objects.filter(program=program).order_by("email")
    assert [
        (i.email, i.name, i.role, i.career_stage_id, i.invited_by_id, len(i.token)) for i in stored
    ] == [
        ("max@example.org", "Max", "mentor", None, coordinator.pk, 43),
        (
            "zoe@example.org",
            "Zoë Ñúñez",
            "mentee",
            program.career_stages.get(name="First-year").pk,
            coordinator.pk,
            43,
        ),
    ]
    assert sorted(i.pk for i in invitations) == sorted(i.pk for i in stored)
    assert all(i.emailed_at is not None for i in stored)
    assert sorted(
        Notification.objects.filter(kind=Kind.PROGRAM_INVITATION).values_list(
            "to_email", "subject_id", "program_id"
        )
    ) == sorted((i.email, i.pk, program.pk) for i in stored)


def test_invitation_email_is_delivered_with_the_link():
    program = make_program(name="Peer Support", description="Meet fortnightly.\nBe kind.")
    coordinator = UserFactory(display_name="Ada Lovelace")
    data = _csv("email,name,role", "zoe@example.org,Zoë Ñúñez,mentee")
    roster_import(
        program=program, preview=roster_parse(program=program, data=data), invited_by=coordinator
    )
    invitation = Invitation.objects.get(program=program)

    assert notifications_deliver_due() == 1

    link = settings.SITE_URL + reverse("programs:invitation", kwargs={"token": invitation.token})
    [message] = mail.outbox
    assert message.to == ["zoe@example.org"]
    assert message.subject == "You are invited to Peer Support as a mentee"
    assert message.body == (
        "Hello Zoë Ñúñez,\n\n"
        "Ada Lovelace invited you to join Peer Support as a mentee.\n\n"
        "Meet fortnightly.\nBe kind.\n\n"
        "To take part, create your account (or sign in) and fill in the short application "
        f"form:\n{link}\n\n"
        "If you did not expect this invitation, you can ignore this email.\n\n"
    )


def test_import_is_all_or_nothing():
    program = make_program()
    data = _csv("email,name,role", "a@example.org,Ann,mentor", "b@example.org,Bo,coach")
    preview = roster_parse(program=program, data=data)

    with pytest.raises(ValidationError) as excinfo:
        roster_import(program=program, preview=preview, invited_by=None)

    assert excinfo.value.messages == ["The roster has problems; fix them and upload it again."]
    assert Invitation.objects.count() == 0
    assert Notification.objects.count() == 0


def test_import_writes_nothing_when_someone_was_invited_meanwhile():
    program = make_program()
    data = _csv("email,name,role", "a@example.org,Ann,mentor", "b@example.org,Bo,mentee")
    preview = roster_parse(program=program, data=data)
    _invite(program, "b@example.org", "mentee")

    with pytest.raises(ValidationError) as excinfo:
        roster_import(program=program, preview=preview, invited_by=None)

    assert excinfo.value.messages == [
        "Some of these people were invited meanwhile; upload the file again to see who."
    ]
    assert list(Invitation.objects.values_list("email", flat=True)) == ["b@example.org"]
    assert Notification.objects.count() == 0


def test_import_refuses_a_preview_of_another_program():
    program, other = make_program(), make_program()
    data = _csv("email,name,role,stage", "a@example.org,Ann,mentor,Graduate")
    preview = roster_parse(program=other, data=data)

    with pytest.raises(ValidationError):
        roster_import(program=program, preview=preview, invited_by=None)

    assert Invitation.objects.count() == 0


def test_draft_program_emails_nobody_until_invitations_send_pending():
    program = make_program(status=Program.Status.DRAFT)
    data = _csv("email,name,role", "a@example.org,Ann,mentor", "b@example.org,Bo,mentee")
    roster_import(
        program=program, preview=roster_parse(program=program, data=data), invited_by=None
    )

    assert list(Invitation.objects.values_list("emailed_at", flat=True)) == [None, None]
    assert Notification.objects.count() == 0
    assert invitations_send_pending(program=program) == 0

    program.status = Program.Status.ENROLLING
    program.save()
    assert invitations_send_pending(program=program) == 2
    assert invitations_send_pending(program=program) == 0

    assert Invitation.objects.filter(emailed_at__isnull=True).count() == 0
    assert notifications_deliver_due() == 2
    assert sorted(m.to[0] for m in mail.outbox) == ["a@example.org", "b@example.org"]


def test_send_pending_skips_invitations_already_accepted():
    program = make_program()
    _invite(program, "a@example.org")
    Invitation.objects.update(accepted_at="2025-01-01T00:00Z")

    assert invitations_send_pending(program=program) == 0
    assert Notification.objects.count() == 0


def test_five_thousand_rows_parse_and_import():
    program = make_program()
    rows = [
        f"person{n}@example.org,Person {n},{'mentor' if n % 5 == 0 else 'mentee'},Graduate"
        for n in range(5000)
    ]
    data = _csv("email,name,role,career_stage", *rows)

    preview = roster_parse(program=program, data=data)
    invitations = roster_import(program=program, preview=preview, invited_by=None)

    assert (preview.ok, preview.mentor_count, preview.mentee_count) == (True, 1000, 4000)
    assert len(invitations) == 5000
    assert Invitation.objects.filter(program=program, emailed_at__isnull=False).count() == 5000
    assert Notification.objects.filter(kind=Kind.PROGRAM_INVITATION).count() == 5000


def test_roster_row_defaults_to_no_errors():
    row = RosterRow(line=2, email="a@example.org", name="Ann", role="mentor", career_stage=None)

    assert RosterPreview(rows=[row]).ok is True


# --- The admin page ---------------------------------------------------------------------------


def _model_admin():
    return admin.site._registry.get(Program) or ModelAdmin(Program, admin.site)


def _request(user, data=None):
    factory = RequestFactory()
    path = "/admin/programs/program/roster/"
    request = factory.get(path) if data is None else factory.post(path, data)
    request.user = user
    SessionMiddleware(lambda r: None).process_request(request)
    request._messages = FallbackStorage(request)
    return request


def _view(request, program):
    response = roster_import_view(_model_admin(), request, str(program.pk))
    if isinstance(response, TemplateResponse):
        response.render()
    return response


def _upload(user, program, content: bytes):
    request = _request(user, {"file": SimpleUploadedFile("roster.csv", content, "text/csv")})
    return _view(request, program)


def _messages(request) -> list[str]:
    return [message.message for message in get_messages(request)]


@pytest.fixture
def superuser():
    return UserFactory(is_staff=True, is_superuser=True)


def test_admin_upload_previews_and_confirm_imports(superuser):
    program = make_program()
    content = _csv("email,name,role", "a@example.org,Ann,mentor", "b@example.org,Bo,mentee")

    preview_page = _upload(superuser, program, content)

    assert preview_page.status_code == 200
    assert _summary(preview_page.context_data["preview"]) == [
        (2, "a@example.org", "Ann", "mentor", None, []),
        (3, "b@example.org", "Bo", "mentee", None, []),
    ]
    assert 'value="Send 2 invitations"' in preview_page.content.decode()
    assert Invitation.objects.count() == 0

    confirm = _request(superuser, {"payload": preview_page.context_data["payload"]})
    response = _view(confirm, program)

    assert response.status_code == 302
    assert response.url == reverse("admin:programs_program_change", args=[program.pk])
    assert _messages(confirm) == ["Sent 2 invitations."]
    assert sorted(Invitation.objects.values_list("email", "invited_by")) == [
        ("a@example.org", superuser.pk),
        ("b@example.org", superuser.pk),
    ]
    assert Notification.objects.count() == 2


def test_admin_get_shows_the_upload_form(superuser):
    program = make_program()

    page = _view(_request(superuser), program)

    assert page.status_code == 200
    assert page.context_data["preview"] is None
    assert 'enctype="multipart/form-data"' in page.content.decode()


def test_admin_preview_marks_problem_rows_and_offers_no_confirm(superuser):
    program = make_program()
    content = _csv("email,name,role", "a@example.org,Ann,mentor", "nope,Bo,mentee")

    page = _upload(superuser, program, content)

    html = page.content.decode()
    assert page.context_data["payload"] == ""
    assert 'name="payload"' not in html
    assert "&quot;nope&quot; is not a valid email address." in html
    assert html.count("roster-error") == 1  # the one marked row (the rule is in admin.css)


def test_admin_preview_shows_file_errors(superuser):
    program = make_program()

    page = _upload(superuser, program, _csv("email,name", "a@example.org,Ann"))

    assert page.context_data["preview"].errors == [f"Missing column: role. {HINT}"]
    assert f"Missing column: role. {HINT}" in page.content.decode()


def test_admin_rejects_an_upload_over_the_size_limit(superuser):
    program = make_program()

    page = _upload(superuser, program, b"x" * (MAX_BYTES + 1))

    assert page.context_data["form"].errors == {
        "file": ["The file is larger than 5 MB; split it into smaller files."]
    }
    assert page.context_data["preview"] is None


def test_admin_preview_escapes_hostile_content(superuser):
    program = make_program()
    content = _csv("email,name,role", "a@example.org,<script>alert(1)</script>,mentor")

    html = _upload(superuser, program, content).content.decode()

    assert "&lt;script&gt;alert(1)&lt;/script&gt;" in html
    assert "<script>alert(1)</script>" not in html


def test_admin_tampered_payload_changes_nothing(superuser):
    program = make_program()
    payload = payload_dumps(program=program, data=_csv("email,name,role", "a@x.org,Ann,mentor"))
    forged = payload[:-3] + ("AAA" if not payload.endswith("AAA") else "BBB")

    request = _request(superuser, {"payload": forged})
    response = _view(request, program)

    assert response.status_code == 302
    assert response.url == "/admin/programs/program/roster/"
    assert _messages(request) == [
        "The confirmation could not be verified (it was altered or belongs to another "
        "program); nothing was imported. Upload the file again."
    ]
    assert Invitation.objects.count() == 0


def test_admin_payload_of_another_program_is_refused(superuser):
    program, other = make_program(), make_program()
    payload = payload_dumps(program=other, data=_csv("email,name,role", "a@x.org,Ann,mentor"))

    request = _request(superuser, {"payload": payload})
    _view(request, program)

    assert Invitation.objects.count() == 0
    assert len(_messages(request)) == 1


def test_admin_expired_payload_changes_nothing(superuser, monkeypatch):
    program = make_program()
    an_hour_and_a_bit_ago = time.time() - 3700
    with monkeypatch.context() as patch:
        patch.setattr(signing.time, "time", lambda: an_hour_and_a_bit_ago)
        payload = payload_dumps(program=program, data=_csv("email,name,role", "a@x.org,A,mentor"))

    request = _request(superuser, {"payload": payload})
    response = _view(request, program)

    assert response.status_code == 302
    assert _messages(request) == ["This preview is more than an hour old; upload the file again."]
    assert Invitation.objects.count() == 0


def test_admin_confirm_reparses_and_imports_nothing_if_the_program_changed(superuser):
    program = make_program()
    content = _csv("email,name,role", "a@example.org,Ann,mentor", "b@example.org,Bo,mentee")
    payload = _upload(superuser, program, content).context_data["payload"]
    _invite(program, "b@example.org", "mentee")

    request = _request(superuser, {"payload": payload})
    page = _view(request, program)

    assert page.status_code == 200
    assert [row.errors for row in page.context_data["preview"].rows] == [
        [],
        ["Already invited to this program as a mentee."],
    ]
    assert _messages(request) == [
        "Nothing was imported: the program changed since the preview and some rows have "
        "problems now. Fix them and upload the file again."
    ]
    assert list(Invitation.objects.values_list("email", flat=True)) == ["b@example.org"]


def test_admin_confirm_for_a_draft_program_says_emails_wait(superuser):
    program = make_program(status=Program.Status.DRAFT)
    payload = payload_dumps(program=program, data=_csv("email,name,role", "a@x.org,Ann,mentor"))

    request = _request(superuser, {"payload": payload})
    _view(request, program)

    assert _messages(request) == ["Added 1 invitation; they will be emailed when enrollment opens."]
    assert Notification.objects.count() == 0


def test_admin_coordinator_imports_into_their_own_program():
    coordinator = UserFactory(is_staff=True)
    coordinator.groups.add(Group.objects.get(name=COORDINATORS_GROUP))
    program = make_program()
    program.coordinators.add(coordinator)

    page = _upload(coordinator, program, _csv("email,name,role", "a@example.org,Ann,mentor"))

    assert page.status_code == 200
    assert page.context_data["preview"].ok is True


def test_admin_coordinator_of_another_program_gets_404():
    coordinator = UserFactory(is_staff=True)
    coordinator.groups.add(Group.objects.get(name=COORDINATORS_GROUP))
    make_program().coordinators.add(coordinator)
    theirs = make_program()
    payload = payload_dumps(program=theirs, data=_csv("email,name,role", "a@x.org,Ann,mentor"))

    with pytest.raises(Http404):
        _view(_request(coordinator), theirs)
    with pytest.raises(Http404):
        _upload(coordinator, theirs, _csv("email,name,role", "a@example.org,Ann,mentor"))
    with pytest.raises(Http404):
        _view(_request(coordinator, {"payload": payload}), theirs)

    assert Invitation.objects.count() == 0
