"""Every page passes axe-core's WCAG 2.1 A and AA rules, on a laptop and on a phone (issue 17).

The pages, the people who see them and the objects they are about are the bench's own
(`bench/pages.py`: `_pages`, `Found`), loaded the way tests/test_page_queries.py loads them, so
a page added to the bench is checked here too; the signed-out pages are listed below. The demo
data is seeded once; each person is signed in once per width (the session cookie of
`Client.force_login` added to a browser context shared by all of that person's pages). Pages
that answer with a file (the exports) are skipped, and the list of pages checked says so.

Run with -s to see the list of pages; test-artifacts/<test>/ keeps it (pages.txt), the
violations grouped by rule (axe-report.txt) and axe's raw results (axe-results.json).
"""

from __future__ import annotations

import json
import time
from collections import defaultdict
from dataclasses import dataclass, field

import pytest
from django.conf import settings
from django.test import Client
from django.urls import reverse

from mentoring.demo import seed_demo
from privacy.notice import notice_memo_reset
from tests.bench_pages import bench_pages
from tests.e2e.axe import (
    WCAG_TAGS,
    assert_accessible,
    axe_run,
    axe_version,
    axe_violations,
    node_lines,
    violation_lines,
)

pytestmark = [pytest.mark.browser, pytest.mark.slow, pytest.mark.django_db(transaction=True)]

PARTICIPANTS = 30  # the demo's small seed, as tests/test_page_queries.py uses
WIDTHS = {"1280x900": (1280, 900), "375x800": (375, 800)}
SIGNED_OUT = (  # name, URL name
    ("landing", "home"),
    ("log in", "account_login"),
    ("sign up", "account_signup"),
    ("password reset", "account_reset_password"),
    ("privacy notice (signed out)", "privacy:notice"),
)


@dataclass
class Target:
    name: str
    who: str  # mentee, mentor, informal, coordinator; "" signed out
    url: str | None
    skipped: str = ""  # why axe does not check it
    error: str = ""  # the page did not answer as it should: the test fails
    results: dict[str, dict] = field(default_factory=dict)  # width -> axe's result

    @property
    def violations(self) -> int:
        return sum(len(result["violations"]) for result in self.results.values())


def _targets(bench, found) -> list[Target]:
    targets = [Target(name, "", reverse(url_name)) for name, url_name in SIGNED_OUT]
    for page in bench._pages():
        url = page.url(found)
        target = Target(page.name, page.who, url)
        if url is None:
            target.skipped = "no such object in the demo data"
        targets.append(target)
    return targets


def _file_download(response) -> str:
    """What kind of file a response is ("" for a page)."""
    kind = response.headers.get("Content-Type", "")
    attachment = "attachment" in response.headers.get("Content-Disposition", "")
    if attachment or not kind.startswith("text/html"):
        return kind.split(";")[0] or "no content type"
    return ""


def _classify(targets: list[Target], clients: dict[str, Client]) -> None:
    """Mark the file downloads (exports) as skipped: axe checks HTML pages."""
    for target in targets:
        if target.skipped:
            continue
        response = clients[target.who].get(target.url)
        try:
            kind = _file_download(response)
        finally:
            response.close()
        if response.status_code != 200:
            target.error = target.skipped = f"answered {response.status_code}"
        elif kind:
            target.skipped = f"file download ({kind})"


def _context(browser, base: str, width: str, client: Client | None):
    w, h = WIDTHS[width]
    context = browser.new_context(viewport={"width": w, "height": h})
    context.set_default_timeout(20_000)
    if client is not None:
        name = settings.SESSION_COOKIE_NAME
        context.add_cookies([{"name": name, "value": client.cookies[name].value, "url": base}])
    return context


def _check(page, base: str, target: Target, width: str, watch) -> None:
    response = page.goto(base + target.url)
    if response is None or response.status != 200 or page.url != base + target.url:
        status = response.status if response else "no response"
        target.error = f"at {width} answered {status}, at {page.url}"
        return
    with watch.axe_measuring(page):
        target.results[width] = axe_run(page)


