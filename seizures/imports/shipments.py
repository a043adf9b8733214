"""Import shipments from CSV: one row per line item; rows sharing an entry number form one shipment.

The whole file is checked in memory first (reference data, importers and the entry numbers already in the
ledger are fetched in chunks). Only a file without a single error is written: in one transaction, with bulk
inserts that keep the audit history, so 100,000 rows take seconds rather than minutes.
"""

import datetime
from dataclasses import dataclass, field
from decimal import Decimal
from itertools import batched

from django.db import IntegrityError, transaction
from django.utils import timezone

from seizures.deadlines import services as deadline_services
from seizures.entry_numbers import normalise_entry_number
from seizures.errors import LedgerError
from seizures.exports import EXPORT_ONLY_COLUMNS, IMPORT_COLUMNS
from seizures.imports.bulk import insert_with_history
from seizures.imports.csv_reading import Row, read_rows
from seizures.imports.fields import (
    UNITS_MAX,
    FieldError,
    collapse,
    parse_date,
    parse_money,
    parse_units,
    required,
)
from seizures.imports.reference import Reference
from seizures.imports.result import ImportResult, Progress, RowError, count, counted, no_progress
from seizures.models import SHIPMENT_CUSTODY_LIMITS, Importer, MinerModel, Port, Shipment, ShipmentLine
from seizures.signals import ledger_changed

# The format is the export's (DESIGN.md), so an export re-imports cleanly; its trailing columns are ignored.
COLUMNS = IMPORT_COLUMNS
EXPORT_COLUMNS = EXPORT_ONLY_COLUMNS
CHUNK = 10_000  # entry numbers (or names) per query: fewer round trips, well under the parameter limits
WRITE_BATCH = 10_000  # shipments per write step (a progress line each)
IMPORTER_NAME_MAX = Importer._meta.get_field("name").max_length
NEVER_CHANGED = "an import never changes a recorded shipment (edit it in the admin)"


@dataclass
class LineRow:
    line: int
    model: MinerModel
    units: int
    unit_value_usd: Decimal


@dataclass
class ShipmentRows:
    """The rows of one entry number, merged into the shipment they describe."""

    entry_number: str
    line: int
    importer: str
    port: Port
    arrived_on: datetime.date
    notes: str
    lines: dict[int, LineRow] = field(default_factory=dict)  # by miner model id

    @property
    def units_total(self) -> int:
        return sum(line.units for line in self.lines.values())


def _importer_name(value: str) -> str:
    name = collapse(required(value))
    if len(name) > IMPORTER_NAME_MAX:
        raise FieldError(f"the importer's name is {len(name)} characters long; at most {IMPORTER_NAME_MAX}")
    return name


def _arrival(value: str, today: datetime.date) -> datetime.date:
    arrived_on = parse_date(value)
    if arrived_on > today:
        raise FieldError(f"arrival date {arrived_on:%Y-%m-%d} is in the future (today is {today:%Y-%m-%d})")
    return arrived_on


def _parse(row: Row, reference: Reference, today: datetime.date) -> tuple[dict, list[RowError]]:
    """Read every value of the row, collecting an error for each bad one."""
    values, parsed, errors = row.values, {}, []
    parsers = [
        ("entry_number", lambda value: normalise_entry_number(required(value))),
        ("importer", _importer_name),
        ("port_code", reference.port),
        ("arrived_on", lambda value: _arrival(value, today)),
        ("model", reference.model),
        ("units", parse_units),
        ("unit_value_usd", parse_money),
    ]
    for column, parse in parsers:
        try:
            parsed[column] = parse(values[column])
        except LedgerError as error:
            errors.append(RowError(row.line, column, str(error)))
        if column == "model" and column in parsed:
            try:
                reference.check_manufacturer(values["manufacturer"], parsed["model"])
            except LedgerError as error:
                errors.append(RowError(row.line, "manufacturer", str(error)))
    parsed["notes"] = values["notes"]
    return parsed, errors


def _merge(shipments: dict[str, ShipmentRows], line: int, parsed: dict) -> list[RowError]:
    """Add a good row to its shipment; rows of one entry number must agree on the shipment and not repeat a model."""
    entry_number, model = parsed["entry_number"], parsed["model"]
    line_row = LineRow(line, model, parsed["units"], parsed["unit_value_usd"])
    shipment = shipments.get(entry_number)
    if shipment is None:
        shipments[entry_number] = ShipmentRows(
            entry_number,
            line,
            parsed["importer"],
            parsed["port_code"],
            parsed["arrived_on"],
            parsed["notes"],
            {model.pk: line_row},
        )
        return []
    errors = []
    agree = [
        ("importer", "importer", shipment.importer, parsed["importer"]),
        ("port_code", "port code", shipment.port.code, parsed["port_code"].code),
        ("arrived_on", "arrival date", f"{shipment.arrived_on:%Y-%m-%d}", f"{parsed['arrived_on']:%Y-%m-%d}"),
    ]
    if shipment.notes and parsed["notes"]:
        agree.append(("notes", "notes", shipment.notes, parsed["notes"]))
    for column, label, first, here in agree:
        if first != here:
            errors.append(
                RowError(
                    line,
                    column,
                    f"{entry_number} has {label} {first!r} on line {shipment.line} but {here!r} here; "
                    "rows of one entry number form one shipment and must agree",
                )
            )
    if model.pk in shipment.lines:
        errors.append(
            RowError(
                line,
                "model",
                f"{model.name} appears twice on {entry_number} (also on line {shipment.lines[model.pk].line}); "
                "put its units on one row",
            )
        )
    if not errors:
        shipment.notes = shipment.notes or parsed["notes"]
        shipment.lines[model.pk] = line_row
    return errors


