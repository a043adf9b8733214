"""The dataset: countries, sources, country-share and network-hashrate observations, their revisions, and runs.

Every observation row names its source (and so its method) and when it was retrieved; when an upstream figure
changes, the value it replaces is kept as a revision. Rows are written only by hashrate/services.py.
"""

import datetime

from django.db import models
from django.db.models import Q
from django.utils import timezone


class Country(models.Model):
    """A country by its ISO 3166-1 alpha-2 code, or the one "other / unattributed" bucket (ZZ)."""

    code = models.CharField(max_length=2, primary_key=True, help_text="ISO 3166-1 alpha-2, e.g. US.")
    name = models.CharField(max_length=100)
    aliases = models.JSONField(
        default=list, blank=True, help_text="Other names sources use, e.g. the World Bank's “Mainland China”."
    )
    is_bucket = models.BooleanField(
        default=False, help_text="The bucket for hashrate no source attributes to a country (CBECI “Other”)."
    )

    class Meta:
        ordering = ["name"]
        verbose_name_plural = "countries"
        constraints = [models.CheckConstraint(condition=Q(code__regex=r"^[A-Z]{2}$"), name="country_code_alpha2")]

    def __str__(self):
        return f"{self.name} ({self.code})"


class Method(models.TextChoices):
    GEOLOCATION = "geolocation", "Geolocation of pool IP addresses"
    POOL_HEADQUARTERS = "pool_headquarters", "Pool headquarters (where pools are run, not where machines hash)"
    ESTIMATE = "estimate", "Published estimate"
    MANUAL = "manual", "Manual entry"
    NETWORK = "network", "Network hashrate estimated from difficulty and block times"


class Parser(models.TextChoices):
    CBECI = "cbeci", "CBECI mining map CSV"
    MEMPOOL_HASHRATE = "mempool_hashrate", "mempool.space network hashrate JSON"
    MEMPOOL_POOLS = "mempool_pools", "mempool.space pool distribution JSON"
    BLOCKCHAIN_COM = "blockchain_com", "Blockchain.com hash-rate chart JSON"
    POOL_BLOCKS = "pool_blocks", "Monthly blocks per pool CSV"
    MANUAL_CSV = "manual_csv", "Manual CSV (period,country,share_pct,hashrate_ehs)"


class Schedule(models.TextChoices):
    DAILY = "daily", "Daily"
    MONTHLY = "monthly", "Monthly"
    MANUAL = "manual", "Manual (file upload)"


class Source(models.Model):
    """One upstream the dataset is drawn from, with how it measures, its terms, and how its last refresh went."""

    slug = models.SlugField(max_length=50, unique=True)
    name = models.CharField(max_length=100)
    url = models.URLField(max_length=500, blank=True, help_text="What a refresh fetches; empty for file-only sources.")
    homepage = models.URLField(max_length=500, blank=True, help_text="Where a reader can see the upstream figures.")
    parser = models.CharField(max_length=20, choices=Parser)
    method = models.CharField(max_length=20, choices=Method)
    terms = models.TextField(blank=True, help_text="Licence or terms of use, as far as they are known.")
    schedule = models.CharField(max_length=10, choices=Schedule, default=Schedule.MANUAL)
    last_success_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_error_at = models.DateTimeField(null=True, blank=True, editable=False)
    last_error = models.TextField(blank=True, editable=False)
    # Validators of the last payload stored, sent back so an unchanged upstream answers 304 Not Modified.
    etag = models.CharField(max_length=500, blank=True, editable=False)
    last_modified = models.CharField(max_length=100, blank=True, editable=False)

    class Meta:
        ordering = ["name"]
        permissions = [
            ("refresh_source", "Can refresh a source now"),
            ("upload_payload", "Can upload a file of figures to a source"),
        ]

    def __str__(self):
        return self.name

    @property
    def is_manual(self) -> bool:
        return self.schedule == Schedule.MANUAL


