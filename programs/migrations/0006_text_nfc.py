"""Stored program text in NFC, as every input is from now on (mentoring/text.py)."""

from django.db import migrations

from mentoring.text import rows_normalize

FIELDS = {
    "Program": ["name", "description"],
    "Topic": ["name"],
    "Goal": ["name"],
    "CareerStage": ["name"],
    "Question": ["text", "help_text", "choices"],
    "Application": ["decision_reason", "motivation", "languages"],
    "Answer": ["value"],  # choice answers must still equal the (normalised) choices
    "Invitation": ["email", "name"],
}


def text_normalize(apps, schema_editor):
    for model, fields in FIELDS.items():
        rows_normalize(apps.get_model("programs", model), fields)


class Migration(migrations.Migration):
    dependencies = [("programs", "0005_program_booking_horizon_weeks")]

    operations = [migrations.RunPython(text_normalize, migrations.RunPython.noop, elidable=True)]
