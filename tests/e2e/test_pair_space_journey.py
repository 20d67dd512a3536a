"""Journey 10 on a 375 px phone: a mentee in an informal program searches for a mentor who
speaks Portuguese and has evening time in common and asks her; the mentor accepts; they
talk in the match's conversation (the other side sees the unread badge, and a reply
arrives without a reload); the mentee sets a goal with two milestones, and after a session
the mentor's log marks one of them done, which the match page and the goals page show with
the progress on the goal's timeline. The session itself is placed directly (booking only
offers future times); every other step is a click or a keystroke."""

import re
from datetime import time, timedelta
from zoneinfo import ZoneInfo

import pytest
from django.utils import timezone
from django.utils.dateformat import format as date_format
from playwright.sync_api import expect

from matching.models import Match
from relationships.models import Milestone
from tests.e2e.helpers import log_in
from tests.matching.helpers import approved
from tests.programs.helpers import make_program
from tests.sessions.helpers import meeting_at

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

PHONE = {"width": 375, "height": 800}
LISBON = "Europe/Lisbon"
EVENINGS = tuple((day, time(19), time(21)) for day in range(4))  # Mon-Thu, 8 hours
MORNINGS = tuple((day, time(8), time(10)) for day in range(4))
GOAL = "Land a research internship"
FIRST, SECOND = "Send two applications", "Practise an interview"


def _people():
    """A mentee free on weekday evenings in Lisbon who speaks Portuguese, and three mentors
    with room: only Bia both speaks Portuguese and is free in the evening."""
    program = make_program(kind="informal", name="Open Mentoring")
    mentee = approved(
        program, "mentee", name="Ana Costa", stage=0, topics=(0, 1), zone=LISBON,
        windows=EVENINGS, languages=("English", "Portuguese"),
    )  # fmt: skip
    mentors = {}
    for name, windows, languages in [
        ("Bia Souza", EVENINGS, ("Portuguese",)),
        ("Caio Lima", MORNINGS, ("Portuguese", "English")),
        ("Dan Evans", EVENINGS, ("English",)),
    ]:
        mentors[name] = approved(
            program, "mentor", name=name, stage=2, capacity=2, zone=LISBON, windows=windows,
            languages=languages,
        )  # fmt: skip
    return mentee, mentors


@pytest.fixture
def phone(browser, live_server):
    """Opens a signed-in 375 px browser context per person; closes them after the test."""
    contexts = []

    def signed_in(email: str):
        context = browser.new_context(viewport=PHONE)
        contexts.append(context)
        page = context.new_page()
        page.set_default_timeout(15_000)
        log_in(page, live_server.url, email)
        return page

    yield signed_in
    for context in contexts:
        context.close()


def _menu(page, link) -> None:
    """Open the collapsed phone navigation and follow one of its links."""
    menu = page.get_by_role("navigation", name="Main navigation")
    menu.get_by_role("button", name="Toggle navigation").click()
    menu.get_by_role("link", name=link).click()


def _fits(page) -> None:
    width = page.evaluate("document.documentElement.scrollWidth")
    assert width <= PHONE["width"], f"{page.url} scrolls sideways: {width} px wide"


def _find_and_ask(mentee, artifacts) -> None:
    """Every mentor with room is suggested; the filters leave only Bia, who is asked."""
    _menu(mentee, "My matches")
    mentee.get_by_role("link", name="See suggested mentors").click()
    suggested = mentee.locator("main article h2")
    expect(suggested).to_have_count(3)
    mentee.get_by_text("Filters", exact=True).click()
    mentee.get_by_label("Speaks").select_option("Portuguese")
    mentee.get_by_label("Hours a week in common, at least").fill("2")
    mentee.get_by_role("button", name="Apply filters").click()
    expect(mentee.get_by_text("1 mentor fits your search.")).to_be_visible()
    expect(suggested).to_have_text(["Bia Souza"])
    expect(mentee.get_by_text("Both speak Portuguese.")).to_be_visible()
    expect(mentee.get_by_text("8 hours a week when both are free.")).to_be_visible()
    mentee.screenshot(path=artifacts / "01-search-375.png", full_page=True)
    _fits(mentee)

    mentee.get_by_text("Ask Bia Souza", exact=True).click()
    mentee.get_by_label("Your message").fill(
        "Olá Bia! I would love help finding a research internship."
    )
    mentee.get_by_role("button", name="Send request").click()
    expect(mentee.get_by_text("Your request was sent to Bia Souza.")).to_be_visible()
    _fits(mentee)


