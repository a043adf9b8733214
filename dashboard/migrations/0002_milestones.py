from django.db import migrations

from dashboard.milestones import ensure_milestones


def seed(apps, schema_editor):
    ensure_milestones(apps.get_model("dashboard", "Milestone"))


class Migration(migrations.Migration):
    dependencies = [("dashboard", "0001_initial")]

    operations = [migrations.RunPython(seed, migrations.RunPython.noop)]
