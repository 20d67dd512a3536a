"""Shared test set-up: service detection, CI strictness, Playwright on Debian's Chromium."""

import os
import shutil
from pathlib import Path
from urllib.parse import urlsplit, urlunsplit

import pytest

# Playwright runs an event loop in the test thread; Django's ORM would otherwise refuse to run.
os.environ.setdefault("DJANGO_ALLOW_ASYNC_UNSAFE", "true")

IN_CI = os.environ.get("CI", "").lower() in {"1", "true", "yes"}
ARTIFACTS = Path(__file__).resolve().parent.parent / "test-artifacts"
CHROMIUM = os.environ.get("CHROMIUM_PATH") or shutil.which("chromium") or "/usr/bin/chromium"


def test_redis_url() -> str:
    """A Redis database of the tests' own, so a development worker never takes test tasks."""
    if os.environ.get("TEST_REDIS_URL"):
        return os.environ["TEST_REDIS_URL"]
    base = os.environ.get("REDIS_URL") or "redis://127.0.0.1:6379/0"
    parts = urlsplit(base)
    return urlunsplit((parts.scheme, parts.netloc, "/15", "", ""))


test_redis_url.__test__ = False


def _redis_problem() -> str | None:
    import redis

    try:
        redis.Redis.from_url(test_redis_url(), socket_connect_timeout=1).ping()
    except Exception as exc:
        return f"needs Redis at {test_redis_url()} ({exc.__class__.__name__})"
    return None


def _postgres_problem() -> str | None:
    from django.db import connection

    if connection.vendor != "postgresql":
        return "needs PostgreSQL: run with DATABASE_URL=postgres://postgres@127.0.0.1/mentoring"
    return None


def _browser_problem() -> str | None:
    if not Path(CHROMIUM).exists():
        return f"needs Chromium at {CHROMIUM} (apt-get install chromium)"
    try:
        import playwright  # noqa: F401
    except ImportError:
        return "needs the playwright package"
    return None


def pytest_configure(config):
    from django.conf import settings

    # Hashing a password the production way takes most of a second; the tests make thousands
    # of accounts. The hasher is not what they test (allauth's and Django's own suites do).
    settings.PASSWORD_HASHERS = ["django.contrib.auth.hashers.MD5PasswordHasher"]

    cache = settings.CACHES["default"]
    if cache["BACKEND"].endswith("RedisCache"):
        # Tests clear the cache between tests: give them a Redis database of their own (14;
        # 15 is the test broker) so neither a developer's cache nor queued tasks are wiped.
        parts = urlsplit(cache["LOCATION"])
        cache["LOCATION"] = urlunsplit((parts.scheme, parts.netloc, "/14", "", ""))


def _gettext_problem() -> str | None:
    if shutil.which("xgettext") is None or shutil.which("msguniq") is None:
        return "needs GNU gettext for makemessages (apt-get install gettext)"
    return None


_CHECKS = {
    "redis": _redis_problem,
    "postgres": _postgres_problem,
    "browser": _browser_problem,
    "gettext": _gettext_problem,
}
_cache: dict[str, str | None] = {}


def pytest_runtest_setup(item):
    for marker, check in _CHECKS.items():
        if item.get_closest_marker(marker) is None:
            continue
        if marker not in _cache:
            _cache[marker] = check()
        problem = _cache[marker]
        if problem:
            if IN_CI:
                pytest.fail(f"CI must not skip: {problem}", pytrace=False)
            pytest.skip(problem)


@pytest.hookimpl(wrapper=True)
def pytest_runtest_makereport(item, call):
    report = yield
    if IN_CI and report.skipped and not hasattr(report, "wasxfail"):
        report.outcome = "failed"
        report.longrepr = f"CI must not skip tests: {report.longrepr}"
    return report


def _reset_pools(app):
    # Connection and producer pools are cached on first use; drop them so the new broker
    # URL takes effect.
    if app._pool is not None:
        app._pool.force_close_all()
    app._pool = None
    app.amqp._producer_pool = None
    # The app's pool comes from kombu's registry, keyed by broker URL: a closed pool left
    # there would be handed back when the URL is used again ("Acquire on closed pool").
    from kombu import pools as kombu_pools

    kombu_pools.reset()


@pytest.fixture(scope="session")
def celery_redis_app():
    """The project's Celery app pointed at the tests' own Redis database."""
    from mentoring.celery import app

    saved = {k: app.conf[k] for k in ("broker_url", "broker_transport_options")}
    app.conf.update(
        broker_url=test_redis_url(),
        broker_transport_options={"visibility_timeout": 60, "socket_connect_timeout": 2},
    )
    _reset_pools(app)
    yield app
    app.conf.update(saved)
    _reset_pools(app)


@pytest.fixture
def celery_worker(celery_redis_app):
    """A real Celery worker (in this process, solo pool) consuming from Redis."""
    from celery.contrib.testing.worker import start_worker

    # Tasks earlier tests queued with no worker running (their rows long rolled back) would
    # otherwise come first: each test's worker starts on an empty queue.
    celery_redis_app.control.purge()
    with start_worker(
        celery_redis_app, pool="solo", perform_ping_check=False, shutdown_timeout=10
    ) as worker:
        yield worker