def _accept(mentor, artifacts) -> None:
    mentor.get_by_role("link", name="Answer").click()
    expect(mentor.get_by_text("I would love help finding a research internship.")).to_be_visible()
    mentor.get_by_label("A note (optional)").fill("Happy to, Ana.")
    mentor.get_by_role("button", name="Accept").click()
    expect(mentor.get_by_text("You accepted Ana Costa's request.")).to_be_visible()
    mentor.screenshot(path=artifacts / "02-accepted-375.png", full_page=True)
    _fits(mentor)


def _talk(mentee, mentor, artifacts) -> None:
    """The mentor writes first; the mentee sees the unread badge and replies; the reply
    reaches the mentor's open conversation by polling, without a reload."""
    _menu(mentor, "My matches")
    mentor.get_by_role("link", name="Your mentee Ana Costa").click()
    mentor.get_by_role("heading", name="Your mentee: Ana Costa").wait_for()
    _fits(mentor)
    mentor.get_by_role("link", name="Open the conversation").click()
    mentor.get_by_role("textbox", name="Message").fill("Welcome! Tuesday evening works for me.")
    mentor.get_by_role("button", name="Send").click()
    expect(mentor.get_by_text("Welcome! Tuesday evening works for me.")).to_be_visible()

    _menu(mentee, "My matches")
    mentee.get_by_role("button", name="Toggle navigation").click()
    expect(mentee.get_by_role("link", name="Messages 1 unread")).to_be_visible()
    mentee.screenshot(path=artifacts / "03-unread-badge-375.png", full_page=True)
    mentee.get_by_role("link", name="Your mentor Bia Souza").click()
    mentee.get_by_role("link", name="Open the conversation").click()
    expect(mentee.get_by_text("Welcome! Tuesday evening works for me.")).to_be_visible()
    mentor.evaluate("window.stillTheSamePage = true")
    mentee.get_by_role("textbox", name="Message").fill("Obrigada! Tuesday at 19:30, then.")
    mentee.get_by_role("button", name="Send").click()
    expect(mentee.get_by_text("Obrigada! Tuesday at 19:30, then.")).to_be_visible()
    _fits(mentee)

    expect(mentor.get_by_text("Obrigada! Tuesday at 19:30, then.")).to_be_visible(timeout=15_000)
    assert mentor.evaluate("window.stillTheSamePage === true")
    mentor.screenshot(path=artifacts / "04-reply-arrives-375.png", full_page=True)
    _fits(mentor)


