"""The dataset's admin: sources with "Refresh now" and their recent runs, read-only runs and observations,
editable pool headquarters, and a CSV upload for manual sources (through the same service as the command)."""

from django import forms
from django.conf import settings
from django.contrib import admin, messages
from django.core.exceptions import PermissionDenied
from django.shortcuts import get_object_or_404, redirect
from django.template.response import TemplateResponse
from django.urls import path, reverse
from django.utils.html import format_html, format_html_join

from config.broker import UNQUEUED
from config.changelists import CheckedChangeListMixin
from hashrate import selectors, services, tasks
from hashrate.models import (
    Country,
    CountryShare,
    CountryShareRevision,
    NetworkHashrate,
    Outcome,
    PoolCountry,
    RefreshRun,
    Source,
    Trigger,
)
from hashrate.sources.manual_csv import COLUMNS as MANUAL_COLUMNS

REFRESH_PERMISSION = "hashrate.refresh_source"
UPLOAD_PERMISSION = "hashrate.upload_payload"
GOOD_OUTCOMES = {Outcome.SUCCEEDED, Outcome.NOT_MODIFIED}


class ReadOnlyAdmin(CheckedChangeListMixin, admin.ModelAdmin):
    """Rows written only by the refresh service."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Country)
class CountryAdmin(CheckedChangeListMixin, admin.ModelAdmin):
    list_display = ["code", "name", "is_bucket"]
    search_fields = ["code", "name"]
    list_filter = ["is_bucket"]


@admin.register(PoolCountry)
class PoolCountryAdmin(CheckedChangeListMixin, admin.ModelAdmin):
    list_display = ["pool_slug", "pool_name", "country", "note"]
    list_select_related = ["country"]
    search_fields = ["pool_slug", "pool_name"]
    autocomplete_fields = ["country"]


class UploadForm(forms.Form):
    file = forms.FileField(label="CSV file", help_text="UTF-8, with the header row.")


@admin.register(Source)
class SourceAdmin(CheckedChangeListMixin, admin.ModelAdmin):
    list_display = ["name", "slug", "method", "schedule", "last_success_at", "last_error_at", "last_outcome"]
    list_filter = ["method", "schedule"]
    search_fields = ["slug", "name"]
    actions = ["refresh_now"]
    readonly_fields = ["last_success_at", "last_error_at", "last_error", "next_run", "upload_link", "recent_runs"]
    fieldsets = [
        (None, {"fields": ["slug", "name", "url", "homepage", "parser", "method", "schedule", "terms"]}),
        ("Status", {"fields": ["last_success_at", "last_error_at", "last_error", "next_run", "upload_link"]}),
        ("Last 10 runs", {"fields": ["recent_runs"]}),
    ]

    @admin.display(description="last run")
    def last_outcome(self, source):
        run = selectors.recent_runs(source, 1).first()
        return run.get_outcome_display() if run else "—"

    @admin.display(description="next scheduled run")
    def next_run(self, source):
        return selectors.next_scheduled_run(source) or "not scheduled (manual)"

    @admin.display(description="upload")
    def upload_link(self, source):
        if source.pk is None or not source.is_manual:
            return "—"
        return format_html('<a href="{}">Upload a CSV file</a>', self._upload_url(source.pk))

    @admin.display(description="runs")
    def recent_runs(self, source):
        runs = selectors.recent_runs(source) if source.pk else []
        if not runs:
            return "No runs yet."
        rows = format_html_join(
            "",
            "<tr><td>{}</td><td>{}</td><td>{}</td><td>{}</td><td>{} / {} / {}</td><td>{}</td></tr>",
            (
                (
                    f"{run.started_at:%Y-%m-%d %H:%M:%S}",
                    run.get_trigger_display(),
                    run.get_outcome_display(),
                    run.duration or "",
                    run.rows_added,
                    run.rows_changed,
                    run.rows_unchanged,
                    run.message[:300],
                )
                for run in runs
            ),
        )
        return format_html(
            "<table><thead><tr><th>started</th><th>trigger</th><th>outcome</th><th>took</th>"
            "<th>added / changed / unchanged</th><th>message</th></tr></thead><tbody>{}</tbody></table>",
            rows,
        )

    def has_refresh_permission(self, request):
        return request.user.has_perm(REFRESH_PERMISSION)

    @admin.action(description="Refresh now", permissions=["refresh"])
    def refresh_now(self, request, queryset):
        sources = list(queryset)
        manual = [source.slug for source in sources if not source.url]
        if manual:
            self.message_user(
                request,
                f"Not refreshed (no URL; upload a file instead): {', '.join(manual)}.",
                level=messages.WARNING,
            )
        queued, unqueued = [], []
        for source in sources:
            if not source.url:
                continue
            # Once the broker has failed, the other sources are not tried: each would wait on it again.
            if unqueued or not tasks.enqueue_refresh(source.slug, Trigger.ADMIN):
                unqueued.append(source.slug)
            else:
                queued.append(source.slug)
        if unqueued:
            self.message_user(
                request,
                f"Not refreshed: {', '.join(unqueued)} {UNQUEUED}. Try again later, or run "
                f"`manage.py refresh_hashrate --source {unqueued[0]}` on the server.",
                level=messages.ERROR,
            )
        if not queued:
            return
        if settings.CELERY_TASK_ALWAYS_EAGER:
            self.message_user(request, f"Refreshed in-process: {', '.join(queued)}. The runs show how each went.")
        else:
            self.message_user(request, f"Refresh queued: {', '.join(queued)}. The runs show how each goes.")

    def _upload_url(self, pk) -> str:
        return reverse("admin:hashrate_source_upload", args=[pk], current_app=self.admin_site.name)

    def get_urls(self):
        return [
            path(
                "<path:object_id>/upload/",
                self.admin_site.admin_view(self.upload_view),
                name="hashrate_source_upload",
            ),
            *super().get_urls(),
        ]

    def upload_view(self, request, object_id):
        if not request.user.has_perm(UPLOAD_PERMISSION):
            raise PermissionDenied
        source = get_object_or_404(Source, pk=object_id)
        change_url = reverse("admin:hashrate_source_change", args=[source.pk], current_app=self.admin_site.name)
        if not source.is_manual:
            self.message_user(request, f"{source} refreshes from its URL; uploads are for manual sources.", "error")
            return redirect(change_url)
        form = UploadForm(request.POST or None, request.FILES or None)
        if request.method == "POST" and form.is_valid():
            run = services.source_refresh(
                source=source, trigger=Trigger.UPLOAD, payload=form.cleaned_data["file"].read()
            )
            level = messages.SUCCESS if run.outcome in GOOD_OUTCOMES else messages.ERROR
            self.message_user(request, f"{run.get_outcome_display()}: {run.message}", level)
            if run.outcome in GOOD_OUTCOMES:
                return redirect(change_url)
        context = {
            **self.admin_site.each_context(request),
            "title": f"Upload figures to {source}",
            "opts": self.model._meta,
            "source": source,
            "form": form,
            "change_url": change_url,
            "columns": ",".join(MANUAL_COLUMNS) if source.parser == "manual_csv" else "",
        }
        return TemplateResponse(request, "hashrate/admin/upload.html", context)


@admin.register(RefreshRun)
class RefreshRunAdmin(ReadOnlyAdmin):
    list_display = ["source", "started_at", "finished_at", "trigger", "outcome", "rows_added", "rows_changed"]
    list_filter = ["outcome", "trigger", "source"]
    list_select_related = ["source"]
    date_hierarchy = "started_at"
    fields = [
        "source",
        "trigger",
        "started_at",
        "finished_at",
        "outcome",
        "rows_added",
        "rows_changed",
        "rows_unchanged",
        "payload_bytes",
        "message",
    ]
    readonly_fields = fields


class CountryShareRevisionInline(admin.TabularInline):
    model = CountryShareRevision
    fields = ["share_pct", "hashrate_ehs", "retrieved_at", "was_bundled", "replaced_at", "replaced_by"]
    readonly_fields = fields
    extra = 0
    can_delete = False

    def has_add_permission(self, request, obj=None):
        return False


@admin.register(CountryShare)
class CountryShareAdmin(ReadOnlyAdmin):
    list_display = ["source", "period", "country", "share_pct", "hashrate_ehs", "retrieved_at", "is_bundled"]
    list_filter = ["source", "granularity", "is_bundled"]
    list_select_related = ["source", "country"]
    search_fields = ["country__code", "country__name"]
    inlines = [CountryShareRevisionInline]


@admin.register(NetworkHashrate)
class NetworkHashrateAdmin(ReadOnlyAdmin):
    list_display = ["source", "day", "hashrate_ehs", "retrieved_at", "is_bundled"]
    list_filter = ["source", "is_bundled"]
    list_select_related = ["source"]
    date_hierarchy = "day"
