"""Fill the database named by DATABASE_URL with N realistic bench shipments, their lines and events.

    .venv/bin/python bench/generate.py --shipments 1000000

Bench shipments carry the filer code BEN in their entry numbers (BEN-0000001-8). A later run with the same N
reuses them; another N replaces them (TRUNCATE when the ledger holds nothing else, else DELETE by filer code).
Rows go in with COPY in one transaction, so an interrupted run leaves the previous data as it was. A child
process generates the rows while this one streams them to PostgreSQL, so the two cores work at once.

The derived custody figures, and the custody changes (seizures_custodychange: units, value and hashrate entering
or leaving custody per line and day, which the dashboard's time series sum), are computed here with the rules of
seizures/custody.py in integer arithmetic: custody.replay would cost the generator, the slower end of the pipe,
~20 µs more a shipment. Before the commit a random sample is read back through the ORM and checked against
custody.replay, so a drift between the two rolls the load back. Bench scripts call ensure_generated(n).
"""

import bisect
import datetime
import math
import multiprocessing
import queue
import random
import sys
import time
from dataclasses import dataclass, field
from pathlib import Path

sys.path.insert(0, str(Path(__file__).resolve().parents[1]))  # run as a script: make the repo importable

from bench import _common

_common.setup_django()  # before the models, so bench scripts can import this module first thing

from django.core.management.color import no_style  # noqa: E402
from django.db import connection, transaction  # noqa: E402
from django.db.models import Prefetch  # noqa: E402
from django.utils import timezone  # noqa: E402

from seizures import custody, reference_data  # noqa: E402
from seizures.models import (  # noqa: E402
    SOPHGO,
    CustodyChange,
    Deadline,
    EventKind,
    Importer,
    MinerModel,
    Port,
    Shipment,
    ShipmentEvent,
    ShipmentLine,
    ShipmentStatus,
)

FILER_CODE = "BEN"
IMPORTERS = 2_000
CHUNK_SHIPMENTS = 50_000
SEED = 20241101
VERIFY_SAMPLE = 2_000
ARRIVALS_FROM = datetime.date(2024, 11, 1)
ARRIVALS_TO = datetime.date(2026, 10, 31)
SEIZURE_BASIS = "19 USC 1595a(c)(2)(A)"
DETENTION_BASIS = "19 USC 1499"  # examination and detention of merchandise
PETITION_BASIS = "19 USC 1618"  # petitions for remission or mitigation

# Where detained miners arrive: the Los Angeles / Long Beach ports most, then the others named in reports.
PORT_WEIGHTS = {
    "2704": 22,
    "2709": 20,
    "2720": 12,
    "2809": 10,
    "3801": 8,
    "3901": 8,
    "5301": 7,
    "3001": 7,
    "1001": 6,
}
AIR_PORTS = {"2720", "3901"}  # airports: air waybills instead of ocean bills of lading
# Bitmain's Sophgo-chip machines make up most of the detentions.
MODEL_WEIGHTS = {
    "Antminer S21": 22,
    "Antminer S21 Pro": 14,
    "Antminer S21 XP": 10,
    "Antminer T21": 10,
    "Whatsminer M60S": 16,
    "Whatsminer M66S": 10,
    "Avalon A1466": 10,
    "Avalon A1566": 8,
}
LINES_PER_SHIPMENT_WEIGHTS = [50, 27, 15, 8]  # 1, 2, 3, 4 lines
AIRLINE_PREFIXES = ["160", "176", "180", "297", "784", "999"]  # IATA prefixes of cargo airlines flying from Asia
CARRIER_CODES = ["COSU", "EGLV", "ONEY", "MAEU", "MEDU", "CMDU", "HLCU", "OOLU", "YMLU", "ZIMU"]
IMPORTER_SUFFIXES = ["LLC", "Inc.", "Ltd.", "Corp.", "Holdings LLC", "Trading Co."]

SHIPMENT_COLUMNS = [
    "id",
    "entry_number",
    "importer",
    "port",
    "arrived_on",
    "bill_of_lading",
    "notes",
    "is_demo",
    "created_at",
    "status",
    "units_total",
    "units_detained",
    "units_in_custody",
    "units_released",
    "units_forfeited",
    "units_abandoned",
    "units_exported",
    "value_in_custody_usd",
    "hashrate_in_custody_ths",
    "first_detained_on",
    "custody_ended_on",
]
LINE_COLUMNS = [
    "id",
    "shipment",
    "miner_model",
    "units",
    "unit_value_usd",
    "units_detained",
    "units_in_custody",
    "units_seized",
    "units_released",
    "units_forfeited",
    "units_abandoned",
    "units_exported",
]
EVENT_COLUMNS = [
    "id",
    "shipment",
    "kind",
    "occurred_on",
    "line",
    "units",
    "reference",
    "legal_basis",
    "note",
    "voids",
    "entered_by",
    "entered_at",
]
CUSTODY_CHANGE_COLUMNS = ["id", "shipment", "line", "day", "units", "value_usd", "hashrate_ths"]
LINE_FIGURES = ["detained", "in_custody", "seized", "released", "forfeited", "abandoned", "exported"]


