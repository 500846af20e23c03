from django.apps import AppConfig


class LogisticsConfig(AppConfig):
    name = "ecredit.logistics"
    verbose_name = "寄递物流"

    def ready(self) -> None:
        from ecredit.audit.services import register_state

        from .services import common, tracking

        register_state(common.BATCH_MODEL, common.iter_batch_states)
        register_state(tracking.FEEDBACK_MODEL, tracking.iter_feedback_states)
