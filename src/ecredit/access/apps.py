from django.apps import AppConfig


class AccessConfig(AppConfig):
    name = "ecredit.access"
    verbose_name = "用户与权限"

    def ready(self) -> None:
        from ecredit.audit.services import register_state

        from . import tokens  # API clients issued, rotated, revoked or rescoped through access.tokens

        register_state(tokens.MODEL, tokens.iter_states)
