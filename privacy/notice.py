"""The privacy notice: which version is in force, who accepted it, publishing a new version.

Every signed-in request asks "is there a notice, and has this person accepted it?"
(privacy/middleware.py), so the answer is cheap: the current notice's id is kept in this
process for `MEMO_SECONDS` (forgotten at once in this process when a notice is saved; other
processes see a new version within that time), and a person's acceptance of it is remembered in
their session once checked. With no notice published, or once accepted, a request queries
nothing; otherwise one query answers both questions and corrects what the process remembers.
"""

from __future__ import annotations

import re
import threading
import time
from dataclasses import dataclass

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.db.models import Exists, Max, OuterRef
from django.db.models.signals import post_delete, post_save
from django.dispatch import receiver
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.models import Action
from audit.services import audit_record
from privacy.models import NoticeAcceptance, PrivacyNotice
from programs.models import Program

MEMO_SECONDS = 30
#: Session key: the id of the notice version this session's person is known to have accepted.
SESSION_KEY = "privacy_notice_accepted"


class _Memo:
    """The current notice's id (0: none) and when it was read, shared by this process's
    threads. Only ids are kept: a stale one is harmless (it is checked against the database
    before anyone is asked to accept it)."""

    def __init__(self):
        self._lock = threading.Lock()
        self._value: int | None = None
        self._read_at = 0.0

    def get(self) -> int | None:
        with self._lock:
            if self._value is not None and time.monotonic() - self._read_at < MEMO_SECONDS:
                return self._value
        return None

    def store(self, value: int) -> None:
        with self._lock:
            self._value, self._read_at = value, time.monotonic()

    def forget(self) -> None:
        with self._lock:
            self._value = None


_memo = _Memo()


def notice_memo_get() -> int | None:
    """What this process remembers: the current notice's id, 0 when none is published, or
    None when it does not know (never read, or read over MEMO_SECONDS ago)."""
    return _memo.get()


def notice_memo_reset(*, none_published: bool = False) -> None:
    """Forget the remembered current notice; or, with `none_published` (tests, whose database
    starts empty), remember that there is none without asking the database."""
    if none_published:
        _memo.store(0)
    else:
        _memo.forget()


def notice_status(*, user) -> tuple[int | None, bool]:
    """The id of the notice in force (None when none is) and whether `user` accepted it, in
    one query; refreshes what this process remembers."""
    accepted = NoticeAcceptance.objects.filter(user=user, notice=OuterRef("pk"))
    row = (
        PrivacyNotice.objects.published()
        .order_by("-version")
        .values_list("pk", Exists(accepted))
        .first()
    )
    _memo.store(row[0] if row else 0)
    return (row[0], row[1]) if row else (None, False)


@receiver(post_save, sender=PrivacyNotice, dispatch_uid="privacy_notice_saved")
@receiver(post_delete, sender=PrivacyNotice, dispatch_uid="privacy_notice_deleted")
def _notice_changed(**kwargs) -> None:
    _memo.forget()
    # Also once the change is committed: a request in between may have read the old state.
    transaction.on_commit(_memo.forget)


def notice_current() -> PrivacyNotice | None:
    """The notice in force (one query), or None when none is published."""
    notice = PrivacyNotice.objects.current()
    _memo.store(notice.pk if notice else 0)
    return notice


def notice_accepted_before(*, user, notice: PrivacyNotice) -> bool:
    """Whether the person accepted an earlier version (so "what changed" concerns them)."""
    return NoticeAcceptance.objects.filter(user=user, notice__version__lt=notice.version).exists()


def notice_accept(*, user, notice: PrivacyNotice, request=None) -> NoticeAcceptance:
    """Record that `user` accepted `notice` (a published version); accepting again keeps the
    first record. With `request`, its session remembers it so the person is not asked again."""
    if not notice.is_published:
        raise ValidationError(_("Only a published version of the notice can be accepted."))
    acceptance = NoticeAcceptance.objects.filter(user=user, notice=notice).first()
    if acceptance is None:
        try:
            with transaction.atomic():
                acceptance = NoticeAcceptance.objects.create(user=user, notice=notice)
        except IntegrityError:  # accepted at the same moment in another tab
            acceptance = NoticeAcceptance.objects.get(user=user, notice=notice)
    if request is not None:
        request.session[SESSION_KEY] = notice.pk
    return acceptance


def notice_next_version() -> int:
    return (PrivacyNotice.objects.aggregate(top=Max("version"))["top"] or 0) + 1


@transaction.atomic
def notice_publish(*, notice: PrivacyNotice, by=None) -> PrivacyNotice:
    """Publish a draft now: from this moment everyone signed in is asked to accept it.
    Records NOTICE_PUBLISHED in the audit trail. Refuses a version that is not newer than the
    one in force (it would never become current) and an empty text."""
    notice = PrivacyNotice.objects.select_for_update().get(pk=notice.pk)
    if notice.published_at is not None:
        raise ValidationError(_("Version %(v)s is already published.") % {"v": notice.version})
    if not notice.body.strip():
        raise ValidationError(_("The notice has no text."))
    current = PrivacyNotice.objects.current()
    if current is not None and current.version >= notice.version:
        raise ValidationError(
            _("Version %(v)s is not newer than version %(current)s, which is in force.")
            % {"v": notice.version, "current": current.version}
        )
    notice.published_at = timezone.now()
    notice.save(update_fields=["published_at"])
    audit_record(
        action=Action.NOTICE_PUBLISHED, actor=by, target=notice, detail={"version": notice.version}
    )
    return notice


def notice_draft_from(*, notice: PrivacyNotice) -> PrivacyNotice:
    """A new draft version with this version's title and text, to edit and publish."""
    return PrivacyNotice.objects.create(
        version=notice_next_version(), title=notice.title, body=notice.body
    )


def notice_default_text() -> str:
    """The starting text of a new notice (templates/privacy/notice_default.txt, translated):
    what a careful data-protection officer would write for this product. The institution
    edits it before publishing."""
    text = render_to_string(
        "privacy/notice_default.txt",
        {
            "site_name": settings.SITE_NAME,
            "site_url": settings.SITE_URL,
            "retention_years": Program._meta.get_field("retention_years").default,
            "grace_days": settings.PRIVACY_ERASURE_GRACE_DAYS,
        },
    )
    # Template tags leave blank lines of their own; paragraphs are one blank line apart.
    return re.sub(r"\n{3,}", "\n\n", text).strip() + "\n"


@dataclass(frozen=True)
class Block:
    """One block of a notice's text: a heading, a paragraph, or a list of items."""

    kind: str  # "heading" | "paragraph" | "list"
    text: str = ""
    items: tuple[str, ...] = ()


def notice_blocks(text: str) -> list[Block]:
    """Split plain notice text into blocks: a blank line starts a new block, a block "## ..."
    is a heading, a block whose every line starts with "- " is a list. The text stays plain;
    templates escape it."""
    blocks = []
    for chunk in re.split(r"\n\s*\n", text.replace("\r\n", "\n").strip()):
        lines = [line.rstrip() for line in chunk.strip().split("\n") if line.strip()]
        if not lines:
            continue
        if len(lines) == 1 and lines[0].startswith("## "):
            blocks.append(Block("heading", text=lines[0][3:].strip()))
        elif all(line.lstrip().startswith("- ") for line in lines):
            blocks.append(Block("list", items=tuple(line.lstrip()[2:].strip() for line in lines)))
        else:
            blocks.append(Block("paragraph", text="\n".join(lines)))
    return blocks
