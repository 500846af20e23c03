from django.apps import AppConfig


class ComplaintsConfig(AppConfig):
    name = "ecredit.complaints"
    verbose_name = "投诉举报"

    def ready(self) -> None:
        from ecredit.audit.services import register_state

        from . import services

        register_state(services.CASE_MODEL, services.iter_case_states)
        register_state(services.UPDATE_MODEL, services.iter_update_states)
