"""The dashboard's admin: milestones to edit (each save re-renders the charts), renders to look at."""

from django.contrib import admin

from config.changelists import CheckedChangeListMixin
from dashboard.models import Milestone, RenderedChart, RenderRun


@admin.register(Milestone)
class MilestoneAdmin(CheckedChangeListMixin, admin.ModelAdmin):
    list_display = ["date", "title", "source", "is_shown"]
    list_editable = ["is_shown"]
    search_fields = ["title", "detail", "source"]
    ordering = ["date"]


class ReadOnlyAdmin(CheckedChangeListMixin, admin.ModelAdmin):
    """Rows the render writes: to look at, not to edit."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(RenderedChart)
class RenderedChartAdmin(ReadOnlyAdmin):
    list_display = ["slug", "data_version", "as_of", "rendered_at", "render_ms"]
    exclude = ["figure_json", "data_csv"]


@admin.register(RenderRun)
class RenderRunAdmin(ReadOnlyAdmin):
    list_display = ["started_at", "trigger", "data_version", "as_of", "charts", "duration_ms"]
    list_filter = ["trigger"]
