from seizures.imports import shipments_import
from seizures.imports.command import ImportCommand


class Command(ImportCommand):
    help = (
        "Import shipments from CSV: entry_number,importer,port_code,arrived_on,manufacturer,model,units,"
        "unit_value_usd,notes (one row per line item). Writes nothing unless every row is good."
    )
    run_import = staticmethod(shipments_import)
