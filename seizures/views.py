from collections import defaultdict
from urllib.parse import urlencode

from django.contrib.auth.decorators import permission_required
from django.forms.widgets import ChoiceWidget
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404, render
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone
from django.utils.html import format_html_join
from django.utils.safestring import mark_safe

from seizures import exports
from seizures.deadlines.display import shipment_deadline_rows
from seizures.filtersets import ORDERING_FIELDS, ShipmentFilterSet, default_ordering
from seizures.models import Shipment
from seizures.pagination import KnownCountPaginator, page_or_notice
from seizures.selectors import cached_ledger_totals, lines_for

PAGE_SIZE = 50


def _filtered(request) -> ShipmentFilterSet:
    shipments = default_ordering(Shipment.objects.select_related("importer", "port"))
    return ShipmentFilterSet(request.GET, queryset=shipments)


NUMERIC_COLUMNS = {
    "units_detained",
    "units_in_custody",
    "units_released",
    "value_in_custody_usd",
    "hashrate_in_custody_ths",
    "days_in_custody",
}


def _sort_headers(current: str) -> dict[str, dict]:
    """For each sortable column: the ordering its header link asks for, and its arrow if it is the current one."""
    headers = {}
    for field, label in ORDERING_FIELDS.items():
        header = {"label": label, "ordering": field, "arrow": "", "numeric": field in NUMERIC_COLUMNS}
        if current == field:
            header.update(ordering=f"-{field}", arrow="▲")
        elif current == f"-{field}":
            header["arrow"] = "▼"
        headers[field] = header
    return headers


def _importer_link_params(request) -> list[tuple[str, str]]:
    return [(key, value) for key, values in request.GET.lists() if key not in ("page", "importer") for value in values]


_ENTRY_SLOT = "ENTRY-SLOT"
FILTER_GRID = "seizures/shipment_list.html#filter_grid"
# The filter inputs of a page with no filter set, with the choice lists they were rendered with. Their ~80 widgets
# cost ~5 ms to render, a third of the page, and are the same for everyone until a reference list changes.
_unfiltered_grid: dict[tuple, str] = {}


def _filter_grid(form) -> str:
    """The filter inputs, rendered; read from the process's memo when no filter is set (sorting is not a filter: its
    input sits outside the grid). The memo is keyed by every choice list, so a new port or model shows at once."""
    if any(form.data.get(name) for name in form.fields if name != "ordering"):
        return render_to_string(FILTER_GRID, {"filter_form": form})
    choices = tuple(
        (name, tuple(field.widget.choices))
        for name, field in form.fields.items()
        if isinstance(field.widget, ChoiceWidget)  # not the importer's text input: its choices are every importer
    )
    grid = _unfiltered_grid.get(choices)
    if grid is None:
        grid = render_to_string(FILTER_GRID, {"filter_form": form})
        _unfiltered_grid.clear()  # one entry: the choice lists as they are now
        _unfiltered_grid[choices] = grid
    return grid


def _table_rows(shipments, lines_by_shipment, link_params) -> list[dict]:
    """The page's cells, formatted here once: template filters, {% url %} and inner loops cost ~10 ms on a 50-row
    page."""
    today = timezone.localdate()
    # One reverse for every row: entry numbers are letters, digits and dashes, which need no quoting in a path.
    detail_url = reverse("seizures:shipment_detail", args=[_ENTRY_SLOT]).replace(_ENTRY_SLOT, "{}")
    rows = []
    for shipment in shipments:
        days = shipment.days_in_custody
        rows.append(
            {
                "entry_number": shipment.entry_number,
                "detail_url": detail_url.format(shipment.entry_number),
                "importer": shipment.importer.name,
                "importer_query": "?" + urlencode([*link_params, ("importer", shipment.importer.name)]),
                "port": f"{shipment.port.code} {shipment.port.name}",
                "first_detained_on": shipment.first_detained_on.isoformat() if shipment.first_detained_on else "—",
                "models": format_html_join(
                    mark_safe("<br>"), "{}", ((line.miner_model.name,) for line in lines_by_shipment[shipment.pk])
                ),
                "units_detained": f"{shipment.units_detained:,}",
                "units_in_custody": f"{shipment.units_in_custody:,}",
                "units_released": f"{shipment.units_released:,}",
                "value_in_custody_usd": f"{shipment.value_in_custody_usd:,.2f}",
                "hashrate_in_custody_ths": f"{shipment.hashrate_in_custody_ths:,.0f}",
                "status": shipment.status,
                "status_label": shipment.get_status_display(),
                "days_in_custody": "—" if days is None else f"{days:,}",
                "next_deadline_on": shipment.next_deadline_on.isoformat() if shipment.next_deadline_on else "—",
                "next_deadline_overdue": bool(shipment.next_deadline_on and shipment.next_deadline_on < today),
            }
        )
    return rows


@permission_required("seizures.view_shipment", raise_exception=True)
def shipment_list(request):
    filterset = _filtered(request)
    shipments = filterset.qs
    totals = cached_ledger_totals(shipments)
    paginator = KnownCountPaginator(shipments, PAGE_SIZE, count=totals["shipments"])
    page, page_notice = page_or_notice(paginator, request.GET.get("page"))
    shipments_on_page = list(page.object_list)
    lines = defaultdict(list)
    for line in lines_for([shipment.pk for shipment in shipments_on_page]):
        lines[line.shipment_id].append(line)
    rows = _table_rows(shipments_on_page, lines, _importer_link_params(request))
    ordering = filterset.form.cleaned_data.get("ordering")  # filterset.qs has validated the form
    context = {
        "filter_form": filterset.form,
        "filter_grid": _filter_grid(filterset.form),
        "page": page,
        "rows": rows,
        "totals": totals,
        "page_notice": page_notice,
        "headers": _sort_headers(ordering[0] if ordering else ""),
        "is_filtered": any(value for key, value in request.GET.items() if key != "page"),
    }
    return render(request, "seizures/shipment_list.html", context)


@permission_required("seizures.export_shipments", raise_exception=True)
def shipment_export(request):
    shipments = _filtered(request).qs
    response = StreamingHttpResponse(exports.export_csv_chunks(shipments), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="{exports.export_filename()}"'
    return response


@permission_required("seizures.view_shipment", raise_exception=True)
def shipment_detail(request, entry_number):
    shipment = get_object_or_404(Shipment.objects.select_related("importer", "port"), entry_number=entry_number)
    lines = shipment.lines.select_related("miner_model__manufacturer")
    events = shipment.events.select_related("line__miner_model", "entered_by", "voided_by", "voids").order_by(
        "occurred_on", "id"
    )
    context = {"shipment": shipment, "lines": lines, "events": events, "deadlines": shipment_deadline_rows(shipment)}
    return render(request, "seizures/shipment_detail.html", context)
