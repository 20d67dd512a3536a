"""Turn a ledger row into an email: text and HTML bodies, attachments, unsubscribe headers.

Each kind has two templates, `notifications/email/<kind>.subject.txt` and `<kind>.txt`; the
HTML version wraps the escaped text in the product's email layout, links made clickable.
Times render in the recipient's time zone, words in the recipient's language. Apps register
attachment builders (e.g. the sessions app's .ics files).
"""

import functools
from collections.abc import Callable
from datetime import UTC, date

from django.conf import settings
from django.core import signing
from django.core.mail import EmailMultiAlternatives
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone, translation
from django.utils.html import escape

Attachment = tuple[str, str | bytes, str]
_BUILDERS: dict[str, Callable] = {}
UNSUBSCRIBE_SALT = "notifications.unsubscribe"


def register_attachment(kind: str, builder: Callable) -> None:
    """`builder(notification, subject) -> (filename, content, mimetype) | None`."""
    _BUILDERS[kind] = builder


def unsubscribe_token(*, user_id: int, kind: str) -> str:
    return signing.dumps({"u": user_id, "k": kind}, salt=UNSUBSCRIBE_SALT)


def unsubscribe_url(*, user_id: int, kind: str) -> str:
    return _unsubscribe_url_on(user_id, kind, date.today())


@functools.lru_cache(maxsize=4096)
def _unsubscribe_url_on(user_id: int, kind: str, day: date) -> str:
    # Signing and reversing cost more than rendering a short email; a link made earlier the
    # same day is just as good (tokens are checked for age in years).
    token = unsubscribe_token(user_id=user_id, kind=kind)
    return settings.SITE_URL + reverse("notifications:unsubscribe", kwargs={"token": token})


def notification_render(*, notification) -> EmailMultiAlternatives | None:
    """Build the email for `notification`; None when the object it is about is gone."""
    subject = None
    if notification.subject_type_id is not None:
        subject = notification.subject
        if subject is None:
            return None
    recipient = notification.recipient
    context = {
        **notification.context,
        "notification": notification,
        "recipient": recipient,
        "subject": subject,
        "site_url": settings.SITE_URL,
        "unsubscribe_url": (
            unsubscribe_url(user_id=recipient.pk, kind=notification.kind)
            if recipient is not None and notification.is_optional
            else ""
        ),
    }
    zone = recipient.time_zone if recipient is not None else UTC
    # Each email is in its recipient's language (their own choice, else the site's), whoever
    # queued it and whatever language the worker happens to run in.
    language = recipient.language_or_site if recipient is not None else settings.LANGUAGE_CODE
    with timezone.override(zone), translation.override(language):
        title = render_to_string(f"notifications/email/{notification.kind}.subject.txt", context)
        text = render_to_string(f"notifications/email/{notification.kind}.txt", context)
        # The text templates render with autoescape off (they are plain text), and
        # render_to_string marks what they return safe: escape it here, or user text
        # (names, reasons, messages) would be markup in the HTML part.
        html = render_to_string(
            "notifications/email/base.html",
            {**context, "body": escape(text), "title": escape(title.strip())},
        )
    message = EmailMultiAlternatives(
        subject=" ".join(title.split()),
        body=text,
        from_email=settings.DEFAULT_FROM_EMAIL,
        to=[notification.to_email],
        headers=_headers(notification, context["unsubscribe_url"]),
    )
    message.attach_alternative(html, "text/html")
    builder = _BUILDERS.get(notification.kind)
    with translation.override(language):
        attachment = builder(notification, subject) if builder else None
    if attachment:
        message.attach(*attachment)
    return message


def _headers(notification, unsubscribe: str) -> dict[str, str]:
    headers = {"X-Mentoring-Notification": str(notification.pk)}
    if unsubscribe:
        headers["List-Unsubscribe"] = f"<{unsubscribe}>"
        headers["List-Unsubscribe-Post"] = "List-Unsubscribe=One-Click"
    return headers
