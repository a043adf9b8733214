"""What the import commands share: reading the file, progress on stderr, the error listing and the exit status."""

from pathlib import Path

from django.core.management.base import BaseCommand, CommandError, OutputWrapper

from seizures.imports.result import ImportResult, no_progress

ERRORS_LISTED = 200


def _plain(text: str) -> str:
    return text


class ProgressLine:
    """Counted steps on stderr: rewritten in place on a terminal, one line per step otherwise (logs, CI).

    Stages of fewer than QUIET_BELOW steps finish before anyone could read them, so they stay silent.
    """

    QUIET_BELOW = 1_000

    def __init__(self, stream: OutputWrapper):
        self.stream = stream
        self.in_place = stream.isatty()

    def __call__(self, stage: str, done: int, total: int) -> None:
        if total < self.QUIET_BELOW:
            return
        text = f"{stage}: {done:,}/{total:,}"
        if self.in_place:
            self.stream.write(f"\r{text}", style_func=_plain, ending="\n" if done == total else "")
            self.stream.flush()
        else:
            self.stream.write(text, style_func=_plain)


class ImportCommand(BaseCommand):
    """A command that imports one CSV file through `run_import` (shipments_import or events_import)."""

    @staticmethod
    def run_import(**kwargs) -> ImportResult:
        raise NotImplementedError

    def add_arguments(self, parser):
        parser.add_argument("file", type=Path, help="the CSV file: UTF-8 with a header row (see DESIGN.md)")
        parser.add_argument(
            "--dry-run", action="store_true", help="check the whole file and report what would change; write nothing"
        )

    def handle(self, *args, file: Path, dry_run: bool, verbosity: int, **options):
        try:
            data = file.read_bytes()
        except OSError as error:
            raise CommandError(f"cannot read {file}: {error.strerror}") from None
        progress = ProgressLine(self.stderr) if verbosity > 0 else no_progress
        result = self.run_import(data=data, dry_run=dry_run, progress=progress)
        if not result.ok:
            for error in result.errors[:ERRORS_LISTED]:
                self.stderr.write(str(error))
            if len(result.errors) > ERRORS_LISTED:
                self.stderr.write(f"… and {len(result.errors) - ERRORS_LISTED:,} more errors")
            raise CommandError(result.error_summary())
        self.stdout.write(result.summary)
