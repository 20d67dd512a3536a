"""The main pages in Arabic, right to left, with screenshots to look at (issue 17).

A mentee, her mentor and the coordinator of the demo data use the site in Arabic (their own
language setting; the browser asks for English). Every page must be laid out right to left
(dir="rtl", Bootstrap's RTL stylesheet, the brand at the right of the navigation bar), show the
Arabic catalogue's words, fit a phone without scrolling sideways, and pass axe. The screenshots
land in test-artifacts/<test>/ (laptop and phone) for a person to look at: mirrored navigation,
forms, tables and charts.
"""

from __future__ import annotations

import pytest
from django.conf import settings
from django.test import Client
from django.utils import translation
from django.utils.translation import gettext

from mentoring.demo import seed_demo
from privacy.notice import notice_memo_reset
from tests.bench_pages import bench_pages
from tests.e2e.axe import assert_accessible

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

# The bench's pages to photograph, and who sees them.
PAGES = (
    "home",
    "programs",
    "program",
    "application",
    "match",
    "sessions",
    "meeting",
    "booking",
    "check-in",
    "goals",
    "conversation",
    "profile",
    "availability",
    "suggestions",
    "dashboard",
    "impact report",
    "admin applications",
)
PHONE_PAGES = ("home", "match", "booking", "check-in", "goals", "conversation", "suggestions")


def _arabic(text: str) -> str:
    with translation.override("ar"):
        return gettext(text)


def _context(browser, base: str, user, size: tuple[int, int]):
    client = Client()
    client.force_login(user)
    context = browser.new_context(viewport={"width": size[0], "height": size[1]}, locale="en-US")
    context.set_default_timeout(20_000)
    name = settings.SESSION_COOKIE_NAME
    context.add_cookies([{"name": name, "value": client.cookies[name].value, "url": base}])
    return context


def _assert_right_to_left(page, label: str) -> None:
    html = page.locator("html")
    assert html.get_attribute("dir") == "rtl", label
    assert html.get_attribute("lang") == "ar", label
    direction = page.evaluate("getComputedStyle(document.body).direction")
    assert direction == "rtl", label


def test_the_main_pages_in_arabic_are_right_to_left(browser, live_server, artifacts):
    notice_memo_reset()
    seed_demo(participants=30, password="arabic-journey")
    bench = bench_pages()
    found = bench.Found()
    pages = {page.name: page for page in bench._pages()}
    for user in found.people.values():
        user.language = "ar"
        user.save(update_fields=["language"])
    base = live_server.url
    assert _arabic("Programs") != "Programs", "the Arabic catalogue is not compiled"

    contexts = {}
    photographed = []
    for name in PAGES:
        bench_page = pages[name]
        url = bench_page.url(found)
        if url is None:
            continue
        who = bench_page.who
        for width, size in (("laptop", (1280, 900)), ("phone", (375, 800))):
            if width == "phone" and name not in PHONE_PAGES:
                continue
            key = (who, width)
            if key not in contexts:
                contexts[key] = _context(browser, base, found.people[who], size).new_page()
            page = contexts[key]
            response = page.goto(base + url)
            assert response is not None and response.status == 200, (name, width)
            label = f"{name} ({width})"
            _assert_right_to_left(page, label)
            if not url.startswith("/admin/"):
                brand = page.locator(".navbar-brand").bounding_box()
                assert brand["x"] > size[0] / 2, f"{label}: the brand is not on the right"
                toggler = page.locator(".navbar-toggler").bounding_box()
                if width == "phone":  # the menu button mirrors to the left
                    assert toggler["x"] < size[0] / 2, (
                        f"{label}: the menu button is not on the left"
                    )
                assert page.get_by_text(_arabic("Mentoring: peer mentoring programs")).is_visible()
            else:
                # Django's admin mirrors itself: its own stylesheet for right-to-left languages.
                assert page.locator('link[href*="rtl.css"]').count() >= 1, label
            if width == "phone":
                scroll = page.evaluate("document.documentElement.scrollWidth")
                assert scroll <= size[0], f"{label} scrolls sideways ({scroll} px)"
            assert_accessible(page, label)
            shot = artifacts / f"{len(photographed) + 1:02d}-{name.replace(' ', '-')}-{width}.png"
            page.screenshot(path=shot, full_page=True)
            photographed.append(shot.name)

    # The chooser switches a signed-out visitor to Arabic and back, with the keyboard too.
    visitor = browser.new_context(viewport={"width": 1280, "height": 900}).new_page()
    visitor.goto(base + "/")
    visitor.get_by_label("Language").select_option("ar")
    visitor.get_by_role("button", name="Change").click()
    visitor.wait_for_selector('html[dir="rtl"]')
    _assert_right_to_left(visitor, "landing after choosing Arabic")
    visitor.screenshot(path=artifacts / "00-landing-laptop.png", full_page=True)
    visitor.get_by_label(_arabic("Language")).select_option("en-gb")
    visitor.get_by_role("button", name=_arabic("Change")).click()
    visitor.wait_for_selector('html[dir="ltr"]')

    print("\n".join(["Arabic screenshots:", *photographed]))
    assert len(photographed) >= len(PAGES)
