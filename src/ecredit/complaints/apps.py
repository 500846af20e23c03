from django.apps import AppConfig


class ComplaintsConfig(AppConfig):
    name = "ecredit.complaints"
    verbose_name = "投诉举报"
