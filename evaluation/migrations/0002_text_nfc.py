"""Stored survey text in NFC, as every input is from now on (mentoring/text.py)."""

from django.db import migrations

from mentoring.text import rows_normalize

FIELDS = {
    "Survey": ["title", "intro"],
    "SurveyQuestion": ["text", "help_text", "choices", "low_label", "high_label"],
    "SurveyAnswer": ["value"],  # choice answers must still equal the (normalised) choices
    "CheckIn": ["blocking"],
}


def text_normalize(apps, schema_editor):
    for model, fields in FIELDS.items():
        rows_normalize(apps.get_model("evaluation", model), fields)


class Migration(migrations.Migration):
    dependencies = [("evaluation", "0001_initial")]

    operations = [migrations.RunPython(text_normalize, migrations.RunPython.noop, elidable=True)]
