from django.db import migrations

from seizures.reference_data import ensure_reference_data


def load(apps, schema_editor):
    ensure_reference_data(
        apps.get_model("seizures", "Manufacturer"),
        apps.get_model("seizures", "MinerModel"),
        apps.get_model("seizures", "Port"),
    )


class Migration(migrations.Migration):
    dependencies = [("seizures", "0001_initial")]

    operations = [migrations.RunPython(load, migrations.RunPython.noop)]
