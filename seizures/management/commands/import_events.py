from seizures.imports import events_import
from seizures.imports.command import ImportCommand


class Command(ImportCommand):
    help = (
        "Import shipment events from CSV: entry_number,event,date,model,units,reference,legal_basis,note. "
        "Writes nothing unless every row is good; events already recorded are skipped."
    )
    run_import = staticmethod(events_import)
