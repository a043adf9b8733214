"""Admin of the deadline rules (Customs admins edit them, with history) and of the recomputes their changes queue.

A change to what a rule derives (its start, days, satisfying events, activity) queues a recompute of every
shipment's deadlines; its progress shows on the recompute list (reload it to follow a run under way).
Registered from seizures/admin.py.
"""

from django import forms
from django.contrib import admin, messages
from django.shortcuts import redirect
from django.urls import path, reverse
from django.utils.html import format_html
from django.views.decorators.http import require_POST

from config.broker import UNQUEUED
from config.changelists import CheckedChangeListMixin
from config.history_admin import ReadOnlyHistoryAdmin
from seizures.deadlines import services as deadline_services
from seizures.models import (
    RECORDABLE_EVENT_KINDS,
    DayCount,
    DeadlineRecompute,
    DeadlineRule,
    DeadlineStart,
    RecomputeStatus,
)


def unqueued(run: DeadlineRecompute) -> bool:
    """Whether the run's task could not be sent (deadline_recompute_request marks it failed at once)."""
    run.refresh_from_db(fields=["status", "started_at"])
    return run.status == RecomputeStatus.FAILED and run.started_at is None


class DeadlineRuleForm(forms.ModelForm):
    satisfied_by = forms.MultipleChoiceField(
        choices=RECORDABLE_EVENT_KINDS,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Events that meet the deadline when recorded on or after the clock starts.",
    )
    lapses_with = forms.MultipleChoiceField(
        label="No longer applies after",
        choices=RECORDABLE_EVENT_KINDS,
        widget=forms.CheckboxSelectMultiple,
        required=False,
        help_text="Events after which the deadline no longer applies (a seizure ends an exclusion protest).",
    )

    class Meta:
        model = DeadlineRule
        fields = [
            "name",
            "code",
            "starts_with",
            "after_rule",
            "only_if",
            "offset_days",
            "day_count",
            "extends_to_business_day",
            "satisfied_by",
            "lapses_with",
            "ends_with_custody",
            "citation",
            "note",
            "verify_with_counsel",
            "is_active",
        ]

    def _in_kind_order(self, field: str) -> list[str]:
        chosen = set(self.cleaned_data[field])
        return [kind for kind, _ in RECORDABLE_EVENT_KINDS if kind in chosen]

    def clean_satisfied_by(self) -> list[str]:
        return self._in_kind_order("satisfied_by")

    def clean_lapses_with(self) -> list[str]:
        return self._in_kind_order("lapses_with")

    def clean(self):
        cleaned = super().clean()
        starts_with, after_rule = cleaned.get("starts_with"), cleaned.get("after_rule")
        if starts_with == DeadlineStart.RULE_MISSED:
            if after_rule is None:
                self.add_error("after_rule", "Name the rule whose missed deadline starts this clock.")
            else:
                self._refuse_cycle(after_rule)
        elif after_rule is not None:
            self.add_error("after_rule", "Only a clock that starts when another rule's deadline passes names a rule.")
        return cleaned

    def _refuse_cycle(self, after_rule: DeadlineRule) -> None:
        rule, seen = after_rule, set()
        while rule is not None and rule.pk not in seen:
            if self.instance.pk is not None and rule.pk == self.instance.pk:
                self.add_error("after_rule", "Rules cannot start each other's clocks in a circle.")
                return
            seen.add(rule.pk)
            rule = rule.after_rule


