"""Queueing Celery tasks from requests when the broker may be down.

A request that queues work (an admin action, a rule change, a write's re-render) must not fail because Redis is
down: `enqueue` publishes, logs a failed publish and returns whether the task was queued, for the caller to tell the
user (UNQUEUED) or to leave a trace that lets the work catch up later. Publishing gives up quickly (settings:
CELERY_TASK_PUBLISH_RETRY_POLICY, CELERY_BROKER_TRANSPORT_OPTIONS): a refused connection costs a request ~0.2 s.
"""

import logging
from collections.abc import Callable

from django.db import transaction
from kombu.exceptions import OperationalError

logger = logging.getLogger(__name__)

UNQUEUED = "could not be queued: the task broker is unreachable"


def enqueue(task, *args, **options) -> bool:
    """Publish task(*args) with apply_async's options (countdown, …); False, logged, when the broker is unreachable.

    In-process (no broker: tasks run eagerly) the task runs now and its own errors propagate as before.
    """
    if task.app.conf.task_always_eager:
        task.apply_async(args=args, **options)
        return True
    try:
        task.apply_async(args=args, **options)
    except (OperationalError, OSError) as error:
        logger.warning("%s %s (%s)", task.name, UNQUEUED, error)
        return False
    return True


def enqueue_on_commit(task, *args, on_unqueued: Callable[[], None] | None = None, **options) -> None:
    """enqueue once the current transaction commits (at once outside one); on_unqueued runs if that fails."""

    def publish():
        if not enqueue(task, *args, **options) and on_unqueued is not None:
            on_unqueued()

    transaction.on_commit(publish)
