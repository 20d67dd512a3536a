from django.db import migrations
from django.db.models import F


def backfill(apps, schema_editor):
    # Programs closed before `closed_at` existed: their last change is the best record of
    # when, so the retention period has somewhere to count from.
    Program = apps.get_model("programs", "Program")
    Program.objects.filter(status="closed", closed_at__isnull=True).update(
        closed_at=F("updated_at")
    )


class Migration(migrations.Migration):
    dependencies = [("programs", "0011_privacy_settings")]

    operations = [migrations.RunPython(backfill, migrations.RunPython.noop)]
