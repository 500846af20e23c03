from django.apps import AppConfig


class CompensationConfig(AppConfig):
    name = "ecredit.compensation"
    verbose_name = "先行赔付"