class BenchDataError(Exception):
    """The bench data is not what the custody engine derives, or the database lacks what generation needs."""


def bench_importer_name(number: int) -> str:
    return f"Bench Importer {number:04d} {IMPORTER_SUFFIXES[number % len(IMPORTER_SUFFIXES)]}"


_LUHN_DOUBLED = [0, 2, 4, 6, 8, 1, 3, 5, 7, 9]


def entry_number(serial: int) -> str:
    """BEN-0000001-8: the serial with a Luhn check digit, so the numbers look like CBP's and stay unique."""
    digits = f"{serial:07d}"
    total = sum(_LUHN_DOUBLED[int(digit)] for digit in digits[::-2]) + sum(int(digit) for digit in digits[-2::-2])
    return f"{FILER_CODE}-{digits}-{-total % 10}"


# Generation: plain picklable data in, COPY text out. Runs in a child process; no Django, no database.


@dataclass(frozen=True)
class Plan:
    shipments: int
    seed: int
    chunk: int
    today: int  # date ordinal
    first_shipment_id: int
    first_line_id: int
    first_event_id: int
    first_custody_change_id: int
    importer_ids: list[int]
    ports: list[tuple[int, str, int]]  # (id, code, weight)
    models: list[tuple[int, int, bool, int]]  # (id, hashrate in hundredths of TH/s, Sophgo chip, weight)


@dataclass
class Chunk:
    shipments: int
    lines: int
    events: int
    shipment_copy: bytes
    line_copy: bytes
    event_copy: bytes
    custody_changes: int = 0
    custody_change_copy: bytes = b""
    statuses: dict[str, int] = field(default_factory=dict)


# A line while its events are generated: [id, model index, units, value cents, detained, in custody, seized,
# released, forfeited, abandoned, exported] — lists, not objects, because there are millions of them.
_ID, _MODEL, _UNITS, _CENTS, _DET, _HELD, _SEIZED, _REL, _FORF, _ABAN, _EXP = range(11)
# Plain strings, not the TextChoices members: they are formatted into millions of COPY rows.
DETAINED, SEIZED = EventKind.DETAINED.value, EventKind.SEIZED.value
NOTICE, PETITION = EventKind.SEIZURE_NOTICE.value, EventKind.PETITION_FILED.value
RELEASED, FORFEITED = EventKind.RELEASED.value, EventKind.FORFEITED.value
ABANDONED, EXPORTED = EventKind.ABANDONED.value, EventKind.EXPORTED.value
_OUTCOME = {RELEASED: _REL, ABANDONED: _ABAN, EXPORTED: _EXP}
_MOVES_UNITS = {DETAINED, SEIZED, FORFEITED, *_OUTCOME}
_LEGAL_BASIS = {
    DETAINED: DETENTION_BASIS,
    SEIZED: SEIZURE_BASIS,
    NOTICE: SEIZURE_BASIS,
    PETITION: PETITION_BASIS,
    FORFEITED: SEIZURE_BASIS,
}
NULL = r"\N"


def _money(hundredths: int) -> str:
    if hundredths < 0:
        return f"-{_money(-hundredths)}"
    return f"{hundredths // 100}.{hundredths % 100:02d}"


class _Case:
    """One shipment's lines and events, applying each event by the rules of seizures/custody.py."""

    __slots__ = ("detained", "ended", "events", "first_detained", "held", "lines", "movements")

    def __init__(self, lines):
        self.lines = lines
        self.events = []  # (kind, day, line index or None, units or None)
        self.movements = []  # (line, day, units): units in (+) or out of (−) custody, as custody.Movement
        self.detained = self.held = 0  # shipment totals, kept as the events move units
        self.first_detained = None
        self.ended = None

    def record(self, kind: str, day: int, line_index: int | None = None, units: int | None = None) -> None:
        self.events.append((kind, day, line_index, units))
        if kind not in _MOVES_UNITS:
            return
        entered = left = 0
        for line in self.lines if line_index is None else (self.lines[line_index],):
            if kind == DETAINED:
                moved = line[_UNITS] - line[_DET] if units is None else units
                line[_DET] += moved
                line[_HELD] += moved
                entered += moved
                change = moved
            elif kind == SEIZED:
                unseized = line[_HELD] - line[_SEIZED]
                moved = unseized + line[_UNITS] - line[_DET] if units is None else units
                entering = max(0, moved - unseized)
                line[_DET] += entering
                line[_HELD] += entering
                line[_SEIZED] += moved
                entered += entering
                change = entering
            elif kind == FORFEITED:
                moved = line[_SEIZED] if units is None else units
                line[_SEIZED] -= moved
                line[_HELD] -= moved
                line[_FORF] += moved
                left += moved
                change = -moved
            else:  # released, abandoned, exported: unseized units leave first, as custody.take_from_custody does
                moved = line[_HELD] if units is None else units
                line[_SEIZED] -= max(0, moved - (line[_HELD] - line[_SEIZED]))
                line[_HELD] -= moved
                line[_OUTCOME[kind]] += moved
                left += moved
                change = -moved
            if change:  # custody.apply_event records a movement where a line's units in custody changed
                self.movements.append((line, day, change))
        self.detained += entered
        self.held += entered - left
        if self.first_detained is None and entered:
            self.first_detained = day
        self.ended = day if self.held == 0 else None


