from django.apps import AppConfig


class CommitmentsConfig(AppConfig):
    name = "ecredit.commitments"
    verbose_name = "信用承诺"
