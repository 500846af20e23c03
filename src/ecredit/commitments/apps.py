from django.apps import AppConfig


class CommitmentsConfig(AppConfig):
    name = "ecredit.commitments"
    verbose_name = "信用承诺"

    def ready(self) -> None:
        from ecredit.audit.services import register_state

        from . import services

        register_state(services.MODEL, services.iter_states)