def _status(totals: list[int]) -> str:
    """custody._status on the line totals."""
    if totals[_DET] == 0:
        return ShipmentStatus.RECORDED.value
    if totals[_HELD]:
        if totals[_REL] or totals[_EXP]:
            return ShipmentStatus.PARTIALLY_RELEASED.value
        return ShipmentStatus.SEIZED.value if totals[_SEIZED] else ShipmentStatus.DETAINED.value
    outcomes = [
        (ShipmentStatus.RELEASED.value, totals[_REL]),
        (ShipmentStatus.FORFEITED.value, totals[_FORF]),
        (ShipmentStatus.EXPORTED.value, totals[_EXP]),
        (ShipmentStatus.CLOSED.value, totals[_ABAN]),
    ]
    nonzero = [status for status, units in outcomes if units]
    return nonzero[0] if len(nonzero) == 1 else ShipmentStatus.CLOSED.value


class _Generator:
    def __init__(self, plan: Plan):
        self.plan = plan
        self.rng = random.Random(plan.seed)
        self.next_shipment_id = plan.first_shipment_id
        self.next_line_id = plan.first_line_id
        self.next_event_id = plan.first_event_id
        self.next_custody_change_id = plan.first_custody_change_id
        self.first_day = ARRIVALS_FROM.toordinal()
        self.last_arrival = min(ARRIVALS_TO.toordinal(), plan.today)
        self.days = [datetime.date.fromordinal(day).isoformat() for day in range(self.first_day, plan.today + 1)]
        # A few importers bring most shipments (Zipf-like), as in the real entries.
        self.importer_weights = list(_cumulative(1 / (rank + 1) ** 0.8 for rank in range(len(plan.importer_ids))))
        self.port_weights = list(_cumulative(weight for *_, weight in plan.ports))
        self.model_weights = list(_cumulative(weight for *_, weight in plan.models))
        self.line_count_weights = list(_cumulative(LINES_PER_SHIPMENT_WEIGHTS))
        self.case_serials: dict[tuple[int, str], int] = {}

    def day(self, ordinal: int) -> str:
        return self.days[ordinal - self.first_day]

    def chunks(self):
        for start in range(0, self.plan.shipments, self.plan.chunk):
            yield self.chunk(start + 1, min(self.plan.chunk, self.plan.shipments - start))

    def chunk(self, first_serial: int, count: int) -> Chunk:
        rng = self.rng
        importers = rng.choices(self.plan.importer_ids, cum_weights=self.importer_weights, k=count)
        ports = rng.choices(self.plan.ports, cum_weights=self.port_weights, k=count)
        shipments, lines, events, changes, statuses = [], [], [], [], {}
        for offset in range(count):
            status = self.shipment(
                first_serial + offset, importers[offset], ports[offset], shipments, lines, events, changes
            )
            statuses[status] = statuses.get(status, 0) + 1
        return Chunk(
            shipments=count,
            lines=len(lines),
            events=len(events),
            shipment_copy="".join(shipments).encode(),
            line_copy="".join(lines).encode(),
            event_copy="".join(events).encode(),
            custody_changes=len(changes),
            custody_change_copy="".join(changes).encode(),
            statuses=statuses,
        )

    def arrival(self, serial: int) -> int:
        """Entries are numbered as they arrive: the date follows the serial across the span, give or take weeks."""
        span = self.last_arrival - self.first_day
        day = self.first_day + int(span * (serial - 0.5) / self.plan.shipments) + int(self.rng.gauss(0, 12))
        return min(max(day, self.first_day), self.last_arrival)

    def new_lines(self) -> list[list]:
        rng = self.rng
        count = 1 + bisect.bisect(self.line_count_weights, rng.random() * self.line_count_weights[-1])
        picked: list[int] = []
        while len(picked) < count:  # one line per model (shipment_line_one_per_model)
            index = bisect.bisect(self.model_weights, rng.random() * self.model_weights[-1])
            if index not in picked:
                picked.append(index)
        lines = []
        for index in picked:
            hashrate = self.plan.models[index][1]
            units = min(2_000, max(1, int(math.exp(rng.gauss(5.0, 1.2)))))  # median ~150, a container or a pallet
            if rng.random() < 0.06:
                cents = rng.randint(300, 1_000) * 100  # the undervalued declarations that draw scrutiny
            else:
                cents = int(hashrate * rng.uniform(8, 22)) // 100 * 100  # whole dollars, $8–22 per TH/s
            lines.append([self.next_line_id, index, units, min(max(cents, 30_000), 600_000), 0, 0, 0, 0, 0, 0, 0])
            self.next_line_id += 1
        return lines

    def later(self, day: int, low: int, high: int) -> int | None:
        """A date some days after day, or None when it would be after today (the case is still open)."""
        later = day + low + int(self.rng.random() * (high - low + 1))  # randint, without its argument checks
        return later if later <= self.plan.today else None

    def play(self, case: _Case, arrival: int) -> None:
        """Events in date order, each allowed by the custody rules at its point in the history."""
        rng = self.rng
        lines = case.lines
        day = self.later(arrival, 1, 14)  # examination a few days after arrival
        if day is None or (day > self.plan.today - 30 and rng.random() < 0.3):
            return  # recorded, no hold yet
        if rng.random() < 0.12:
            case.record(SEIZED, day)  # seized straight away, without a detention first
        else:
            sophgo = [i for i, line in enumerate(lines) if self.plan.models[line[_MODEL]][2]]
            if 0 < len(sophgo) < len(lines) and rng.random() < 0.5:
                for index in sophgo:  # only the Sophgo-chip lines held back
                    case.record(DETAINED, day, index)
            else:
                case.record(DETAINED, day)
            path = rng.random()
            if path < 0.15:
                return  # still detained
            if path < 0.60:
                self.release_or_export(case, day, RELEASED if path < 0.48 else EXPORTED, partial_chance=0.3)
                return
            if path < 0.65:
                if (day := self.later(day, 30, 120)) is not None:
                    case.record(ABANDONED, day)
                return
            if (day := self.later(day, 15, 90)) is None:
                return
            if all(line[_DET] == line[_UNITS] for line in lines):
                case.record(SEIZED, day)
            else:
                for index, line in enumerate(lines):  # a whole-shipment seizure would take the lines not held
                    if line[_HELD] > line[_SEIZED]:
                        case.record(SEIZED, day, index)
        self.after_seizure(case, day)

    def release_or_export(self, case: _Case, day: int, kind: str, partial_chance: float) -> None:
        """Everything held leaves with kind, sometimes after a partial release."""
        if self.rng.random() < partial_chance:
            if (day := self.later(day, 10, 60)) is None:
                return
            self.partial_release(case, day)
        if (day := self.later(day, 20, 120)) is not None:
            case.record(kind, day)

    def partial_release(self, case: _Case, day: int) -> None:
        """Release some units of one line, leaving at least one unit of the shipment held."""
        candidates = [index for index, line in enumerate(case.lines) if line[_HELD] >= 2]
        if not candidates:
            return  # every line holds one unit at most: nothing to release partially
        index = self.rng.choice(candidates)
        units = self.rng.randint(1, case.lines[index][_HELD] - 1)
        # A one-line shipment may leave the line empty, as the events CSV does.
        case.record(RELEASED, day, None if len(case.lines) == 1 else index, units)

    def after_seizure(self, case: _Case, day: int) -> None:
        """Notice, perhaps a petition, then remission, forfeiture, abandonment or export, or still pending."""
        rng = self.rng
        noticed = rng.random() < 0.9
        if noticed:
            if (day := self.later(day, 3, 30)) is None:
                return
            case.record(NOTICE, day)
        if rng.random() < (0.55 if noticed else 0.2):
            if (day := self.later(day, 10, 35)) is None:
                return
            case.record(PETITION, day)
            outcome = rng.random()
            if outcome < 0.45:
                self.release_or_export(case, day, RELEASED, partial_chance=0.1)
            elif outcome < 0.60:
                if (day := self.later(day, 30, 120)) is None:
                    return
                self.partial_release(case, day)  # remission of part, the rest forfeited
                if (day := self.later(day, 30, 120)) is not None:
                    case.record(FORFEITED, day)
            elif outcome < 0.75 and (day := self.later(day, 30, 150)) is not None:
                case.record(EXPORTED, day)  # released for export
        else:
            outcome = rng.random()
            if outcome < 0.55:
                if (day := self.later(day, 60, 200)) is not None:
                    case.record(FORFEITED, day)
            elif outcome < 0.70 and (day := self.later(day, 30, 150)) is not None:
                case.record(ABANDONED, day)

    def case_reference(self, day: int, port_code: str) -> str:
        """A CBP case number: fiscal year (from October), port, serial within both — 2025-2704-000123."""
        date = datetime.date.fromordinal(day)
        fiscal_year = date.year + (date.month >= 10)
        key = (fiscal_year, port_code)
        self.case_serials[key] = serial = self.case_serials.get(key, 0) + 1
        return f"{fiscal_year}-{port_code}-{serial:06d}"

    def shipment(self, serial: int, importer_id: int, port, shipments, lines_out, events_out, changes_out) -> str:
        rng = self.rng
        port_id, port_code, _ = port
        shipment_id = self.next_shipment_id
        self.next_shipment_id += 1
        arrival = self.arrival(serial)
        case = _Case(self.new_lines())
        self.play(case, arrival)

        reference = self.case_reference(case.events[0][1], port_code) if case.events else ""
        for kind, day, line_index, units in case.events:
            date = self.day(day)
            events_out.append(
                f"{self.next_event_id}\t{shipment_id}\t{kind}\t{date}\t"
                f"{NULL if line_index is None else case.lines[line_index][_ID]}\t{NULL if units is None else units}\t"
                f"{reference}\t{_LEGAL_BASIS.get(kind, '')}\t\t{NULL}\t{NULL}\t"
                f"{date} {9 + self.next_event_id % 9:02d}:00:00+00\n"
            )
            self.next_event_id += 1

        models = self.plan.models
        for line, day, units in case.movements:
            changes_out.append(
                f"{self.next_custody_change_id}\t{shipment_id}\t{line[_ID]}\t{self.day(day)}\t{units}\t"
                f"{_money(units * line[_CENTS])}\t{_money(units * models[line[_MODEL]][1])}\n"
            )
            self.next_custody_change_id += 1

        value = hashrate = 0
        for line in case.lines:
            value += line[_HELD] * line[_CENTS]
            hashrate += line[_HELD] * models[line[_MODEL]][1]
            lines_out.append(
                f"{line[_ID]}\t{shipment_id}\t{models[line[_MODEL]][0]}\t{line[_UNITS]}\t{_money(line[_CENTS])}\t"
                f"{line[_DET]}\t{line[_HELD]}\t{line[_SEIZED]}\t{line[_REL]}\t{line[_FORF]}\t{line[_ABAN]}\t"
                f"{line[_EXP]}\n"
            )
        totals = [sum(column) for column in zip(*case.lines, strict=True)]

        draw = rng.random()  # one draw for the whole document number: the cheapest randomness there is
        if port_code in AIR_PORTS:
            waybill = f"{AIRLINE_PREFIXES[int(draw * 6)]}-{int(draw * 10**14) % 10**8:08d}"
        else:
            waybill = f"{CARRIER_CODES[int(draw * 10)]}{int(draw * 10**16) % 10**10:010d}"
        status = _status(totals)
        first = NULL if case.first_detained is None else self.day(case.first_detained)
        ended = NULL if case.ended is None else self.day(case.ended)
        shipments.append(
            f"{shipment_id}\t{entry_number(serial)}\t{importer_id}\t{port_id}\t{self.day(arrival)}\t{waybill}\t\t"
            f"f\t{self.day(arrival)} {8 + serial % 10:02d}:30:00+00\t{status}\t{totals[_UNITS]}\t{totals[_DET]}\t"
            f"{totals[_HELD]}\t{totals[_REL]}\t{totals[_FORF]}\t{totals[_ABAN]}\t{totals[_EXP]}\t{_money(value)}\t"
            f"{_money(hashrate)}\t{first}\t{ended}\n"
        )
        return status


