"""Celery tasks: thin over services.charts_render. A change schedules render_charts after a debounce
(services.render_schedule); beat also runs it daily, so "as of" dates roll over without a visitor.

Rendering is idempotent (it stores what the data says, never older over newer), so acks_late is safe.
"""

from celery import shared_task

from dashboard import services
from dashboard.models import RenderTrigger


@shared_task(name="dashboard.tasks.render_charts", soft_time_limit=120, time_limit=180, acks_late=True)
def render_charts() -> int:
    """Render and store every chart of the default view; returns the data version they were built from."""
    services.render_pending_clear()
    return services.charts_render(trigger=RenderTrigger.TASK).data_version
