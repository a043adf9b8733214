from django.apps import AppConfig


class HashrateConfig(AppConfig):
    name = "hashrate"