def _cumulative(weights):
    total = 0
    for weight in weights:
        total += weight
        yield total


def _produce(plan: Plan, out: multiprocessing.Queue) -> None:
    """Child process: generate chunk after chunk; a bounded queue keeps at most a few chunks in memory."""
    try:
        for chunk in _Generator(plan).chunks():
            out.put(chunk)
    except BaseException as error:
        out.put(error)
        raise
    out.put(None)


def _chunks_from_child(plan: Plan):
    context = multiprocessing.get_context("fork")  # the child needs no Django and must not touch the connection
    out = context.Queue(maxsize=2)
    child = context.Process(target=_produce, args=(plan, out), name="bench-generate", daemon=True)
    child.start()
    try:
        while True:
            try:
                item = out.get(timeout=5)
            except queue.Empty:
                if not child.is_alive():
                    raise BenchDataError(f"the generator process died (exit code {child.exitcode})") from None
                continue
            if item is None:
                break
            if isinstance(item, BaseException):
                raise BenchDataError(f"the generator process failed: {item!r}") from item
            yield item
    finally:
        if child.is_alive():
            child.terminate()
        child.join()


# The database side.


def _table_and_columns(model, names: list[str]) -> str:
    columns = ", ".join(connection.ops.quote_name(model._meta.get_field(name).column) for name in names)
    return f"{connection.ops.quote_name(model._meta.db_table)} ({columns})"


