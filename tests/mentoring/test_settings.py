"""Settings come from the environment; bad values stop start-up with a clear message."""

import json
import os
import subprocess
import sys
from pathlib import Path

import pytest

from tests.factories import UserFactory

ROOT = Path(__file__).resolve().parents[2]
CONFIG_VARS = (
    "DEBUG",
    "SECRET_KEY",
    "ALLOWED_HOSTS",
    "DATABASE_URL",
    "REDIS_URL",
    "CELERY_BROKER_URL",
    "EMAIL_URL",
    "CSRF_TRUSTED_ORIGINS",
    "SECURE_SSL_REDIRECT",
    "DJANGO_SETTINGS_MODULE",
    "DJANGO_ALLOW_ASYNC_UNSAFE",
    "MENTORING_VAR_DIR",
    "PG_JOIN_COLLAPSE_LIMIT",
    "PG_PREPARED_STATEMENTS",
)
PRODUCTION = {
    "DEBUG": "false",
    "SECRET_KEY": "x" * 20 + "-production-secret-key-for-the-deploy-check-0123456789",
    "ALLOWED_HOSTS": "mentoring.example.org",
    "DATABASE_URL": "postgres://mentoring:secret@db.example.org:5432/mentoring",
    "REDIS_URL": "redis://cache.example.org:6379/0",
}
SHOW = """
import json, django
django.setup()
from django.conf import settings as s
print(json.dumps({
    "engine": s.DATABASES["default"]["ENGINE"],
    "db_name": str(s.DATABASES["default"]["NAME"]),
    "health_checks": s.DATABASES["default"].get("CONN_HEALTH_CHECKS", False),
    "db_options": s.DATABASES["default"].get("OPTIONS", {}).get("options", ""),
    "prepared": [
        s.DATABASES["default"].get("OPTIONS", {}).get(option)
        for option in ("server_side_binding", "prepare_threshold")
    ],
    "cache": s.CACHES["default"]["BACKEND"],
    "email": s.EMAIL_BACKEND,
    "email_path": str(s.EMAIL_FILE_PATH),
    "broker": s.CELERY_BROKER_URL,
    "debug": s.DEBUG,
    "ssl_redirect": getattr(s, "SECURE_SSL_REDIRECT", False),
    "hsts": getattr(s, "SECURE_HSTS_SECONDS", 0),
    "session_secure": s.SESSION_COOKIE_SECURE,
    "static": s.STORAGES["staticfiles"]["BACKEND"],
}))
"""


def run_python(code: str, env: dict[str, str], *args: str) -> subprocess.CompletedProcess:
    clean = {k: v for k, v in os.environ.items() if k not in CONFIG_VARS}
    clean["DJANGO_SETTINGS_MODULE"] = "mentoring.settings"
    clean["MENTORING_VAR_DIR"] = str(ROOT / "var" / "settings-test")
    return subprocess.run(
        [sys.executable, *(["-c", code] if code else []), *args],
        env={**clean, **env},
        cwd=ROOT,
        capture_output=True,
        text=True,
        timeout=120,
    )


def settings_for(env: dict[str, str]) -> dict:
    result = run_python(SHOW, env)
    assert result.returncode == 0, result.stderr
    return json.loads(result.stdout)


def test_default_settings_need_no_services():
    shown = settings_for({})
    assert shown["engine"] == "django.db.backends.sqlite3"
    assert shown["db_name"] == str(ROOT / "var" / "settings-test" / "db.sqlite3")
    assert shown["cache"] == "django.core.cache.backends.locmem.LocMemCache"
    assert shown["email"] == "django.core.mail.backends.filebased.EmailBackend"
    assert shown["email_path"] == str(ROOT / "var" / "settings-test" / "mail")
    assert shown["broker"] == "filesystem://"
    assert shown["debug"] is True


def test_production_settings_use_postgres_redis_and_secure_transport():
    shown = settings_for(PRODUCTION)
    assert shown["engine"] == "django.db.backends.postgresql"
    assert shown["db_name"] == "mentoring"
    assert shown["health_checks"] is True
    assert shown["db_options"] == "-c join_collapse_limit=4"
    assert shown["prepared"] == [True, 5]
    assert shown["cache"] == "django.core.cache.backends.redis.RedisCache"
    assert shown["broker"] == "redis://cache.example.org:6379/0"
    assert shown["debug"] is False
    assert shown["ssl_redirect"] is True
    assert shown["hsts"] == 31536000
    assert shown["session_secure"] is True
    assert shown["static"] == "whitenoise.storage.CompressedManifestStaticFilesStorage"


