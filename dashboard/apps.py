from django.apps import AppConfig
from django.db import transaction
from django.db.models.signals import post_delete, post_save


def _milestone_changed(**kwargs):
    from dashboard.services import data_changed

    transaction.on_commit(data_changed)


class DashboardConfig(AppConfig):
    name = "dashboard"
    verbose_name = "Dashboard"

    def ready(self):
        # seizures and hashrate announce their changes with signals of their own and never import dashboard.
        from dashboard.models import Milestone
        from dashboard.services import data_changed
        from hashrate.signals import dataset_changed
        from seizures.signals import ledger_changed

        ledger_changed.connect(data_changed, dispatch_uid="dashboard.ledger_changed")
        dataset_changed.connect(data_changed, dispatch_uid="dashboard.dataset_changed")
        post_save.connect(_milestone_changed, sender=Milestone, dispatch_uid="dashboard.milestone_saved")
        post_delete.connect(_milestone_changed, sender=Milestone, dispatch_uid="dashboard.milestone_deleted")
