from django.apps import AppConfig


class TraceConfig(AppConfig):
    name = "ecredit.trace"
    verbose_name = "产品追溯"
