"""What an import reports: every bad row as `line N, column: reason`, or a summary of what it did."""

from collections.abc import Callable
from dataclasses import dataclass, field

# progress(stage, done, total): long imports report counted steps, e.g. ("validating rows", 50_000, 100_000).
Progress = Callable[[str, int, int], None]

PROGRESS_EVERY = 10_000


def no_progress(stage: str, done: int, total: int) -> None:
    return None


def count(units: int, singular: str, plural: str | None = None) -> str:
    word = singular if units == 1 else (plural or f"{singular}s")
    return f"{units:,} {word}"


def counted(items: list, stage: str, progress: Progress):
    """Yield the items, reporting progress every PROGRESS_EVERY items and at the end."""
    total = len(items)
    done = 0
    for done, item in enumerate(items, start=1):
        yield item
        if done % PROGRESS_EVERY == 0 and done != total:
            progress(stage, done, total)
    if total:
        progress(stage, done, total)


@dataclass(frozen=True)
class RowError:
    """One problem in the file; `line` is the physical line the row starts on (the header is line 1)."""

    line: int
    column: str
    reason: str

    def __str__(self):
        return f"line {self.line}, {self.column}: {self.reason}"


@dataclass
class ImportResult:
    dry_run: bool = False
    errors: list[RowError] = field(default_factory=list)
    summary: str = ""
    counts: dict[str, int] = field(default_factory=dict)

    @property
    def ok(self) -> bool:
        return not self.errors

    def error_summary(self) -> str:
        return f"{count(len(self.errors), 'error')} in the file; nothing was imported"

    @classmethod
    def failed(cls, errors: list[RowError], *, dry_run: bool) -> "ImportResult":
        # By line; within a line, in the order the columns were checked (the file's order).
        return cls(dry_run=dry_run, errors=sorted(errors, key=lambda error: error.line))
