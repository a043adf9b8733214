"""The executive dashboard (/dashboard/) and its charts as JSON (/dashboard/charts/<slug>.json) and CSV.

The page and the endpoints read what the render stored (the default view) or cached (filtered views): a view is a
cache read. A chart's ETag is the data version and day it was built from, so an unchanged chart answers 304.
"""

import functools
import json

from django.core.exceptions import PermissionDenied
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.utils import timezone
from django.utils.cache import get_conditional_response
from django.views.decorators.http import require_GET

from dashboard import plotly_assets, selectors, services
from dashboard.charts import BY_SLUG, CHARTS
from dashboard.filters import filters_from
from dashboard.models import ChartSlug
from seizures.models import Port

# The first row of cards: what is held now; the second: releases and the network share to set it against.
HELD_FIGURES = {
    "machines_in_custody",
    "value_in_custody_usd",
    "hashrate_in_custody_phs",
    "median_days_held",
    "overdue_deadlines",
}


def dashboard_permission_required(view):
    """permission_required("dashboard.view_dashboard", raise_exception=True), in one query (see the selector).
    Anonymous visitors never get here: LoginRequiredMiddleware sends them to log in."""

    @functools.wraps(view)
    def wrapped(request, *args, **kwargs):
        if not selectors.may_view_dashboard(request.user):
            raise PermissionDenied
        return view(request, *args, **kwargs)

    return wrapped


def _rendered(request, slug: str) -> services.Rendered:
    if slug not in BY_SLUG and slug != ChartSlug.KEY_FIGURES:
        raise Http404(f"no chart {slug!r}")
    filters, _ = filters_from(request.GET, timezone.localdate())
    return services.chart_rendered(slug, filters)


def _respond(request, rendered: services.Rendered, body: str, content_type: str) -> HttpResponse:
    response = HttpResponse(body, content_type=content_type)
    response["ETag"] = rendered.etag
    # Revalidate every time: the ETag makes an unchanged chart a 304 without a body.
    response["Cache-Control"] = "private, no-cache"
    return get_conditional_response(request, etag=rendered.etag, response=response)


@require_GET
@dashboard_permission_required
def chart_json(request, slug: str):
    rendered = _rendered(request, slug)
    return _respond(request, rendered, rendered.figure_json, "application/json")


@require_GET
@dashboard_permission_required
def chart_csv(request, slug: str):
    rendered = _rendered(request, slug)
    response = _respond(request, rendered, rendered.data_csv, "text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="hashport-{slug}-{timezone.localdate():%Y-%m-%d}.csv"'
    return response


@require_GET
@dashboard_permission_required
def dashboard(request):
    today = timezone.localdate()
    filters, form = filters_from(request.GET, today)
    figures = json.loads(services.chart_rendered(ChartSlug.KEY_FIGURES, filters).figure_json)
    is_default = filters.is_default(today)
    context = {
        "form": form,
        "scope": filters.text(dict(Port.objects.values_list("code", "name"))) if filters.port else filters.manufacturer,
        "held_figures": [figure for figure in figures if figure["key"] in HELD_FIGURES],
        "context_figures": [figure for figure in figures if figure["key"] not in HELD_FIGURES],
        "charts": CHARTS,
        "query": "" if is_default else filters.key,
        "today": today,
        "maplibre_style_id": plotly_assets.MAPLIBRE_STYLE_ID,
    }
    return render(request, "dashboard/dashboard.html", context)
