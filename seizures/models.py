"""The ledger: reference data, shipments with their line items, and the append-only event history.

Custody figures on Shipment and ShipmentLine are derived from the active events (seizures/custody.py) and
stored in the same transaction as each event (seizures/services.py), so lists read them without joins.
"""

import datetime

from django.conf import settings
from django.db import models
from django.db.models import F, Q
from django.utils import timezone
from simple_history.models import HistoricalRecords

SOPHGO = "Sophgo"


class Manufacturer(models.Model):
    """A maker of mining machines (Bitmain, MicroBT, Canaan, …)."""

    name = models.CharField(max_length=100, unique=True)
    country = models.CharField(max_length=2, blank=True, help_text="ISO 3166-1 alpha-2 of the headquarters.")
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class MinerModelQuerySet(models.QuerySet):
    def sophgo(self):
        return self.filter(chip_vendor=SOPHGO)


class MinerModel(models.Model):
    """One product line of mining machine with its published specs."""

    manufacturer = models.ForeignKey(Manufacturer, on_delete=models.PROTECT, related_name="models")
    name = models.CharField(max_length=100, unique=True)
    hashrate_ths = models.DecimalField("hashrate (TH/s)", max_digits=8, decimal_places=2)
    power_w = models.PositiveIntegerField("power (W)", null=True, blank=True)
    chip_vendor = models.CharField(
        max_length=50, blank=True, help_text=f'"{SOPHGO}" flags chips from a company under US trade restrictions.'
    )
    spec_source = models.CharField(max_length=200, blank=True, help_text="Where the specs come from.")
    history = HistoricalRecords()

    objects = MinerModelQuerySet.as_manager()

    class Meta:
        ordering = ["manufacturer__name", "name"]
        constraints = [models.CheckConstraint(condition=Q(hashrate_ths__gt=0), name="miner_model_hashrate_positive")]

    def __str__(self):
        return self.name

    @property
    def is_sophgo(self) -> bool:
        return self.chip_vendor == SOPHGO


class Port(models.Model):
    """A US port of entry by its CBP Schedule D four-digit code (district + port)."""

    code = models.CharField(max_length=4, unique=True)
    name = models.CharField(max_length=100)
    state = models.CharField(max_length=2, blank=True)
    source = models.CharField(max_length=200, blank=True, help_text="Where the code is cited.")
    history = HistoricalRecords()

    class Meta:
        ordering = ["code"]
        constraints = [models.CheckConstraint(condition=Q(code__regex=r"^[0-9]{4}$"), name="port_code_four_digits")]

    def __str__(self):
        return f"{self.code} {self.name}"


class Importer(models.Model):
    """The importer of record named on entries."""

    name = models.CharField(max_length=200, unique=True)
    is_demo = models.BooleanField(default=False, help_text="Invented by load_demo_data.")
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]

    def __str__(self):
        return self.name


class ShipmentStatus(models.TextChoices):
    RECORDED = "recorded", "Recorded (no hold yet)"
    DETAINED = "detained", "Detained"
    SEIZED = "seized", "Seized"
    PARTIALLY_RELEASED = "partially_released", "Partially released"
    RELEASED = "released", "Released"
    FORFEITED = "forfeited", "Forfeited"
    EXPORTED = "exported", "Exported"
    CLOSED = "closed", "Closed"


CUSTODY_OVER = {
    ShipmentStatus.RELEASED,
    ShipmentStatus.FORFEITED,
    ShipmentStatus.EXPORTED,
    ShipmentStatus.CLOSED,
}


class ShipmentQuerySet(models.QuerySet):
    def in_custody(self):
        return self.filter(units_in_custody__gt=0)

    def sophgo(self):
        return self.filter(lines__miner_model__chip_vendor=SOPHGO).distinct()

    def demo(self):
        return self.filter(is_demo=True)