def bench_shipments():
    return Shipment.objects.filter(entry_number__startswith=f"{FILER_CODE}-")


def _ensure_importers() -> list[int]:
    names = [bench_importer_name(number) for number in range(1, IMPORTERS + 1)]
    existing = set(Importer.objects.filter(name__in=names).values_list("name", flat=True))
    Importer.objects.bulk_create([Importer(name=name) for name in names if name not in existing], batch_size=1000)
    ids = dict(Importer.objects.filter(name__in=names).values_list("name", "id"))
    return [ids[name] for name in names]


def _reference_rows() -> tuple[list, list]:
    """The reference ports and miner models (seizures/reference_data.py) by id, with their weights."""
    ports = dict(Port.objects.filter(code__in=PORT_WEIGHTS).values_list("code", "id"))
    models = {model.name: model for model in MinerModel.objects.filter(name__in=MODEL_WEIGHTS)}
    missing = sorted(set(PORT_WEIGHTS) - set(ports)) + sorted(set(MODEL_WEIGHTS) - set(models))
    if missing:
        raise BenchDataError(
            f"reference data is missing ({', '.join(missing)}): run `manage.py migrate` (it loads the reference rows)"
        )
    port_rows = [(ports[code], code, PORT_WEIGHTS[code]) for code, *_ in reference_data.PORTS if code in PORT_WEIGHTS]
    model_rows = [
        (models[name].pk, int(models[name].hashrate_ths * 100), models[name].chip_vendor == SOPHGO, MODEL_WEIGHTS[name])
        for name, *_ in reference_data.MINER_MODELS
        if name in MODEL_WEIGHTS
    ]
    return port_rows, model_rows


LEDGER_MODELS = (Shipment, ShipmentLine, ShipmentEvent, CustodyChange)


