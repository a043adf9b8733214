"""The dashboard's rows: the data version charts are rendered from, the rendered charts of the default view,
render runs, and the milestones annotated on the headline chart.

Rendered charts live in the database, so every web process serves the same version (DESIGN.md: Scale).
"""

from django.db import models
from django.db.models import Q
from django.utils import timezone

# Bumped when a builder changes what it draws: charts stored by an older build are re-rendered.
BUILDERS_VERSION = 1


class DataVersion(models.Model):
    """The one row counting changes to what the charts show: every ledger change and dataset refresh bumps it."""

    id = models.PositiveSmallIntegerField(primary_key=True, default=1, editable=False)
    version = models.PositiveBigIntegerField(default=1)
    changed_at = models.DateTimeField(default=timezone.now)

    class Meta:
        constraints = [models.CheckConstraint(condition=Q(id=1), name="data_version_single_row")]

    def __str__(self):
        return f"data version {self.version}"


class ChartSlug(models.TextChoices):
    """The charts of DESIGN.md (Contracts: chart slugs), and the key figures stored like one."""

    CUSTODY_VS_SHARE = "custody-vs-share", "Value in custody against US and China network share"
    CUSTODY_HASHRATE_VS_US = "custody-hashrate-vs-us", "Hashrate in custody against the estimated US network"
    CUSTODY_BY_MANUFACTURER = "custody-by-manufacturer", "Units in custody by manufacturer"
    CUSTODY_BY_PORT = "custody-by-port", "Value in custody by port"
    STATUS = "status", "Shipments by status"
    DAYS_IN_CUSTODY = "days-in-custody", "Days in custody"
    KEY_FIGURES = "key-figures", "Key figures"


class RenderedChart(models.Model):
    """One chart of the default view as last rendered: its Plotly figure JSON and its data as CSV, with the data
    version and the day ("as of") it was built from."""

    slug = models.CharField(max_length=40, choices=ChartSlug, unique=True)
    data_version = models.PositiveBigIntegerField()
    as_of = models.DateField()
    builders_version = models.PositiveSmallIntegerField(default=BUILDERS_VERSION)
    figure_json = models.TextField(help_text="Plotly figure JSON (for the key figures: their values).")
    data_csv = models.TextField()
    rendered_at = models.DateTimeField(default=timezone.now)
    render_ms = models.PositiveIntegerField(default=0)

    class Meta:
        ordering = ["slug"]
        permissions = [("view_dashboard", "Can view the executive dashboard")]

    def __str__(self):
        return f"{self.slug} (data version {self.data_version}, as of {self.as_of:%Y-%m-%d})"

    @property
    def etag(self) -> str:
        return etag_for(self.data_version, self.as_of, self.builders_version)


def etag_for(data_version: int, as_of, builders_version: int = BUILDERS_VERSION) -> str:
    """The strong ETag of anything rendered from this data version on this day."""
    return f'"{data_version}-{as_of:%Y%m%d}-{builders_version}"'


class RenderTrigger(models.TextChoices):
    TASK = "task", "Celery task (after a change, or daily)"
    COMMAND = "command", "render_charts command"
    ON_DEMAND = "on_demand", "On demand (a view found the charts missing or stale)"


class RenderRun(models.Model):
    """One render of the default view's charts: what triggered it, the data version, and how long it took."""

    trigger = models.CharField(max_length=10, choices=RenderTrigger)
    data_version = models.PositiveBigIntegerField()
    as_of = models.DateField()
    started_at = models.DateTimeField(default=timezone.now)
    duration_ms = models.PositiveIntegerField(default=0)
    charts = models.PositiveSmallIntegerField(default=0)

    class Meta:
        ordering = ["-started_at", "-id"]

    def __str__(self):
        return f"{self.get_trigger_display()} render of data version {self.data_version} ({self.duration_ms} ms)"


class Milestone(models.Model):
    """A dated event of the seizure story, drawn as a dated annotation on the headline chart (admins edit them)."""

    date = models.DateField()
    title = models.CharField(max_length=60, help_text="Shown on the chart: a few words.")
    detail = models.TextField(blank=True, help_text="What happened, for the admin and the chart's hover text.")
    source = models.CharField(max_length=200, help_text="Who reported it, and when.")
    is_shown = models.BooleanField(default=True, help_text="Untick to keep it off the charts.")

    class Meta:
        ordering = ["date", "id"]

    def __str__(self):
        return f"{self.date:%Y-%m-%d} {self.title}"
