from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "ecredit.access"
    verbose_name = "用户与权限"
