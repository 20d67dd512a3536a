"""Run axe-core (WCAG 2.1 A and AA rules) on the page a Playwright test has open (issue 17).

axe-core is vendored, pinned, into tests/assets/axe/ (`bin/vendor-assets test`); nothing is
fetched at test time. The app's Content-Security-Policy allows no inline script, so the script
is not added as a <script> tag: `page.evaluate` runs it through the DevTools protocol, which the
page's policy does not govern (and the e2e conftest would fail the test on any violation).

    from tests.e2e.axe import assert_accessible, axe_violations

    assert_accessible(page, "sessions page, phone")
    violations = axe_violations(page, context="main")
"""

from __future__ import annotations

import functools
from pathlib import Path

import pytest

AXE_JS = Path(__file__).resolve().parent.parent / "assets" / "axe" / "axe.min.js"
WCAG_TAGS = ("wcag2a", "wcag2aa", "wcag21a", "wcag21aa")
SNIPPET = 160  # characters of a node's html shown in a summary

_RUN = """async ([context, tags]) => {
  const result = await window.axe.run(context === null ? document : context, {
    runOnly: {type: "tag", values: tags},
  });
  const nodes = (items) => items.reduce((sum, item) => sum + item.nodes.length, 0);
  return {
    url: result.url,
    testEngine: result.testEngine,
    violations: result.violations,
    passes: result.passes.map((rule) => rule.id),
    incomplete: result.incomplete,
    inapplicable: result.inapplicable.map((rule) => rule.id),
    nodesChecked: nodes(result.passes) + nodes(result.violations) + nodes(result.incomplete),
  };
}"""


@functools.cache
def axe_source() -> str:
    if not AXE_JS.exists():
        raise FileNotFoundError(f"{AXE_JS} is missing: run bin/vendor-assets test")
    return AXE_JS.read_text(encoding="utf-8")


def axe_version() -> str:
    first = axe_source().split("\n", 1)[0]  # "/*! axe v4.x.y"
    return first.removeprefix("/*! axe ").strip()


def axe_inject(page) -> None:
    """Load axe into the current document (once per document; not through a <script> tag)."""
    if not page.evaluate("() => typeof window.axe === 'object' && !!window.axe.run"):
        page.evaluate(axe_source())
    if not page.evaluate("() => typeof window.axe === 'object' && !!window.axe.run"):
        raise RuntimeError(f"axe-core did not load on {page.url}")


def axe_run(page, *, context=None, tags=WCAG_TAGS) -> dict:
    """axe's result for the current page (or `context`: a selector or an axe context object),
    checked to be a real run: axe applied rules to some of the page's elements.

    Keys: url, testEngine, violations and incomplete (rules axe could not decide, to review by
    hand), each as axe gives them, with their nodes; passes and inapplicable (rule ids); and
    nodesChecked."""
    axe_inject(page)
    result = page.evaluate(_RUN, [context, list(tags)])
    if not result["passes"] or not result["nodesChecked"]:
        raise AssertionError(
            f"axe checked nothing on {page.url} (context {context!r}): "
            f"{len(result['passes'])} rules passed, {result['nodesChecked']} nodes checked"
        )
    return result


def axe_violations(page, *, context=None) -> list[dict]:
    """axe's WCAG 2.1 A/AA violations on the current page: each with id, impact, help,
    helpUrl, tags and nodes (target, html, failureSummary, any/all/none checks)."""
    return axe_run(page, context=context)["violations"]


def _why(node: dict) -> str:
    """The first check message of a node: for a contrast failure, the colours and the ratio."""
    for key in ("any", "all", "none"):
        for check in node.get(key) or ():
            if check.get("message"):
                return check["message"]
    return ""


def _short(text: str, limit: int = SNIPPET) -> str:
    text = " ".join(text.split())
    return text if len(text) <= limit else text[: limit - 1] + "…"


def node_lines(node: dict, indent: str = "    ") -> list[str]:
    target = " > ".join(
        " ".join(part) if isinstance(part, list) else str(part) for part in node["target"]
    )
    lines = [f"{indent}- {target}", f"{indent}  {_short(node.get('html', ''))}"]
    why = _why(node)
    if why:
        lines.append(f"{indent}  why: {_short(why, 240)}")
    return lines


def violation_lines(violation: dict, indent: str = "  ") -> list[str]:
    lines = [
        f"{indent}{violation['id']} [{violation.get('impact') or '?'}] {violation['help']} "
        f"({len(violation['nodes'])} node{'s' if len(violation['nodes']) != 1 else ''}; "
        f"{violation.get('helpUrl', '')})"
    ]
    for node in violation["nodes"]:
        lines += node_lines(node, indent + "  ")
    return lines


def summarize(violations: list[dict], url: str, label: str = "") -> str:
    """A readable summary: the page, then each rule with its impact, help and nodes."""
    head = f"{label}: " if label else ""
    lines = [f"{head}{len(violations)} accessibility violation(s) on {url}"]
    for violation in violations:
        lines += violation_lines(violation)
    return "\n".join(lines)


def assert_accessible(page, label: str, *, context=None) -> None:
    """Fail the test when axe finds a WCAG 2.1 A/AA violation on the current page."""
    violations = axe_violations(page, context=context)
    if violations:
        pytest.fail(summarize(violations, page.url, label), pytrace=False)
