"""Writes to the dataset. The command, the Celery tasks, the admin and the bundled load all call source_refresh.

A refresh takes the source's lock, fetches (or takes the given payload), parses and validates the whole payload,
then upserts it in one transaction together with the source's new validators and success time. Anything that
goes wrong before that transaction changes nothing but the RefreshRun and the source's last error.
"""

import datetime
import logging
from collections.abc import Callable
from dataclasses import dataclass

from django.db import transaction
from django.utils import timezone

from hashrate import fetch as fetching
from hashrate.errors import PayloadRefused, UpstreamError, UpstreamUnavailable
from hashrate.locks import source_lock
from hashrate.models import (
    Country,
    CountryShare,
    CountryShareRevision,
    NetworkHashrate,
    NetworkHashrateRevision,
    Outcome,
    PoolCountry,
    RefreshRun,
    Source,
    Trigger,
)
from hashrate.signals import dataset_changed
from hashrate.sources import parser_for
from hashrate.sources.base import NetworkRow, ParseContext, Parsed, ShareRow, normalise_name
from hashrate.validation import validate

logger = logging.getLogger(__name__)

BATCH_SIZE = 2000
SKIPPED_RUNNING = "skipped: already running"
Progress = Callable[[str], None]


def no_progress(step: str) -> None:
    pass


@dataclass
class UpsertCounts:
    added: int = 0
    changed: int = 0
    unchanged: int = 0

    def __iadd__(self, other: "UpsertCounts") -> "UpsertCounts":
        self.added += other.added
        self.changed += other.changed
        self.unchanged += other.unchanged
        return self

    def __str__(self):
        return f"{self.added:,} added, {self.changed:,} changed, {self.unchanged:,} unchanged"


def parse_context(today: datetime.date | None = None) -> ParseContext:
    """Country names and aliases, pool headquarters, and today: what the parsers look up."""
    by_name, codes, bucket = {}, set(), "ZZ"
    for code, name, aliases, is_bucket in Country.objects.values_list("code", "name", "aliases", "is_bucket"):
        codes.add(code)
        if is_bucket:
            bucket = code
        for alias in [name, *(aliases or [])]:
            by_name.setdefault(normalise_name(alias), code)
    return ParseContext(
        country_by_name=by_name,
        country_codes=codes,
        country_by_pool=dict(PoolCountry.objects.values_list("pool_slug", "country_id")),
        today=today or timezone.now().date(),
        bucket=bucket,
    )


def parse_payload(*, source: Source, payload: bytes, content_type: str = "", context: ParseContext) -> Parsed:
    """Parse and validate a whole payload for the source; PayloadRefused says every reason it is not stored."""
    parser = parser_for(source.parser)
    if content_type and content_type not in parser.CONTENT_TYPES:
        raise PayloadRefused(f"unexpected content type {content_type!r} (expected {', '.join(parser.CONTENT_TYPES)})")
    return validate(parser.parse(payload, context), context)


def _shares_upsert(*, source: Source, rows: list[ShareRow], run: RefreshRun, now, bundled: bool) -> UpsertCounts:
    existing = {
        (country, granularity, start): (pk, share, ehs, retrieved_at, was_bundled, derived)
        for pk, country, granularity, start, share, ehs, retrieved_at, was_bundled, derived in (
            CountryShare.objects.filter(source=source).values_list(
                "pk",
                "country_id",
                "granularity",
                "period_start",
                "share_pct",
                "hashrate_ehs",
                "retrieved_at",
                "is_bundled",
                "is_derived",
            )
        )
    }
    counts = UpsertCounts()
    new, changed, revisions = [], [], []
    for row in rows:
        key = (row.country, row.period.granularity, row.period.start)
        current = existing.get(key)
        if current is None:
            new.append(
                CountryShare(
                    source=source,
                    country_id=row.country,
                    granularity=row.period.granularity,
                    period_start=row.period.start,
                    share_pct=row.share_pct,
                    hashrate_ehs=row.hashrate_ehs,
                    retrieved_at=now,
                    is_bundled=bundled,
                    is_derived=row.is_derived,
                )
            )
            continue
        pk, share, ehs, retrieved_at, was_bundled, derived = current
        same_value = (share, ehs, derived) == (row.share_pct, row.hashrate_ehs, row.is_derived)
        # The bundled copy never overwrites what a refresh stored; a refresh does supersede the bundled copy.
        if bundled or (same_value and not was_bundled):
            counts.unchanged += 1
            continue
        if not same_value:
            revisions.append(
                CountryShareRevision(
                    share_id=pk,
                    share_pct=share,
                    hashrate_ehs=ehs,
                    retrieved_at=retrieved_at,
                    was_bundled=was_bundled,
                    replaced_at=now,
                    replaced_by=run,
                )
            )
        changed.append(
            CountryShare(
                pk=pk,
                share_pct=row.share_pct,
                hashrate_ehs=row.hashrate_ehs,
                is_derived=row.is_derived,
                retrieved_at=now,
                is_bundled=False,
            )
        )
    CountryShare.objects.bulk_create(new, batch_size=BATCH_SIZE)
    CountryShare.objects.bulk_update(
        changed, ["share_pct", "hashrate_ehs", "is_derived", "retrieved_at", "is_bundled"], batch_size=BATCH_SIZE
    )
    CountryShareRevision.objects.bulk_create(revisions, batch_size=BATCH_SIZE)
    counts.added, counts.changed = len(new), len(changed)
    return counts


