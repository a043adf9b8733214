from django.core.management.base import BaseCommand, CommandError

from dashboard import plotly_assets


class Command(BaseCommand):
    help = (
        "Copy the installed plotly package's plotly.min.js to static/js/ and extract the styles it injects at load "
        "(run after upgrading plotly; the tests fail until you do)."
    )

    def handle(self, *args, **options):
        source = plotly_assets.PACKAGE_JS.read_text(encoding="utf-8")
        style_id, _ = plotly_assets.maplibre_style(source)
        written = plotly_assets.vendor()
        for path in written:
            self.stdout.write(f"  wrote {path}")
        if style_id != plotly_assets.MAPLIBRE_STYLE_ID:
            raise CommandError(f"set dashboard.plotly_assets.MAPLIBRE_STYLE_ID = {style_id!r} (plotly.js changed it)")
        self.stdout.write(self.style.SUCCESS(f"static/js matches {plotly_assets.PACKAGE_JS} ({len(written)} written)"))
