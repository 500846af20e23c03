from django.apps import AppConfig


class SigninConfig(AppConfig):
    name = "ecredit.signin"
    label = "signin"
    verbose_name = "登录安全"

    def ready(self) -> None:
        from . import signals  # noqa: F401  (login timestamps, password changes)
