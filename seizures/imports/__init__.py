"""CSV imports of shipments and events (DESIGN.md: CSV formats): check the whole file, then write all or nothing.

The management commands and the admin upload page both call `shipments_import` and `events_import`.
"""

from seizures.imports.events import events_import
from seizures.imports.result import ImportResult, RowError
from seizures.imports.shipments import shipments_import

__all__ = ["ImportResult", "RowError", "events_import", "shipments_import"]
