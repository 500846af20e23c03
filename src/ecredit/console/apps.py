from django.apps import AppConfig


class ConsoleConfig(AppConfig):
    name = "ecredit.console"
    verbose_name = "管理后台"
