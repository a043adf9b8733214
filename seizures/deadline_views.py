"""/deadlines/: open deadlines soonest first (overdue on top, in red), their CSV export, the calendar feed that
calendar apps fetch with a per-user token instead of a session, and the page where a user gets or rotates it."""

from django.contrib.auth.decorators import login_not_required, permission_required
from django.http import HttpResponse, StreamingHttpResponse
from django.shortcuts import render
from django.urls import reverse
from django.utils import timezone
from django.views.decorators.http import require_http_methods

from seizures.deadlines import calendar_feed, exports
from seizures.deadlines import services as deadline_services
from seizures.deadlines.display import start_label, state
from seizures.deadlines.filtersets import DeadlineFilterSet
from seizures.deadlines.selectors import SOON_DAYS, deadline_counts, open_deadlines
from seizures.models import CalendarToken
from seizures.pagination import KnownCountPaginator, page_or_notice

PAGE_SIZE = 50
VIEW_PERMISSION = "seizures.view_deadline"


def _filtered(request, today) -> DeadlineFilterSet:
    return DeadlineFilterSet(request.GET, queryset=open_deadlines(today=today))


def _rows(deadlines, today) -> list[dict]:
    rows = []
    for deadline in deadlines:
        shipment, rule = deadline.shipment, deadline.rule
        rows.append(
            {
                "due_on": deadline.due_on.isoformat(),
                "state": state(deadline, today),
                "rule": rule.name,
                "citation": rule.citation,
                "verify_with_counsel": rule.verify_with_counsel,
                "entry_number": shipment.entry_number,
                "importer": shipment.importer.name,
                "port": f"{shipment.port.code} {shipment.port.name}",
                "started": start_label(deadline),
            }
        )
    return rows


@permission_required(VIEW_PERMISSION, raise_exception=True)
def deadline_list(request):
    today = timezone.localdate()
    filterset = _filtered(request, today)
    deadlines = filterset.qs
    counts = deadline_counts(deadlines, today=today)
    paginator = KnownCountPaginator(deadlines, PAGE_SIZE, count=counts["open"])
    page, page_notice = page_or_notice(paginator, request.GET.get("page"))
    context = {
        "filter_form": filterset.form,
        "page": page,
        "rows": _rows(page.object_list, today),
        "counts": counts,
        "soon_days": SOON_DAYS,
        "page_notice": page_notice,
        "today": today,
        "is_filtered": any(value for key, value in request.GET.items() if key != "page"),
    }
    return render(request, "deadlines/deadline_list.html", context)


@permission_required("seizures.export_deadlines", raise_exception=True)
def deadline_export(request):
    today = timezone.localdate()
    deadlines = _filtered(request, today).qs
    response = StreamingHttpResponse(
        exports.export_csv_chunks(deadlines, today=today), content_type="text/csv; charset=utf-8"
    )
    response["Content-Disposition"] = f'attachment; filename="{exports.export_filename()}"'
    return response


def _token_user(token: str):
    """The active user whose calendar token this is and who may see deadlines, else None."""
    if not token:
        return None
    found = CalendarToken.objects.select_related("user").filter(digest=deadline_services.token_digest(token)).first()
    if found is None or not found.user.is_active or not found.user.has_perm(VIEW_PERMISSION):
        return None
    return found.user


@login_not_required  # calendar apps send no session: the token in the URL authenticates
def deadline_calendar(request):
    if _token_user(request.GET.get("token", "")) is None:
        return HttpResponse(
            "This calendar link is not valid (it may have been rotated): get a new one from Hashport's "
            "Deadlines page.\n",
            status=403,
            content_type="text/plain; charset=utf-8",
        )
    today = timezone.localdate()
    deadlines = _filtered(request, today).qs
    body = calendar_feed.cached_calendar_ics(deadlines, today=today, base_url=request.build_absolute_uri("/"))
    response = HttpResponse(body, content_type="text/calendar; charset=utf-8")
    response["Content-Disposition"] = 'inline; filename="hashport-deadlines.ics"'
    response["Cache-Control"] = "private, no-store"
    return response


@permission_required(VIEW_PERMISSION, raise_exception=True)
@require_http_methods(["GET", "POST"])
def calendar_subscription(request):
    """Show whether the user has a calendar link; POST rotates it (shown once) or revokes it."""
    feed_url = ""
    if request.method == "POST":
        if request.POST.get("action") == "revoke":
            deadline_services.calendar_token_revoke(user=request.user)
        else:
            token = deadline_services.calendar_token_rotate(user=request.user)
            feed_url = request.build_absolute_uri(reverse("deadlines:calendar")) + f"?token={token}"
    token = CalendarToken.objects.filter(user=request.user).first()
    context = {"token": token, "feed_url": feed_url}
    return render(request, "deadlines/calendar_subscription.html", context)
