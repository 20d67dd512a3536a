"""/api/docs/ in a real browser: Swagger UI starts from our static files alone, under the
site's Content-Security-Policy, and lists the API's operations from /api/schema/."""

import pytest

pytestmark = [pytest.mark.browser, pytest.mark.django_db(transaction=True)]


def test_docs_page_renders_the_operations_without_csp_violations(page, live_server):
    violations, outside = [], []
    page.on(
        "console",
        lambda message: (
            violations.append(message.text) if "Content Security Policy" in message.text else None
        ),
    )
    page.on(
        "request",
        lambda request: (
            None if request.url.startswith(live_server.url) else outside.append(request.url)
        ),
    )
    page.goto(f"{live_server.url}/api/docs/")
    page.wait_for_selector(".opblock-summary-path", timeout=15_000)
    paths = page.locator(".opblock-summary-path").all_inner_texts()
    assert "/api/v1/sessions/" in [path.replace("\u200b", "") for path in paths]
    assert violations == []
    assert [url for url in outside if not url.startswith("data:")] == []
