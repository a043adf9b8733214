from django.apps import AppConfig
from django.db.models.signals import post_migrate


class SeizuresConfig(AppConfig):
    name = "seizures"
    verbose_name = "Ledger"

    def ready(self):
        from seizures.roles import ensure_roles
        from seizures.selectors import bump_ledger_generation
        from seizures.signals import ledger_changed

        post_migrate.connect(ensure_roles, sender=self, dispatch_uid="seizures.ensure_roles")
        ledger_changed.connect(bump_ledger_generation, dispatch_uid="seizures.bump_ledger_generation")
