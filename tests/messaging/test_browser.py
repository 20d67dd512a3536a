"""On a 375 px phone: a mentor writes, the mentee sees the unread badge, opens the
conversation, and the mentor's next message appears without a reload."""

import re

import pytest
from playwright.sync_api import expect

from messaging.models import Conversation
from tests.e2e.helpers import log_in
from tests.messaging.helpers import make_pair, send

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_a_pair_talks_on_a_phone(browser, live_server, tmp_path):
    match = make_pair()
    mentor, mentee = match.mentor.user, match.mentee.user
    context = browser.new_context(viewport={"width": 375, "height": 740})
    page = context.new_page()

    log_in(page, live_server.url, mentor.email)
    page.goto(f"{live_server.url}/matching/matches/{match.pk}/")
    page.get_by_role("link", name="Open the conversation").click()
    page.get_by_role("textbox", name="Message").fill("Hello <b>Ana</b>, shall we meet on Monday?")
    page.get_by_role("button", name="Send").click()
    expect(page.get_by_text("Hello <b>Ana</b>, shall we meet on Monday?")).to_be_visible()
    context.clear_cookies()

    log_in(page, live_server.url, mentee.email)
    page.get_by_role("button", name="Toggle navigation").click()
    expect(page.locator("#unread-messages")).to_have_text(re.compile(r"^1"))
    page.get_by_role("link", name=re.compile("^Messages")).click()
    page.get_by_role("link", name="Mo Mentor").click()
    expect(page.get_by_text("shall we meet on Monday?")).to_be_visible()

    conversation = Conversation.objects.get(kind="pair")
    send(conversation, mentor, "Great, 10am then.")
    expect(page.get_by_text("Great, 10am then.")).to_be_visible(timeout=15_000)
    page.screenshot(path=str(tmp_path / "conversation-375.png"), full_page=True)
    assert page.evaluate("document.documentElement.scrollWidth") <= 375
    context.close()
