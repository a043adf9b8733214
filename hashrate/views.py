"""The dataset browser (/hashrate/) and its export (/hashrate/export.csv): the same filters, the same rows."""

from dataclasses import dataclass

from django.contrib.auth.decorators import permission_required
from django.http import QueryDict, StreamingHttpResponse
from django.shortcuts import render

from hashrate import exports, selectors
from hashrate.filtersets import CountryShareFilterSet
from hashrate.models import Country, CountryShare, Source, period_label

VIEW_PERMISSION = "hashrate.view_countryshare"
MAX_PERIODS = 500


def _filtered(request) -> tuple[CountryShareFilterSet, Source | None, QueryDict]:
    """The filterset with the browser's defaults filled in: the most recent source, US + China + top five."""
    data = request.GET.copy()
    data.pop("page", None)
    slug = data.get("source", "")
    # PostgreSQL cannot compare text with a NUL character; the form refuses such a slug and says so.
    source = Source.objects.filter(slug=slug).first() if "\x00" not in slug else None
    if source is None and not data.get("source"):
        source = selectors.default_share_source()
        if source is not None:
            data["source"] = source.slug
    if source is not None and not data.getlist("country") and not data.get("q"):
        data.setlist("country", selectors.default_countries(source))
    queryset = CountryShare.objects.select_related("source").order_by("-period_start", "granularity", "country_id")
    return CountryShareFilterSet(data, queryset=queryset, source=source), source, data


@dataclass
class Column:
    code: str
    name: str
    is_bucket: bool


def _table(shares, wanted: list[str]) -> tuple[list[Column], list[dict]]:
    """Periods (newest first) × countries, in the order asked for (then by name for any others)."""
    cells: dict[tuple, dict[str, CountryShare]] = {}
    for share in shares:
        cells.setdefault((share.period_start, share.granularity), {})[share.country_id] = share
    present = {code for row in cells.values() for code in row}
    countries = {country.code: country for country in Country.objects.filter(code__in=present)}
    order = [code for code in wanted if code in present]
    order += sorted(present - set(order), key=lambda code: (countries[code].is_bucket, countries[code].name))
    columns = [Column(code, countries[code].name, countries[code].is_bucket) for code in order]
    rows = [
        {"period": period_label(granularity, start), "cells": [row.get(code) for code in order]}
        for (start, granularity), row in sorted(cells.items(), reverse=True)
    ]
    return columns, rows


@permission_required(VIEW_PERMISSION, raise_exception=True)
def browser(request):
    filterset, source, data = _filtered(request)
    shares = filterset.qs
    context = {
        "filter_form": filterset.form,
        "source": source,
        "export_query": data.urlencode(),
        "has_sources": selectors.share_sources().exists(),
    }
    if source is not None and filterset.is_valid():
        shares = list(shares[: MAX_PERIODS * 50])
        columns, rows = _table(shares, data.getlist("country"))
        context.update(
            columns=columns,
            rows=rows[:MAX_PERIODS],
            rows_hidden=max(len(rows) - MAX_PERIODS, 0),
            retrieved_first=min((share.retrieved_at for share in shares), default=None),
            retrieved_last=max((share.retrieved_at for share in shares), default=None),
            bundled=any(share.is_bundled for share in shares),
            derived=any(share.is_derived for share in shares),
            status=selectors.source_status(source),
        )
    return render(request, "hashrate/browser.html", context)


@permission_required(VIEW_PERMISSION, raise_exception=True)
def export(request):
    filterset, source, _ = _filtered(request)
    shares = filterset.qs if filterset.is_valid() else CountryShare.objects.none()
    response = StreamingHttpResponse(exports.export_csv_chunks(shares), content_type="text/csv; charset=utf-8")
    filename = exports.export_filename(source.slug if source else "none")
    response["Content-Disposition"] = f'attachment; filename="{filename}"'
    return response
