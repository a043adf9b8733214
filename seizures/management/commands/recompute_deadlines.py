"""Recompute every shipment's deadlines here and now (after bench/generate.py, or to check a rule change)."""

import time

from django.core.management.base import BaseCommand

from seizures.deadlines import services
from seizures.models import DeadlineRecompute


class Command(BaseCommand):
    help = "Recompute every shipment's deadlines under the rules in force, in this process, showing progress."

    def add_arguments(self, parser):
        parser.add_argument("--chunk", type=int, default=services.RECOMPUTE_CHUNK, help="shipments per transaction")

    def handle(self, *args, chunk: int, verbosity: int, **options):
        started = time.perf_counter()
        run = DeadlineRecompute.objects.create(reason="manage.py recompute_deadlines")
        reported = [0.0]

        def progress(run):
            now = time.perf_counter()
            if verbosity and now - reported[0] >= 5:
                reported[0] = now
                self.stdout.write(
                    f"  {run.shipments_done:,}/{run.shipments_total:,} shipments  {now - started:,.0f} s", ending="\n"
                )

        run = services.deadlines_recompute_all(run=run, chunk_size=chunk, progress=progress)
        self.stdout.write(f"Recompute {run.pk}: {run.get_status_display()} in {time.perf_counter() - started:,.1f} s. ")
        self.stdout.write(run.message)
