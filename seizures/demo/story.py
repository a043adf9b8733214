"""The demo's story, drawn from a seed with no database: shipments, line items and events as plain data.

As reported (FACTS.md and the seeds):
- Bitmain holds from 2024-11-25, San Francisco (2809) and Detroit (3801) first (Blockspace, Nov 2024);
- MicroBT (Whatsminer) and Canaan (Avalon) holds from January 2025 (Blockspace, Feb 2025);
- up to ~10,000 machines, >$5M, held at the peak; releases from 2025-03-05, most still held (Reuters, 5 Mar 2025);
- then seizures, notices, petitions, forfeitures, abandonments and exports, and some machines still held today.
"""

import datetime
import random
from collections.abc import Callable
from dataclasses import dataclass, field
from decimal import Decimal

from seizures.models import EventKind

D = datetime.date
SEED = 20241125
FILER_CODE = "DMO"
SHIPMENT_NOTE = "Demo shipment: invented by load_demo_data, not a real entry."
# Every planned event falls on or before this day, so the figures do not move with the calendar.
STORY_END = D(2026, 10, 31)

FIRST_HOLDS = D(2024, 11, 25)  # Blockspace: first Bitmain holds, at San Francisco and Detroit
WIDER_HOLDS = D(2025, 1, 13)  # holds reach MicroBT and Canaan in January/February 2025
FIRST_RELEASES = D(2025, 3, 5)  # Reuters: "thousands" released, most still in custody

DETENTION_BASIS = "47 CFR 2.1203"
SEIZURE_BASIS = "19 USC 1595a(c)(2)(A)"
PROTEST = "19 USC 1514(c)(3)"

IMPORTERS = [
    "Demo Importer Prairie Hash LLC (demo)",
    "Demo Importer Gulf Coast Compute Inc. (demo)",
    "Demo Importer Great Lakes Mining Co. (demo)",
    "Demo Importer Pacific Rig Supply LLC (demo)",
    "Demo Importer Keystone Digital Hosting (demo)",
    "Demo Importer Red River Datacenters (demo)",
    "Demo Importer Cascade ASIC Traders (demo)",
    "Demo Importer Blue Ridge Hashworks (demo)",
    "Demo Importer Mesa Power & Mining (demo)",
    "Demo Importer Harbor Miner Logistics (demo)",
    "Demo Importer Frontier Hash Partners (demo)",
    "Demo Importer Summit Block Compute (demo)",
]
# A few big importers and a long tail, as on real entry lists.
IMPORTER_WEIGHTS = [9, 7, 6, 5, 4, 4, 3, 3, 2, 2, 1, 1]

# Declared customs values, well under list prices: the reports put ~10,000 held machines at a little over $5M.
MODELS = {
    "Bitmain": {
        "Antminer S21": (45, 850),
        "Antminer T21": (25, 750),
        "Antminer S21 Pro": (20, 1000),
        "Antminer S21 XP": (10, 1200),
    },
    "MicroBT": {"Whatsminer M60S": (70, 750), "Whatsminer M66S": (30, 1250)},
    "Canaan": {"Avalon A1466": (65, 600), "Avalon A1566": (35, 750)},
}

ALL_MAKERS = tuple(MODELS)
AIR_PORTS = {"2720", "3901"}
PORT_WEIGHTS = {"2809": 3, "3801": 2, "2704": 3, "2709": 3, "2720": 2, "1001": 1, "3901": 1, "5301": 2, "3001": 1}

EARLY_PATHS = {"released": 38, "remitted_in_part": 20, "forfeited": 15, "abandoned": 8, "exported": 11, "pending": 8}
LATER_PATHS = {"released": 32, "remitted_in_part": 15, "forfeited": 18, "abandoned": 10, "exported": 10, "pending": 15}


@dataclass(frozen=True)
class Cohort:
    """Shipments that arrive in one phase of the story."""

    shipments: int
    makers: tuple[str, ...]
    arrivals: tuple[datetime.date, datetime.date]
    ports: dict[str, int]
    paths: dict[str, int]
    first_hold: datetime.date
    early: bool = True  # held before the first releases, so released in the March 2025 wave
    size: float = 1.0  # scales the units per line


