from django.apps import AppConfig


class LogisticsConfig(AppConfig):
    name = "ecredit.logistics"
    verbose_name = "寄递物流"