class Shipment(models.Model):
    """One CBP entry of mining machines, with its custody figures derived from its events."""

    entry_number = models.CharField(max_length=20, unique=True, help_text="CBP entry number, e.g. ABC-1234567-8.")
    importer = models.ForeignKey(Importer, on_delete=models.PROTECT, related_name="shipments")
    port = models.ForeignKey(Port, on_delete=models.PROTECT, related_name="shipments")
    arrived_on = models.DateField()
    bill_of_lading = models.CharField("bill of lading / air waybill", max_length=50, blank=True)
    notes = models.TextField(blank=True)
    is_demo = models.BooleanField(default=False, help_text="Invented by load_demo_data.")
    created_at = models.DateTimeField(default=timezone.now, editable=False)

    # Derived from the events (seizures/custody.py); written only by the services.
    status = models.CharField(max_length=20, choices=ShipmentStatus, default=ShipmentStatus.RECORDED, editable=False)
    units_total = models.PositiveIntegerField(default=0, editable=False)
    units_detained = models.PositiveIntegerField(
        default=0, editable=False, help_text="Units that ever entered custody."
    )
    units_in_custody = models.PositiveIntegerField(default=0, editable=False)
    units_released = models.PositiveIntegerField(default=0, editable=False)
    units_forfeited = models.PositiveIntegerField(default=0, editable=False)
    units_abandoned = models.PositiveIntegerField(default=0, editable=False)
    units_exported = models.PositiveIntegerField(default=0, editable=False)
    value_in_custody_usd = models.DecimalField(max_digits=14, decimal_places=2, default=0, editable=False)
    hashrate_in_custody_ths = models.DecimalField(max_digits=14, decimal_places=2, default=0, editable=False)
    first_detained_on = models.DateField(null=True, blank=True, editable=False)
    custody_ended_on = models.DateField(null=True, blank=True, editable=False)
    # Derived from the events and the deadline rules (seizures/deadlines/), like the custody figures.
    next_deadline_on = models.DateField(
        null=True, blank=True, editable=False, help_text="Due date of the earliest open deadline."
    )

    history = HistoricalRecords(
        excluded_fields=[
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
            "next_deadline_on",
        ]
    )

    objects = ShipmentQuerySet.as_manager()

    class Meta:
        ordering = [F("first_detained_on").desc(nulls_last=True), "-id"]
        permissions = [
            ("record_event", "Can record detentions, seizures, releases and other events"),
            ("export_shipments", "Can export the ledger as CSV"),
            ("import_shipments", "Can import shipments and events from CSV"),
        ]
        indexes = [
            models.Index(fields=["status"], name="shipment_status_idx"),
            models.Index(fields=["is_demo"], name="shipment_demo_idx", condition=Q(is_demo=True)),
            # The ledger's `due_within` filter and its "next deadline" column sort.
            models.Index(fields=["next_deadline_on", "id"], name="shipment_next_deadline_idx"),
        ]
        constraints = [
            models.CheckConstraint(
                condition=Q(
                    units_detained__lte=F("units_total"),
                    units_in_custody__lte=F("units_detained"),
                ),
                name="shipment_custody_within_units",
            ),
            models.CheckConstraint(
                condition=Q(
                    units_detained=F("units_in_custody")
                    + F("units_released")
                    + F("units_forfeited")
                    + F("units_abandoned")
                    + F("units_exported")
                ),
                name="shipment_units_accounted",
            ),
            models.CheckConstraint(
                condition=Q(value_in_custody_usd__gte=0, hashrate_in_custody_ths__gte=0),
                name="shipment_custody_value_not_negative",
            ),
        ]

    def __str__(self):
        return self.entry_number

    @property
    def days_in_custody(self) -> int | None:
        """Days from the first detention to the end of custody (or today while any unit is held)."""
        if self.first_detained_on is None:
            return None
        end = self.custody_ended_on or timezone.localdate()
        return (end - self.first_detained_on).days

    @property
    def is_closed(self) -> bool:
        return self.status in CUSTODY_OVER


# What a shipment's custody columns can hold once all its units are detained: imports and the admin refuse more.
SHIPMENT_CUSTODY_LIMITS = {
    name: 10 ** (field.max_digits - field.decimal_places)
    for name in ("value_in_custody_usd", "hashrate_in_custody_ths")
    for field in [Shipment._meta.get_field(name)]
}


