"""Writes of deadlines. Deadlines are derived, never edited: from a shipment's events inside the transaction that
records them (the shipment row locked), and for every shipment again when a rule changes.

shipment_deadlines_derive runs inside seizures/services.py's event transaction; deadlines_recompute_all works in
chunks of shipments, each chunk one transaction that locks its shipment rows as an event write does, so an event
recorded meanwhile is never overwritten with deadlines derived from older events.
"""

import datetime
import hashlib
import logging
import secrets
import time
from collections import defaultdict

from django.db import OperationalError, connection, transaction
from django.utils import timezone

from config.broker import UNQUEUED, enqueue_on_commit
from seizures.deadlines import rules as deadline_rules
from seizures.deadlines.rules import DeadlineFact, EventFact, RuleSpec
from seizures.errors import LedgerError
from seizures.models import (
    CalendarToken,
    Deadline,
    DeadlineRecompute,
    DeadlineRule,
    DeadlineStatus,
    RecomputeStatus,
    Shipment,
    ShipmentEvent,
)
from seizures.selectors import bump_ledger_generation

logger = logging.getLogger(__name__)

RECOMPUTE_CHUNK = 2_000
# A recompute announces its changes (bumps the ledger's cache generation) at most this often, and at its end.
ANNOUNCE_EVERY_S = 30
# Fields of a rule that change which deadlines it gives; editing only the name, citation or note recomputes nothing.
DERIVING_FIELDS = {
    "starts_with",
    "after_rule",
    "only_if",
    "offset_days",
    "day_count",
    "extends_to_business_day",
    "satisfied_by",
    "lapses_with",
    "ends_with_custody",
    "is_active",
}


def rules_in_force() -> list[RuleSpec]:
    return deadline_rules.in_force(RuleSpec.from_rule(rule) for rule in DeadlineRule.objects.filter(is_active=True))


def _event_facts(**where) -> dict[int, list[EventFact]]:
    """Active events of the shipments matched by `where`, by shipment, in date order."""
    rows = (
        ShipmentEvent.objects.active()
        .filter(**where)
        .order_by("shipment_id", "occurred_on", "id")
        .values_list("shipment_id", "id", "kind", "occurred_on")
    )
    facts = defaultdict(list)
    for shipment_id, pk, kind, occurred_on in rows:
        facts[shipment_id].append(EventFact(id=pk, kind=kind, occurred_on=occurred_on))
    return facts


# A deadline row as the services compare it: (rule id, start) → the values below, in this order.
_VALUE_FIELDS = ["due_on", "status", "start_event_id", "closed_on", "closed_by_id", "importer_id", "port_id"]
_VALUE_TYPES = ["date", "varchar", "bigint", "date", "bigint", "bigint", "bigint"]
_INSERT_FIELDS = ["shipment_id", "rule_id", "starts_on", *_VALUE_FIELDS]
# Past this many rows to insert or update, PostgreSQL gets COPY and UPDATE … FROM (VALUES …) instead of the ORM.
SQL_WRITES_ABOVE = 50


def _derived(facts: list[DeadlineFact], importer_id: int, port_id: int) -> dict[tuple, tuple]:
    return {
        fact.key: (
            fact.due_on,
            str(fact.status),
            fact.start_event_id,
            fact.closed_on,
            fact.closed_by_id,
            importer_id,
            port_id,
        )
        for fact in facts
    }


def _stored(**where) -> dict[int, dict[tuple, tuple[int, tuple]]]:
    """Stored deadlines by shipment: {(rule id, start): (row id, values)}."""
    rows = Deadline.objects.filter(**where).values_list("shipment_id", "pk", "rule_id", "starts_on", *_VALUE_FIELDS)
    stored = defaultdict(dict)
    for shipment_id, pk, rule_id, starts_on, *values in rows:
        stored[shipment_id][(rule_id, starts_on)] = (pk, tuple(values))
    return stored


