"""Compile the translation catalogues (locale/<code>/LC_MESSAGES/*.po) into the .mo files
Django reads, with polib: no GNU gettext needed on the machine. `make run`, `make test`, the
Dockerfile and the test run call it; a catalogue is compiled only when its .po is newer.

Fuzzy entries are left out of the compiled file (the English text shows instead), the way
msgfmt does; the completeness test refuses them in a shipped language anyway.
"""

from pathlib import Path

from django.conf import settings
from django.core.management.base import BaseCommand


def translations_compile(*, force: bool = False) -> list[Path]:
    """Compile every out-of-date catalogue under LOCALE_PATHS; the .mo files written."""
    import polib

    written = []
    for base in settings.LOCALE_PATHS:
        for po_path in sorted(Path(base).glob("*/LC_MESSAGES/*.po")):
            mo_path = po_path.with_suffix(".mo")
            if (
                not force
                and mo_path.exists()
                and mo_path.stat().st_mtime >= po_path.stat().st_mtime
            ):
                continue
            catalogue = polib.pofile(str(po_path))
            for entry in catalogue.fuzzy_entries():
                catalogue.remove(entry)
            catalogue.save_as_mofile(str(mo_path))
            written.append(mo_path)
    return written


class Command(BaseCommand):
    help = "Compile locale/*/LC_MESSAGES/*.po into .mo files (only those out of date)."

    def add_arguments(self, parser):
        parser.add_argument("--force", action="store_true", help="compile every catalogue")

    def handle(self, *args, force=False, **options):
        written = translations_compile(force=force)
        for path in written:
            self.stdout.write(f"compiled {path.relative_to(settings.BASE_DIR)}")
        if not written:
            self.stdout.write("translations up to date")
