"""Admin upload pages for the CSV imports: the same import functions as the commands, behind a file form.

Wired in seizures/import_urls.py behind admin.site.admin_view (staff only); the import permission is checked here.
"""

from django import forms
from django.contrib import admin
from django.contrib.auth.decorators import permission_required
from django.template.response import TemplateResponse

from seizures.imports import events, events_import, shipments, shipments_import

IMPORT_PERMISSION = "seizures.import_shipments"
TEMPLATE = "admin/seizures/import_form.html"
ERRORS_SHOWN = 1_000  # a page of every error of a 100,000-row file helps nobody; the count says how many more


class ImportForm(forms.Form):
    file = forms.FileField(label="CSV file", help_text="UTF-8, with the header row.")
    dry_run = forms.BooleanField(
        label="Dry run", required=False, help_text="Check the whole file and report what would change; write nothing."
    )


def _import_page(request, *, title: str, run_import, columns: list[str], notes: str) -> TemplateResponse:
    posted = request.method == "POST"
    form = ImportForm(request.POST, request.FILES) if posted else ImportForm()
    result = None
    if posted and form.is_valid():
        upload = form.cleaned_data["file"]
        result = run_import(data=upload.read(), dry_run=form.cleaned_data["dry_run"], user=request.user)
    context = {
        **admin.site.each_context(request),
        "title": title,
        "form": form,
        "result": result,
        "errors_shown": result.errors[:ERRORS_SHOWN] if result else [],
        "errors_hidden": max(len(result.errors) - ERRORS_SHOWN, 0) if result else 0,
        "columns": ",".join(columns),
        "notes": notes,
    }
    return TemplateResponse(request, TEMPLATE, context)


@permission_required(IMPORT_PERMISSION, raise_exception=True)
def import_shipments(request):
    return _import_page(
        request,
        title="Import shipments",
        run_import=shipments_import,
        columns=shipments.COLUMNS,
        notes="One row per line item; rows sharing an entry number form one shipment. A shipments export "
        "re-imports as is. Shipments already in the ledger with the same content are left unchanged.",
    )


@permission_required(IMPORT_PERMISSION, raise_exception=True)
def import_events(request):
    return _import_page(
        request,
        title="Import events",
        run_import=events_import,
        columns=events.COLUMNS,
        notes="One row per event on a shipment already in the ledger. Empty units on detained or seized mean "
        "every unit of the line (or of the shipment when the model is empty). Events already recorded are skipped.",
    )