class ShipmentLine(models.Model):
    """One line item of a shipment: a number of units of one miner model at a declared unit value."""

    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="lines")
    miner_model = models.ForeignKey(MinerModel, on_delete=models.PROTECT, related_name="lines")
    units = models.PositiveIntegerField()
    unit_value_usd = models.DecimalField("declared unit value (USD)", max_digits=12, decimal_places=2)

    # Derived from the events, like the shipment's figures.
    units_detained = models.PositiveIntegerField(default=0, editable=False)
    units_in_custody = models.PositiveIntegerField(default=0, editable=False)
    units_seized = models.PositiveIntegerField(default=0, editable=False, help_text="Of those in custody.")
    units_released = models.PositiveIntegerField(default=0, editable=False)
    units_forfeited = models.PositiveIntegerField(default=0, editable=False)
    units_abandoned = models.PositiveIntegerField(default=0, editable=False)
    units_exported = models.PositiveIntegerField(default=0, editable=False)

    history = HistoricalRecords(
        excluded_fields=[
            "units_detained",
            "units_in_custody",
            "units_seized",
            "units_released",
            "units_forfeited",
            "units_abandoned",
            "units_exported",
        ]
    )

    class Meta:
        ordering = ["id"]
        constraints = [
            models.UniqueConstraint(fields=["shipment", "miner_model"], name="shipment_line_one_per_model"),
            models.CheckConstraint(condition=Q(units__gt=0), name="shipment_line_units_positive"),
            models.CheckConstraint(condition=Q(unit_value_usd__gte=0), name="shipment_line_value_not_negative"),
            models.CheckConstraint(
                condition=Q(
                    units_detained__lte=F("units"),
                    units_seized__lte=F("units_in_custody"),
                ),
                name="shipment_line_custody_within_units",
            ),
            models.CheckConstraint(
                condition=Q(
                    units_detained=F("units_in_custody")
                    + F("units_released")
                    + F("units_forfeited")
                    + F("units_abandoned")
                    + F("units_exported")
                ),
                name="shipment_line_units_accounted",
            ),
        ]

    def __str__(self):
        return f"{self.units} × {self.miner_model}"

    @property
    def value_usd(self):
        return self.units * self.unit_value_usd

    @property
    def value_in_custody_usd(self):
        return self.units_in_custody * self.unit_value_usd

    @property
    def hashrate_in_custody_ths(self):
        return self.units_in_custody * self.miner_model.hashrate_ths


class EventKind(models.TextChoices):
    DETAINED = "detained", "Detained"
    SEIZED = "seized", "Seized"
    SEIZURE_NOTICE = "seizure_notice", "Notice of seizure"
    PETITION_FILED = "petition_filed", "Petition filed"
    FORFEITURE_NOTICE = "forfeiture_notice", "Notice of forfeiture published"
    CLAIM_FILED = "claim_filed", "Claim and cost bond filed"
    PROTEST_FILED = "protest_filed", "Protest filed"
    RELEASED = "released", "Released"
    FORFEITED = "forfeited", "Forfeited"
    ABANDONED = "abandoned", "Abandoned"
    EXPORTED = "exported", "Exported"
    VOID = "void", "Void (cancels an earlier event)"


# Kinds that move units; the others only mark a step in the case.
UNIT_MOVING_KINDS = {
    EventKind.DETAINED,
    EventKind.SEIZED,
    EventKind.RELEASED,
    EventKind.FORFEITED,
    EventKind.ABANDONED,
    EventKind.EXPORTED,
}


class ShipmentEventQuerySet(models.QuerySet):
    def active(self):
        """Events that count: not voids themselves, and not cancelled by a void."""
        return self.exclude(kind=EventKind.VOID).filter(voided_by__isnull=True)