def _network_upsert(*, source: Source, rows: list[NetworkRow], run: RefreshRun, now, bundled: bool) -> UpsertCounts:
    existing = {
        day: (pk, ehs, retrieved_at, was_bundled)
        for pk, day, ehs, retrieved_at, was_bundled in NetworkHashrate.objects.filter(source=source).values_list(
            "pk", "day", "hashrate_ehs", "retrieved_at", "is_bundled"
        )
    }
    counts = UpsertCounts()
    new, changed, revisions = [], [], []
    for row in rows:
        current = existing.get(row.day)
        if current is None:
            new.append(
                NetworkHashrate(
                    source=source, day=row.day, hashrate_ehs=row.hashrate_ehs, retrieved_at=now, is_bundled=bundled
                )
            )
            continue
        pk, ehs, retrieved_at, was_bundled = current
        same_value = ehs == row.hashrate_ehs
        if bundled or (same_value and not was_bundled):
            counts.unchanged += 1
            continue
        if not same_value:
            revisions.append(
                NetworkHashrateRevision(
                    observation_id=pk,
                    hashrate_ehs=ehs,
                    retrieved_at=retrieved_at,
                    was_bundled=was_bundled,
                    replaced_at=now,
                    replaced_by=run,
                )
            )
        changed.append(NetworkHashrate(pk=pk, hashrate_ehs=row.hashrate_ehs, retrieved_at=now, is_bundled=False))
    NetworkHashrate.objects.bulk_create(new, batch_size=BATCH_SIZE)
    NetworkHashrate.objects.bulk_update(changed, ["hashrate_ehs", "retrieved_at", "is_bundled"], batch_size=BATCH_SIZE)
    NetworkHashrateRevision.objects.bulk_create(revisions, batch_size=BATCH_SIZE)
    counts.added, counts.changed = len(new), len(changed)
    return counts


@transaction.atomic
def dataset_upsert_payload(
    *,
    source: Source,
    parsed: Parsed,
    run: RefreshRun,
    bundled: bool = False,
    etag: str = "",
    last_modified: str = "",
) -> UpsertCounts:
    """Store a validated payload: new rows added, changed rows updated with the old value kept as a revision.

    One transaction with the source's validators and success time, so a failed write never leaves a validator
    behind that would make the next conditional GET skip the data it failed to store.
    """
    now = timezone.now()
    counts = _shares_upsert(source=source, rows=parsed.shares, run=run, now=now, bundled=bundled)
    counts += _network_upsert(source=source, rows=parsed.network, run=run, now=now, bundled=bundled)
    if not bundled:
        Source.objects.filter(pk=source.pk).update(last_success_at=now, etag=etag, last_modified=last_modified)
    if counts.added or counts.changed:
        transaction.on_commit(
            lambda: dataset_changed.send(
                sender=Source, source=source, rows_added=counts.added, rows_changed=counts.changed
            )
        )
    return counts


def _finish(run: RefreshRun, outcome: str, message: str, counts: UpsertCounts | None = None) -> RefreshRun:
    run.outcome, run.message, run.finished_at = outcome, message[:10_000], timezone.now()
    if counts is not None:
        run.rows_added, run.rows_changed, run.rows_unchanged = counts.added, counts.changed, counts.unchanged
    run.save(update_fields=["outcome", "message", "finished_at", "rows_added", "rows_changed", "rows_unchanged"])
    return run


