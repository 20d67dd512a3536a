"""Roster cells are stored in NFC, like everything typed into a form (mentoring/text.py)."""

import pytest

from programs.models import Invitation
from programs.roster import roster_import, roster_parse
from tests.programs.helpers import make_program

pytestmark = pytest.mark.django_db

DECOMPOSED = "Jose\u0301"  # "e" and a combining acute accent
COMPOSED = "Jos\u00e9"


@pytest.mark.parametrize("encoding", ["utf-8-sig", "utf-16"])
def test_names_and_stages_are_read_in_nfc(encoding):
    program = make_program()
    program.career_stages.filter(name="Graduate").update(name="Diplômé")
    data = (
        "email,name,role,career_stage\r\n"
        f"jose@example.org,{DECOMPOSED} Pe\u0301rez,mentee,Diplo\u0302me\u0301\r\n"
    ).encode(encoding)

    preview = roster_parse(program=program, data=data)

    [row] = preview.rows
    assert (row.name, row.career_stage.name, row.errors) == (f"{COMPOSED} Pérez", "Diplômé", [])
    roster_import(program=program, preview=preview, invited_by=None)
    assert Invitation.objects.get(program=program).name == f"{COMPOSED} Pérez"