def _signature(result: dict) -> list:
    return sorted(
        (v["id"], sorted(json.dumps(n["target"]) for n in v["nodes"])) for v in result["violations"]
    )


def _widths_alike(target: Target) -> list[tuple[str, dict]]:
    """(widths, result) pairs: one for both widths when they found the same, else one each."""
    results = list(target.results.items())
    if len(results) == 2 and _signature(results[0][1]) == _signature(results[1][1]):
        return [(" and ".join(target.results), results[0][1])]
    return results


def _page_list(targets: list[Target], seconds: float) -> str:
    checked = [t for t in targets if t.results]
    lines = [
        f"axe-core {axe_version()}, rules tagged {', '.join(WCAG_TAGS)}; "
        f"{len(checked)} pages checked at each of {', '.join(WIDTHS)} in {seconds:.0f} s",
    ]
    for target in targets:
        who = target.who or "signed out"
        if target.error:
            lines.append(f"  ERROR {target.name} [{who}] {target.url}: {target.error}")
            continue
        if target.skipped:
            lines.append(f"  SKIPPED {target.name} [{who}] {target.url or ''}: {target.skipped}")
            continue
        found = []
        for width, result in target.results.items():
            ids = sorted({v["id"] for v in result["violations"]})
            found.append(
                f"{width}: {len(result['passes'])} rules passed on {result['nodesChecked']} nodes, "
                + (
                    f"{len(result['incomplete'])} to review by hand "
                    f"({', '.join(rule['id'] for rule in result['incomplete'])}), "
                    if result["incomplete"]
                    else ""
                )
                + (f"violations {', '.join(ids)}" if ids else "no violations")
            )
        lines.append(f"  checked {target.name} [{who}] {target.url}")
        lines += [f"      {line}" for line in found]
    return "\n".join(lines)


def _by_page(targets: list[Target]) -> str:
    lines = []
    for target in targets:
        if not target.violations:
            continue
        lines.append(f"{target.name} [{target.who or 'signed out'}] {target.url}")
        for widths, result in _widths_alike(target):
            if not result["violations"]:
                lines.append(f"  at {widths}: none")
                continue
            lines.append(f"  at {widths} ({result['url']}):")
            for violation in result["violations"]:
                lines += violation_lines(violation, "    ")
    return "\n".join(lines)


def _by_rule(targets: list[Target]) -> str:
    rules: dict[str, dict] = {}
    pages: dict[str, list] = defaultdict(list)
    for target in targets:
        for widths, result in _widths_alike(target):
            for violation in result["violations"]:
                rules.setdefault(violation["id"], violation)
                pages[violation["id"]].append((target, widths, violation["nodes"]))

    def nodes(rule):
        return sum(len(found) for _, _, found in pages[rule])

    lines = [f"axe-core {axe_version()}: {len(rules)} rules violated", ""]
    for rule in sorted(rules, key=lambda r: (-len(pages[r]), -nodes(r), r)):
        first = rules[rule]
        lines.append(
            f"== {rule} [{first.get('impact') or '?'}] {first['help']} "
            f"({len({t.name for t, _, _ in pages[rule]})} pages, {nodes(rule)} nodes)"
        )
        lines.append(f"   {first.get('helpUrl', '')}  tags: {', '.join(first['tags'])}")
        for target, widths, found in pages[rule]:
            lines.append(
                f"  -- {target.name} [{target.who or 'signed out'}] {target.url} at {widths}"
            )
            for node in found:
                lines += node_lines(node, "     ")
        lines.append("")
    return "\n".join(lines + _to_review(targets))