def _too_large(shipment: ShipmentRows) -> list[RowError]:
    """Totals the ledger could not store: all units together, and their value and hashrate once all are held."""
    lines = shipment.lines.values()
    errors = []
    if shipment.units_total > UNITS_MAX:
        reason = f"{shipment.units_total:,} units in all; the ledger holds at most {UNITS_MAX:,} per shipment"
        errors.append(RowError(shipment.line, "units", f"{shipment.entry_number} has {reason}"))
    totals = [
        ("unit_value_usd", "value_in_custody_usd", "USD", sum(line.units * line.unit_value_usd for line in lines)),
        ("units", "hashrate_in_custody_ths", "TH/s", sum(line.units * line.model.hashrate_ths for line in lines)),
    ]
    for column, custody_field, unit, total in totals:
        limit = SHIPMENT_CUSTODY_LIMITS[custody_field]
        if total >= limit:
            reason = f"{total:,.2f} {unit} in all; the ledger holds less than {limit:,} per shipment"
            errors.append(RowError(shipment.line, column, f"{shipment.entry_number} has {reason}"))
    return errors


def _differences(shipment: ShipmentRows, recorded: dict, recorded_lines: dict[int, dict]) -> list[RowError]:
    """How the file differs from the shipment already in the ledger under the same entry number."""
    already = f"{shipment.entry_number} is already in the ledger with"
    errors = []
    shipment_fields = [
        ("importer", "importer", recorded["importer__name"], shipment.importer),
        ("port_code", "port code", recorded["port__code"], shipment.port.code),
        ("arrived_on", "arrival date", f"{recorded['arrived_on']:%Y-%m-%d}", f"{shipment.arrived_on:%Y-%m-%d}"),
        ("notes", "notes", recorded["notes"], shipment.notes),
    ]
    for column, label, theirs, ours in shipment_fields:
        if theirs != ours:
            errors.append(
                RowError(shipment.line, column, f"{already} {label} {theirs!r}, not {ours!r}; {NEVER_CHANGED}")
            )
    for model_id, line in shipment.lines.items():
        theirs = recorded_lines.get(model_id)
        name = line.model.name
        if theirs is None:
            errors.append(RowError(line.line, "model", f"{already}out a line of {name}; {NEVER_CHANGED}"))
        elif theirs["units"] != line.units:
            errors.append(
                RowError(line.line, "units", f"{already} {theirs['units']:,} units of {name}, not {line.units:,}")
            )
        elif theirs["unit_value_usd"] != line.unit_value_usd:
            errors.append(
                RowError(
                    line.line,
                    "unit_value_usd",
                    f"{already} {name} at {theirs['unit_value_usd']} USD a unit, not {line.unit_value_usd}",
                )
            )
    for model_id, theirs in recorded_lines.items():
        if model_id not in shipment.lines:
            errors.append(
                RowError(
                    shipment.line,
                    "model",
                    f"{already} a line of {theirs['miner_model__name']} that the file does not list; {NEVER_CHANGED}",
                )
            )
    return errors


def _compare_with_ledger(shipments: dict[str, ShipmentRows], progress: Progress) -> tuple[set[str], list[RowError]]:
    """Entry numbers already recorded: identical ones are unchanged, any difference is an error."""
    unchanged, errors, done = set(), [], 0
    for chunk in batched(shipments, CHUNK):
        done += len(chunk)
        progress("checking the ledger", done, len(shipments))
        recorded = {
            shipment["entry_number"]: shipment
            for shipment in Shipment.objects.filter(entry_number__in=chunk).values(
                "id", "entry_number", "importer__name", "port__code", "arrived_on", "notes"
            )
        }
        if not recorded:
            continue
        lines: dict[int, dict[int, dict]] = {shipment["id"]: {} for shipment in recorded.values()}
        for line in ShipmentLine.objects.filter(shipment_id__in=lines).values(
            "shipment_id", "miner_model_id", "miner_model__name", "units", "unit_value_usd"
        ):
            lines[line["shipment_id"]][line["miner_model_id"]] = line
        for entry_number, shipment in recorded.items():
            differences = _differences(shipments[entry_number], shipment, lines[shipment["id"]])
            errors.extend(differences)
            if not differences:
                unchanged.add(entry_number)
    return unchanged, errors


