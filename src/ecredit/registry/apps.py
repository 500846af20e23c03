from django.apps import AppConfig


class RegistryConfig(AppConfig):
    name = "ecredit.registry"
    verbose_name = "市场主体登记"
