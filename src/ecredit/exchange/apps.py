from django.apps import AppConfig


class ExchangeConfig(AppConfig):
    name = "ecredit.exchange"
    verbose_name = "数据交换"
