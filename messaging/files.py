"""Files people attach to messages: which kinds, how large, and a look at the content itself.

A file must have an allowed extension AND content that starts the way that kind of file
starts (a renamed .exe is not a PDF); anything that starts like a program (Windows, Linux and
macOS executables, scripts) is refused whatever it is called. The download view sends the
content type from this table, never the browser's guess, as an attachment.
"""

import os

from django.core.exceptions import ValidationError
from django.template.defaultfilters import filesizeformat
from django.utils.translation import gettext as _

MAX_ATTACHMENT_BYTES = 10 * 1024 * 1024

_ZIP = (b"PK\x03\x04",)
_OLE = (b"\xd0\xcf\x11\xe0\xa1\xb1\x1a\xe1",)  # Word, Excel and PowerPoint before 2007
#: extension -> (content type, how the file's first bytes may start)
FILE_TYPES = {
    ".jpg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".jpeg": ("image/jpeg", (b"\xff\xd8\xff",)),
    ".png": ("image/png", (b"\x89PNG\r\n\x1a\n",)),
    ".gif": ("image/gif", (b"GIF87a", b"GIF89a")),
    ".webp": ("image/webp", (b"RIFF",)),
    ".pdf": ("application/pdf", (b"%PDF-",)),
    ".doc": ("application/msword", _OLE),
    ".xls": ("application/vnd.ms-excel", _OLE),
    ".ppt": ("application/vnd.ms-powerpoint", _OLE),
    ".docx": ("application/vnd.openxmlformats-officedocument.wordprocessingml.document", _ZIP),
    ".xlsx": ("application/vnd.openxmlformats-officedocument.spreadsheetml.sheet", _ZIP),
    ".pptx": ("application/vnd.openxmlformats-officedocument.presentationml.presentation", _ZIP),
    ".odt": ("application/vnd.oasis.opendocument.text", _ZIP),
    ".ods": ("application/vnd.oasis.opendocument.spreadsheet", _ZIP),
    ".odp": ("application/vnd.oasis.opendocument.presentation", _ZIP),
}
#: How programs start: PE (.exe, .dll), ELF, Mach-O (both byte orders, fat), scripts.
EXECUTABLE_SIGNATURES = (
    b"MZ",
    b"\x7fELF",
    b"\xfe\xed\xfa\xce",
    b"\xfe\xed\xfa\xcf",
    b"\xce\xfa\xed\xfe",
    b"\xcf\xfa\xed\xfe",
    b"\xca\xfe\xba\xbe",
    b"#!",
)


def extension_of(name: str) -> str:
    return os.path.splitext(name)[1].lower()


def content_type_of(name: str) -> str | None:
    kind = FILE_TYPES.get(extension_of(name))
    return kind[0] if kind else None


def _head(file) -> bytes:
    file.seek(0)
    head = file.read(16)
    file.seek(0)
    return head


def attachment_validate(file) -> None:
    """Refuse a file that is too large, of a kind not in FILE_TYPES, a program, or whose
    content is not what its extension says; each with a message the sender can act on."""
    if file.size > MAX_ATTACHMENT_BYTES:
        raise ValidationError(
            _("The file is %(size)s; the largest allowed is %(max)s.")
            % {"size": filesizeformat(file.size), "max": filesizeformat(MAX_ATTACHMENT_BYTES)}
        )
    kind = FILE_TYPES.get(extension_of(file.name))
    if kind is None:
        allowed = ", ".join(sorted({e.lstrip(".").upper() for e in FILE_TYPES}))
        raise ValidationError(
            _("Files of this type cannot be attached. Allowed: %(allowed)s.") % {"allowed": allowed}
        )
    head = _head(file)
    if head.startswith(EXECUTABLE_SIGNATURES):
        raise ValidationError(_("Programs cannot be attached."))
    if not head.startswith(kind[1]):
        raise ValidationError(
            _("The file's content is not a %(kind)s file; check it and attach it again.")
            % {"kind": extension_of(file.name).lstrip(".").upper()}
        )
