from django.apps import AppConfig
from django.db.models.signals import post_migrate


class SeizuresConfig(AppConfig):
    name = "seizures"
    verbose_name = "Ledger"

    def ready(self):
        from config.cache import cache_reconnected
        from seizures.roles import ensure_roles
        from seizures.selectors import bump_ledger_generation
        from seizures.signals import ledger_changed

        post_migrate.connect(ensure_roles, sender=self, dispatch_uid="seizures.ensure_roles")
        ledger_changed.connect(bump_ledger_generation, dispatch_uid="seizures.bump_ledger_generation")
        # Writes made while the cache was unreachable could not bump the generation: bump it once it is back.
        cache_reconnected.connect(bump_ledger_generation, dispatch_uid="seizures.bump_after_cache_outage")