class _Changes:
    """Rows to insert, update and delete, gathered over one shipment or a chunk of them, written at once."""

    def __init__(self):
        self.create: list[tuple] = []
        self.update: list[tuple] = []
        self.delete: list[int] = []

    def add(self, shipment_id: int, derived: dict[tuple, tuple], stored: dict[tuple, tuple[int, tuple]]) -> None:
        for key, values in derived.items():
            found = stored.get(key)
            if found is None:
                self.create.append((shipment_id, *key, *values))
            elif found[1] != values:
                self.update.append((found[0], *values))
        self.delete += [pk for key, (pk, _) in stored.items() if key not in derived]

    @property
    def count(self) -> int:
        return len(self.create) + len(self.update) + len(self.delete)

    def write(self) -> None:
        if self.delete:
            Deadline.objects.filter(pk__in=self.delete).delete()
        if connection.vendor == "postgresql" and len(self.create) + len(self.update) > SQL_WRITES_ABOVE:
            self._write_postgresql()
            return
        if self.create:
            Deadline.objects.bulk_create(
                [Deadline(**dict(zip(_INSERT_FIELDS, row, strict=True))) for row in self.create], batch_size=5_000
            )
        if self.update:
            Deadline.objects.bulk_update(
                [Deadline(pk=pk, **dict(zip(_VALUE_FIELDS, values, strict=True))) for pk, *values in self.update],
                _VALUE_FIELDS,
                batch_size=1_000,
            )

    def _write_postgresql(self) -> None:
        # A recompute writes millions of rows: COPY, and one UPDATE … FROM (VALUES …) per thousand rows, run several
        # times faster than bulk_create's INSERT and bulk_update's CASE over as many ids.
        table = connection.ops.quote_name(Deadline._meta.db_table)
        with connection.cursor() as cursor:
            if self.create:
                with cursor.cursor.copy(f"COPY {table} ({', '.join(_INSERT_FIELDS)}) FROM STDIN") as copy:
                    for row in self.create:
                        copy.write_row(row)
            placeholder = "(%s::bigint, " + ", ".join(f"%s::{kind}" for kind in _VALUE_TYPES) + ")"
            assignments = ", ".join(f"{name} = v.{name}" for name in _VALUE_FIELDS)
            for start in range(0, len(self.update), 1_000):
                batch = self.update[start : start + 1_000]
                cursor.execute(
                    f"UPDATE {table} AS d SET {assignments} FROM (VALUES {', '.join([placeholder] * len(batch))}) "
                    f"AS v(id, {', '.join(_VALUE_FIELDS)}) WHERE d.id = v.id",
                    [value for row in batch for value in row],
                )


def shipment_deadlines_derive(*, shipment: Shipment, rules: list[RuleSpec] | None = None) -> list[DeadlineFact]:
    """Derive the shipment's deadlines from its active events and store them, with its next deadline date.

    Call it inside the transaction that wrote the events, after the custody figures are on `shipment`
    (custody_ended_on decides whether a deadline still applies).
    """
    rules = rules_in_force() if rules is None else rules
    facts = deadline_rules.evaluate(
        rules,
        arrived_on=shipment.arrived_on,
        custody_ended_on=shipment.custody_ended_on,
        events=_event_facts(shipment_id=shipment.pk)[shipment.pk],
    )
    stored = _stored(shipment_id=shipment.pk)[shipment.pk]
    stored_next = min((values[0] for _, values in stored.values() if values[1] == DeadlineStatus.OPEN), default=None)
    changes = _Changes()
    changes.add(shipment.pk, _derived(facts, shipment.importer_id, shipment.port_id), stored)
    changes.write()
    next_on = deadline_rules.next_due(facts)
    if next_on != stored_next:
        Shipment.objects.filter(pk=shipment.pk).update(next_deadline_on=next_on)
    shipment.next_deadline_on = next_on
    return facts


# Recomputing every shipment.


def _set_next_deadlines(changes: dict[int, datetime.date | None]) -> None:
    if not changes:
        return
    if connection.vendor == "postgresql":
        # One statement for the chunk; bulk_update's CASE over thousands of ids costs far more.
        values = ", ".join(["(%s, %s::date)"] * len(changes))
        params = [item for pair in changes.items() for item in pair]
        with connection.cursor() as cursor:
            cursor.execute(
                f"UPDATE {Shipment._meta.db_table} AS s SET next_deadline_on = v.day "
                f"FROM (VALUES {values}) AS v(id, day) WHERE s.id = v.id",
                params,
            )
        return
    Shipment.objects.bulk_update(
        [Shipment(pk=pk, next_deadline_on=day) for pk, day in changes.items()], ["next_deadline_on"], batch_size=500
    )


def _recompute_chunk(after_id: int, rules: list[RuleSpec], size: int) -> tuple[int, int, int]:
    """Recompute the deadlines of the next `size` shipments after `after_id`, in one transaction.

    Returns (shipments done, last shipment id, deadline rows written).
    """
    with transaction.atomic():
        shipments = list(
            Shipment.objects.select_for_update()
            .filter(pk__gt=after_id)
            .order_by("pk")
            .values_list("pk", "importer_id", "port_id", "arrived_on", "custody_ended_on", "next_deadline_on")[:size]
        )
        if not shipments:
            return 0, after_id, 0
        written = _derive_and_store(shipments, rules)
    return len(shipments), shipments[-1][0], written


def _derive_and_store(shipments: list[tuple], rules: list[RuleSpec]) -> int:
    """Derive and store the deadlines of shipments given as (pk, importer, port, arrived on, custody ended on, next
    deadline on) in ascending pk order, reading their events and stored deadlines in two range queries; returns
    the deadline rows written."""
    first_id, last_id = shipments[0][0], shipments[-1][0]
    events = _event_facts(shipment_id__gte=first_id, shipment_id__lte=last_id)
    stored = _stored(shipment_id__gte=first_id, shipment_id__lte=last_id)
    changes, next_changes = _Changes(), {}
    for pk, importer_id, port_id, arrived_on, custody_ended_on, next_on in shipments:
        facts = deadline_rules.evaluate(
            rules, arrived_on=arrived_on, custody_ended_on=custody_ended_on, events=events.get(pk, [])
        )
        changes.add(pk, _derived(facts, importer_id, port_id), stored.get(pk, {}))
        derived_next = deadline_rules.next_due(facts)
        if derived_next != next_on:
            next_changes[pk] = derived_next
    changes.write()
    _set_next_deadlines(next_changes)
    return changes.count


