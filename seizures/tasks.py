"""Celery tasks of the ledger: thin over the deadline services. Beat runs the digest (settings.CELERY_BEAT_SCHEDULE).

recompute_deadlines is idempotent and resumes from the run's last shipment, so acks_late is safe. The digest is
not (a second run mails everyone again), so it acknowledges on receipt.
"""

import logging

from celery import shared_task

from seizures.deadlines import digest
from seizures.deadlines import services as deadline_services
from seizures.models import DeadlineRecompute

logger = logging.getLogger(__name__)


@shared_task(
    name="seizures.tasks.recompute_deadlines", acks_late=True, soft_time_limit=3 * 3600, time_limit=3 * 3600 + 300
)
def recompute_deadlines(run_id: int) -> str:
    """Recompute every shipment's deadlines for the queued run; returns the run's final status."""
    run = DeadlineRecompute.objects.filter(pk=run_id).first()
    if run is None:
        logger.warning("recompute_deadlines: no run %s", run_id)
        return "no such run"
    return deadline_services.deadlines_recompute_all(run=run).status


@shared_task(name="seizures.tasks.send_deadline_digest", soft_time_limit=600, time_limit=660)
def send_deadline_digest() -> int:
    """Mail each Compliance user the deadlines due in the next days and those overdue; returns mails sent."""
    return digest.deadline_digest_send()