def _existing_importers(names: set[str]) -> dict[str, int]:
    ids = {}
    for chunk in batched(sorted(names), CHUNK):
        ids.update(Importer.objects.filter(name__in=chunk).values_list("name", "id"))
    return ids


@transaction.atomic
def _write(new: list[ShipmentRows], importer_ids: dict[str, int], *, user, progress: Progress) -> None:
    """Insert the new importers, shipments and lines in batches, each with its audit-history row.

    New shipments start "recorded" with nothing in custody: the derived fields keep their defaults.
    """
    now = timezone.now()
    rules = deadline_services.rules_in_force()
    missing = sorted({shipment.importer for shipment in new} - importer_ids.keys())
    pks = insert_with_history(Importer, [{"name": name} for name in missing], user=user, now=now)
    importer_ids.update(zip(missing, pks, strict=True))
    done = 0
    for batch in batched(new, WRITE_BATCH):
        shipment_rows = [
            {
                "entry_number": rows.entry_number,
                "importer_id": importer_ids[rows.importer],
                "port_id": rows.port.pk,
                "arrived_on": rows.arrived_on,
                "notes": rows.notes,
                "units_total": rows.units_total,
                "created_at": now,
            }
            for rows in batch
        ]
        shipment_pks = insert_with_history(Shipment, shipment_rows, user=user, now=now)
        line_rows = [
            {"shipment_id": pk, "miner_model_id": model_id, "units": line.units, "unit_value_usd": line.unit_value_usd}
            for pk, rows in zip(shipment_pks, batch, strict=True)
            for model_id, line in rows.lines.items()
        ]
        insert_with_history(ShipmentLine, line_rows, user=user, now=now)
        deadline_services.shipments_deadlines_derive_new(
            shipments=sorted(
                (pk, row["importer_id"], row["port_id"], row["arrived_on"])
                for pk, row in zip(shipment_pks, shipment_rows, strict=True)
            ),
            rules=rules,
        )
        done += len(batch)
        progress("writing shipments", done, len(new))
    transaction.on_commit(lambda: ledger_changed.send(sender=Shipment))


def _summary(created: list[ShipmentRows], unchanged: int, importers: int, *, dry_run: bool) -> str:
    if not created:
        return f"nothing to import: all {count(unchanged, 'shipment')} in the file are already in the ledger, unchanged"
    lines = sum(len(shipment.lines) for shipment in created)
    text = f"{count(len(created), 'shipment')} ({count(lines, 'line')}), {unchanged:,} unchanged"
    if importers:
        text += f"; {count(importers, 'new importer')}"
    return f"dry run: would create {text}; nothing was written" if dry_run else f"created {text}"


def shipments_import(
    *, data: bytes, dry_run: bool = False, user=None, progress: Progress = no_progress
) -> ImportResult:
    """Import a shipments CSV (DESIGN.md); writes nothing unless every row is good. Same file twice: no change."""
    rows, errors = read_rows(data, columns=COLUMNS, trailing=EXPORT_COLUMNS)
    if not rows:
        return ImportResult.failed(errors, dry_run=dry_run)

    reference, today = Reference.load(), timezone.localdate()
    shipments: dict[str, ShipmentRows] = {}
    broken = set()  # entry numbers with a bad row: comparing their good rows with the ledger would only add noise
    for row in counted(rows, "validating rows", progress):
        parsed, row_errors = _parse(row, reference, today)
        if not row_errors:
            row_errors = _merge(shipments, row.line, parsed)
        if row_errors:
            errors.extend(row_errors)
            broken.add(parsed.get("entry_number"))
    for number, shipment in shipments.items():
        too_large = [] if number in broken else _too_large(shipment)
        errors.extend(too_large)
        if too_large:
            broken.add(number)
    checkable = {number: shipment for number, shipment in shipments.items() if number not in broken}
    unchanged, ledger_errors = _compare_with_ledger(checkable, progress)
    errors.extend(ledger_errors)
    if errors:
        return ImportResult.failed(errors, dry_run=dry_run)

    new = [shipment for entry_number, shipment in shipments.items() if entry_number not in unchanged]
    importer_ids = _existing_importers({shipment.importer for shipment in new})
    new_importers = len({shipment.importer for shipment in new} - importer_ids.keys())
    if not dry_run and new:
        try:
            _write(new, importer_ids, user=user, progress=progress)
        except IntegrityError as error:
            reason = f"the ledger changed while importing ({error}); nothing was imported, run the import again"
            return ImportResult.failed([RowError(1, "file", reason)], dry_run=dry_run)
    return ImportResult(
        dry_run=dry_run,
        summary=_summary(new, len(unchanged), new_importers, dry_run=dry_run),
        counts={
            "rows": len(rows),
            "shipments_created": len(new),
            "lines_created": sum(len(shipment.lines) for shipment in new),
            "shipments_unchanged": len(unchanged),
            "importers_created": new_importers,
        },
    )