class ShipmentEvent(models.Model):
    """One step in a shipment's history. Append-only: a mistake is cancelled by a void event, never edited."""

    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="events")
    kind = models.CharField(max_length=20, choices=EventKind)
    occurred_on = models.DateField()
    line = models.ForeignKey(
        ShipmentLine,
        on_delete=models.CASCADE,
        null=True,
        blank=True,
        related_name="events",
        help_text="The line the units move on; empty means every line.",
    )
    units = models.PositiveIntegerField(null=True, blank=True, help_text="Empty on detained/seized means every unit.")
    reference = models.CharField("CBP reference", max_length=100, blank=True, help_text="CBP case / FP&F number.")
    legal_basis = models.CharField(max_length=200, blank=True)
    note = models.TextField(blank=True)
    voids = models.OneToOneField(
        "self", on_delete=models.PROTECT, null=True, blank=True, related_name="voided_by", editable=False
    )
    entered_by = models.ForeignKey(
        settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True, editable=False
    )
    entered_at = models.DateTimeField(default=timezone.now, editable=False)

    objects = ShipmentEventQuerySet.as_manager()

    class Meta:
        ordering = ["occurred_on", "id"]
        indexes = [
            models.Index(fields=["shipment", "occurred_on"], name="event_shipment_date_idx"),
            models.Index(fields=["reference"], name="event_reference_idx"),
        ]
        constraints = [
            models.CheckConstraint(condition=Q(units__isnull=True) | Q(units__gt=0), name="event_units_positive"),
            models.CheckConstraint(
                condition=(Q(kind=EventKind.VOID) & Q(voids__isnull=False))
                | (~Q(kind=EventKind.VOID) & Q(voids__isnull=True)),
                name="event_void_names_its_event",
            ),
        ]

    def __str__(self):
        units = f" {self.units} units" if self.units else ""
        return f"{self.get_kind_display()}{units} on {self.occurred_on:%Y-%m-%d}"

    def save(self, *args, **kwargs):
        if self.pk is not None and not self._state.adding:
            raise ValueError("Shipment events are append-only: record a void event instead of editing.")
        super().save(*args, **kwargs)

    def delete(self, *args, **kwargs):
        raise ValueError("Shipment events are append-only: record a void event instead of deleting.")

    @property
    def moves_units(self) -> bool:
        return self.kind in UNIT_MOVING_KINDS


class CustodyChange(models.Model):
    """Units of one line entering (+) or leaving (−) custody on one day, derived from the active events.

    Rewritten for a shipment with every event write, so a running sum by day gives the units, value and hashrate
    in custody at any date (the dashboard's time series) without replaying a million histories.
    """

    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="custody_changes")
    line = models.ForeignKey(ShipmentLine, on_delete=models.CASCADE, related_name="custody_changes")
    day = models.DateField()
    units = models.IntegerField()
    value_usd = models.DecimalField(max_digits=14, decimal_places=2)
    hashrate_ths = models.DecimalField(max_digits=14, decimal_places=2)

    class Meta:
        ordering = ["day", "id"]
        indexes = [models.Index(fields=["day"], name="custody_change_day_idx")]
        constraints = [models.CheckConstraint(condition=~Q(units=0), name="custody_change_not_zero")]

    def __str__(self):
        return f"{self.units:+} units of {self.line} on {self.day:%Y-%m-%d}"


# Legal deadlines (seizures/deadlines/): rules that customs admins edit, and each shipment's deadlines derived from
# its events under those rules, stored in the same transaction as each event like the custody figures.

RECORDABLE_EVENT_KINDS = [(value, label) for value, label in EventKind.choices if value != EventKind.VOID]


class DeadlineStart(models.TextChoices):
    """What starts a rule's clock: the shipment's arrival, an event, or another rule's deadline passing unmet."""

    ARRIVAL = "arrival", "Presentation (arrival)"
    DETAINED = "detained", "Detained"
    SEIZED = "seized", "Seized"
    SEIZURE_NOTICE = "seizure_notice", "Notice of seizure"
    PETITION_FILED = "petition_filed", "Petition filed"
    FORFEITURE_NOTICE = "forfeiture_notice", "Notice of forfeiture published"
    CLAIM_FILED = "claim_filed", "Claim and cost bond filed"
    PROTEST_FILED = "protest_filed", "Protest filed"
    RELEASED = "released", "Released"
    FORFEITED = "forfeited", "Forfeited"
    ABANDONED = "abandoned", "Abandoned"
    EXPORTED = "exported", "Exported"
    RULE_MISSED = "rule_missed", "Another rule's deadline passes unmet"


class DayCount(models.TextChoices):
    CALENDAR = "calendar", "Calendar days"
    BUSINESS = "business", "Business days (no weekends or US federal holidays)"