def _quoted_tables() -> tuple[str, str, str, str]:
    return tuple(connection.ops.quote_name(model._meta.db_table) for model in LEDGER_MODELS)


def _clear_previous(cursor) -> str:
    """Remove earlier bench rows; TRUNCATE only when every shipment is a bench one. Returns what it did."""
    shipments, lines, events, changes = _quoted_tables()
    # Deadlines are derived from the shipments' events (manage.py recompute_deadlines derives them again).
    deadlines = connection.ops.quote_name(Deadline._meta.db_table)
    previous = bench_shipments().count()
    if not Shipment.objects.exclude(entry_number__startswith=f"{FILER_CODE}-").exists():
        cursor.execute(f"TRUNCATE {deadlines}, {changes}, {events}, {lines}, {shipments} RESTART IDENTITY")
        return f"truncated the ledger tables ({previous:,} earlier bench shipments, nothing else)"
    bench = f"SELECT id FROM {shipments} WHERE entry_number LIKE %s"
    prefix = f"{FILER_CODE}-%"
    cursor.execute(f"DELETE FROM {deadlines} WHERE shipment_id IN ({bench})", [prefix])
    cursor.execute(f"DELETE FROM {changes} WHERE shipment_id IN ({bench})", [prefix])
    cursor.execute(f"DELETE FROM {events} WHERE shipment_id IN ({bench})", [prefix])
    cursor.execute(f"DELETE FROM {lines} WHERE shipment_id IN ({bench})", [prefix])
    cursor.execute(f"DELETE FROM {shipments} WHERE entry_number LIKE %s", [prefix])
    return f"deleted {previous:,} earlier bench shipments by filer code {FILER_CODE} (other shipments kept)"


def _drop_indexes_and_foreign_keys(cursor) -> list[tuple[str, str]]:
    """Drop the ledger tables' foreign keys and secondary indexes; returns (name, SQL) that put them back.

    PostgreSQL builds an index (a GIN trigram one most of all) several times faster than it maintains it row by
    row, and checks a foreign key with one join instead of a trigger per row. Primary keys and unique
    constraints stay. DDL is transactional, so a failed run gets all of them back as they were.
    """
    tables = [model._meta.db_table for model in LEDGER_MODELS]
    cursor.execute(
        "SELECT conrelid::regclass::text, conname, pg_get_constraintdef(oid) FROM pg_constraint "
        "WHERE contype = 'f' AND (conrelid = ANY(%s::regclass[]) OR confrelid = ANY(%s::regclass[])) ORDER BY conname",
        [tables, tables],
    )
    foreign_keys = cursor.fetchall()
    cursor.execute(
        "SELECT indexrelid::regclass::text, pg_get_indexdef(indexrelid) FROM pg_index i "
        "WHERE indrelid = ANY(%s::regclass[]) AND NOT EXISTS (SELECT 1 FROM pg_constraint c "
        "WHERE c.conindid = i.indexrelid AND c.conrelid = i.indrelid) ORDER BY 1",
        [tables],
    )
    indexes = cursor.fetchall()
    for table, name, _ in foreign_keys:
        cursor.execute(f"ALTER TABLE {table} DROP CONSTRAINT {connection.ops.quote_name(name)}")
    for name, _ in indexes:
        cursor.execute(f"DROP INDEX {name}")
    return [*indexes] + [
        (name, f"ALTER TABLE {table} ADD CONSTRAINT {connection.ops.quote_name(name)} {definition}")
        for table, name, definition in foreign_keys
    ]


def _next_id(model) -> int:
    return (model.objects.order_by("-id").values_list("id", flat=True).first() or 0) + 1


@dataclass
class Summary:
    shipments: int
    lines: int = 0
    events: int = 0
    custody_changes: int = 0
    importers: int = 0
    cleared: str = ""
    statuses: dict[str, int] = field(default_factory=dict)
    seconds: dict[str, float] = field(default_factory=dict)
    verified: int = 0


def _plan(n: int, seed: int, chunk: int) -> Plan:
    ports, models = _reference_rows()
    return Plan(
        shipments=n,
        seed=seed,
        chunk=chunk,
        today=timezone.localdate().toordinal(),
        first_shipment_id=_next_id(Shipment),
        first_line_id=_next_id(ShipmentLine),
        first_event_id=_next_id(ShipmentEvent),
        first_custody_change_id=_next_id(CustodyChange),
        importer_ids=_ensure_importers(),
        ports=ports,
        models=models,
    )