COHORTS = [
    # The first holds: Bitmain machines at San Francisco and Detroit.
    Cohort(8, ("Bitmain",), (D(2024, 11, 18), D(2024, 11, 22)), {"2809": 1, "3801": 1}, EARLY_PATHS, FIRST_HOLDS),
    Cohort(85, ("Bitmain",), (D(2024, 11, 25), D(2025, 2, 24)), PORT_WEIGHTS, EARLY_PATHS, FIRST_HOLDS),
    Cohort(60, ("MicroBT", "Canaan"), (D(2025, 1, 8), D(2025, 2, 27)), PORT_WEIGHTS, EARLY_PATHS, WIDER_HOLDS),
    # Holds go on after the first releases, fewer and fewer: the shipments still held today are mostly these.
    Cohort(
        55,
        ALL_MAKERS,
        (D(2025, 3, 10), D(2026, 10, 20)),
        PORT_WEIGHTS,
        LATER_PATHS,
        FIRST_RELEASES,
        early=False,
        size=0.6,
    ),
]


@dataclass
class PlannedLine:
    model: str
    units: int
    unit_value_usd: Decimal


@dataclass
class PlannedEvent:
    kind: str
    occurred_on: datetime.date
    line: int | None = None  # index into the shipment's lines; None means every line
    units: int | None = None
    reference: str = ""
    legal_basis: str = ""
    note: str = ""


@dataclass
class PlannedShipment:
    entry_number: str
    importer: str
    port_code: str
    arrived_on: datetime.date
    bill_of_lading: str
    lines: list[PlannedLine]
    events: list[PlannedEvent] = field(default_factory=list)
    entered_twice: PlannedEvent | None = None  # a clerk's duplicate, voided after loading


def _days(rng: random.Random, low: int, high: int) -> datetime.timedelta:
    return datetime.timedelta(days=rng.randint(low, high))


def _weighted(rng: random.Random, weights: dict[str, int]) -> str:
    return rng.choices(list(weights), weights=list(weights.values()))[0]


class _Case:
    """One shipment's story as it is planned: keeps the units held per line and stops at STORY_END."""

    def __init__(self, lines: list[PlannedLine], fpf_number: str):
        self.lines = lines
        self.fpf_number = fpf_number
        self.held = [0] * len(lines)
        self.events: list[PlannedEvent] = []

    @property
    def takes_the_rare_path(self) -> bool:
        """One case in four (by its serial, not a random draw, so the demo's figures stay as they were)."""
        return int(self.fpf_number.split("-")[2]) % 4 == 0

    @property
    def case_number(self) -> str:
        """CBP opens an FP&F case at the seizure; steps before it, or without one, carry no case number."""
        return self.fpf_number if any(event.kind == EventKind.SEIZED for event in self.events) else ""

    def _open(self, on: datetime.date) -> bool:
        """Steps go on while units are held, up to STORY_END; the first step is the detention."""
        return on <= STORY_END and (any(self.held) or not self.events)

    def detain(self, on: datetime.date, note: str, legal_basis: str) -> datetime.date:
        """Every unit of every line is held (the path decides what leaves custody later)."""
        self.events.append(PlannedEvent(EventKind.DETAINED, on, legal_basis=legal_basis, note=note))
        self.held = [line.units for line in self.lines]
        return on

    def mark(self, kind: str, on: datetime.date, note: str, legal_basis: str = "") -> datetime.date:
        """A step that moves no units in or out of custody: a seizure (of all that is held), a notice, a petition."""
        if self._open(on):
            reference = self.fpf_number if kind == EventKind.SEIZED else self.case_number
            self.events.append(PlannedEvent(kind, on, reference=reference, legal_basis=legal_basis, note=note))
        return on

    def take(self, kind: str, on: datetime.date, share: float, note: str, legal_basis: str = "") -> datetime.date:
        """Units leave custody line by line: a share of what each line holds (1 takes the rest)."""
        if not self._open(on):
            return on
        for index, held in enumerate(self.held):
            units = held if share >= 1 else min(held, max(1, round(held * share)))
            if units:
                self.events.append(PlannedEvent(kind, on, index, units, self.case_number, legal_basis, note))
                self.held[index] -= units
        return on


def _seize(case: _Case, rng: random.Random, detained_on: datetime.date) -> datetime.date:
    """Seizure after the 30-day deemed exclusion, then the notice; returns the notice's date."""
    seized_on = case.mark(
        EventKind.SEIZED, detained_on + _days(rng, 30, 45), "Seized; custody receipt CBP Form 6051S.", SEIZURE_BASIS
    )
    return case.mark(
        EventKind.SEIZURE_NOTICE,
        seized_on + _days(rng, 5, 20),
        "Notice of seizure sent to the importer.",
        SEIZURE_BASIS,
    )