class DeadlineRule(models.Model):
    """One legal deadline as a rule: what starts the clock, how many days it runs, and which events meet it."""

    code = models.SlugField(max_length=50, unique=True, help_text="Stable short name, used in calendar entries.")
    name = models.CharField(max_length=100, unique=True)
    starts_with = models.CharField("clock starts with", max_length=30, choices=DeadlineStart)
    after_rule = models.ForeignKey(
        "self",
        on_delete=models.PROTECT,
        null=True,
        blank=True,
        related_name="followers",
        help_text="When the clock starts with another rule's deadline passing unmet: that rule.",
    )
    only_if = models.CharField(
        "applies only with",
        max_length=20,
        choices=RECORDABLE_EVENT_KINDS,
        blank=True,
        help_text="The rule applies only to shipments with an event of this kind (e.g. detained).",
    )
    offset_days = models.PositiveSmallIntegerField("days")
    day_count = models.CharField(max_length=10, choices=DayCount, default=DayCount.CALENDAR)
    extends_to_business_day = models.BooleanField(
        default=False, help_text="A deadline falling on a weekend or US federal holiday moves to the next business day."
    )
    satisfied_by = models.JSONField(
        default=list, blank=True, help_text="Event kinds that meet the deadline, on or after the clock starts."
    )
    lapses_with = models.JSONField(
        "no longer applies after",
        default=list,
        blank=True,
        help_text="Event kinds after which the deadline no longer applies (a seizure ends an exclusion protest).",
    )
    ends_with_custody = models.BooleanField(
        default=True,
        help_text="Once no unit is left in custody, an open deadline no longer applies (or is missed if already due).",
    )
    citation = models.CharField("legal citation", max_length=200)
    note = models.TextField(blank=True)
    verify_with_counsel = models.BooleanField(
        default=True, help_text="Read from the statute, not yet confirmed by counsel: shown as “verify with counsel”."
    )
    is_active = models.BooleanField(default=True)
    history = HistoricalRecords()

    class Meta:
        ordering = ["name"]
        constraints = [
            models.CheckConstraint(condition=Q(offset_days__gt=0), name="deadline_rule_offset_positive"),
            models.CheckConstraint(
                condition=(Q(starts_with=DeadlineStart.RULE_MISSED) & Q(after_rule__isnull=False))
                | (~Q(starts_with=DeadlineStart.RULE_MISSED) & Q(after_rule__isnull=True)),
                name="deadline_rule_after_rule_iff_chained",
            ),
        ]

    def __str__(self):
        return self.name

    def satisfied_by_labels(self) -> list[str]:
        return [EventKind(kind).label for kind in self.satisfied_by if kind in EventKind.values]


class DeadlineStatus(models.TextChoices):
    OPEN = "open", "Open"
    MET = "met", "Met"
    MISSED = "missed", "Missed"
    LAPSED = "lapsed", "No longer applies"


class DeadlineQuerySet(models.QuerySet):
    def open(self):
        return self.filter(status=DeadlineStatus.OPEN)

    def started(self, today: datetime.date):
        """Deadlines whose clock has started (a chained rule's clock can start in the future)."""
        return self.filter(starts_on__lte=today)

    def overdue(self, today: datetime.date):
        return self.open().started(today).filter(due_on__lt=today)


