"""The executive dashboard (/dashboard/) and its charts as JSON (/dashboard/charts/<slug>.json) and CSV.

The page and the endpoints read what the render stored (the default view) or cached (filtered views): a view is a
cache read. A chart's ETag is the data version and day it was built from, so an unchanged chart answers 304. The
page itself is cached under the same ETag: only its user's bits (name, nav, logout form) are rendered per request.
"""

import json
import uuid

from django.contrib.auth.decorators import permission_required
from django.core.cache import cache
from django.http import Http404, HttpResponse
from django.shortcuts import render
from django.template.loader import render_to_string
from django.utils import timezone
from django.utils.cache import get_conditional_response
from django.views.decorators.http import require_GET

from dashboard import plotly_assets, services
from dashboard.charts import BY_SLUG, CHARTS
from dashboard.filters import DashboardFilterForm, Filters, filters_from
from dashboard.models import ChartSlug
from seizures.models import Port
from seizures.selectors import demo_data_present

# The first row of cards: what is held now; the second: releases and the network share to set it against.
HELD_FIGURES = {
    "machines_in_custody",
    "value_in_custody_usd",
    "hashrate_in_custody_phs",
    "median_days_held",
    "overdue_deadlines",
}
PAGE_TIMEOUT_S = 60 * 60
# The key carries a token of this process, so a page rendered by other code (the previous deploy's, still in Redis)
# is never served. The price: each worker renders a page once for itself.
PAGE_KEY_PREFIX = f"dashboard:page:{uuid.uuid4().hex[:12]}"


# Anonymous visitors never get here: LoginRequiredMiddleware sends them to log in.
dashboard_permission_required = permission_required("dashboard.view_dashboard", raise_exception=True)


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


def _page(figures: services.Rendered, filters: Filters, form: DashboardFilterForm, today) -> dict:
    """The page without its user's bits, as every user who may read the dashboard sees it, and whether the demo
    banner shows. Rendered without the request, so nothing of one user can enter what another is served."""
    values = json.loads(figures.figure_json)
    is_default = filters.is_default(today)
    context = {
        "form": form,
        "scope": filters.text(dict(Port.objects.values_list("code", "name"))) if filters.port else filters.manufacturer,
        "held_figures": [figure for figure in values if figure["key"] in HELD_FIGURES],
        "context_figures": [figure for figure in values if figure["key"] not in HELD_FIGURES],
        "charts": CHARTS,
        "query": "" if is_default else filters.key,
        "today": today,
    }
    return {"body": render_to_string("dashboard/dashboard.html#body", context), "demo": demo_data_present()}


@require_GET
@dashboard_permission_required
def dashboard(request):
    """A cache read: the key figures' ETag (one query: the stored row with the data version), then the page.

    The page is cached with no filters and with filters as the form sends them (valid, in its order); any other
    query string renders each time, so made-up ones cannot fill the cache. Every change to what the page shows
    moves the ETag (the data version: ledger, dataset, milestones, reference rows), and the day is in the key.
    """
    today = timezone.localdate()
    query = request.GET.urlencode()
    if query:
        filters, form = filters_from(request.GET, today)
        cached = form.is_valid() and query == filters.key
    else:  # building the form costs more than reading the page: it is built only if the page is rendered
        filters, form, cached = Filters.default(today), None, True
    figures = services.chart_rendered(ChartSlug.KEY_FIGURES, filters)
    key = f"{PAGE_KEY_PREFIX}:{figures.etag}:{today:%Y%m%d}:{query}"
    page = cache.get(key) if cached else None
    if page is None:
        page = _page(figures, filters, form or DashboardFilterForm(today=today), today)
        if cached:
            cache.set(key, page, timeout=PAGE_TIMEOUT_S)
    context = {
        "body": page["body"],  # a SafeString, as the template engine rendered it (pickling keeps the class)
        "demo_data_present": page["demo"],
        "maplibre_style_id": plotly_assets.MAPLIBRE_STYLE_ID,
    }
    return render(request, "dashboard/dashboard.html", context)
