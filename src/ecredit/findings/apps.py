from django.apps import AppConfig


class FindingsConfig(AppConfig):
    name = "ecredit.findings"
    verbose_name = "造假线索"