def _set_goal(mentee, artifacts) -> None:
    """A SMART goal from the match page, then its two milestones."""
    today = timezone.localdate()
    _menu(mentee, "My matches")
    mentee.get_by_role("link", name="Your mentor Bia Souza").click()
    mentee.get_by_role("link", name="Add and update goals").click()
    mentee.get_by_label("What do you want to achieve?").fill(GOAL)
    mentee.get_by_label("Why does it matter?").fill("I want to know if research suits me.")
    mentee.get_by_label("How will you know you got there?").fill("An offer for the summer.")
    mentee.get_by_label("Target date").fill(f"{today + timedelta(days=90):%Y-%m-%d}")
    mentee.get_by_role("button", name="Add goal").click()
    expect(mentee.get_by_text("Goal added. Add its milestones below.")).to_be_visible()
    goal = mentee.get_by_role("article", name=GOAL)
    for title, days in [(FIRST, 30), (SECOND, 60)]:
        goal.get_by_text("Add a milestone", exact=True).click()
        goal.get_by_role("textbox", name="Milestone").fill(title)
        goal.get_by_label("Due date").fill(f"{today + timedelta(days=days):%Y-%m-%d}")
        goal.get_by_role("button", name="Add milestone").click()
        expect(mentee.get_by_text("Milestone added.")).to_be_visible()
    expect(goal.get_by_role("list", name="Milestones").get_by_role("listitem")).to_have_count(2)
    mentee.screenshot(path=artifacts / "05-goal-375.png", full_page=True)
    _fits(mentee)


def _log_session(mentor, artifacts) -> None:
    """The mentor logs yesterday's session: some progress, the first milestone reached."""
    _menu(mentor, "Sessions")
    mentor.get_by_role("region", name="Past and cancelled").get_by_role("link").click()
    mentor.get_by_label("Held").check()
    mentor.get_by_label("How long (minutes)").fill("60")
    mentor.get_by_label(f"Progress on “{GOAL}”").select_option(label="Some progress")
    mentor.get_by_label(f"Milestone reached: “{FIRST}” ({GOAL})").check()
    mentor.get_by_role("button", name="Save log").click()
    expect(mentor.get_by_text("Your log is saved.")).to_be_visible()
    expect(mentor.get_by_text(f"{GOAL}: Some progress")).to_be_visible()
    mentor.screenshot(path=artifacts / "06-session-log-375.png", full_page=True)
    _fits(mentor)


def _shows_first_milestone_done(page, done_on: str) -> None:
    """The goal (on the match page or the goals page) has its first milestone done on
    `done_on`, the second still due, and the log's progress on its timeline."""
    milestones = page.get_by_role("list", name="Milestones").get_by_role("listitem")
    expect(milestones.filter(has_text=FIRST)).to_contain_text(f"done {done_on}")
    expect(milestones.filter(has_text=SECOND)).to_contain_text("due ")
    expect(page.get_by_role("list", name="Progress, newest first")).to_contain_text(
        re.compile(r"Some progress\s+— Bia Souza, in a session log")
    )
    _fits(page)


def test_find_ask_talk_set_goals_and_log_a_milestone_on_a_phone(phone, artifacts):
    ana, mentors = _people()
    bia = mentors["Bia Souza"]
    mentee = phone(ana.user.email)
    _find_and_ask(mentee, artifacts)

    mentor = phone(bia.user.email)
    _accept(mentor, artifacts)
    match = Match.objects.get(mentee=ana, mentor=bia, status=Match.Status.ACTIVE)

    _talk(mentee, mentor, artifacts)
    _set_goal(mentee, artifacts)

    meeting_at(match, hours_from_now=-26)  # they met yesterday
    _log_session(mentor, artifacts)
    first = Milestone.objects.get(goal__match=match, title=FIRST)
    assert first.status == Milestone.Status.DONE
    done_on = date_format(timezone.localtime(first.done_at, ZoneInfo(LISBON)), "j M")

    _menu(mentee, "My matches")
    mentee.get_by_role("link", name="Your mentor Bia Souza").click()
    _shows_first_milestone_done(mentee, done_on)
    mentee.screenshot(path=artifacts / "07-match-page-375.png", full_page=True)
    mentee.get_by_role("link", name="Add and update goals").click()
    _shows_first_milestone_done(mentee, done_on)
    milestones = mentee.get_by_role("list", name="Milestones").get_by_role("listitem")
    done = milestones.filter(has_text=FIRST)
    expect(done.get_by_role("button", name="Open again")).to_be_visible()
    mentee.screenshot(path=artifacts / "08-goals-page-375.png", full_page=True)
