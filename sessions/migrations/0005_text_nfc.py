"""Stored session text in NFC, as every input is from now on (mentoring/text.py)."""

from django.db import migrations

from mentoring.text import rows_normalize

FIELDS = {
    "AvailabilityRule": ["location"],
    "OneOffSlot": ["location"],
    "Meeting": ["title", "location", "cancel_reason"],
    "SessionLog": ["shared_notes"],
    "PrivateNote": ["text"],
}


def text_normalize(apps, schema_editor):
    for model, fields in FIELDS.items():
        rows_normalize(apps.get_model("mentoring_sessions", model), fields)


class Migration(migrations.Migration):
    dependencies = [("mentoring_sessions", "0004_private_note_no_permissions")]

    operations = [migrations.RunPython(text_normalize, migrations.RunPython.noop, elidable=True)]
