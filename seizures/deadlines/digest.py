"""The daily digest: each Compliance user gets one mail listing the deadlines due in the next DIGEST_DAYS days and
those overdue (Django's email framework; settings.EMAIL_* from the environment).

The newest overdue come first in the mail (the ones that just slipped are the ones still worth chasing); each list
stops at DIGEST_LIMIT rows and says how many more /deadlines/ holds. Nothing due and nothing overdue: no mail.
"""

import datetime
from dataclasses import dataclass

from django.conf import settings
from django.contrib.auth import get_user_model
from django.core import mail
from django.template.loader import render_to_string
from django.urls import reverse
from django.utils import timezone

from seizures.deadlines.display import start_label, state
from seizures.deadlines.selectors import open_deadlines
from seizures.roles import COMPLIANCE

DIGEST_DAYS = 7
DIGEST_LIMIT = 50


@dataclass
class Digest:
    today: datetime.date
    upcoming: list[dict]
    upcoming_count: int
    overdue: list[dict]
    overdue_count: int
    list_url: str

    @property
    def is_empty(self) -> bool:
        return not (self.upcoming_count or self.overdue_count)

    @property
    def subject(self) -> str:
        return (
            f"Hashport deadlines {self.today:%Y-%m-%d}: {self.overdue_count:,} overdue, "
            f"{self.upcoming_count:,} due in the next {DIGEST_DAYS} days"
        )


def _row(deadline, today: datetime.date, base_url: str) -> dict:
    shipment = deadline.shipment
    return {
        "due_on": f"{deadline.due_on:%Y-%m-%d}",
        "state": state(deadline, today).text,
        "rule": deadline.rule.name,
        "citation": deadline.rule.citation,
        "entry_number": shipment.entry_number,
        "importer": shipment.importer.name,
        "port": f"{shipment.port.code} {shipment.port.name}",
        "started": start_label(deadline),
        "url": base_url + reverse("seizures:shipment_detail", args=[shipment.entry_number]),
    }


def build_digest(*, today: datetime.date | None = None) -> Digest:
    today = today or timezone.localdate()
    base_url = settings.HASHPORT_BASE_URL.rstrip("/")
    deadlines = open_deadlines(today=today)
    upcoming = deadlines.filter(due_on__gte=today, due_on__lte=today + datetime.timedelta(days=DIGEST_DAYS))
    overdue = deadlines.filter(due_on__lt=today).order_by("-due_on", "-id")
    return Digest(
        today=today,
        upcoming=[_row(deadline, today, base_url) for deadline in upcoming[:DIGEST_LIMIT]],
        upcoming_count=upcoming.count(),
        overdue=[_row(deadline, today, base_url) for deadline in overdue[:DIGEST_LIMIT]],
        overdue_count=overdue.count(),
        list_url=base_url + reverse("deadlines:list"),
    )


def digest_recipients():
    """Active Compliance users with an email address."""
    return (
        get_user_model()
        .objects.filter(is_active=True, groups__name=COMPLIANCE)
        .exclude(email="")
        .distinct()
        .order_by("pk")
    )


def deadline_digest_send(*, today: datetime.date | None = None) -> int:
    """Send the day's digest to every Compliance user, one mail each; returns how many were sent."""
    digest = build_digest(today=today)
    if digest.is_empty:
        return 0
    context = {"digest": digest, "digest_days": DIGEST_DAYS, "limit": DIGEST_LIMIT}
    text = render_to_string("deadlines/email/digest.txt", context)
    html = render_to_string("deadlines/email/digest.html", context)
    messages = []
    for user in digest_recipients():
        message = mail.EmailMultiAlternatives(subject=digest.subject, body=text, to=[user.email])
        message.attach_alternative(html, "text/html")
        messages.append(message)
    if not messages:
        return 0
    with mail.mailers.default as connection:
        return connection.send_messages(messages) or 0