def _copy_chunks(cursor, plan: Plan, summary: Summary, *, freeze: bool) -> None:
    # FREEZE stores the rows as already visible to all (no hint-bit rewrite or anti-wraparound vacuum later);
    # PostgreSQL allows it only on a table truncated in the same transaction.
    option = " WITH (FREEZE)" if freeze else ""
    copies = [
        (f"COPY {_table_and_columns(Shipment, SHIPMENT_COLUMNS)} FROM STDIN{option}", "shipment_copy"),
        (f"COPY {_table_and_columns(ShipmentLine, LINE_COLUMNS)} FROM STDIN{option}", "line_copy"),
        (f"COPY {_table_and_columns(ShipmentEvent, EVENT_COLUMNS)} FROM STDIN{option}", "event_copy"),
        (f"COPY {_table_and_columns(CustodyChange, CUSTODY_CHANGE_COLUMNS)} FROM STDIN{option}", "custody_change_copy"),
    ]
    started = time.perf_counter()
    done = 0
    for chunk in _chunks_from_child(plan):
        for statement, attribute in copies:
            with cursor.cursor.copy(statement) as copy:  # psycopg's own cursor under Django's wrapper
                copy.write(getattr(chunk, attribute))
        done += chunk.shipments
        summary.lines += chunk.lines
        summary.events += chunk.events
        summary.custody_changes += chunk.custody_changes
        for status, count in chunk.statuses.items():
            summary.statuses[status] = summary.statuses.get(status, 0) + count
        print(f"      shipments {done:,}/{plan.shipments:,}  {time.perf_counter() - started:,.0f} s", flush=True)


def generate(n: int, *, seed: int = SEED, chunk: int = CHUNK_SHIPMENTS, verify_sample: int = VERIFY_SAMPLE) -> Summary:
    """Replace any bench data with n fresh shipments, verify a sample, commit, VACUUM ANALYZE."""
    if n < 1:
        raise ValueError("generate at least one shipment")
    summary = Summary(shipments=n)
    seconds = summary.seconds
    started = time.perf_counter()
    with transaction.atomic(), connection.cursor() as cursor:
        # Nobody reads or writes the ledger while it is reloaded: no one takes the ids we use or sees it half built.
        cursor.execute(f"LOCK TABLE {', '.join(_quoted_tables())} IN ACCESS EXCLUSIVE MODE")
        with _common.timed(seconds, "clear_seconds"):
            restore = _drop_indexes_and_foreign_keys(cursor)  # first: a DELETE would leave foreign-key checks pending
            summary.cleared = _clear_previous(cursor)
        print(f"[1/5] {summary.cleared}; dropped {len(restore)} indexes and foreign keys until loaded", flush=True)

        plan = _plan(n, seed, chunk)
        summary.importers = len(plan.importer_ids)
        print(f"[2/5] generating {n:,} shipments for {summary.importers:,} bench importers (COPY)", flush=True)
        with _common.timed(seconds, "copy_seconds"):
            _copy_chunks(cursor, plan, summary, freeze=summary.cleared.startswith("truncated"))

        print(f"[3/5] building {len(restore)} indexes and foreign keys", flush=True)
        took: dict[str, float] = {}
        with _common.timed(seconds, "index_seconds"):
            cursor.execute("SET LOCAL maintenance_work_mem = '512MB'")
            for name, statement in restore:
                with _common.timed(took, name):
                    cursor.execute(statement)
        slowest = ", ".join(f"{name} {took[name]:,.1f} s" for name in sorted(took, key=took.get, reverse=True)[:3])
        print(f"      {seconds['index_seconds']:,.1f} s; slowest: {slowest}", flush=True)
        for statement in connection.ops.sequence_reset_sql(no_style(), list(LEDGER_MODELS)):
            cursor.execute(statement)  # so the ORM's next insert takes the id after ours

        # Before the commit: figures that the custody engine would not derive roll the whole load back.
        with _common.timed(seconds, "verify_seconds"):
            sample = random.Random(seed).sample(range(n), min(n, verify_sample))
            summary.verified = verify_against_custody(plan.first_shipment_id + offset for offset in sample)
        print(f"[4/5] verified {summary.verified:,} shipments against the custody engine", flush=True)

    print("[5/5] VACUUM ANALYZE", flush=True)
    with _common.timed(seconds, "analyze_seconds"), connection.cursor() as cursor:
        # VACUUM also sets the visibility map, so counts can use index-only scans as on a settled database.
        command = "ANALYZE" if connection.in_atomic_block else "VACUUM (ANALYZE)"
        cursor.execute(f"{command} {connection.ops.quote_name(Importer._meta.db_table)}, {', '.join(_quoted_tables())}")
    seconds["generate_seconds"] = round(time.perf_counter() - started, 3)
    return summary


# Verification through the ORM: what the services would have stored for these events.