def _petition(case: _Case, rng: random.Random, noticed_on: datetime.date) -> datetime.date:
    return case.mark(
        EventKind.PETITION_FILED, noticed_on + _days(rng, 8, 28), "Petition for relief filed (19 CFR part 171)."
    )


def _forfeit(case: _Case, on: datetime.date, note: str) -> datetime.date:
    # Demo shipments stay under $500,000, so forfeiture is administrative (19 USC 1607), not judicial.
    return case.take(EventKind.FORFEITED, on, 1, f"Administrative forfeiture (19 USC 1607): {note}", SEIZURE_BASIS)


def _release_date(rng: random.Random, after: datetime.date, early: bool) -> datetime.date:
    """Held before the first releases: released in the March 2025 wave, else some weeks after the last step."""
    soon = after + _days(rng, 3, 12)
    return max(soon, FIRST_RELEASES + _days(rng, 0, 20)) if early else after + _days(rng, 20, 90)


def _path_released(case: _Case, rng: random.Random, on: datetime.date, early: bool) -> None:
    seized = rng.random() < 0.4
    if seized:
        on = _petition(case, rng, _seize(case, rng, on))
    released_on = _release_date(rng, on, early)
    protest_on = on + datetime.timedelta(days=45)
    if not seized and case.takes_the_rare_path and protest_on < released_on:
        # Held past the 30-day deemed exclusion without a seizure: the importer protests the exclusion.
        case.mark(EventKind.PROTEST_FILED, protest_on, "Protest of the deemed exclusion filed (CBP Form 19).", PROTEST)
    on = case.take(EventKind.RELEASED, released_on, rng.uniform(0.5, 1), "Released: FCC authorisation shown.")
    if rng.random() < 0.7:
        case.take(EventKind.RELEASED, on + _days(rng, 30, 150), 1, "Released after relabelling.")
    else:
        case.take(EventKind.EXPORTED, on + _days(rng, 30, 150), 1, "Exported under CBP supervision.")


def _path_remitted_in_part(case: _Case, rng: random.Random, on: datetime.date, early: bool) -> None:
    on = _petition(case, rng, _seize(case, rng, on))
    on = case.take(
        EventKind.RELEASED,
        max(on + _days(rng, 30, 120), FIRST_RELEASES),
        rng.uniform(0.3, 0.7),
        "Petition granted in part: released on conditions.",
    )
    if rng.random() < 0.7:
        _forfeit(case, on + _days(rng, 60, 200), "the units not remitted.")


def _path_forfeited(case: _Case, rng: random.Random, on: datetime.date, early: bool) -> None:
    noticed_on = _seize(case, rng, on)
    _forfeit(case, noticed_on + _days(rng, 60, 200), "no petition within 30 days of the notice.")


def _path_abandoned(case: _Case, rng: random.Random, on: datetime.date, early: bool) -> None:
    case.take(EventKind.ABANDONED, on + _days(rng, 10, 60), 1, "Abandoned by the importer (CBP Form 4607).")


def _path_exported(case: _Case, rng: random.Random, on: datetime.date, early: bool) -> None:
    if rng.random() < 0.4:
        on = _seize(case, rng, on)
    case.take(EventKind.EXPORTED, on + _days(rng, 30, 120), 1, "Exported under CBP supervision.")


def _path_pending(case: _Case, rng: random.Random, on: datetime.date, early: bool) -> None:
    noticed_on = _seize(case, rng, on)
    if not case.takes_the_rare_path:
        _petition(case, rng, noticed_on)
        return
    _days(rng, 8, 28)  # the petition's draw, still taken so the cases after this one stay as they were
    # No petition within the notice's 30 days: CBP publishes the forfeiture notice, and the importer files a claim
    # with a cost bond, which sends the case to court (still in custody).
    published_on = case.mark(
        EventKind.FORFEITURE_NOTICE,
        noticed_on + datetime.timedelta(days=35),
        "Notice of seizure and intent to forfeit first published.",
        "19 USC 1607",
    )
    case.mark(
        EventKind.CLAIM_FILED,
        published_on + datetime.timedelta(days=12),
        "Claim and cost bond filed: referred to the US Attorney for judicial forfeiture.",
        "19 USC 1608",
    )