def _record_error(source: Source, run: RefreshRun, outcome: str, message: str) -> RefreshRun:
    _finish(run, outcome, message)
    Source.objects.filter(pk=source.pk).update(last_error_at=run.finished_at, last_error=message[:10_000])
    logger.warning("hashrate refresh of %s ended %s: %s", source.slug, outcome, message)
    return run


def _close_abandoned_runs(source: Source, current: RefreshRun) -> None:
    """With the source's lock held no other run of it is alive: one still "running" lost its worker (killed, or the
    machine stopped) and would otherwise claim to run for ever."""
    RefreshRun.objects.filter(source=source, outcome=Outcome.RUNNING).exclude(pk=current.pk).update(
        outcome=Outcome.FAILED,
        finished_at=timezone.now(),
        message="stopped before it finished (its worker died); nothing it fetched was kept",
    )


def source_refresh(
    *,
    source: Source,
    trigger: str = Trigger.SCHEDULE,
    payload: bytes | None = None,
    progress: Progress = no_progress,
) -> RefreshRun:
    """Refresh one source from its URL, or from `payload` (a file) when given; returns the recorded run.

    Refused payloads and non-retryable upstream errors are recorded and returned; a retryable upstream failure is
    recorded, then raised as UpstreamUnavailable so a task can retry it.
    """
    run = RefreshRun.objects.create(source=source, trigger=trigger)
    with source_lock(source.slug) as locked:
        if not locked:
            return _finish(run, Outcome.SKIPPED, SKIPPED_RUNNING)
        _close_abandoned_runs(source, run)
        try:
            return _refresh_locked(source=source, run=run, payload=payload, progress=progress)
        except UpstreamUnavailable as error:
            _record_error(source, run, Outcome.FAILED, str(error))
            raise
        except Exception as error:
            # Including a Celery soft time limit: the run must not stay "running".
            _record_error(source, run, Outcome.FAILED, f"{type(error).__name__}: {error}")
            raise


def _refresh_locked(*, source: Source, run: RefreshRun, payload: bytes | None, progress: Progress) -> RefreshRun:
    content_type = etag = last_modified = ""
    if payload is None:
        if not source.url:
            return _record_error(
                source, run, Outcome.FAILED, f"{source.slug} has no URL to fetch: give it a file (it is manual)"
            )
        progress(f"fetching {source.url}")
        try:
            fetched = fetching.fetch(source.url, etag=source.etag, last_modified=source.last_modified)
        except PayloadRefused as error:
            return _record_error(source, run, Outcome.REFUSED, str(error))
        except UpstreamUnavailable:
            raise
        except UpstreamError as error:
            return _record_error(source, run, Outcome.FAILED, str(error))
        if fetched.not_modified:
            Source.objects.filter(pk=source.pk).update(last_success_at=timezone.now())
            return _finish(run, Outcome.NOT_MODIFIED, "not modified upstream (HTTP 304): nothing to do")
        payload, content_type = fetched.body, fetched.content_type
        etag, last_modified = fetched.etag, fetched.last_modified
    else:
        progress("reading the file")
    run.payload_bytes = len(payload)
    run.save(update_fields=["payload_bytes"])
    progress(f"parsing and validating {len(payload):,} bytes")
    try:
        parsed = parse_payload(source=source, payload=payload, content_type=content_type, context=parse_context())
    except PayloadRefused as error:
        return _record_error(source, run, Outcome.REFUSED, f"refused: {error}")
    progress(f"writing {len(parsed):,} rows")
    counts = dataset_upsert_payload(source=source, parsed=parsed, run=run, etag=etag, last_modified=last_modified)
    return _finish(run, Outcome.SUCCEEDED, str(counts), counts)


def source_load_bundled(*, source: Source, payload: bytes, today: datetime.date | None = None) -> RefreshRun | None:
    """Load a copy shipped with Hashport into its source: adds missing rows only, never changes stored ones.

    Idempotent (it runs on every migrate); a run is recorded only when it added something.
    """
    parsed = parse_payload(source=source, payload=payload, context=parse_context(today))
    with transaction.atomic():
        run = RefreshRun.objects.create(source=source, trigger=Trigger.BUNDLED)
        counts = dataset_upsert_payload(source=source, parsed=parsed, run=run, bundled=True)
        if not counts.added:
            run.delete()
            return None
        return _finish(run, Outcome.SUCCEEDED, f"bundled copy loaded: {counts}", counts)