class PoolCountry(models.Model):
    """Where a mining pool is headquartered, for the pool-headquarters method; admins maintain it."""

    pool_slug = models.SlugField(max_length=100, unique=True, help_text="The pool's slug as mempool.space uses it.")
    pool_name = models.CharField(max_length=100, blank=True)
    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="pools")
    note = models.TextField(help_text="Where the headquarters is stated, and any caveat.")

    class Meta:
        ordering = ["pool_slug"]
        verbose_name_plural = "pool countries"

    def __str__(self):
        return f"{self.pool_name or self.pool_slug} → {self.country_id}"


class Granularity(models.TextChoices):
    DAY = "day", "Day"
    MONTH = "month", "Month"
    QUARTER = "quarter", "Quarter"


def period_label(granularity: str, start: datetime.date) -> str:
    """How a period is written in CSVs and on pages: 2022-01, 2025-Q2, 2025-07-01."""
    if granularity == Granularity.MONTH:
        return f"{start:%Y-%m}"
    if granularity == Granularity.QUARTER:
        return f"{start.year}-Q{(start.month - 1) // 3 + 1}"
    return start.isoformat()


class CountryShareQuerySet(models.QuerySet):
    def for_source(self, source):
        return self.filter(source=source)

    def between(self, start: datetime.date | None, end: datetime.date | None):
        queryset = self
        if start:
            queryset = queryset.filter(period_start__gte=start)
        if end:
            queryset = queryset.filter(period_start__lte=end)
        return queryset


class CountryShare(models.Model):
    """One country's share of network hashrate in one period, as one source published it (the current value)."""

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="shares")
    country = models.ForeignKey(Country, on_delete=models.PROTECT, related_name="shares")
    granularity = models.CharField(max_length=10, choices=Granularity)
    period_start = models.DateField(help_text="First day of the period.")
    share_pct = models.DecimalField("share (%)", max_digits=7, decimal_places=4)
    hashrate_ehs = models.DecimalField("hashrate (EH/s)", max_digits=14, decimal_places=4, null=True, blank=True)
    retrieved_at = models.DateTimeField(default=timezone.now, help_text="When this value was fetched or loaded.")
    is_bundled = models.BooleanField(default=False, help_text="Loaded from the copy shipped with Hashport.")
    is_derived = models.BooleanField(
        default=False, help_text="The remainder of a period the source left unattributed, computed by Hashport."
    )

    objects = CountryShareQuerySet.as_manager()

    class Meta:
        ordering = ["source", "period_start", "country"]
        constraints = [
            models.UniqueConstraint(
                fields=["source", "country", "granularity", "period_start"], name="country_share_unique_period"
            ),
            models.CheckConstraint(condition=Q(share_pct__gte=0, share_pct__lte=100), name="country_share_0_to_100"),
            models.CheckConstraint(
                condition=Q(hashrate_ehs__isnull=True) | Q(hashrate_ehs__gte=0), name="country_share_ehs_not_negative"
            ),
        ]
        indexes = [models.Index(fields=["country", "period_start"], name="share_browser_country_period")]

    def __str__(self):
        return f"{self.source.slug} {self.period} {self.country_id} {self.share_pct}%"

    @property
    def period(self) -> str:
        return period_label(self.granularity, self.period_start)

    @property
    def share_text(self) -> str:
        """The share as published, without padding zeros: 37.84, 36.025."""
        return f"{self.share_pct.normalize():f}"

    @property
    def hashrate_text(self) -> str:
        return "" if self.hashrate_ehs is None else f"{self.hashrate_ehs.normalize():f}"


class CountryShareRevision(models.Model):
    """A value a CountryShare held before upstream changed it, and when it was replaced."""

    share = models.ForeignKey(CountryShare, on_delete=models.CASCADE, related_name="revisions")
    share_pct = models.DecimalField("share (%)", max_digits=7, decimal_places=4)
    hashrate_ehs = models.DecimalField("hashrate (EH/s)", max_digits=14, decimal_places=4, null=True, blank=True)
    retrieved_at = models.DateTimeField(help_text="When the replaced value had been fetched.")
    was_bundled = models.BooleanField(default=False)
    replaced_at = models.DateTimeField(default=timezone.now)
    replaced_by = models.ForeignKey("RefreshRun", on_delete=models.SET_NULL, null=True, related_name="+")

    class Meta:
        ordering = ["share", "-replaced_at"]

    def __str__(self):
        return f"{self.share} (was {self.share_pct}% until {self.replaced_at:%Y-%m-%d})"


