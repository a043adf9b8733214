"""Forms of the ledger's admin: the shipment's own fields, and the event forms that feed the services.

The event forms check only the shape of the input; the custody rules (how many units a line holds, what may
follow what) stay in the services, whose LedgerError messages the views put on the form.
"""

from django import forms
from django.db.models import Min
from django.utils import timezone

from seizures.entry_numbers import normalise_entry_number
from seizures.errors import LedgerError
from seizures.models import SHIPMENT_CUSTODY_LIMITS, EventKind, Shipment, ShipmentEvent, ShipmentLine

RECORDABLE_KINDS = [(value, label) for value, label in EventKind.choices if value != EventKind.VOID]


class DateInput(forms.DateInput):
    input_type = "date"


def _date_field(**kwargs) -> forms.DateField:
    return forms.DateField(label="Date", initial=timezone.localdate, widget=DateInput, **kwargs)


def _reference_field() -> forms.CharField:
    return forms.CharField(label="CBP reference", max_length=100, required=False, help_text="CBP case / FP&F number.")


def _note_field(**kwargs) -> forms.CharField:
    return forms.CharField(widget=forms.Textarea(attrs={"rows": 3, "cols": 60}), **kwargs)


class ShipmentAdminForm(forms.ModelForm):
    class Meta:
        model = Shipment
        fields = ["entry_number", "importer", "port", "arrived_on", "bill_of_lading", "notes", "is_demo"]

    def clean_entry_number(self) -> str:
        try:
            return normalise_entry_number(self.cleaned_data["entry_number"])
        except LedgerError as error:
            raise forms.ValidationError(str(error)) from None

    def clean_arrived_on(self):
        arrived_on = self.cleaned_data["arrived_on"]
        if arrived_on > timezone.localdate():
            raise forms.ValidationError(f"{arrived_on:%Y-%m-%d} is in the future.")
        if self.instance.pk:
            # The custody replay refuses events dated before arrival, so the date cannot move past the first one.
            first = self.instance.events.active().aggregate(first=Min("occurred_on"))["first"]
            if first is not None and arrived_on > first:
                raise forms.ValidationError(
                    f"The shipment has an event dated {first:%Y-%m-%d}; it cannot have arrived after that."
                )
        return arrived_on


class ShipmentLineFormSet(forms.BaseInlineFormSet):
    """The shipment's lines together: what they hold once all are detained must fit the shipment's custody columns
    (the same limits the CSV import checks), or recording the detention would fail later."""

    def clean(self):
        super().clean()
        if not any(form.has_changed() for form in self.forms):
            return  # lines as stored (or read-only once events exist) fitted when they were saved
        lines = [
            form.cleaned_data
            for form in self.forms
            if form.cleaned_data and not form.cleaned_data.get("DELETE") and form.cleaned_data.get("miner_model")
        ]
        value = sum(line["units"] * line["unit_value_usd"] for line in lines)
        hashrate = sum(line["units"] * line["miner_model"].hashrate_ths for line in lines)
        totals = [("value_in_custody_usd", "USD", value), ("hashrate_in_custody_ths", "TH/s", hashrate)]
        for field, unit, total in totals:
            limit = SHIPMENT_CUSTODY_LIMITS[field]
            if total >= limit:
                raise forms.ValidationError(
                    f"These lines come to {total:,.2f} {unit}; a shipment holds less than {limit:,}. Split it into "
                    "several entries or check the units and values."
                )


class LineChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, line: ShipmentLine) -> str:
        return f"{line.miner_model.name} ({line.units_in_custody:,} of {line.units:,} units in custody)"


class EventChoiceField(forms.ModelChoiceField):
    def label_from_instance(self, event: ShipmentEvent) -> str:
        parts = [str(event)]
        if event.line is not None:
            parts.append(event.line.miner_model.name)
        if event.reference:
            parts.append(f"ref. {event.reference}")
        return " · ".join(parts)


class ReleaseForm(forms.Form):
    """Units to release per line, prefilled with what each line still has in custody."""

    occurred_on = _date_field()
    reference = _reference_field()
    note = _note_field(required=False)

    def __init__(self, *args, shipment: Shipment, **kwargs):
        super().__init__(*args, **kwargs)
        self.lines = list(shipment.lines.select_related("miner_model").order_by("id"))
        for line in self.lines:
            self.fields[self._field_name(line)] = forms.IntegerField(
                label=line.miner_model.name,
                min_value=0,
                required=False,
                initial=line.units_in_custody,
                help_text=f"{line.units_in_custody:,} of the line's {line.units:,} units in custody.",
            )
        self.order_fields([*(self._field_name(line) for line in self.lines), "occurred_on", "reference", "note"])

    @staticmethod
    def _field_name(line: ShipmentLine) -> str:
        return f"units_{line.pk}"

    def units_by_line(self) -> dict[ShipmentLine, int]:
        return {line: self.cleaned_data[self._field_name(line)] or 0 for line in self.lines}


class RecordEventForm(forms.Form):
    """Any event but a void, on one line or on all of them."""

    kind = forms.ChoiceField(label="Event", choices=RECORDABLE_KINDS)
    occurred_on = _date_field()
    line = LineChoiceField(queryset=ShipmentLine.objects.none(), required=False, empty_label="All lines")
    units = forms.IntegerField(
        min_value=1,
        required=False,
        help_text="Empty: every unit the event can move. Leave empty for events that move no units "
        "(notice of seizure, petition filed).",
    )
    reference = _reference_field()
    legal_basis = forms.CharField(max_length=200, required=False, help_text="E.g. 19 USC 1595a(c)(2)(A).")
    note = _note_field(required=False)

    def __init__(self, *args, shipment: Shipment, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["line"].queryset = shipment.lines.select_related("miner_model").order_by("id")


class VoidEventForm(forms.Form):
    """Cancel one active event; the reason stays on the record."""

    event = EventChoiceField(queryset=ShipmentEvent.objects.none(), label="Event to void")
    reason = _note_field(help_text="Why the event was wrong. It is kept with the void.")

    def __init__(self, *args, shipment: Shipment, **kwargs):
        super().__init__(*args, **kwargs)
        self.fields["event"].queryset = (
            shipment.events.active().select_related("line__miner_model").order_by("occurred_on", "id")
        )
