from django.apps import AppConfig


class OpsConfig(AppConfig):
    name = "ecredit.ops"
    verbose_name = "运维"
