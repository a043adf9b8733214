from django.apps import AppConfig
from django.db.models.signals import post_migrate


class SeizuresConfig(AppConfig):
    name = "seizures"
    verbose_name = "Ledger"

    def ready(self):
        from seizures.roles import ensure_roles

        post_migrate.connect(ensure_roles, sender=self, dispatch_uid="seizures.ensure_roles")
