"""Private notes have no model permissions, so no group (Coordinators get "view" on every
sessions model) or admin grant can reach them; the rows created earlier are removed."""

from django.db import migrations


def drop_permissions(apps, schema_editor):
    Permission = apps.get_model("auth", "Permission")
    Permission.objects.filter(
        content_type__app_label="mentoring_sessions", content_type__model="privatenote"
    ).delete()


class Migration(migrations.Migration):
    dependencies = [
        ("auth", "0012_alter_user_first_name_max_length"),
        ("contenttypes", "0002_remove_content_type_name"),
        ("mentoring_sessions", "0003_pair_sessions"),
    ]

    operations = [
        migrations.AlterModelOptions(
            name="privatenote",
            options={"default_permissions": ()},
        ),
        migrations.RunPython(drop_permissions, migrations.RunPython.noop),
    ]
