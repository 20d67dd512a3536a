"""Issue 17, "Keyboard only": a new person signs up, applies to a program, books a session,
logs it and answers a check-in with nothing but the keyboard.

No `.click()`, no `.fill()`; the only `goto`s are the first page and the sign-up confirmation
link from the email. Every other page is reached by tabbing to a link and pressing Enter;
fields are filled by typing into the focused field, selects are driven with arrow keys or by
typing, checkboxes and radios with Space and arrow keys. What a coordinator or the passing of
time would do (approve, match, move the session into the past, open a check-in) happens in the
database between steps, with the project's own services and factories.

After every key press the test asserts that focus is still on an element of the page and that
the element is visibly focused (an outline or a box shadow; for a visually hidden control such
as Bootstrap's `.btn-check`, on its label). Invisible focus is collected over the whole journey
and reported at the end, with a selector for each case. `tab_to` also fails on a focus trap:
a small cycle of elements repeating without the target being reached.
"""

import os
import re
from collections.abc import Callable
from dataclasses import dataclass, field
from datetime import timedelta
from urllib.parse import urlsplit

import pytest
from django.core import mail
from django.utils import timezone

from accounts.models import User
from evaluation.models import CheckIn
from evaluation.services.checkins import checkin_open
from matching.models import Match
from programs.models import Application
from programs.services import application_decide
from sessions.models import Meeting, PrivateNote, SessionLog
from tests.factories import CareerStageFactory, ProgramFactory, TopicFactory, UserFactory
from tests.sessions.helpers import make_application, weekly

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]

CONFIRM_LINK = re.compile(r"https?://[^/\s]+(/accounts/confirm-email/[^\s]+/)")
EMAIL = "kofi.keys@example.org"
NAME = "Kofi Keys"
PASSPHRASE = "a-long-and-unusual-passphrase"
SKIP_LINK = "Skip to main content"
TRACE = bool(os.environ.get("KEYBOARD_TRACE"))  # print every focus change (run with -s)

# What the browser says about document.activeElement: its accessible name (approximated:
# aria-labelledby, aria-label, <label>s, text content, value, title, placeholder), a selector,
# and whether its focus is visible (outline or box shadow; for a visually hidden control, on
# one of its labels, as with Bootstrap's .btn-check buttons).
FOCUSED = """() => {
  const el = document.activeElement;
  if (!el || el === document.body || el === document.documentElement) { return null; }
  const clean = (text) => (text || "").replace(/\\s+/g, " ").trim();
  const texts = (ids) => ids.split(/\\s+/).map((id) => document.getElementById(id))
    .filter(Boolean).map((node) => node.textContent).join(" ");
  let name = "";
  if (el.getAttribute("aria-labelledby")) { name = texts(el.getAttribute("aria-labelledby")); }
  if (!clean(name) && el.getAttribute("aria-label")) { name = el.getAttribute("aria-label"); }
  if (!clean(name) && el.labels && el.labels.length) {
    name = Array.from(el.labels).map((label) => label.textContent).join(" ");
  }
  if (!clean(name) && ["A", "BUTTON", "SUMMARY"].includes(el.tagName)) { name = el.textContent; }
  if (!clean(name) && el.tagName === "INPUT" && ["submit", "button"].includes(el.type)) {
    name = el.value;
  }
  if (!clean(name)) { name = el.getAttribute("title") || el.getAttribute("placeholder") || ""; }

  const path = [];
  for (let node = el; node && node.nodeType === 1; node = node.parentElement) {
    let part = node.tagName.toLowerCase();
    if (node.id) { path.unshift(part + "#" + CSS.escape(node.id)); break; }
    const classes = Array.from(node.classList).slice(0, 3).map((c) => "." + CSS.escape(c));
    part += classes.join("");
    const parent = node.parentElement;
    if (parent) {
      const same = Array.from(parent.children).filter((c) => c.tagName === node.tagName);
      if (same.length > 1) { part += ":nth-of-type(" + (same.indexOf(node) + 1) + ")"; }
    }
    path.unshift(part);
    if (node === document.body) { break; }
  }

  const indicated = (node) => {
    const style = getComputedStyle(node);
    const outline = style.outlineStyle !== "none" && parseFloat(style.outlineWidth) > 0
      && style.outlineColor !== "rgba(0, 0, 0, 0)";
    return outline || (style.boxShadow && style.boxShadow !== "none");
  };
  const style = getComputedStyle(el);
  const box = el.getBoundingClientRect();
  const hidden = box.width <= 1 || box.height <= 1 || style.clip === "rect(0px, 0px, 0px, 0px)"
    || style.clipPath === "inset(50%)" || style.opacity === "0" || style.visibility === "hidden";
  const visible = hidden
    ? Boolean(el.labels && Array.from(el.labels).some(indicated))
    : Boolean(indicated(el));
  return {
    name: clean(name),
    tag: el.tagName.toLowerCase(),
    type: el.getAttribute("type") || "",
    id: el.id,
    selector: path.join(" > "),
    visible: visible,
    checked: Boolean(el.checked),
    in_main: Boolean(el.closest("main")),
    // A date or time input whose built-in picker button has focus: the input matches
    // :focus-within but not :focus (nor :focus-visible), so its own focus styles are off.
    inner: el.matches(":focus-within") && !el.matches(":focus"),
    value: el.value === undefined ? null : String(el.value),
  };
}"""


