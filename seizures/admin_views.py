"""The shipment admin's event pages: record a release, record another event, void an event.

Each is a form in front of one service; the service's LedgerError goes back onto the form and, since the
service is one transaction, nothing is written. Wired in ShipmentAdmin.get_urls behind admin_view.
"""

from django.contrib import messages
from django.contrib.admin.utils import unquote
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect
from django.template.response import TemplateResponse
from django.urls import reverse

from seizures import services
from seizures.errors import LedgerError
from seizures.forms import RecordEventForm, ReleaseForm, VoidEventForm
from seizures.models import Shipment

RECORD_EVENT_PERMISSION = "seizures.record_event"
FORM_TEMPLATE = "admin/seizures/shipment/event_form.html"


def _shipment(model_admin, request, object_id) -> Shipment:
    if not request.user.has_perm(RECORD_EVENT_PERMISSION):
        raise PermissionDenied
    shipment = model_admin.get_object(request, unquote(object_id))
    if shipment is None:
        raise Http404("No shipment with this id.")
    return shipment


def change_url(model_admin, shipment: Shipment) -> str:
    return reverse("admin:seizures_shipment_change", args=[shipment.pk], current_app=model_admin.admin_site.name)


def _render(model_admin, request, shipment, form, *, title: str, submit_label: str) -> TemplateResponse:
    context = {
        **model_admin.admin_site.each_context(request),
        "title": title,
        "subtitle": shipment.entry_number,
        "opts": Shipment._meta,
        "original": shipment,
        "change_url": change_url(model_admin, shipment),
        "has_view_permission": model_admin.has_view_permission(request, shipment),
        "form": form,
        "submit_label": submit_label,
        "media": model_admin.media + form.media,
    }
    return TemplateResponse(request, FORM_TEMPLATE, context)


def release_view(model_admin, request, object_id):
    shipment = _shipment(model_admin, request, object_id)
    form = ReleaseForm(request.POST or None, shipment=shipment)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            services.shipment_release(
                shipment=shipment,
                units_by_line=form.units_by_line(),
                occurred_on=data["occurred_on"],
                reference=data["reference"],
                note=data["note"],
                user=request.user,
            )
        except LedgerError as error:
            form.add_error(None, str(error))
        else:
            released = sum(form.units_by_line().values())
            messages.success(request, f"Recorded the release of {released:,} units of {shipment}.")
            return redirect(change_url(model_admin, shipment))
    return _render(model_admin, request, shipment, form, title="Record release", submit_label="Record release")


def record_event_view(model_admin, request, object_id):
    shipment = _shipment(model_admin, request, object_id)
    form = RecordEventForm(request.POST or None, shipment=shipment)
    if request.method == "POST" and form.is_valid():
        data = form.cleaned_data
        try:
            event = services.shipment_record_event(
                shipment=shipment,
                kind=data["kind"],
                occurred_on=data["occurred_on"],
                line=data["line"],
                units=data["units"],
                reference=data["reference"],
                legal_basis=data["legal_basis"],
                note=data["note"],
                user=request.user,
            )
        except LedgerError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Recorded {event} on {shipment}.")
            return redirect(change_url(model_admin, shipment))
    return _render(model_admin, request, shipment, form, title="Record event", submit_label="Record event")


def void_event_view(model_admin, request, object_id):
    shipment = _shipment(model_admin, request, object_id)
    # ?event= preselects the event whose "Void" link on the timeline was followed.
    initial = {"event": request.GET.get("event")} if request.method == "GET" else None
    form = VoidEventForm(request.POST or None, shipment=shipment, initial=initial)
    if request.method == "POST" and form.is_valid():
        event = form.cleaned_data["event"]
        try:
            services.event_void(event=event, reason=form.cleaned_data["reason"], user=request.user)
        except LedgerError as error:
            form.add_error(None, str(error))
        else:
            messages.success(request, f"Voided {event} on {shipment}.")
            return redirect(change_url(model_admin, shipment))
    return _render(model_admin, request, shipment, form, title="Void an event", submit_label="Void the event")
