"""Start-up time: `manage.py check` of this project, of a bare Django project, and of a bare
project carrying the stack this one is built on, with no code of ours (`bench/pages.py
--startup` prints them).

The stack project is `django-admin startproject` plus every installed app of ours that is not
our own code (allauth with MFA, OpenID Connect and SAML, DRF and drf-spectacular, Celery beat,
crispy forms...), the middleware and settings they need, their URLs (allauth's, a DRF router
with one viewset, the schema and its documentation page) and a Celery app, the way their
documentation sets them up. It tells apart what the libraries cost at start-up from what our
code adds to them.
"""

from __future__ import annotations

import json
import os
import statistics
import subprocess
import sys
import tempfile
import time
from pathlib import Path

ROOT = Path(__file__).resolve().parent.parent
RUNS = 5
BARE_APPS = {
    "django.contrib.admin",
    "django.contrib.auth",
    "django.contrib.contenttypes",
    "django.contrib.sessions",
    "django.contrib.messages",
    "django.contrib.staticfiles",
}

STACK_SETTINGS = """
INSTALLED_APPS += {apps!r}
MIDDLEWARE += ["allauth.account.middleware.AccountMiddleware"]
SITE_ID = 1
REST_FRAMEWORK = {{"DEFAULT_SCHEMA_CLASS": "drf_spectacular.openapi.AutoSchema"}}
"""
STACK_URLS = """from django.contrib import admin
from django.contrib.auth.models import User
from django.urls import include, path
from drf_spectacular.views import SpectacularAPIView, SpectacularSwaggerView
from rest_framework import routers, serializers, viewsets


class UserSerializer(serializers.ModelSerializer):
    class Meta:
        model = User
        fields = ["id", "username"]


class UserViewSet(viewsets.ReadOnlyModelViewSet):
    queryset = User.objects.all()
    serializer_class = UserSerializer


router = routers.DefaultRouter()
router.register("users", UserViewSet)
urlpatterns = [
    path("admin/", admin.site.urls),
    path("accounts/", include("allauth.urls")),
    path("api/", include(router.urls)),
    path("api/schema/", SpectacularAPIView.as_view(), name="schema"),
    path("api/docs/", SpectacularSwaggerView.as_view(url_name="schema")),
]
"""
STACK_CELERY = """from celery import Celery

app = Celery("stack")
app.config_from_object("django.conf:settings", namespace="CELERY")
app.autodiscover_tasks()
"""


def check_seconds(command: list[str], cwd: Path, env: dict) -> float:
    """Median of five runs after one that compiles the bytecode, as a deployed server has it."""
    subprocess.run(command, cwd=cwd, env=env, check=True, capture_output=True)
    times = []
    for _ in range(RUNS):
        started = time.perf_counter()
        subprocess.run(command, cwd=cwd, env=env, check=True, capture_output=True)
        times.append(time.perf_counter() - started)
    return statistics.median(times)


def _libraries_apps(env: dict) -> list[str]:
    """Our INSTALLED_APPS that are neither our code nor in a bare project already."""
    listed = subprocess.run(
        [sys.executable, "-c", (
            "import json; from django.conf import settings; "
            "print(json.dumps(settings.INSTALLED_APPS))"
        )],
        cwd=ROOT, env={**env, "DJANGO_SETTINGS_MODULE": "mentoring.settings"},
        check=True, capture_output=True, text=True,
    )  # fmt: skip
    apps = json.loads(listed.stdout.strip().splitlines()[-1])
    ours = {path.name for path in ROOT.iterdir() if (path / "__init__.py").exists()}
    return [app for app in apps if app.split(".")[0] not in ours and app not in BARE_APPS]


def _project(folder: Path, name: str, env: dict) -> Path:
    project = folder / name
    project.mkdir()
    command = [sys.executable, "-m", "django", "startproject", name, str(project)]
    subprocess.run(command, check=True, env=env)
    return project


def measure_startup() -> dict:
    python = sys.executable
    with tempfile.TemporaryDirectory() as scratch:
        folder = Path(scratch)
        # Bytecode is written (to a folder of this run's own) and read back, for every project:
        # an environment that sets PYTHONDONTWRITEBYTECODE would otherwise compile every
        # module of ours on each start, which no deployment does.
        env = {
            **{
                k: v
                for k, v in os.environ.items()
                if k not in ("DATABASE_URL", "REDIS_URL", "PYTHONDONTWRITEBYTECODE")
            },
            "PYTHONPYCACHEPREFIX": str(folder / "pycache"),
        }
        check = [python, "manage.py", "check"]
        ours = check_seconds(check, ROOT, env)

        bare = check_seconds(check, _project(folder, "bare", env), env)

        stack = _project(folder, "stack", env)
        package = stack / "stack"
        apps = _libraries_apps(env)
        with open(package / "settings.py", "a") as settings:
            settings.write(STACK_SETTINGS.format(apps=apps))
        (package / "urls.py").write_text(STACK_URLS)
        (package / "celery.py").write_text(STACK_CELERY)
        (package / "__init__.py").write_text("from .celery import app as celery_app\n")
        stacked = check_seconds(check, stack, env)
    return {
        "check_s": round(ours, 3),
        "bare_check_s": round(bare, 3),
        "ratio": round(ours / bare, 2),
        "stack_check_s": round(stacked, 3),
        "stack_ratio": round(stacked / bare, 2),
        "ratio_to_stack": round(ours / stacked, 2),
        "stack_apps": apps,
    }


def table(row: dict) -> str:
    lines = [
        f"{'project':<44} {'manage.py check s':>18} {'x bare':>7}",
        f"{'bare Django (startproject)':<44} {row['bare_check_s']:>18.3f} {1:>7.2f}",
        f"{'bare + the libraries this project uses':<44} {row['stack_check_s']:>18.3f} "
        f"{row['stack_ratio']:>7.2f}",
        f"{'this project':<44} {row['check_s']:>18.3f} {row['ratio']:>7.2f}",
        "",
        f"this project / the libraries alone: {row['ratio_to_stack']:.2f}",
        f"the libraries' apps: {', '.join(row['stack_apps'])}",
    ]
    return "\n".join(lines)
