from django.apps import AppConfig


class SupervisionConfig(AppConfig):
    name = "ecredit.supervision"
    verbose_name = "督查督办"

    def ready(self) -> None:
        from ecredit.audit.services import register_state

        from .services import plan

        register_state(plan.MODEL, plan.iter_states)
