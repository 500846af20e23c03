from django.apps import AppConfig


class FindingsConfig(AppConfig):
    name = "ecredit.findings"
    verbose_name = "造假线索"

    def ready(self) -> None:
        from ecredit.audit.services import register_state

        from . import services

        register_state(services.RUN_MODEL, services.iter_run_states)
        register_state(services.FINDING_MODEL, services.iter_finding_states)
        register_state(services.MODEL_MODEL, services.iter_model_states)
