from django.apps import AppConfig


class AuditConfig(AppConfig):
    name = "ecredit.audit"
    verbose_name = "审计日志"