def wait_for(predicate, *, timeout: float = 10.0, interval: float = 0.05):
    """Poll until predicate() is truthy; returns its value or fails the test."""
    import time

    deadline = time.monotonic() + timeout
    while time.monotonic() < deadline:
        value = predicate()
        if value:
            return value
        time.sleep(interval)
    pytest.fail(f"condition not met within {timeout} s")


def wait_for_rows(query, *, timeout: float = 20.0):
    """wait_for(query) while the in-process worker writes to the same database.

    The tests' SQLite database is in memory with a shared cache, where locks never wait: a
    test reading a table while the worker's thread writes it makes one of them fail at once
    ("database table is locked"). So, on SQLite, this connection polls reading uncommitted (it
    takes no read locks, and the worker's writes go through), then reads again committed until
    the worker's transaction is done; a refused read counts as "not yet". On PostgreSQL this
    is wait_for."""
    from django.db import OperationalError, connection

    sqlite = connection.vendor == "sqlite"

    def attempt():
        try:
            return query()
        except OperationalError:
            return None

    if sqlite:
        connection.cursor().execute("PRAGMA read_uncommitted = 1")
        try:
            wait_for(attempt, timeout=timeout, interval=0.1)
        finally:
            connection.cursor().execute("PRAGMA read_uncommitted = 0")
    # Seen, perhaps before the worker committed it: now read it committed.
    return wait_for(attempt, timeout=timeout, interval=0.1)


def retry_while_locked(write, *, timeout: float = 10.0):
    """Run `write` beside the in-process worker: on SQLite's shared cache a second writer is
    refused at once rather than made to wait, so try again until the worker's write is done."""
    from django.db import OperationalError

    def attempt():
        try:
            write()
        except OperationalError:
            return False
        return True

    wait_for(attempt, timeout=timeout)


@pytest.fixture(scope="session", autouse=True)
def _compiled_translations():
    """The Spanish and Arabic catalogues compiled (make test does it too; a bare pytest run
    must not test yesterday's .mo files)."""
    from mentoring.management.commands.compile_translations import translations_compile

    translations_compile()


@pytest.fixture(autouse=True)
def _english_between_tests():
    """Each test starts and ends in the site's language: a request in Spanish through the test
    client leaves Spanish active in the thread (as a server's next request would reset it),
    and a later test calling a service directly would read its messages in Spanish."""
    from django.utils import translation

    translation.deactivate()
    yield
    translation.deactivate()


@pytest.fixture(scope="session", autouse=True)
def _compiled_queries_verified():
    """Every compiled query any test runs is also compiled as Django would compile it now, and
    must be the same SQL with the same parameters (`mentoring/compiled.py`)."""
    from django.conf import settings

    settings.COMPILED_QUERIES_VERIFY = True
    yield


@pytest.fixture(scope="session", autouse=True)
def _forms_render_as_their_templates():
    """Every widget and every crispy field any test renders is rendered a second time by the
    templates that `mentoring/form_renderer.py` and `{% field_markup %}` stand in for, and must
    come out the same: the site's own forms, bound and unbound, with and without errors, are
    the equivalence test."""
    from django.forms.renderers import TemplatesSetting
    from django.test.html import parse_html

    from mentoring.form_renderer import FormRenderer
    from mentoring.templatetags import field_markup

    fast_widget = FormRenderer.render
    fast_field = field_markup.FieldMarkupNode.render

    def widget(self, template_name, context, request=None):
        html = fast_widget(self, template_name, context, request)
        if template_name in self._writers:
            expected = TemplatesSetting.render(self, template_name, context, request)
            assert html == expected, (template_name, html, expected)
        return html

    def field(self, context):
        html = fast_field(self, context)
        if not field_markup._left_to_crispy(context, context["field"]):
            engine = context.template.engine
            crispy, _ = engine.find_template(field_markup.TEMPLATE, skip=[self.origin])
            expected = crispy.render(context)
            assert parse_html(html) == parse_html(expected), (html, expected)
        return html

    with pytest.MonkeyPatch.context() as patch:
        patch.setattr(FormRenderer, "render", widget)
        patch.setattr(field_markup.FieldMarkupNode, "render", field)
        yield


@pytest.fixture(autouse=True)
def _fresh_cache():
    """Rate limits live in the cache: each test starts with none used."""
    from django.core.cache import cache

    cache.clear()
    yield


@pytest.fixture(autouse=True)
def _no_privacy_notice():
    """Each test's database starts with no privacy notice, and the process remembers that
    (privacy/notice.py), so pages cost the same queries as before a notice existed and a
    notice published by an earlier test, rolled back since, is not remembered."""
    from privacy.notice import notice_memo_reset

    notice_memo_reset(none_published=True)
    yield


@pytest.fixture(scope="session")
def browser_type_launch_args(browser_type_launch_args):
    return {
        **browser_type_launch_args,
        "executable_path": CHROMIUM,
        "args": [
            "--no-sandbox",
            "--disable-gpu",
            "--disable-quic",
            "--no-first-run",
            "--disable-background-networking",
            "--disable-component-update",
            "--disable-sync",
        ],
    }


@pytest.fixture
def artifacts(request) -> Path:
    """A folder for this test's screenshots (test-artifacts/<test name>/, not committed)."""
    folder = ARTIFACTS / request.node.name.replace("/", "_")
    folder.mkdir(parents=True, exist_ok=True)
    return folder
