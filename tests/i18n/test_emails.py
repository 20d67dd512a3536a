"""Every kind of email goes out in its recipient's language, whatever language the worker
runs in (issue 17): built the way the app builds it (the escaping test's builders), rendered
by the real `notification_render` once for recipients who chose English and once for each
shipped language."""

import pytest
from django.utils import translation
from django.utils.translation import gettext

from notifications.models import Kind
from notifications.rendering import notification_render
from tests.notifications.test_email_escaping import BENIGN, BUILDERS

pytestmark = pytest.mark.django_db
# Invitations go to an email address that may have no account yet: nobody chose a language.
SENT_TO_ADDRESSES = {Kind.PROGRAM_INVITATION, Kind.STAFF_INVITATION}


def _rendered(kind: str, language: str, *, worker_language: str):
    """The emails of one kind for recipients who chose `language`; emails to an address with
    no account yet (program invitations) are left out: nobody has chosen a language for them,
    so they go in the site's (see the test below)."""
    notifications = [n for n in BUILDERS[kind](BENIGN) if n.recipient is not None]
    for notification in notifications:
        notification.recipient.language = language
        notification.recipient.save(update_fields=["language"])
    with translation.override(worker_language):
        return [notification_render(notification=n) for n in notifications]


@pytest.mark.parametrize("kind", Kind.values)
@pytest.mark.parametrize(("language", "direction"), [("es", "ltr"), ("ar", "rtl")])
def test_every_email_is_in_its_recipients_language(kind, language, direction):
    english = _rendered(kind, "en-gb", worker_language="ar")
    translated = _rendered(kind, language, worker_language="en-gb")
    if kind in SENT_TO_ADDRESSES:
        assert not english  # see test_an_invitation_to_an_address_...
        return
    assert english, f"the {kind} builder queued nothing for an account"
    for plain, theirs in zip(english, translated, strict=True):
        # (A subject made only of what people typed, a survey's title, has nothing to translate.)
        assert theirs.body != plain.body, f"{kind}: the text was not translated"
        [(html, _mimetype)] = theirs.alternatives
        assert f'<html lang="{language}" dir="{direction}">' in html
        [(english_html, _mimetype)] = plain.alternatives
        assert '<html lang="en-gb" dir="ltr">' in english_html
        with translation.override(language):
            footer = gettext("Mentoring")
        assert footer in html


def test_the_digest_names_each_reason_in_the_coordinators_language():
    [digest] = _rendered(Kind.COORDINATOR_DIGEST, "es", worker_language="en-gb")
    with translation.override("es"):
        reason = gettext("No session for a while")
    assert reason != "No session for a while"
    assert reason in digest.body


@pytest.mark.parametrize("kind", sorted(SENT_TO_ADDRESSES))
def test_an_invitation_to_an_address_goes_in_the_sites_language_whatever_the_worker_runs_in(kind):
    to_addresses = [n for n in BUILDERS[kind](BENIGN) if n.recipient is None]
    assert to_addresses
    for invitation in to_addresses:
        with translation.override("ar"):
            email = notification_render(notification=invitation)
        assert email.subject.startswith("You are invited to")
        assert '<html lang="en-gb" dir="ltr">' in email.alternatives[0][0]