def test_deploy_check_passes_with_production_variables():
    result = run_python("", PRODUCTION, "manage.py", "check", "--deploy", "--fail-level", "WARNING")
    assert result.returncode == 0, result.stdout + result.stderr
    assert "System check identified no issues" in result.stdout


def test_bad_database_url_gives_a_clear_error():
    result = run_python(SHOW, {"DATABASE_URL": "mysql://root@localhost/mentoring"})
    assert result.returncode != 0
    assert "DATABASE_URL must be a postgres:// or sqlite:// URL, got scheme 'mysql'" in (
        result.stderr
    )


def test_database_url_without_a_database_name_is_refused():
    result = run_python(SHOW, {"DATABASE_URL": "postgres://localhost"})
    assert result.returncode != 0
    assert "DATABASE_URL must name a database" in result.stderr


def test_production_without_secret_key_is_refused():
    env = {k: v for k, v in PRODUCTION.items() if k != "SECRET_KEY"}
    result = run_python(SHOW, env)
    assert result.returncode != 0
    assert "SECRET_KEY must be set." in result.stderr


def test_production_without_allowed_hosts_is_refused():
    env = {k: v for k, v in PRODUCTION.items() if k != "ALLOWED_HOSTS"}
    result = run_python(SHOW, env)
    assert result.returncode != 0
    assert "ALLOWED_HOSTS must be set when DEBUG is off." in result.stderr


def test_unreadable_boolean_is_refused_not_guessed():
    result = run_python(SHOW, {"DEBUG": "maybe"})
    assert result.returncode != 0
    assert "DEBUG='maybe' is not a boolean (use true or false)." in result.stderr


def test_bad_redis_url_is_refused():
    result = run_python(SHOW, {"REDIS_URL": "http://cache:6379"})
    assert result.returncode != 0
    assert "REDIS_URL must be a redis:// or rediss:// URL with a host." in result.stderr


def test_join_collapse_limit_is_configurable_and_checked():
    shown = settings_for({**PRODUCTION, "PG_JOIN_COLLAPSE_LIMIT": "8"})
    assert shown["db_options"] == "-c join_collapse_limit=8"
    refused = run_python(SHOW, {**PRODUCTION, "PG_JOIN_COLLAPSE_LIMIT": "0"})
    assert refused.returncode != 0
    assert "PG_JOIN_COLLAPSE_LIMIT=0 must be at least 1" in refused.stderr


def test_prepared_statements_can_be_turned_off_for_a_pooler():
    shown = settings_for({**PRODUCTION, "PG_PREPARED_STATEMENTS": "false"})
    assert shown["prepared"] == [None, None]
    assert settings_for({})["prepared"] == [None, None]  # SQLite


@pytest.mark.django_db
def test_postgresql_prepares_a_statement_run_five_times():
    from django.db import connection

    from accounts.models import User

    if connection.vendor != "postgresql":  # the SQLite run: nothing to prepare
        assert "prepare_threshold" not in connection.settings_dict["OPTIONS"]
        return

    def prepared() -> int:
        with connection.cursor() as cursor:
            cursor.execute(
                "SELECT count(*) FROM pg_prepared_statements WHERE statement LIKE %s",
                ["%accounts_user%"],
            )
            return cursor.fetchone()[0]

    before = prepared()
    for pk in range(7):  # different values, one statement
        User.objects.filter(pk=pk).values_list("date_joined", "pk").first()
    assert prepared() == before + 1


@pytest.mark.django_db
def test_postgresql_takes_a_statement_with_more_parameters_than_the_protocol_carries():
    from django.db import connection
    from django.db.models import Value
    from django.db.models.functions import Concat

    from accounts.models import User
    from mentoring.postgres import MOST_BOUND

    if connection.vendor != "postgresql":  # SQLite has its own, lower limit
        return
    user = UserFactory(email="percent@example.org")
    many = [*range(-MOST_BOUND - 10, 0), user.pk]  # more ids than one statement can bind
    found = User.objects.filter(pk__in=many).annotate(shown=Concat("email", Value(" 100%")))
    assert [(row.pk, row.shown) for row in found] == [(user.pk, "percent@example.org 100%")]


@pytest.mark.django_db
def test_postgresql_connections_plan_joins_in_groups_of_four():
    from django.db import connection

    if connection.vendor != "postgresql":  # the SQLite run: nothing to pass on
        assert "options" not in connection.settings_dict["OPTIONS"]
        return
    with connection.cursor() as cursor:
        cursor.execute("SHOW join_collapse_limit")
        assert cursor.fetchone()[0] == "4"
