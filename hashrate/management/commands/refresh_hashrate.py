from pathlib import Path

from django.core.management.base import BaseCommand, CommandError

from hashrate import selectors, services
from hashrate.errors import UpstreamUnavailable
from hashrate.models import Outcome, Source, Trigger

GOOD_OUTCOMES = {Outcome.SUCCEEDED, Outcome.NOT_MODIFIED}


class Command(BaseCommand):
    help = (
        "Refresh the hashrate dataset: every scheduled source, or one with --source; --file loads a file into "
        "that source instead of fetching (manual sources: period,country,share_pct,hashrate_ehs). A payload that "
        "fails validation changes nothing and is recorded on the source's refresh runs."
    )

    def add_arguments(self, parser):
        parser.add_argument("--source", metavar="SLUG", help="the source to refresh (default: every scheduled one)")
        parser.add_argument("--file", type=Path, metavar="PATH", help="load this file into --source, no fetch")

    def handle(self, *args, source: str | None, file: Path | None, verbosity: int, **options):
        if file is not None and not source:
            raise CommandError("--file needs --source SLUG: say which source the file belongs to")
        payload = None
        if file is not None:
            try:
                payload = file.read_bytes()
            except OSError as error:
                raise CommandError(f"cannot read {file}: {error.strerror}") from None
        if source:
            try:
                sources = [Source.objects.get(slug=source)]
            except Source.DoesNotExist:
                known = ", ".join(Source.objects.values_list("slug", flat=True))
                raise CommandError(f"no source {source!r}; known sources: {known}") from None
        else:
            sources = list(selectors.scheduled_sources())
        bad = []
        for number, each in enumerate(sources, start=1):
            prefix = f"[{number}/{len(sources)}] {each.slug}"

            def progress(step: str, prefix=prefix):
                if verbosity > 0:
                    self.stdout.write(f"{prefix}: {step}")

            try:
                run = services.source_refresh(source=each, trigger=Trigger.COMMAND, payload=payload, progress=progress)
            except UpstreamUnavailable as error:
                self.stderr.write(f"{prefix}: failed (worth a retry later): {error}")
                bad.append(each.slug)
                continue
            line = f"{prefix}: {run.get_outcome_display().lower()} — {run.message}"
            if run.outcome in GOOD_OUTCOMES:
                self.stdout.write(line)
            else:
                self.stderr.write(line)
                bad.append(each.slug)
        if bad:
            raise CommandError(f"{len(bad)} of {len(sources)} source(s) did not refresh: {', '.join(bad)}")