@dataclass
class Focus:
    name: str
    tag: str
    type: str
    id: str
    selector: str
    visible: bool
    checked: bool
    in_main: bool
    inner: bool
    value: str | None

    def __str__(self) -> str:
        return f"<{self.tag}> {self.name!r} ({self.selector})"


@dataclass
class Journey:
    """Every key press goes through here: focus is checked after each one."""

    page: object
    invisible: dict[str, str] = field(default_factory=dict)
    step: str = ""

    def focused(self) -> Focus | None:
        info = self.page.evaluate(FOCUSED)
        return Focus(**info) if info else None

    def press(self, key: str, *, navigates: bool = False, seen=()) -> Focus | None:
        """Press `key`. Unless it navigates, focus must stay on a visibly focused element."""
        if navigates:
            with self.page.expect_navigation():
                self.page.keyboard.press(key)
            self.page.wait_for_load_state("load")
            return None
        self.page.keyboard.press(key)
        return self.check_focus(after=key, seen=seen)

    def type(self, text: str) -> None:
        self.page.keyboard.type(text)
        self.check_focus(after=f"typing {text!r}")

    def check_focus(self, *, after: str, seen=()) -> Focus:
        focus = self.focused()
        if TRACE:
            print(f"[{self.step}] {after} -> {focus}")
        assert focus is not None, (
            f"[{self.step}] focus was lost (document.activeElement is <body>) after {after} "
            f"on {self.page.url}; focused before, in turn:\n  " + "\n  ".join(seen)
        )
        if not focus.visible:
            where = " (its built-in picker button has focus)" if focus.inner else ""
            self.invisible.setdefault(
                focus.selector, f"{focus}{where} on {self.page.url} [{self.step}]"
            )
        return focus

    def page_loaded(self, *, into_main: bool = False) -> None:
        """A page just loaded: the first Tab lands on the skip link; Enter on it (if
        `into_main`) moves focus into <main>."""
        if urlsplit(self.page.url).fragment == "main":
            # The skip link's "#main" stays in the URL of a form posted from that page and of
            # the redirect after it: the browser then opens the page with focus on <main>,
            # which is where a keyboard user who skipped the navigation wants to be.
            self.page.wait_for_function("document.activeElement?.id === 'main'")
            self.check_focus(after="loading a page at #main")
            return
        focus = self.focused()
        assert focus is None or focus.name == SKIP_LINK, (
            f"[{self.step}] a fresh page already had focus on {focus}"
        )
        focus = self.press("Tab")
        assert focus.name == SKIP_LINK, (
            f"[{self.step}] the first Tab on {self.page.url} focused {focus}, not the skip link"
        )
        if into_main:
            focus = self.press("Enter")
            assert focus.tag == "main" and focus.id == "main", (
                f"[{self.step}] Enter on the skip link focused {focus}, not <main id=main>"
            )


def _norm(text: str) -> str:
    return re.sub(r"\s+", " ", text.replace("*", "")).strip().casefold()


def _matcher(target) -> Callable[[Focus], bool]:
    if callable(target):
        return target
    if isinstance(target, re.Pattern):
        return lambda focus: bool(target.search(focus.name))
    return lambda focus: _norm(focus.name) == _norm(target)


def _trap(seen: list[str]) -> list[str] | None:
    """The small cycle the last presses went round, if any: one element kept for 6 presses
    (a date or time input takes a Tab per part, so a few are fine), or 2 to 4 elements
    visited three times over in the same order."""
    if len(seen) >= 6 and len(set(seen[-6:])) == 1:
        return seen[-1:]
    visits = [name for i, name in enumerate(seen) if i == 0 or seen[i - 1] != name]
    for size in range(2, 5):
        tail = visits[-3 * size :]
        if len(tail) == 3 * size and tail == tail[:size] * 3:
            return tail[:size]
    return None


