"""Benchmark `import_shipments` at scale on the PostgreSQL database named by DATABASE_URL.

    DATABASE_URL=postgres://… .venv/bin/python bench/bench_import.py --rows 100000

Generates a valid shipments CSV of --rows line rows (about 2 lines per shipment, reference models and ports,
entry numbers under a filer code no shipment uses yet, so every run imports fresh rows), times a dry run and the
import itself, checks what landed, then removes the imported shipments again (--keep leaves them) so other benches
on the same database measure the ledger they generated. Prints a table, then one JSON line of figures.
"""

import argparse
import csv
import datetime
import io
import random
import string
import sys
import tempfile
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script: make the repo importable

from bench import _common

_common.setup_django()

from django.core.management import call_command  # noqa: E402
from django.db import connection, transaction  # noqa: E402

from seizures.imports.shipments import COLUMNS  # noqa: E402
from seizures.models import MinerModel, Port, Shipment, ShipmentLine  # noqa: E402

TARGET_ROWS_PER_S = 10_000
RESERVED_FILER_CODES = {"BEN"}  # bench/generate.py's shipments
IMPORTERS = 300
FIRST_ARRIVAL = datetime.date(2024, 11, 1)
ARRIVAL_DAYS = 240
UNIT_VALUES = {"Bitmain": (2500, 6000), "MicroBT": (2000, 7000), "Canaan": (1500, 3500)}


def unused_filer_code(rng: random.Random) -> str:
    """A filer code no shipment has yet, so this run's 7-digit serials cannot collide with earlier runs."""
    alphabet = string.ascii_uppercase + string.digits
    while True:
        code = "".join(rng.choices(alphabet, k=3))
        if (
            code not in RESERVED_FILER_CODES
            and not Shipment.objects.filter(entry_number__startswith=f"{code}-").exists()
        ):
            return code


def write_csv(path: Path, rows: int, filer: str, rng: random.Random) -> int:
    """Write `rows` line rows; returns the number of shipments they form."""
    models = list(MinerModel.objects.select_related("manufacturer"))
    ports = list(Port.objects.values_list("code", flat=True))
    written = shipments = 0
    with path.open("w", newline="", encoding="utf-8") as file:
        writer = csv.writer(file)
        writer.writerow(COLUMNS)
        while written < rows:
            shipments += 1
            entry_number = f"{filer}-{shipments:07d}-{shipments % 10}"
            importer = f"Bench Importer {rng.randrange(IMPORTERS):03d} LLC"
            port = rng.choice(ports)
            arrived_on = FIRST_ARRIVAL + datetime.timedelta(days=rng.randrange(ARRIVAL_DAYS))
            for model in rng.sample(models, min(rng.choice((1, 2, 2, 3)), rows - written)):
                low, high = UNIT_VALUES.get(model.manufacturer.name, (1000, 5000))
                row = {
                    "entry_number": entry_number,
                    "importer": importer,
                    "port_code": port,
                    "arrived_on": f"{arrived_on:%Y-%m-%d}",
                    "manufacturer": model.manufacturer.name,
                    "model": model.name,
                    "units": rng.randrange(1, 500),
                    "unit_value_usd": f"{rng.randrange(low * 100, high * 100) / 100:.2f}",
                    "notes": "bench" if rng.random() < 0.1 else "",
                }
                writer.writerow([row[column] for column in COLUMNS])
                written += 1
    return shipments


def run_import(path: Path, *, dry_run: bool) -> str:
    out = io.StringIO()
    call_command("import_shipments", str(path), dry_run=dry_run, verbosity=0, stdout=out)
    return out.getvalue().strip()


@transaction.atomic
def remove_imported(filer: str) -> None:
    """Delete this run's shipments, lines and their history rows (plain SQL: the ORM's cascade is slow at 100k)."""
    tables = {model: model._meta.db_table for model in (Shipment, ShipmentLine)}
    tables |= {f"history_{model.__name__}": model.history.model._meta.db_table for model in (Shipment, ShipmentLine)}
    ids = f"SELECT id FROM {tables[Shipment]} WHERE entry_number LIKE %s"
    pattern = [f"{filer}-%"]
    with connection.cursor() as cursor:
        cursor.execute(f"DELETE FROM {tables['history_ShipmentLine']} WHERE shipment_id IN ({ids})", pattern)
        cursor.execute(f"DELETE FROM {tables[ShipmentLine]} WHERE shipment_id IN ({ids})", pattern)
        cursor.execute(f"DELETE FROM {tables['history_Shipment']} WHERE entry_number LIKE %s", pattern)
        cursor.execute(f"DELETE FROM {tables[Shipment]} WHERE entry_number LIKE %s", pattern)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.splitlines()[0])
    size = parser.add_mutually_exclusive_group()
    size.add_argument("--rows", type=int, default=100_000, metavar="N", help="line rows in the CSV (default 100,000)")
    size.add_argument("--shipments", type=int, metavar="N", help="shipments in the CSV instead (about 2 rows each)")
    parser.add_argument("--seed", type=int, default=None, help="random seed (default: a new one each run)")
    parser.add_argument("--keep", action="store_true", help="leave the imported shipments in the database")
    args = parser.parse_args()
    _common.require_postgresql("bench_import.py")
    _common.require_migrated()
    rows = args.shipments * 2 if args.shipments else args.rows

    rng = random.Random(args.seed)
    filer = unused_filer_code(rng)
    figures: dict = {"rows": rows}
    with tempfile.TemporaryDirectory() as folder:
        path = Path(folder) / "shipments.csv"
        with _common.timed(figures, "generate_seconds"):
            figures["shipments"] = write_csv(path, rows, filer, rng)
        figures["file_mb"] = round(path.stat().st_size / 1_000_000, 1)
        with _common.timed(figures, "dry_run_seconds"):
            run_import(path, dry_run=True)
        with _common.timed(figures, "import_seconds"):
            summary = run_import(path, dry_run=False)
    landed = ShipmentLine.objects.filter(shipment__entry_number__startswith=f"{filer}-").count()
    if not args.keep:
        remove_imported(filer)

    figures["dry_run_rows_per_s"] = round(rows / figures["dry_run_seconds"])
    figures["import_rows_per_s"] = round(rows / figures["import_seconds"])
    figures["target_rows_per_s"] = TARGET_ROWS_PER_S
    print(f"import_shipments {filer}-…: {summary}" + ("" if args.keep else " (removed again)"))
    _common.print_table(figures.items(), ["figure", "value"], title="import_shipments on PostgreSQL")
    _common.print_json_line(figures)
    if landed != rows:
        sys.exit(f"{landed:,} lines landed for {rows:,} rows")


if __name__ == "__main__":
    main()