PATHS: dict[str, Callable[[_Case, random.Random, datetime.date, bool], None]] = {
    "released": _path_released,
    "remitted_in_part": _path_remitted_in_part,
    "forfeited": _path_forfeited,
    "abandoned": _path_abandoned,
    "exported": _path_exported,
    "pending": _path_pending,
}


def _plan_lines(rng: random.Random, maker: str, port_code: str, size: float) -> list[PlannedLine]:
    """One or two models of one maker; air freight carries fewer machines than a container or a truck."""
    models = MODELS[maker]
    names = rng.choices(list(models), weights=[weight for weight, _ in models.values()], k=2)
    if rng.random() < 0.75:
        names = names[:1]
    low, high = (round(6 * size), round(48 * size)) if port_code in AIR_PORTS else (round(24 * size), round(104 * size))
    return [
        PlannedLine(name, rng.randint(low, high), _declared_value(rng, models[name][1]))
        for name in dict.fromkeys(names)
    ]


def _declared_value(rng: random.Random, typical_usd: int) -> Decimal:
    """Within 10% of the model's typical declared value, in whole $5."""
    return Decimal(round(typical_usd * rng.uniform(0.9, 1.1) / 5) * 5).quantize(Decimal("0.01"))


def _arrival(rng: random.Random, cohort: Cohort) -> datetime.date:
    # Later arrivals thin out over time: the skew puts most of them soon after the first releases.
    start, end = cohort.arrivals
    skew = 1 if cohort.early else 1.8
    return start + datetime.timedelta(days=int((end - start).days * rng.random() ** skew))


def _bill(rng: random.Random, port_code: str) -> str:
    kind = "AWB" if port_code in AIR_PORTS else "BL"
    return f"DEMO-{kind}-{rng.randint(10_000_000, 99_999_999)}"


def _fpf_number(port_code: str, held_on: datetime.date, serial: int) -> str:
    """An FP&F case number: fiscal year (from October), port, serial, line."""
    fiscal_year = held_on.year + (held_on.month >= 10)
    return f"{fiscal_year}-{port_code}-{serial:06d}-01"


def _check_digit(digits: str) -> int:
    """Luhn check digit: demo entry numbers only need to look like entry numbers."""
    total = 0
    for position, char in enumerate(reversed(digits)):
        value = int(char) * (2 if position % 2 == 0 else 1)
        total += value - 9 if value > 9 else value
    return (10 - total % 10) % 10


def _plan_shipment(rng: random.Random, cohort: Cohort, serial: int) -> PlannedShipment:
    port_code = _weighted(rng, cohort.ports)
    arrived_on = _arrival(rng, cohort)
    lines = _plan_lines(rng, rng.choice(cohort.makers), port_code, cohort.size)
    detained_on = max(arrived_on + _days(rng, 1, 5), cohort.first_hold)  # 19 CFR 151.16: within 5 days
    case = _Case(lines, _fpf_number(port_code, detained_on, 100 + serial))
    case.detain(detained_on, "Detained (CBP Form 6051D): FCC equipment authorisation in question.", DETENTION_BASIS)
    PATHS[_weighted(rng, cohort.paths)](case, rng, detained_on, cohort.early)
    return PlannedShipment(
        entry_number="",
        importer=rng.choices(IMPORTERS, weights=IMPORTER_WEIGHTS)[0],
        port_code=port_code,
        arrived_on=arrived_on,
        bill_of_lading=_bill(rng, port_code),
        lines=lines,
        events=case.events,
    )


def build_plan(seed: int = SEED) -> list[PlannedShipment]:
    """The whole demo ledger, drawn from the seed: same seed, same shipments, events and figures."""
    rng = random.Random(seed)
    plan: list[PlannedShipment] = []
    for cohort in COHORTS:
        plan.extend(_plan_shipment(rng, cohort, len(plan)) for _ in range(cohort.shipments))
    # A filer numbers entries in the order it files them.
    plan.sort(key=lambda shipment: (shipment.arrived_on, shipment.bill_of_lading))
    serial = 4_100_000
    for shipment in plan:
        serial += rng.randint(3, 40)
        shipment.entry_number = f"{FILER_CODE}-{serial:07d}-{_check_digit(f'{serial:07d}')}"
    # A few notices entered twice, then voided, so the demo shows corrections.
    noticed = [s for s in plan if any(e.kind == EventKind.SEIZURE_NOTICE for e in s.events)]
    for shipment in rng.sample(noticed, k=4):
        shipment.entered_twice = next(e for e in shipment.events if e.kind == EventKind.SEIZURE_NOTICE)
    return plan