def tab_to(journey, predicate_or_name, max_presses=80, backwards=False) -> Focus:
    """Press Tab (Shift+Tab if `backwards`) until the focused element matches: a name
    (compared without required-field asterisks, whitespace collapsed, case-insensitively), a
    compiled regex searched in the name, or a predicate on Focus. Fails with the elements seen
    if not reached or on a focus trap; each press checks focus is kept and visible."""
    matches = _matcher(predicate_or_name)
    key = "Shift+Tab" if backwards else "Tab"
    current = journey.focused()
    if current is not None and matches(current):
        return current
    seen: list[str] = []
    for _ in range(max_presses):
        focus = journey.press(key, seen=seen)
        if matches(focus):
            return focus
        seen.append(str(focus))
        cycle = _trap(seen)
        if cycle:
            pytest.fail(
                f"[{journey.step}] focus trap on {journey.page.url} looking for "
                f"{predicate_or_name!r}: {key} keeps cycling through\n  " + "\n  ".join(cycle),
                pytrace=False,
            )
    pytest.fail(
        f"[{journey.step}] {predicate_or_name!r} not reached with {max_presses} x {key} on "
        f"{journey.page.url}; focused in turn:\n  " + "\n  ".join(seen),
        pytrace=False,
    )


def follow(journey, target, *, into_main=False, backwards=False, max_presses=80) -> None:
    """Tab to a link or submit button, press Enter, and check the next page's skip link."""
    tab_to(journey, target, max_presses=max_presses, backwards=backwards)
    journey.press("Enter", navigates=True)
    journey.page_loaded(into_main=into_main)


def follow_nav(journey, name: str) -> None:
    """Follow a link of the main navigation: Tab from the top of the page, or Shift+Tab back
    to it when focus is already in <main> (after the skip link)."""
    focus = journey.focused()
    follow(journey, name, backwards=bool(focus and focus.in_main))


def arrow_to(journey, key: str, predicate: Callable[[Focus], bool], max_presses=30) -> Focus:
    """Press an arrow key until the focused control (a select, a radio group) matches."""
    for _ in range(max_presses):
        focus = journey.check_focus(after="arrow keys")
        if predicate(focus):
            return focus
        journey.press(key)
    pytest.fail(f"[{journey.step}] {key} never reached the wanted choice on {journey.page.url}")


def selected_text(page) -> str:
    return page.evaluate("document.activeElement.selectedOptions[0]?.textContent.trim() || ''")


