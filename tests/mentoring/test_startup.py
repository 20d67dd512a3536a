"""Start-up stays light: libraries that take a large share of start-up time are imported
where they are used, not when Django loads the project (issue: `manage.py check` took 7.5
times a bare project's)."""

import json
import os
import subprocess
import sys
from pathlib import Path

from mentoring.exporting import ILLEGAL_CHARACTERS_RE

ROOT = Path(__file__).resolve().parent.parent.parent
DEFERRED = ["numpy", "scipy", "openpyxl", "statsmodels", "pandas", "reportlab", "icalendar", "PIL"]

PROBE = f"""
import json, sys
import django
django.setup()
from django.core.management import call_command
from django.urls import get_resolver
call_command("check", verbosity=0)
get_resolver().url_patterns  # every urls module and the views they import
print(json.dumps([name for name in {DEFERRED!r} if name in sys.modules]))
"""


def test_check_and_url_loading_import_no_deferred_library():
    env = {**os.environ, "DJANGO_SETTINGS_MODULE": "mentoring.settings"}
    result = subprocess.run(
        [sys.executable, "-c", PROBE],
        cwd=ROOT,
        env=env,
        capture_output=True,
        text=True,
        timeout=120,
        check=True,
    )
    assert json.loads(result.stdout.strip().splitlines()[-1]) == []


def test_the_illegal_characters_rule_is_openpyxls():
    from openpyxl.cell.cell import ILLEGAL_CHARACTERS_RE as openpyxl_rule

    assert ILLEGAL_CHARACTERS_RE.pattern == openpyxl_rule.pattern
    controls = "".join(chr(c) for c in range(32))
    assert ILLEGAL_CHARACTERS_RE.sub("", controls) == openpyxl_rule.sub("", controls) == "\t\n\r"
