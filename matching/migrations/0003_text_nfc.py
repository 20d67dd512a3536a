"""Stored matching text in NFC, as every input is from now on (mentoring/text.py)."""

from django.db import migrations

from mentoring.text import rows_normalize

FIELDS = {
    "MatchRequest": ["message", "response"],
    "EndRequest": ["reason"],
    "Exclusion": ["reason"],
    "ExclusionRequest": ["named", "key"],  # the key is what later approvals are looked up by
    "WaitlistOffer": ["note"],
}


def text_normalize(apps, schema_editor):
    for model, fields in FIELDS.items():
        rows_normalize(apps.get_model("matching", model), fields)


class Migration(migrations.Migration):
    dependencies = [("matching", "0002_waitlist_offers_and_exclusion_requests")]

    operations = [migrations.RunPython(text_normalize, migrations.RunPython.noop, elidable=True)]