@admin.register(DeadlineRule)
class DeadlineRuleAdmin(CheckedChangeListMixin, ReadOnlyHistoryAdmin):
    form = DeadlineRuleForm
    list_display = ["name", "clock", "satisfied", "citation", "verify_with_counsel", "is_active"]
    list_filter = ["is_active", "verify_with_counsel"]
    list_select_related = ["after_rule"]
    search_fields = ["name", "citation"]
    prepopulated_fields = {"code": ["name"]}

    @admin.display(description="clock")
    def clock(self, rule):
        unit = "business days" if rule.day_count == DayCount.BUSINESS else "days"
        start = rule.after_rule.name + " missed" if rule.after_rule else DeadlineStart(rule.starts_with).label
        return f"{rule.offset_days} {unit} after {start.lower()}"

    @admin.display(description="met by")
    def satisfied(self, rule):
        return ", ".join(rule.satisfied_by_labels()) or "—"

    def save_model(self, request, obj, form, change):
        obj._history_user = request.user
        super().save_model(request, obj, form, change)
        if not change or set(form.changed_data) & deadline_services.DERIVING_FIELDS:
            verb = "changed" if change else "added"
            self._queue_recompute(request, f"rule “{obj.name}” {verb}")

    def delete_model(self, request, obj):
        name = obj.name
        super().delete_model(request, obj)
        self._queue_recompute(request, f"rule “{name}” deleted")

    def delete_queryset(self, request, queryset):
        """The list's "delete selected" action: one recompute for every rule it deleted."""
        names = sorted(queryset.values_list("name", flat=True))
        super().delete_queryset(request, queryset)
        if names:
            label = "rule" if len(names) == 1 else "rules"
            self._queue_recompute(request, f"{label} {', '.join(f'“{name}”' for name in names)} deleted")

    def _queue_recompute(self, request, reason: str) -> None:
        request.deadline_recompute = deadline_services.deadline_recompute_request(reason=reason, user=request.user)

    # The task is sent when the view's transaction commits; only then is it known whether it was queued.
    def changeform_view(self, request, *args, **kwargs):
        response = super().changeform_view(request, *args, **kwargs)
        self._report_recompute(request)
        return response

    def delete_view(self, request, *args, **kwargs):
        response = super().delete_view(request, *args, **kwargs)
        self._report_recompute(request)
        return response

    def changelist_view(self, request, extra_context=None):
        response = super().changelist_view(request, extra_context)
        self._report_recompute(request)
        return response

    def _report_recompute(self, request) -> None:
        run = getattr(request, "deadline_recompute", None)
        if run is None:
            return
        url = reverse("admin:seizures_deadlinerecompute_changelist")
        if unqueued(run):
            self.message_user(
                request,
                format_html(
                    'The recompute of every shipment\'s deadlines {}. <a href="{}">Start it again</a> once the broker '
                    "is back.",
                    UNQUEUED,
                    url,
                ),
                level=messages.ERROR,
            )
            return
        self.message_user(
            request,
            format_html(
                'Every shipment\'s deadlines are being recomputed (run {}): <a href="{}">follow its progress</a>.',
                run.pk,
                url,
            ),
            level=messages.INFO,
        )


@admin.register(DeadlineRecompute)
class DeadlineRecomputeAdmin(CheckedChangeListMixin, admin.ModelAdmin):
    """Read-only: runs are queued by rule changes (or the button here) and written by the task."""

    change_list_template = "admin/seizures/deadlinerecompute/change_list.html"
    list_display = ["requested_at", "reason", "requested_by", "status", "progress", "finished_at", "message"]
    list_filter = ["status"]
    list_select_related = ["requested_by"]
    readonly_fields = [
        "reason",
        "requested_by",
        "requested_at",
        "status",
        "started_at",
        "finished_at",
        "shipments_total",
        "shipments_done",
        "last_shipment_id",
        "message",
    ]

    @admin.display(description="progress")
    def progress(self, run):
        return format_html(
            '<progress max="100" value="{}"></progress> {}% ({} of {} shipments)',
            run.percent_done,
            run.percent_done,
            f"{run.shipments_done:,}",
            f"{run.shipments_total:,}",
        )

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False

    def changelist_view(self, request, extra_context=None):
        extra_context = {
            **(extra_context or {}),
            "recompute_running": DeadlineRecompute.objects.filter(
                status__in=[RecomputeStatus.QUEUED, RecomputeStatus.RUNNING]
            ).exists(),
            "can_recompute": request.user.has_perm("seizures.change_deadlinerule"),
        }
        return super().changelist_view(request, extra_context)

    def get_urls(self):
        return [
            path(
                "recompute-now/",
                self.admin_site.admin_view(require_POST(self.recompute_now)),
                name="seizures_deadlinerecompute_recompute_now",
            ),
            *super().get_urls(),
        ]

    def recompute_now(self, request):
        changelist = reverse("admin:seizures_deadlinerecompute_changelist")
        if not request.user.has_perm("seizures.change_deadlinerule"):
            self.message_user(request, "Only a Customs admin can start a recompute.", level=messages.ERROR)
            return redirect(changelist)
        run = deadline_services.deadline_recompute_request(reason="requested in the admin", user=request.user)
        if unqueued(run):
            self.message_user(request, f"Recompute {run.pk} {UNQUEUED}. Try again later.", level=messages.ERROR)
        else:
            self.message_user(request, f"Recompute {run.pk} queued.", level=messages.INFO)
        return redirect(changelist)
