"""Stored names and addresses in NFC, as every input is from now on (mentoring/text.py)."""

from django.db import migrations

from mentoring.text import rows_normalize


def text_normalize(apps, schema_editor):
    rows_normalize(
        apps.get_model("accounts", "User"), ["email", "display_name", "first_name", "last_name"]
    )
    # allauth finds the account by this address at login.
    rows_normalize(apps.get_model("account", "EmailAddress"), ["email"])


class Migration(migrations.Migration):
    dependencies = [
        ("accounts", "0001_initial"),
        ("account", "0009_emailaddress_unique_primary_email"),
    ]

    operations = [migrations.RunPython(text_normalize, migrations.RunPython.noop, elidable=True)]
