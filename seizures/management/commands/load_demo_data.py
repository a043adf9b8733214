from django.core.management.base import BaseCommand, CommandError

from seizures.demo import ledger
from seizures.errors import LedgerError
from seizures.models import Shipment


class Command(BaseCommand):
    help = (
        "Load the labelled demo ledger (invented shipments that follow the reported seizure story) once; "
        "--remove deletes exactly the demo rows."
    )

    def add_arguments(self, parser):
        parser.add_argument("--remove", action="store_true", help="Remove the demo shipments and importers.")

    def handle(self, *args, remove=False, **options):
        if remove:
            self._remove()
        else:
            self._load()

    def _progress(self, step: str, done: int, total: int) -> None:
        self.stdout.write(f"  {step}: {done}/{total}")

    def _load(self) -> None:
        present = Shipment.objects.demo().count()
        if present:
            self.stdout.write(
                f"Demo data already loaded ({present} demo shipments); nothing changed. "
                "Remove it with: manage.py load_demo_data --remove"
            )
            return
        real = Shipment.objects.filter(is_demo=False).count()
        if real:
            # Loading still helps a trial, but the dashboard's totals will mix invented and real figures.
            self.stderr.write(self.style.WARNING(f"The ledger holds {real} real shipments; demo rows go next to them."))
        self.stdout.write("Loading demo data (one transaction: all or nothing)")
        try:
            ledger.load_demo(progress=self._progress)
        except LedgerError as error:
            raise CommandError(f"Demo data not loaded, nothing changed: {error}") from error
        summary = ledger.demo_summary()
        self.stdout.write(
            self.style.SUCCESS(
                f"Loaded demo data: {summary.shipments} shipments ({summary.units:,} units) from "
                f"{summary.importers} demo importers, {summary.events} events; "
                f"{summary.units_in_custody:,} units (${summary.value_in_custody_usd:,.0f}) still in custody. "
                "Every page says so until: manage.py load_demo_data --remove"
            )
        )

    def _remove(self) -> None:
        removed = ledger.remove_demo()
        if not (removed.shipments or removed.importers):
            self.stdout.write("No demo data to remove.")
            return
        self.stdout.write(
            self.style.SUCCESS(
                f"Removed demo data: {removed.shipments} shipments with their lines and {removed.events} events, "
                f"{removed.importers} demo importers."
            )
        )
        if removed.importers_kept:
            self.stderr.write(
                self.style.WARNING(
                    f"Kept {removed.importers_kept} demo importers that real shipments name; "
                    "rename them or move those shipments in the admin."
                )
            )