def _stored_and_replayed(shipment: Shipment, today: datetime.date) -> tuple[dict, dict]:
    """The stored figures of a shipment (prefetched as in verify_against_custody) and what custody.replay derives."""
    lines, events = list(shipment.lines.all()), list(shipment.events.all())
    state = custody.replay(
        [
            custody.LineSpec(
                id=line.pk,
                label=line.miner_model.name,
                units=line.units,
                unit_value_usd=line.unit_value_usd,
                hashrate_ths=line.miner_model.hashrate_ths,
            )
            for line in lines
        ],
        [custody.EventSpec(kind=e.kind, occurred_on=e.occurred_on, line_id=e.line_id, units=e.units) for e in events],
        arrived_on=shipment.arrived_on,
        today=today,
    )
    # The same figures seizures.services._store_state writes.
    replayed = {
        "status": state.status,
        "units_total": sum(line.units for line in lines),
        "units_detained": state.total("detained"),
        "units_in_custody": state.total("in_custody"),
        "units_released": state.total("released"),
        "units_forfeited": state.total("forfeited"),
        "units_abandoned": state.total("abandoned"),
        "units_exported": state.total("exported"),
        "value_in_custody_usd": state.value_in_custody_usd,
        "hashrate_in_custody_ths": state.hashrate_in_custody_ths,
        "first_detained_on": state.first_detained_on,
        "custody_ended_on": state.custody_ended_on,
    }
    stored = {name: getattr(shipment, name) for name in replayed}
    by_id = {line.pk: line for line in lines}
    for line in lines:
        derived = state.lines[line.pk]
        stored[f"line {line.pk}"] = [getattr(line, f"units_{name}") for name in LINE_FIGURES]
        replayed[f"line {line.pk}"] = [getattr(derived, name) for name in LINE_FIGURES]
    # The custody changes seizures.services._store_custody_changes writes, in the replay's order.
    stored["custody changes"] = [
        (change.line_id, change.day, change.units, change.value_usd, change.hashrate_ths)
        for change in shipment.custody_changes.all()
    ]
    replayed["custody changes"] = [
        (
            movement.line_id,
            movement.day,
            movement.units,
            movement.units * by_id[movement.line_id].unit_value_usd,
            movement.units * by_id[movement.line_id].miner_model.hashrate_ths,
        )
        for movement in state.movements
    ]
    return stored, replayed


def verify_against_custody(shipment_ids) -> int:
    """Replay each shipment's active events through custody.replay and compare with the stored figures and custody
    changes.

    Returns how many shipments it checked; raises BenchDataError at the first difference.
    """
    today = timezone.localdate()
    ids = list(shipment_ids)
    checked = 0
    for start in range(0, len(ids), 500):
        shipments = Shipment.objects.filter(pk__in=ids[start : start + 500]).prefetch_related(
            Prefetch("lines", queryset=ShipmentLine.objects.select_related("miner_model").order_by("id")),
            Prefetch("events", queryset=ShipmentEvent.objects.active().order_by("occurred_on", "id")),
            Prefetch("custody_changes", queryset=CustodyChange.objects.order_by("id")),
        )
        for shipment in shipments:
            try:
                stored, replayed = _stored_and_replayed(shipment, today)
            except custody.CustodyError as error:
                raise BenchDataError(
                    f"{shipment.entry_number}: the custody engine refuses the events: {error}"
                ) from None
            if stored != replayed:
                differences = {
                    key: (value, replayed.get(key)) for key, value in stored.items() if value != replayed.get(key)
                }
                raise BenchDataError(f"{shipment.entry_number}: (stored, replayed) differ: {differences}")
            checked += 1
    if checked != len(ids):
        raise BenchDataError(f"expected {len(ids):,} shipments to verify, found {checked:,}")
    return checked


# Entry points.


def _prepare(script: str = "bench/generate.py") -> None:
    _common.require_postgresql(script)
    _common.require_migrated()


def is_generated(n: int) -> bool:
    return bench_shipments().count() == n


def ensure_generated(n: int) -> None:
    """Make sure the database holds exactly n bench shipments: reuse them if so, else generate them now."""
    _prepare()
    if is_generated(n):
        print(f"reusing {n:,} generated shipments", flush=True)
        return
    print_summary(generate(n))


def print_summary(summary: Summary) -> None:
    rows = [
        ("shipments", summary.shipments),
        ("lines", summary.lines),
        ("events", summary.events),
        ("custody changes", summary.custody_changes),
        ("importers (bench)", summary.importers),
        *((f"  status {status}", count) for status, count in sorted(summary.statuses.items())),
        *((key.replace("_seconds", " (s)"), seconds) for key, seconds in summary.seconds.items()),
        ("verified against custody.replay", summary.verified),
        ("peak RSS (MB)", round(_common.peak_rss_mb(), 1)),
        ("generator peak RSS (MB)", round(_common.peak_rss_mb(children=True), 1)),
    ]
    _common.print_table(rows, ["figure", "value"], title=f"Generated bench data: {summary.cleared}")


def main() -> None:
    parser = _common.shipments_argument_parser("Fill the database named by DATABASE_URL with bench shipments.")
    parser.add_argument("--seed", type=int, default=SEED, help="random seed (same seed and N: same data)")
    parser.add_argument("--force", action="store_true", help="generate again even when N bench shipments exist")
    args = parser.parse_args()
    _prepare()
    if not args.force and is_generated(args.shipments):
        print(f"reusing {args.shipments:,} generated shipments", flush=True)
        _common.print_json_line({"shipments": args.shipments, "reused": True, "generate_seconds": 0})
        return
    try:
        summary = generate(args.shipments, seed=args.seed)
    except BenchDataError as error:
        sys.exit(f"bench/generate.py: {error}")
    print_summary(summary)
    _common.print_json_line(
        {
            "shipments": summary.shipments,
            "lines": summary.lines,
            "events": summary.events,
            "custody_changes": summary.custody_changes,
            "reused": False,
            **summary.seconds,
            "shipments_per_s": round(summary.shipments / summary.seconds["generate_seconds"]),
            "peak_rss_mb": round(_common.peak_rss_mb(), 1),
            "generator_peak_rss_mb": round(_common.peak_rss_mb(children=True), 1),
        }
    )


if __name__ == "__main__":
    main()