def shipments_deadlines_derive_new(*, shipments: list[tuple], rules: list[RuleSpec]) -> int:
    """Store the deadlines of shipments just inserted by a bulk import, given as (pk, importer, port, arrived on)
    in ascending pk order: their arrival starts clocks before any event. Runs in the import's transaction."""
    if not shipments:
        return 0
    return _derive_and_store([(*row, None, None) for row in shipments], rules)


def _recompute_chunk_retrying(after_id: int, rules: list[RuleSpec], size: int, attempts: int = 3):
    """_recompute_chunk, again after a deadlock: a bulk event import locks shipments in its file's order, a chunk
    in id order, and PostgreSQL breaks such a tie by aborting one of them."""
    for attempt in range(1, attempts + 1):
        try:
            return _recompute_chunk(after_id, rules, size)
        except OperationalError:
            if attempt == attempts:
                raise
            logger.warning("deadline recompute: chunk after shipment %s retried (attempt %s)", after_id, attempt)
    raise AssertionError("unreachable")


def _save_run(run: DeadlineRecompute, **fields) -> None:
    for name, value in fields.items():
        setattr(run, name, value)
    DeadlineRecompute.objects.filter(pk=run.pk).update(**fields)


def _superseded(run: DeadlineRecompute) -> bool:
    return DeadlineRecompute.objects.filter(pk__gt=run.pk).exclude(status=RecomputeStatus.FAILED).exists()


def deadlines_recompute_all(*, run: DeadlineRecompute, chunk_size: int = RECOMPUTE_CHUNK, progress=None):
    """Recompute every shipment's deadlines under the rules now in force, recording progress on the run.

    Resumes after run.last_shipment_id (a redelivered task picks up where the last one stopped), and stops as
    superseded when a later recompute has been requested: that one starts over with the newer rules.
    """
    if run.status in (RecomputeStatus.DONE, RecomputeStatus.SUPERSEDED):
        return run
    _save_run(
        run,
        status=RecomputeStatus.RUNNING,
        started_at=run.started_at or timezone.now(),
        shipments_total=Shipment.objects.count(),
    )
    try:
        rules = rules_in_force()
        written = unannounced = 0
        announced_at = time.monotonic()
        while True:
            if _superseded(run):
                _save_run(run, status=RecomputeStatus.SUPERSEDED, finished_at=timezone.now())
                return run
            done, last_id, rows = _recompute_chunk_retrying(run.last_shipment_id, rules, chunk_size)
            if not done:
                break
            written += rows
            unannounced += rows
            if unannounced and time.monotonic() - announced_at >= ANNOUNCE_EVERY_S:
                # Cached ledger totals under a `due_within` filter, and deadline counts, are stale from now on.
                bump_ledger_generation()
                unannounced, announced_at = 0, time.monotonic()
            _save_run(run, shipments_done=run.shipments_done + done, last_shipment_id=last_id)
            if progress is not None:
                progress(run)
        if unannounced:
            bump_ledger_generation()
        _save_run(
            run,
            status=RecomputeStatus.DONE,
            finished_at=timezone.now(),
            message=f"{run.shipments_done:,} shipments; {written:,} deadline rows written, updated or removed.",
        )
    except Exception as error:
        _save_run(run, status=RecomputeStatus.FAILED, finished_at=timezone.now(), message=str(error)[:2000])
        raise
    return run


def deadline_recompute_request(*, reason: str, user=None) -> DeadlineRecompute:
    """Queue a recompute of every shipment's deadlines (after a rule change), run once the transaction commits.

    When the broker is unreachable the run is marked failed, saying so: it shows on the recompute list (which offers
    to start one again) instead of waiting as "queued" for a task that was never sent.
    """
    from seizures import tasks  # the tasks module imports this one

    run = DeadlineRecompute.objects.create(reason=reason[:200], requested_by=user)

    def unqueued():
        message = f"The recompute {UNQUEUED}. Start one again once the broker is back."
        _save_run(run, status=RecomputeStatus.FAILED, finished_at=timezone.now(), message=message)

    enqueue_on_commit(tasks.recompute_deadlines, run.pk, on_unqueued=unqueued)
    return run


# Calendar tokens.


def token_digest(token: str) -> str:
    return hashlib.sha256(token.encode()).hexdigest()


@transaction.atomic
def calendar_token_rotate(*, user) -> str:
    """Give the user a new calendar token, returned once in clear; the previous one stops working at once."""
    if not user.is_active or not user.has_perm("seizures.view_deadline"):
        raise LedgerError("only users who may see deadlines can subscribe to the calendar")
    token = secrets.token_urlsafe(32)
    CalendarToken.objects.update_or_create(
        user=user, defaults={"digest": token_digest(token), "created_at": timezone.now()}
    )
    return token


def calendar_token_revoke(*, user) -> None:
    CalendarToken.objects.filter(user=user).delete()
