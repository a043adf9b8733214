"""The ledger's admin: audited reference data, shipments with their lines and event timeline, read-only events.

Events are written only through the services (seizures/admin_views.py puts forms in front of them); the
changelists stay fast at a million shipments: related rows joined up front, filters and searches across
lines and events as EXISTS subqueries (no DISTINCT), and no count(*) of the whole table per page.
"""

from dataclasses import dataclass

from django.contrib import admin, messages
from django.db.models import Exists, OuterRef
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils import timezone

from config.changelists import CheckedChangeListMixin
from config.history_admin import ReadOnlyHistoryAdmin
from seizures import admin_views, services
from seizures.deadlines import admin as deadline_admin  # noqa: F401  (registers the deadline rules and recomputes)
from seizures.forms import ShipmentAdminForm, ShipmentLineFormSet
from seizures.models import (
    EventKind,
    Importer,
    Manufacturer,
    MinerModel,
    Port,
    Shipment,
    ShipmentEvent,
    ShipmentLine,
)
from seizures.pagination import EstimatedCountPaginator
from seizures.selectors import shipment_search


@admin.register(Manufacturer)
class ManufacturerAdmin(CheckedChangeListMixin, ReadOnlyHistoryAdmin):
    list_display = ["name", "country"]
    search_fields = ["name"]


@admin.register(MinerModel)
class MinerModelAdmin(CheckedChangeListMixin, ReadOnlyHistoryAdmin):
    list_display = ["name", "manufacturer", "hashrate_ths", "power_w", "chip_vendor"]
    list_filter = ["manufacturer", "chip_vendor"]
    list_select_related = ["manufacturer"]
    search_fields = ["name"]


@admin.register(Port)
class PortAdmin(CheckedChangeListMixin, ReadOnlyHistoryAdmin):
    list_display = ["code", "name", "state"]
    list_filter = ["state"]
    search_fields = ["code", "name"]


@admin.register(Importer)
class ImporterAdmin(CheckedChangeListMixin, ReadOnlyHistoryAdmin):
    list_display = ["name", "is_demo"]
    list_filter = ["is_demo"]
    search_fields = ["name"]


def has_events(shipment: Shipment | None) -> bool:
    """Whether any event (void or not) names the shipment; asked several times per page, so kept on it."""
    if shipment is None or shipment.pk is None:
        return False
    if not hasattr(shipment, "_has_events"):
        shipment._has_events = shipment.events.exists()
    return shipment._has_events


@dataclass
class TimelineRow:
    event: ShipmentEvent
    cells: list[str]
    void: ShipmentEvent | None


def _user_label(user) -> str:
    return user.get_username() if user else "import"


def timeline_rows(shipment: Shipment) -> list[TimelineRow]:
    """The shipment's events in date order, each with the void that cancelled it (voids are not rows)."""
    events = (
        shipment.events.exclude(kind=EventKind.VOID)
        .select_related("line__miner_model", "entered_by", "voided_by__entered_by")
        .order_by("occurred_on", "id")
    )
    rows = []
    for event in events:
        if event.moves_units:
            line, units = (event.line.miner_model.name if event.line else "all lines"), event.units or "all"
        else:
            line, units = "—", ""
        cells = [
            f"{event.occurred_on:%Y-%m-%d}",
            event.get_kind_display(),
            line,
            f"{units:,}" if isinstance(units, int) else units,
            event.reference,
            event.legal_basis,
            event.note,
            _user_label(event.entered_by),
            f"{timezone.localtime(event.entered_at):%Y-%m-%d %H:%M}",
        ]
        # A reverse one-to-one with no row raises (an AttributeError) rather than returning None.
        void = event.voided_by if hasattr(event, "voided_by") else None
        rows.append(TimelineRow(event=event, cells=cells, void=void))
    return rows


