"""Messages in the personal data map: in their author's download only; erasure leaves the
other member a "removed" placeholder and takes the files from storage; never in exports."""

from pathlib import Path

import pytest
from django.conf import settings
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from mentoring.personal_data import declaration_for
from messaging.models import Message
from privacy.archive import section_rows
from privacy.erasure import person_erase
from tests.messaging.helpers import make_pair, pair_conversation, send

pytestmark = pytest.mark.django_db


def test_messages_are_in_their_authors_archive_only():
    match = make_pair()
    conversation = pair_conversation(match)
    send(conversation, match.mentor.user, "from the mentor")
    send(conversation, match.mentee.user, "from the mentee")
    declaration = declaration_for(Message)
    texts = [row["text"] for row in section_rows(declaration, match.mentee.user)]
    assert texts == ["from the mentee"]


def test_erasure_blanks_the_persons_messages_and_deletes_their_files(
    django_capture_on_commit_callbacks,
):
    match = make_pair()
    conversation = pair_conversation(match)
    pdf = SimpleUploadedFile("cv.pdf", b"%PDF-1.4 mine")
    mine = send(conversation, match.mentee.user, "secret plans", attachment=pdf)
    theirs = send(conversation, match.mentor.user, "reply")
    name = mine.attachment.name
    with django_capture_on_commit_callbacks(execute=True):
        person_erase(user=match.mentee.user)

    mine.refresh_from_db()
    assert (mine.text, mine.attachment.name, mine.attachment_name, mine.removed) == (
        "",
        "",
        "",
        True,
    )
    assert not default_storage.exists(name)
    theirs.refresh_from_db()
    assert theirs.text == "reply"


def test_no_report_or_export_reads_messages():
    """Reports and exports are built in evaluation and outcomes (above messaging, so free to
    import it) with the shared writers in mentoring: none of them names the app."""
    root = Path(settings.BASE_DIR)
    modules = [
        *(root / "evaluation").rglob("*.py"),
        *(root / "outcomes").rglob("*.py"),
        root / "mentoring" / "exporting.py",
        root / "mentoring" / "downloads.py",
    ]
    readers = [str(path.relative_to(root)) for path in modules if "messaging" in path.read_text()]
    assert readers == []