def _to_review(targets: list[Target]) -> list[str]:
    """axe's incomplete results (not failures): each rule's distinct nodes, with the pages."""
    seen: dict[str, dict] = {}
    for target in targets:
        for width, result in target.results.items():
            for rule in result["incomplete"]:
                entry = seen.setdefault(rule["id"], {"rule": rule, "nodes": {}})
                for node in rule["nodes"]:
                    key = json.dumps(node["target"])
                    entry["nodes"].setdefault(key, (node, set()))[1].add(f"{target.name} {width}")
    lines = ["", "Not failures: what axe could not decide, to review by hand (axe's incomplete)"]
    for rule_id, entry in sorted(seen.items()):
        lines.append(f"== {rule_id} {entry['rule']['help']} ({len(entry['nodes'])} elements)")
        for node, where in entry["nodes"].values():
            lines += node_lines(node, "     ")
            lines.append(f"       on {len(where)} page views, e.g. {', '.join(sorted(where)[:3])}")
    return lines


BROKEN = """<!doctype html><html lang="en"><head><title>Broken</title></head><body><main>
<h1>A page with faults</h1><img src="/missing.png"><p>Plain text passes.</p>
<form><input type="text" name="unlabelled"></form></main></body></html>"""


def test_the_harness_finds_violations_under_the_policy(page, browser_watch):
    """axe runs under the app's script-src 'self' (no violation reported), checks the page and
    reports what is wrong with where it is."""

    def serve(route):
        route.fulfill(
            body=BROKEN,
            content_type="text/html",
            headers={"Content-Security-Policy": "default-src 'self'; script-src 'self'"},
        )

    page.route("http://axe.test/**", serve)
    page.goto("http://axe.test/")
    assert {v["id"] for v in axe_violations(page)} == {"image-alt", "label"}
    with pytest.raises(pytest.fail.Exception) as failed:
        assert_accessible(page, "broken page")
    summary = str(failed.value)
    assert "broken page: 2 accessibility violation(s) on http://axe.test/" in summary
    assert "image-alt [critical]" in summary and '<img src="/missing.png">' in summary
    assert "label [critical]" in summary and '<input type="text" name="unlabelled">' in summary
    page.wait_for_timeout(200)  # a CSP report would arrive through the binding by now
    assert not browser_watch.violations


def test_every_page_passes_axe_at_both_widths(browser, live_server, artifacts, browser_watch):
    started = time.monotonic()
    bench = bench_pages()
    notice_memo_reset()
    seed_demo(participants=PARTICIPANTS, password="accessibility")
    notice_memo_reset()
    found = bench.Found()
    targets = _targets(bench, found)

    # A page that fails is reported with the others, not raised here.
    clients: dict[str, Client] = {"": Client(raise_request_exception=False)}
    for who, user in found.people.items():
        clients[who] = Client(raise_request_exception=False)
        clients[who].force_login(user)
    _classify(targets, clients)

    base = live_server.url
    people = list(dict.fromkeys(t.who for t in targets if not t.skipped))
    for width in WIDTHS:
        for who in people:
            context = _context(browser, base, width, clients[who] if who else None)
            page = context.new_page()
            for target in targets:
                if target.who == who and not target.skipped:
                    _check(page, base, target, width, browser_watch)
            context.close()

    listing = _page_list(targets, time.monotonic() - started)
    print("\n" + listing)
    (artifacts / "pages.txt").write_text(listing + "\n", encoding="utf-8")
    (artifacts / "axe-report.txt").write_text(_by_rule(targets) + "\n", encoding="utf-8")
    raw = {t.name: {"url": t.url, "skipped": t.skipped, **t.results} for t in targets}
    (artifacts / "axe-results.json").write_text(json.dumps(raw, indent=1), encoding="utf-8")

    assert all(len(t.results) == len(WIDTHS) for t in targets if not (t.skipped or t.error))
    problems = [
        f"{t.name} [{t.who or 'signed out'}] {t.url}: {t.error}" for t in targets if t.error
    ]
    if problems:
        problems.insert(0, "Pages that could not be checked:")
    failing = [t for t in targets if t.violations]
    if failing:
        problems.append(
            f"WCAG 2.1 AA violations on {len(failing)} of "
            f"{sum(bool(t.results) for t in targets)} pages (full report by rule: "
            f"{artifacts / 'axe-report.txt'}):\n{_by_page(targets)}"
        )
    if problems:
        pytest.fail("\n".join(problems), pytrace=False)