def test_new_person_signs_up_applies_books_logs_and_checks_in_by_keyboard(
    page, live_server, artifacts
):
    page.set_default_timeout(15_000)
    page.set_viewport_size({"width": 1280, "height": 900})
    # Without transitions a focus ring's computed style is final at once: a box shadow that
    # is still fading out after focus moved on cannot pass for a focus indicator.
    page.emulate_media(reduced_motion="reduce")
    base = live_server.url
    program = ProgramFactory(name="Peer Careers", slug="peer-careers")
    TopicFactory(program=program, name="Study skills")
    TopicFactory(program=program, name="Careers")
    CareerStageFactory(program=program, name="First-year", position=0)
    mentor = make_application(
        program, "mentor", user=UserFactory(display_name="Mo Mentor", time_zone="Europe/London")
    )
    journey = Journey(page)

    # 1. The landing page: skip link, then "Create an account".
    journey.step = "landing"
    page.goto(base)
    journey.page_loaded(into_main=True)
    follow(journey, "Create an account")
    page.screenshot(path=artifacts / "01-signup.png", full_page=True)

    # 2. Sign up: type into each field; the time zone is chosen by typing into the select.
    journey.step = "sign up"
    tab_to(journey, "Email")
    journey.type(EMAIL)
    tab_to(journey, "Your name")
    journey.type(NAME)
    zone = tab_to(journey, "Time zone")
    assert zone.tag == "select"
    journey.type("London")  # options are city names, grouped by region
    assert journey.focused().value == "Europe/London"
    tab_to(journey, "Password")
    journey.type(PASSPHRASE)
    tab_to(journey, "Password (again)")
    journey.type(PASSPHRASE)
    page.screenshot(path=artifacts / "02-signup-filled.png", full_page=True)
    follow(journey, "Sign Up")
    page.get_by_role("heading", name="Verify Your Email Address").wait_for()

    # 3. The confirmation link from the email (a real user follows it from their mail app).
    journey.step = "confirm email"
    [message] = mail.outbox
    page.goto(base + CONFIRM_LINK.search(message.body).group(1))
    journey.page_loaded()
    follow(journey, "Confirm")
    page.get_by_role("heading", name=f"Hello, {NAME}").wait_for()
    user = User.objects.get(email=EMAIL)
    assert user.emailaddress_set.get().verified is True
    assert str(user.time_zone) == "Europe/London"

    # 4. Apply as mentee: home -> open programs -> the program -> the form.
    journey.step = "apply"
    follow(journey, "Browse open programs")
    follow(journey, "Peer Careers", into_main=True)
    follow(journey, "Apply as mentee", into_main=True)
    stage = tab_to(journey, "Your career stage")
    assert stage.tag == "select"
    arrow_to(journey, "ArrowDown", lambda focus: selected_text(page) == "First-year")
    checkbox = tab_to(journey, "Study skills")
    assert checkbox.type == "checkbox" and not checkbox.checked
    assert journey.press("Space").checked
    tab_to(journey, "Why do you want to take part?")
    journey.type("I want to find my first internship.")
    page.screenshot(path=artifacts / "03-application-filled.png", full_page=True)
    follow(journey, "Send application")
    page.get_by_text("Your application was sent.").wait_for()
    application = Application.objects.get(user=user, program=program)
    assert application.role == "mentee"
    assert [t.name for t in application.topics.all()] == ["Study skills"]
    assert application.career_stage.name == "First-year"

    # A coordinator approves and matches her with a mentor who published a weekly window.
    application_decide(application=application, status=Application.Status.APPROVED)
    in_two_days = (timezone.localdate() + timedelta(days=2)).weekday()
    weekly(mentor.user, weekday=in_two_days, minutes=60)
    match = Match.objects.create(
        program=program, mentor=mentor, mentee=application, started_at=timezone.now()
    )

    # 5. Book: Sessions in the navigation -> book with the mentor -> the first free time.
    journey.step = "book"
    follow_nav(journey, "Sessions")
    follow(journey, re.compile(r"^Book with your mentor Mo Mentor"), into_main=True)
    page.get_by_role("heading", name="Book a session with Mo Mentor").wait_for()
    follow(journey, re.compile(r"^\d\d:\d\d on "), into_main=True)
    page.get_by_text("Booked. You both have a confirmation email.").wait_for()
    page.screenshot(path=artifacts / "04-booked.png", full_page=True)
    meeting = Meeting.objects.get(match=match)

    # The session takes place.
    Meeting.objects.filter(pk=meeting.pk).update(
        start=meeting.start - timedelta(days=3), end=meeting.end - timedelta(days=3)
    )

    # 6. Log it: Sessions -> the past session -> the log form.
    journey.step = "log"
    follow_nav(journey, "Sessions")
    follow(journey, re.compile(r"with Mo Mentor.*Log it"), into_main=True)
    page.get_by_role("heading", name="Log this session").wait_for()
    outcome = tab_to(journey, lambda focus: focus.type == "radio")
    if not outcome.checked:
        journey.press("Space")
    arrow_to(journey, "ArrowDown", lambda focus: focus.name == "Held" and focus.checked)
    tab_to(journey, "How long (minutes)")
    journey.type("55")
    tab_to(journey, "Shared notes (both of you see these)")
    journey.type("Mock interview practice")
    tab_to(journey, "Private note (only you, ever)")
    journey.type("Still unsure about salary talks")
    page.screenshot(path=artifacts / "05-log-filled.png", full_page=True)
    follow(journey, "Save log")
    page.get_by_text("Your log is saved.").wait_for()
    log = SessionLog.objects.get(meeting=meeting)
    assert (log.author, log.outcome, log.duration_minutes) == (user, "held", 55)
    assert log.shared_notes == "Mock interview practice"
    assert PrivateNote.objects.get(meeting=meeting).author == user

    # The program opens a check-in for her.
    checkin_open(match=match, application=application)

    # 7. Check in: Check-ins in the navigation -> the check-in -> score, met, blocking.
    journey.step = "check in"
    follow_nav(journey, "Check-ins")
    follow(journey, "Check-in: how is it going with Mo Mentor?", into_main=True)
    page.get_by_role("heading", name="Quick check-in").wait_for()
    score = tab_to(journey, lambda focus: focus.type == "radio")
    assert score.name.startswith("1 ")
    journey.press("Space")
    arrow_to(journey, "ArrowRight", lambda focus: focus.name.startswith("2 ") and focus.checked)
    met = journey.press("Tab")
    assert met.type == "radio" and met.name == "Yes", f"Tab after the score focused {met}"
    arrow_to(journey, "ArrowRight", lambda focus: focus.name == "No" and focus.checked)
    tab_to(journey, "Anything blocking you? (optional)")
    journey.type("Exams all month")
    page.screenshot(path=artifacts / "06-checkin-filled.png", full_page=True)
    follow(journey, "Send check-in")
    page.get_by_text("Thank you: your check-in is saved.").wait_for()
    page.screenshot(path=artifacts / "07-checked-in.png", full_page=True)
    checkin = CheckIn.objects.get(match=match, application=application)
    assert (checkin.score, checkin.met, checkin.blocking) == (2, False, "Exams all month")

    assert not journey.invisible, "Focus was not visible on:\n  " + "\n  ".join(
        journey.invisible.values()
    )
