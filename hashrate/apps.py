from django.apps import AppConfig
from django.db.models.signals import post_migrate


class HashrateConfig(AppConfig):
    name = "hashrate"
    verbose_name = "Hashrate dataset"

    def ready(self):
        from hashrate.bundled import on_post_migrate

        post_migrate.connect(on_post_migrate, sender=self, dispatch_uid="hashrate.load_bundled_data")
