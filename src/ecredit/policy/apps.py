from django.apps import AppConfig
from django.core.exceptions import ImproperlyConfigured


class PolicyConfig(AppConfig):
    name = "ecredit.policy"
    verbose_name = "政策规则"

    def ready(self) -> None:
        from . import loader

        try:
            loader.reset(loader.load())
        except loader.PolicyError as exc:
            raise ImproperlyConfigured(f"policy rules are invalid: {exc}") from None
