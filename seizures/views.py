from collections import defaultdict

from django.contrib.auth.decorators import permission_required
from django.http import StreamingHttpResponse
from django.shortcuts import get_object_or_404, render

from seizures import exports
from seizures.filtersets import ORDERING_FIELDS, ShipmentFilterSet, default_ordering
from seizures.models import Shipment
from seizures.pagination import KnownCountPaginator, page_or_notice
from seizures.selectors import ledger_totals, lines_for

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


@permission_required("seizures.view_shipment", raise_exception=True)
def shipment_list(request):
    filterset = _filtered(request)
    shipments = filterset.qs
    totals = ledger_totals(shipments)
    paginator = KnownCountPaginator(shipments, PAGE_SIZE, count=totals["shipments"])
    page, page_notice = page_or_notice(paginator, request.GET.get("page"))
    rows = list(page.object_list)
    lines = defaultdict(list)
    for line in lines_for([row.pk for row in rows]):
        lines[line.shipment_id].append(line)
    for row in rows:
        row.line_items = lines[row.pk]
    ordering = filterset.form.cleaned_data.get("ordering")  # filterset.qs has validated the form
    context = {
        "filter_form": filterset.form,
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
    return render(request, "seizures/shipment_detail.html", {"shipment": shipment, "lines": lines, "events": events})