class NetworkHashrate(models.Model):
    """The whole network's hashrate on one day, as one source estimated it (the current value)."""

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="network_hashrates")
    day = models.DateField()
    # A float: the series spans 1e-13 EH/s (2009) to over 1,000 EH/s (2025).
    hashrate_ehs = models.FloatField("hashrate (EH/s)")
    retrieved_at = models.DateTimeField(default=timezone.now)
    is_bundled = models.BooleanField(default=False)

    class Meta:
        ordering = ["source", "day"]
        constraints = [
            models.UniqueConstraint(fields=["source", "day"], name="network_hashrate_unique_day"),
            models.CheckConstraint(condition=Q(hashrate_ehs__gte=0), name="network_hashrate_not_negative"),
        ]

    def __str__(self):
        return f"{self.source.slug} {self.day} {self.hashrate_ehs:.3f} EH/s"


class NetworkHashrateRevision(models.Model):
    """A value a NetworkHashrate held before upstream changed it, and when it was replaced."""

    observation = models.ForeignKey(NetworkHashrate, on_delete=models.CASCADE, related_name="revisions")
    hashrate_ehs = models.FloatField("hashrate (EH/s)")
    retrieved_at = models.DateTimeField()
    was_bundled = models.BooleanField(default=False)
    replaced_at = models.DateTimeField(default=timezone.now)
    replaced_by = models.ForeignKey("RefreshRun", on_delete=models.SET_NULL, null=True, related_name="+")

    class Meta:
        ordering = ["observation", "-replaced_at"]

    def __str__(self):
        return f"{self.observation} (was {self.hashrate_ehs:.3f} EH/s)"


class Outcome(models.TextChoices):
    RUNNING = "running", "Running"
    SUCCEEDED = "succeeded", "Succeeded"
    NOT_MODIFIED = "not_modified", "Not modified upstream"
    REFUSED = "refused", "Refused (payload failed validation)"
    FAILED = "failed", "Failed (upstream unreachable or erroring)"
    SKIPPED = "skipped", "Skipped"


class Trigger(models.TextChoices):
    SCHEDULE = "schedule", "Schedule or task"
    COMMAND = "command", "refresh_hashrate command"
    ADMIN = "admin", "Admin"
    UPLOAD = "upload", "File upload"
    BUNDLED = "bundled", "Bundled data"


class RefreshRunQuerySet(models.QuerySet):
    def recent(self, limit: int = 10):
        return self.order_by("-started_at", "-id")[:limit]


class RefreshRun(models.Model):
    """One attempt to refresh a source: what triggered it, how it ended, and how many rows it touched."""

    source = models.ForeignKey(Source, on_delete=models.CASCADE, related_name="runs")
    trigger = models.CharField(max_length=10, choices=Trigger)
    started_at = models.DateTimeField(default=timezone.now)
    finished_at = models.DateTimeField(null=True, blank=True)
    outcome = models.CharField(max_length=15, choices=Outcome, default=Outcome.RUNNING)
    rows_added = models.PositiveIntegerField(default=0)
    rows_changed = models.PositiveIntegerField(default=0)
    rows_unchanged = models.PositiveIntegerField(default=0)
    payload_bytes = models.PositiveIntegerField(null=True, blank=True)
    message = models.TextField(blank=True)

    objects = RefreshRunQuerySet.as_manager()

    class Meta:
        ordering = ["-started_at", "-id"]
        indexes = [models.Index(fields=["source", "-started_at"], name="run_recent_by_source")]

    def __str__(self):
        return f"{self.source.slug} {self.started_at:%Y-%m-%d %H:%M} {self.outcome}"

    @property
    def duration(self) -> datetime.timedelta | None:
        return self.finished_at - self.started_at if self.finished_at else None
