"""Every browser journey fails on a Content-Security-Policy violation, and on an accessibility
violation (axe-core's WCAG 2.1 A and AA rules) on the page where each of its tabs ends.

Each browser context a test opens (the `page` fixture's, and any from browser.new_context())
is watched: an init script reports every `securitypolicyviolation` event through an exposed
binding (so one just before a navigation is not lost), and Chromium's console messages about
the Content Security Policy and uncaught page errors are recorded too. After the test, any of
them fails it, with the other console errors alongside for context.

Journeys also call `tests.e2e.axe.assert_accessible` at the states they pass through (a form
with its errors, a page on a phone); `tests/e2e/test_accessibility.py` checks every page.
"""

import contextlib
from dataclasses import dataclass, field
from urllib.parse import urlsplit

import pytest
from playwright.sync_api import Browser

_REPORT_VIOLATIONS = """
document.addEventListener("securitypolicyviolation", (event) => {
  window.__cspViolation({
    directive: event.violatedDirective,
    blocked: event.blockedURI,
    source: event.sourceFile,
    line: event.lineNumber,
    sample: event.sample,
    page: document.URL,
  });
});
"""


@dataclass
class BrowserWatch:
    violations: list[str] = field(default_factory=list)
    page_errors: list[str] = field(default_factory=list)
    console_errors: list[str] = field(default_factory=list)
    pages: list = field(default_factory=list)

    def attach(self, context) -> None:
        context.on("page", self._on_page)
        context.expose_binding("__cspViolation", self._on_violation)
        context.add_init_script(_REPORT_VIOLATIONS)
        context.on("console", self._on_console)
        context.on("weberror", self._on_page_error)

    @contextlib.contextmanager
    def axe_measuring(self, page):
        """axe measures by touching the page's styles, which the CSP reports: what it trips
        while it runs is axe's doing, not the page's, and is forgotten."""
        before = len(self.violations)
        try:
            yield
        finally:
            page.wait_for_timeout(50)  # reports arrive through the exposed binding
            del self.violations[before:]

    def _on_page(self, page) -> None:
        self.pages.append(page)

    def _on_violation(self, source, report) -> None:
        self.violations.append(
            f"{report['directive']} refused {report['blocked'] or 'inline code'} on "
            f"{report['page']} ({report['source']}:{report['line']}) {report['sample']!r}"
        )

    def _on_console(self, message) -> None:
        if message.type != "error":
            return
        text = f"{message.text} ({message.page.url if message.page else '?'})"
        if "Content Security Policy" in message.text:
            self.violations.append(text)
        else:
            self.console_errors.append(text)

    def _on_page_error(self, web_error) -> None:
        page = web_error.page.url if web_error.page else "?"
        self.page_errors.append(f"{web_error.error.message} ({page})")

    def problems(self) -> str:
        if not self.violations and not self.page_errors:
            return ""
        lines = ["Content-Security-Policy violations:", *self.violations]
        lines += ["Uncaught page errors:", *self.page_errors]
        lines += ["Other console errors:", *self.console_errors]
        return "\n  ".join(lines)


def _axe_on_final_pages(watch: BrowserWatch) -> None:
    """axe on each tab the journey left open on one of the app's pages (not a download or a
    blank tab): every journey ends on a page that must be accessible too."""
    from tests.e2e.axe import axe_violations, summarize

    failures = []
    for page in watch.pages:
        # Only the app's own pages (the live server's): not a blank tab, a download, or a
        # page a test made up on purpose (the harness's and the CSP watch's own tests).
        if page.is_closed() or urlsplit(page.url).hostname not in ("localhost", "127.0.0.1"):
            continue
        page.wait_for_load_state()
        if not page.evaluate("() => document.contentType === 'text/html'"):
            continue
        with watch.axe_measuring(page):
            violations = axe_violations(page)
        if violations:
            failures.append(summarize(violations, page.url, "where the journey ended"))
    if failures:
        pytest.fail("\n".join(failures), pytrace=False)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_call(item):
    result = yield  # a failing journey raises here, and its own failure is the one reported
    watch = item.funcargs.get("browser_watch")
    if watch is not None and watch.pages:
        _axe_on_final_pages(watch)
    return result


@pytest.fixture(autouse=True)
def browser_watch(monkeypatch):
    """Watches every browser context of the test; fails it on a CSP violation or page error."""
    watch = BrowserWatch()
    original = Browser.new_context

    def new_context(browser, *args, **kwargs):
        context = original(browser, *args, **kwargs)
        watch.attach(context)
        return context

    monkeypatch.setattr(Browser, "new_context", new_context)
    yield watch
    problems = watch.problems()
    if problems:
        pytest.fail(problems, pytrace=False)
