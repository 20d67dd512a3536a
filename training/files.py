"""Files coordinators upload for training resources: which kinds, how large, and a check of
the content itself (a renamed .exe is not a PDF).

The check reads the first bytes for formats with a signature, opens Office files as the ZIP
packages they are and looks for their main part, and reads text files as UTF-8. It is cheap
and catches mistakes and casual abuse; the files are never served from a public URL anyway,
and the download view sends the content type from this table, not the browser's guess.
"""

import os
import zipfile

from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

#: Largest file a coordinator may upload.
MAX_UPLOAD_BYTES = 20 * 1024 * 1024
TEXT_SNIFF_BYTES = 64 * 1024

#: extension -> (content type, shown in the browser rather than downloaded)
FILE_TYPES = {
    ".pdf": ("application/pdf", True),
    ".docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", False),
    ".pptx": ("application/vnd.openxmlformats-officedocument.presentationml.presentation", False),
    ".xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", False),
    ".png": ("image/png", True),
    ".jpg": ("image/jpeg", True),
    ".jpeg": ("image/jpeg", True),
    ".mp4": ("video/mp4", True),
    ".mp3": ("audio/mpeg", True),
    ".txt": ("text/plain; charset=utf-8", True),
}
_OFFICE_PART = {".docx": "word/document.xml", ".pptx": "ppt/presentation.xml", ".xlsx": "xl/"}


def extension_of(name: str) -> str:
    return os.path.splitext(name)[1].lower()


def _head(file, size: int) -> bytes:
    file.seek(0)
    data = file.read(size)
    file.seek(0)
    return data


def _looks_like(extension: str, file) -> bool:
    head = _head(file, 16)
    if extension == ".pdf":
        return head.startswith(b"%PDF-")
    if extension == ".png":
        return head.startswith(b"\x89PNG\r\n\x1a\n")
    if extension in (".jpg", ".jpeg"):
        return head.startswith(b"\xff\xd8\xff")
    if extension == ".mp4":
        return head[4:8] == b"ftyp"
    if extension == ".mp3":
        return head.startswith(b"ID3") or (len(head) > 1 and head[0] == 0xFF and head[1] >= 0xE0)
    if extension in _OFFICE_PART:
        return _office_package(file, _OFFICE_PART[extension])
    if extension == ".txt":
        return _plain_text(_head(file, TEXT_SNIFF_BYTES))
    return False


def _office_package(file, part: str) -> bool:
    try:
        file.seek(0)
        with zipfile.ZipFile(file) as package:
            names = package.namelist()
    except (zipfile.BadZipFile, OSError, ValueError):
        return False
    finally:
        file.seek(0)
    return any(name.startswith(part) for name in names)


def _plain_text(data: bytes) -> bool:
    if b"\x00" in data:
        return False
    try:
        data.decode("utf-8")
    except UnicodeDecodeError as exc:
        # The sniffed block may end inside a character: only a cut at the very end is fine.
        return exc.start >= len(data) - 3
    return True


def validate_training_file(file) -> None:
    """Refuse a file of a kind not in FILE_TYPES, larger than MAX_UPLOAD_BYTES, or whose
    content is not what its extension says."""
    if getattr(file, "_committed", False):
        return  # already stored: it was checked when it was uploaded
    extension = extension_of(file.name)
    if extension not in FILE_TYPES:
        allowed = ", ".join(sorted({e.lstrip(".").upper() for e in FILE_TYPES}))
        raise ValidationError(
            _("Files of this type cannot be uploaded. Allowed: %(allowed)s.") % {"allowed": allowed}
        )
    if file.size > MAX_UPLOAD_BYTES:
        raise ValidationError(
            _("The file is %(size)s; the largest allowed is %(max)s.")
            % {"size": filesizeformat(file.size), "max": filesizeformat(MAX_UPLOAD_BYTES)}
        )
    if not _looks_like(extension, file):
        raise ValidationError(
            _("The file's content is not a %(kind)s file; check it and upload it again.")
            % {"kind": extension.lstrip(".").upper()}
        )