class ManufacturerFilter(admin.SimpleListFilter):
    """Shipments with a line of the manufacturer's models, as EXISTS so a shipment is listed once."""

    title = "manufacturer"
    parameter_name = "manufacturer"

    def lookups(self, request, model_admin):
        return [(str(pk), name) for pk, name in Manufacturer.objects.values_list("pk", "name")]

    def queryset(self, request, queryset):
        value = self.value()
        if value is None:
            return queryset
        # Only the manufacturers offered: "²" passes isdigit() but not int(), and SQLite cannot bind a 20-digit id.
        if value not in {pk for pk, _ in self.lookup_choices}:
            return queryset.none()
        lines = ShipmentLine.objects.filter(shipment=OuterRef("pk"), miner_model__manufacturer_id=int(value))
        return queryset.filter(Exists(lines))


class ShipmentLineInline(admin.TabularInline):
    """Lines are editable until the first event: custody is derived from events that name them."""

    model = ShipmentLine
    formset = ShipmentLineFormSet
    fields = ["miner_model", "units", "unit_value_usd", "units_in_custody", "units_released", "units_forfeited"]
    readonly_fields = ["units_in_custody", "units_released", "units_forfeited"]
    extra = 0

    def get_queryset(self, request):
        return super().get_queryset(request).select_related("miner_model")

    def get_min_num(self, request, obj=None, **kwargs):
        return 1 if self._can_edit_lines(request, obj) else 0

    # Lines are part of the shipment: whoever may add or change shipments may edit them, until events exist.
    def _can_edit_lines(self, request, shipment) -> bool:
        if shipment is None:
            return request.user.has_perm("seizures.add_shipment")
        return request.user.has_perm("seizures.change_shipment") and not has_events(shipment)

    def has_add_permission(self, request, obj=None):
        return self._can_edit_lines(request, obj)

    def has_change_permission(self, request, obj=None):
        return self._can_edit_lines(request, obj)

    def has_delete_permission(self, request, obj=None):
        return self._can_edit_lines(request, obj)


