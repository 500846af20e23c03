from django.apps import AppConfig


class SafeConsumptionConfig(AppConfig):
    name = "ecredit.safe_consumption"
    verbose_name = "放心消费"
