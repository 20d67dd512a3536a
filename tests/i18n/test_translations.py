"""Every user-facing string is marked, and every marked string is translated in each shipped
language (issue 17): a template or module with unmarked text fails, a catalogue with an empty
or fuzzy entry fails, and a string marked since the catalogues were last updated fails."""

import shutil
import subprocess
import sys
from pathlib import Path

import polib
import pytest
from django.conf import settings

from tests.i18n import unmarked, unmarked_python

BASE = Path(settings.BASE_DIR)
SHIPPED = [code for code, _name in settings.LANGUAGES if not code.startswith("en")]


def _catalogue(code: str) -> polib.POFile:
    path = BASE / "locale" / code / "LC_MESSAGES" / "django.po"
    assert path.exists(), f"{code}: no catalogue at {path.relative_to(BASE)}"
    return polib.pofile(str(path))


def test_every_shipped_language_but_english_has_a_catalogue():
    assert SHIPPED == ["es", "ar"]
    for code in SHIPPED:
        assert len(_catalogue(code)) > 500


def test_templates_hold_no_unmarked_text():
    found = unmarked.report(BASE)
    listing = "\n".join(f"{path}: {pieces}" for path, pieces in found.items())
    assert not found, f"text not marked for translation:\n{listing}"


def test_python_holds_no_unmarked_user_facing_literals():
    found = unmarked_python.report(BASE)
    listing = "\n".join(f"{path}: {lines}" for path, lines in found.items())
    assert not found, f"literals not marked for translation:\n{listing}"


@pytest.mark.parametrize("code", SHIPPED)
def test_every_entry_is_translated_and_none_is_fuzzy(code):
    catalogue = _catalogue(code)
    fuzzy = [entry.msgid for entry in catalogue.fuzzy_entries()]
    empty = [
        entry.msgid
        for entry in catalogue
        if not entry.obsolete
        and (not all(entry.msgstr_plural.values()) if entry.msgid_plural else not entry.msgstr)
    ]
    assert not fuzzy, f"{code}: fuzzy entries: {fuzzy[:20]}"
    assert not empty, f"{code}: {len(empty)} entries without a translation: {empty[:20]}"


@pytest.mark.parametrize("code", SHIPPED)
def test_placeholders_survive_translation(code):
    """A translation that drops or renames %(name)s or {{ name }} breaks the page or the
    email at run time; polib's check (the same as msgfmt --check-format) is not enough for
    python-brace and django placeholders."""
    import re

    placeholder = re.compile(r"%\((\w+)\)[sdrf]|%[sd]")
    broken = []
    for entry in _catalogue(code):
        if entry.obsolete:
            continue
        wanted = set(placeholder.findall(entry.msgid))
        if entry.msgid_plural:
            # Each form may use any placeholder of the two English forms (a singular may
            # leave the count out: "one session"); the many-forms must keep the plural's.
            wanted |= set(placeholder.findall(entry.msgid_plural))
            forms = [entry.msgstr_plural[k] for k in sorted(entry.msgstr_plural)]
            for text in forms:
                if not set(placeholder.findall(text)) <= wanted:
                    broken.append((entry.msgid, text))
            if not set(placeholder.findall(entry.msgid_plural)) <= set(
                placeholder.findall(forms[-1])
            ):
                broken.append((entry.msgid_plural, forms[-1]))
        elif sorted(placeholder.findall(entry.msgstr)) != sorted(placeholder.findall(entry.msgid)):
            broken.append((entry.msgid, entry.msgstr))
    assert not broken, f"{code}: placeholders changed: {broken[:10]}"


@pytest.mark.gettext
@pytest.mark.parametrize("code", SHIPPED)
def test_each_catalogue_passes_msgfmts_format_check(code):
    """Django's own compilemessages runs `msgfmt --check-format`: a message xgettext took for
    a format ("95% confidence" holds "% c") whose translation is not one ("95% (t") stops it.
    Such a message is marked `xgettext:no-python-format` where it is written."""
    po = BASE / "locale" / code / "LC_MESSAGES" / "django.po"
    result = subprocess.run(
        ["msgfmt", "--check-format", "-o", "/dev/null", str(po)], capture_output=True, text=True
    )
    assert result.returncode == 0, result.stderr


@pytest.mark.gettext
@pytest.mark.slow
def test_catalogues_hold_every_marked_string(tmp_path):
    """makemessages over a copy of the source finds no message the catalogues lack."""
    source = tmp_path / "src"
    ignore = shutil.ignore_patterns(
        ".venv",
        ".git",
        "var",
        "staticfiles",
        "test-artifacts",
        "node_modules",
        "*.mo",
        "tests",
        "bench",
    )
    shutil.copytree(BASE, source, ignore=ignore)
    subprocess.run(
        [
            sys.executable,
            "manage.py",
            "makemessages",
            "--no-obsolete",
            "--ignore=static/*",
            *[f"--locale={code}" for code in SHIPPED],
        ],
        cwd=source,
        check=True,
        capture_output=True,
        env={"PATH": "/usr/bin:/bin", "DJANGO_SETTINGS_MODULE": "mentoring.settings"},
    )
    for code in SHIPPED:
        fresh = polib.pofile(str(source / "locale" / code / "LC_MESSAGES" / "django.po"))
        shipped = {(entry.msgctxt, entry.msgid) for entry in _catalogue(code)}
        missing = [entry.msgid for entry in fresh if (entry.msgctxt, entry.msgid) not in shipped]
        assert not missing, (
            f"{code}: {len(missing)} marked strings missing from the catalogue (run make messages "
            f"and translate them): {missing[:20]}"
        )