@admin.register(Shipment)
class ShipmentAdmin(CheckedChangeListMixin, ReadOnlyHistoryAdmin):
    form = ShipmentAdminForm
    change_form_template = "admin/seizures/shipment/change_form.html"
    inlines = [ShipmentLineInline]
    list_display = [
        "entry_number",
        "importer",
        "port",
        "status",
        "units_in_custody",
        "value_in_custody",
        "days_in_custody",
    ]
    list_filter = ["status", ManufacturerFilter, "port"]
    list_select_related = ["importer", "port"]
    # get_search_results does the searching; search_fields shows the box.
    search_fields = ["entry_number", "importer__name"]
    search_help_text = "Entry number or importer name (part of it), or an exact CBP reference of an event."
    autocomplete_fields = ["importer", "port"]
    show_full_result_count = False
    # Facet counts would run a count per filter choice over the whole table.
    show_facets = admin.ShowFacets.NEVER
    paginator = EstimatedCountPaginator
    actions = ["record_release"]
    fieldsets = [
        (None, {"fields": ["entry_number", "importer", "port", "arrived_on", "bill_of_lading", "notes", "is_demo"]}),
        (
            "Custody (derived from the events)",
            {
                "fields": [
                    "status",
                    ("units_total", "units_detained", "units_in_custody"),
                    ("units_released", "units_forfeited", "units_abandoned", "units_exported"),
                    ("value_in_custody", "hashrate_in_custody"),
                    ("first_detained_on", "custody_ended_on", "days_in_custody"),
                ]
            },
        ),
    ]
    readonly_fields = [
        "status",
        "units_total",
        "units_detained",
        "units_in_custody",
        "units_released",
        "units_forfeited",
        "units_abandoned",
        "units_exported",
        "value_in_custody",
        "hashrate_in_custody",
        "first_detained_on",
        "custody_ended_on",
        "days_in_custody",
    ]

    @admin.display(description="value in custody (USD)", ordering="value_in_custody_usd")
    def value_in_custody(self, shipment):
        return f"{shipment.value_in_custody_usd:,.2f}"

    @admin.display(description="hashrate in custody (TH/s)")
    def hashrate_in_custody(self, shipment):
        return f"{shipment.hashrate_in_custody_ths:,.2f}"

    @admin.display(description="days in custody")
    def days_in_custody(self, shipment):
        return shipment.days_in_custody

    def get_search_results(self, request, queryset, search_term):
        # The ledger's own search: same matches as /shipments/?q=, and no duplicate rows to remove.
        return shipment_search(queryset, search_term), False

    def get_actions(self, request, action_location=admin.ActionLocation.CHANGE_LIST):
        # Bulk delete would cascade to events; a shipment without events can still be deleted from its page.
        actions = super().get_actions(request, action_location=action_location)
        actions.pop("delete_selected", None)
        return actions

    def has_delete_permission(self, request, obj=None):
        if has_events(obj):
            return False
        return super().has_delete_permission(request, obj)

    def has_record_event_permission(self, request):
        return request.user.has_perm(admin_views.RECORD_EVENT_PERMISSION)

    @admin.action(description="Record release", permissions=["record_event"])
    def record_release(self, request, queryset):
        pks = list(queryset.values_list("pk", flat=True)[:2])
        if len(pks) != 1:
            self.message_user(
                request, "Record release works on one shipment at a time: select exactly one.", level=messages.WARNING
            )
            return None
        return redirect(self._ledger_url("release", pks[0]))

    def _ledger_url(self, name: str, pk) -> str:
        return reverse(f"admin:seizures_shipment_{name}", args=[pk], current_app=self.admin_site.name)

    def get_urls(self):
        def view(function):
            def bound(request, object_id):
                return function(self, request, object_id)

            return self.admin_site.admin_view(bound)

        return [
            path("<path:object_id>/release/", view(admin_views.release_view), name="seizures_shipment_release"),
            path(
                "<path:object_id>/record-event/",
                view(admin_views.record_event_view),
                name="seizures_shipment_record_event",
            ),
            path("<path:object_id>/void-event/", view(admin_views.void_event_view), name="seizures_shipment_void"),
            *super().get_urls(),
        ]

    def render_change_form(self, request, context, add=False, change=False, form_url="", obj=None):
        if obj is not None and obj.pk is not None:
            context.update(self._ledger_context(request, obj))
        return super().render_change_form(request, context, add=add, change=change, form_url=form_url, obj=obj)

    def _ledger_context(self, request, shipment) -> dict:
        timeline = timeline_rows(shipment)
        can_record = self.has_record_event_permission(request)
        return {
            "timeline": timeline,
            "can_record_events": can_record,
            "can_release": can_record and shipment.units_in_custody > 0,
            "can_void": can_record and any(row.void is None for row in timeline),
            "release_url": self._ledger_url("release", shipment.pk),
            "record_event_url": self._ledger_url("record_event", shipment.pk),
            "void_url": self._ledger_url("void", shipment.pk),
        }

    def save_model(self, request, obj, form, change):
        obj._history_user = request.user
        # Only the entry's own fields: the derived figures belong to the services, which may have moved on
        # since this form loaded the row.
        obj.save(update_fields=ShipmentAdminForm.Meta.fields if change else None)

    def save_related(self, request, form, formsets, change):
        super().save_related(request, form, formsets, change)
        if not change or form.has_changed() or any(formset.has_changed() for formset in formsets):
            services.shipment_recompute(shipment=form.instance)


@admin.register(ShipmentEvent)
class ShipmentEventAdmin(CheckedChangeListMixin, admin.ModelAdmin):
    """Read-only: events are append-only and written through the services (the shipment page's buttons)."""

    list_display = ["shipment", "occurred_on", "kind", "line", "units", "reference", "is_active", "entered_by"]
    list_filter = ["kind"]
    list_select_related = ["shipment", "line__miner_model", "entered_by", "voided_by"]
    # Exact matches, so the reference and entry-number indexes answer them.
    search_fields = ["reference__exact", "shipment__entry_number__exact"]
    search_help_text = "An exact CBP reference or entry number."
    ordering = ["-id"]
    show_full_result_count = False
    show_facets = admin.ShowFacets.NEVER
    paginator = EstimatedCountPaginator
    fields = [
        "shipment",
        "kind",
        "occurred_on",
        "line",
        "units",
        "reference",
        "legal_basis",
        "note",
        "voids",
        "entered_by",
        "entered_at",
    ]
    readonly_fields = fields

    @admin.display(boolean=True, description="active")
    def is_active(self, event):
        return event.kind != EventKind.VOID and not hasattr(event, "voided_by")

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
