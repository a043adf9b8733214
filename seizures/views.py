from django.contrib.auth.decorators import permission_required
from django.core.paginator import Paginator
from django.shortcuts import get_object_or_404, render

from seizures.models import Shipment

PAGE_SIZE = 50


@permission_required("seizures.view_shipment", raise_exception=True)
def shipment_list(request):
    shipments = Shipment.objects.select_related("importer", "port").order_by("-first_detained_on", "-id")
    page = Paginator(shipments, PAGE_SIZE).get_page(request.GET.get("page"))
    return render(request, "seizures/shipment_list.html", {"page": page})


@permission_required("seizures.view_shipment", raise_exception=True)
def shipment_detail(request, entry_number):
    shipment = get_object_or_404(Shipment.objects.select_related("importer", "port"), entry_number=entry_number)
    lines = shipment.lines.select_related("miner_model__manufacturer")
    events = shipment.events.select_related("line__miner_model", "entered_by", "voided_by").order_by(
        "occurred_on", "id"
    )
    return render(request, "seizures/shipment_detail.html", {"shipment": shipment, "lines": lines, "events": events})
