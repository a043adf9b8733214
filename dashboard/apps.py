from django.apps import AppConfig
from django.db import transaction
from django.db.models.signals import post_delete, post_save


def _shown_rows_changed(**kwargs):
    from dashboard.services import data_changed

    transaction.on_commit(data_changed)


class DashboardConfig(AppConfig):
    name = "dashboard"
    verbose_name = "Dashboard"

    def ready(self):
        # seizures and hashrate announce their changes with signals of their own and never import dashboard.
        from dashboard.models import Milestone
        from dashboard.services import data_changed
        from hashrate.models import Source
        from hashrate.signals import dataset_changed
        from seizures.models import Manufacturer, MinerModel, Port
        from seizures.signals import ledger_changed

        ledger_changed.connect(data_changed, dispatch_uid="dashboard.ledger_changed")
        dataset_changed.connect(data_changed, dispatch_uid="dashboard.dataset_changed")
        # Rows the charts and the filter form name (milestones on the headline chart; manufacturers, models, ports
        # and sources in the legends and the form's choices): an admin's edit changes what they show.
        for model in (Milestone, Manufacturer, MinerModel, Port, Source):
            name = model._meta.label_lower
            post_save.connect(_shown_rows_changed, sender=model, dispatch_uid=f"dashboard.{name}_saved")
            post_delete.connect(_shown_rows_changed, sender=model, dispatch_uid=f"dashboard.{name}_deleted")