class Deadline(models.Model):
    """One deadline of one shipment under one rule, from the day its clock started. Derived, never edited."""

    # The unique constraint's index leads with the shipment, so the foreign keys need no index of their own.
    shipment = models.ForeignKey(Shipment, on_delete=models.CASCADE, related_name="deadlines", db_index=False)
    rule = models.ForeignKey(DeadlineRule, on_delete=models.CASCADE, related_name="deadlines", db_index=False)
    # The shipment's, copied so that /deadlines/ filtered by importer or port reads one index in due-date order.
    importer = models.ForeignKey(Importer, on_delete=models.CASCADE, related_name="+", db_index=False)
    port = models.ForeignKey(Port, on_delete=models.CASCADE, related_name="+", db_index=False)
    starts_on = models.DateField()
    # Events are deleted only with their shipment (or the demo data), which takes its deadlines along.
    start_event = models.ForeignKey(
        ShipmentEvent, on_delete=models.SET_NULL, null=True, blank=True, related_name="+", db_index=False
    )
    due_on = models.DateField()
    status = models.CharField(max_length=10, choices=DeadlineStatus, default=DeadlineStatus.OPEN)
    closed_on = models.DateField(null=True, blank=True)
    closed_by = models.ForeignKey(
        ShipmentEvent,
        on_delete=models.SET_NULL,
        null=True,
        blank=True,
        related_name="+",
        db_index=False,
        help_text="The event that met the deadline (empty when custody ended without one).",
    )

    objects = DeadlineQuerySet.as_manager()

    class Meta:
        ordering = ["due_on", "id"]
        permissions = [("export_deadlines", "Can export deadlines as CSV")]
        indexes = [
            # /deadlines/, the calendar feed, the digest and the overdue count: open deadlines by due date ...
            models.Index(fields=["due_on", "id"], name="deadline_open_due_idx", condition=Q(status="open")),
            # ... and the same for one importer or one port.
            models.Index(
                fields=["importer", "due_on", "id"], name="deadline_open_importer_idx", condition=Q(status="open")
            ),
            models.Index(fields=["port", "due_on", "id"], name="deadline_open_port_idx", condition=Q(status="open")),
        ]
        constraints = [
            models.UniqueConstraint(fields=["shipment", "rule", "starts_on"], name="deadline_one_per_rule_and_start"),
            models.CheckConstraint(condition=Q(due_on__gte=F("starts_on")), name="deadline_due_not_before_start"),
            models.CheckConstraint(
                condition=(Q(status="open") & Q(closed_on__isnull=True))
                | (~Q(status="open") & Q(closed_on__isnull=False)),
                name="deadline_closed_on_iff_closed",
            ),
        ]

    def __str__(self):
        return f"{self.rule} for {self.shipment} due {self.due_on:%Y-%m-%d}"

    @property
    def calendar_uid(self) -> str:
        """Stable across recomputes (which may replace the row), so calendar apps update the entry in place."""
        return f"{self.shipment_id}-{self.rule_id}-{self.starts_on:%Y%m%d}@hashport"

    def is_overdue(self, today: datetime.date) -> bool:
        return self.status == DeadlineStatus.OPEN and self.due_on < today


class RecomputeStatus(models.TextChoices):
    QUEUED = "queued", "Queued"
    RUNNING = "running", "Running"
    DONE = "done", "Done"
    SUPERSEDED = "superseded", "Superseded by a later recompute"
    FAILED = "failed", "Failed"


class DeadlineRecompute(models.Model):
    """One recompute of every shipment's deadlines, queued when a rule changes; the admin shows its progress."""

    reason = models.CharField(max_length=200)
    requested_by = models.ForeignKey(settings.AUTH_USER_MODEL, on_delete=models.SET_NULL, null=True, blank=True)
    requested_at = models.DateTimeField(default=timezone.now)
    status = models.CharField(max_length=12, choices=RecomputeStatus, default=RecomputeStatus.QUEUED)
    started_at = models.DateTimeField(null=True, blank=True)
    finished_at = models.DateTimeField(null=True, blank=True)
    shipments_total = models.PositiveIntegerField(default=0)
    shipments_done = models.PositiveIntegerField(default=0)
    last_shipment_id = models.BigIntegerField(default=0, help_text="Shipments up to this id are done (resume point).")
    message = models.TextField(blank=True)

    class Meta:
        ordering = ["-requested_at", "-id"]

    def __str__(self):
        return f"Deadline recompute of {timezone.localtime(self.requested_at):%Y-%m-%d %H:%M} ({self.reason})"

    @property
    def percent_done(self) -> int:
        if self.status == RecomputeStatus.DONE:
            return 100
        return int(100 * self.shipments_done / self.shipments_total) if self.shipments_total else 0


class CalendarToken(models.Model):
    """A user's secret for the deadlines calendar feed, kept as a SHA-256 digest; rotating replaces it."""

    user = models.OneToOneField(settings.AUTH_USER_MODEL, on_delete=models.CASCADE, related_name="calendar_token")
    digest = models.CharField(max_length=64, unique=True)
    created_at = models.DateTimeField(default=timezone.now)

    def __str__(self):
        return f"calendar token of {self.user}"
