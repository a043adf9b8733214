from django.core.management.base import BaseCommand

from dashboard import services
from dashboard.models import RenderedChart, RenderTrigger


class Command(BaseCommand):
    help = "Render every chart of the dashboard's default view now (what the render_charts task does) and store them."

    def handle(self, *args, **options):
        run = services.charts_render(trigger=RenderTrigger.COMMAND)
        for chart in RenderedChart.objects.order_by("slug"):
            self.stdout.write(f"  {chart.slug}: {chart.render_ms} ms, {len(chart.figure_json):,} bytes")
        self.stdout.write(
            self.style.SUCCESS(
                f"Rendered {run.charts} charts of data version {run.data_version} as of {run.as_of:%Y-%m-%d} "
                f"in {run.duration_ms:,} ms"
            )
        )
