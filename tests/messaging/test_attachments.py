"""Attachments: allowed kinds up to 10 MB, checked by content; stored through the storage
API and downloaded by members only, always as an attachment."""

import pytest
from django.core.files.storage import default_storage
from django.core.files.uploadedfile import SimpleUploadedFile

from messaging.files import MAX_ATTACHMENT_BYTES
from messaging.models import Message
from tests.messaging.helpers import make_pair, pair_conversation, url

pytestmark = pytest.mark.django_db

PNG = b"\x89PNG\r\n\x1a\n" + b"\x00" * 64
PDF = b"%PDF-1.7\n" + b"x" * 64
EXE = b"MZ\x90\x00" + b"\x00" * 64
ELF = b"\x7fELF" + b"\x00" * 64


def _post(client, conversation, name: str, content: bytes, text: str = ""):
    upload = SimpleUploadedFile(name, content, content_type="application/octet-stream")
    return client.post(url("conversation", conversation.pk), {"text": text, "attachment": upload})


@pytest.fixture
def pair(client):
    match = make_pair()
    client.force_login(match.mentor.user)
    return match, pair_conversation(match)


@pytest.mark.parametrize(("name", "content"), [("photo.PNG", PNG), ("cv.pdf", PDF)])
def test_an_allowed_file_is_stored_and_downloaded_by_the_other_member(client, pair, name, content):
    match, conversation = pair
    assert _post(client, conversation, name, content).status_code == 302
    message = Message.objects.get()
    assert (message.text, message.attachment_name, message.attachment_size) == (
        "",
        name,
        len(content),
    )
    assert message.attachment.name.startswith(f"messaging/{conversation.pk}/")
    assert default_storage.exists(message.attachment.name)

    client.force_login(match.mentee.user)
    response = client.get(url("attachment", conversation.pk, message.pk))
    assert response.status_code == 200
    assert b"".join(response.streaming_content) == content
    assert response["Content-Disposition"].startswith("attachment;")
    assert response["X-Content-Type-Options"] == "nosniff"


@pytest.mark.parametrize(
    ("name", "content", "error"),
    [
        ("setup.exe", EXE, "Files of this type cannot be attached"),
        ("report.pdf", EXE, "Programs cannot be attached"),
        ("photo.png", ELF, "Programs cannot be attached"),
        ("run.docx", b"#!/bin/sh\nrm -rf /", "Programs cannot be attached"),
        ("notes.pdf", b"just some text", "not a PDF file"),
        ("big.pdf", b"%PDF-" + b"x" * (30 * 1024 * 1024), "the largest allowed is 10"),
    ],
)
def test_a_refused_file_saves_nothing(client, pair, name, content, error):
    _match, conversation = pair
    response = _post(client, conversation, name, content, text="see attached")
    assert response.status_code == 400
    assert error in response.content.decode()
    assert Message.objects.count() == 0
    assert not default_storage.exists(f"messaging/{conversation.pk}")


def test_the_limit_is_ten_megabytes():
    assert MAX_ATTACHMENT_BYTES == 10 * 1024 * 1024


def test_a_message_deleted_with_its_match_takes_its_file_from_storage(
    client, pair, django_capture_on_commit_callbacks
):
    match, conversation = pair
    _post(client, conversation, "cv.pdf", PDF)
    name = Message.objects.get().attachment.name
    with django_capture_on_commit_callbacks(execute=True):
        match.delete()
    assert not default_storage.exists(name)
