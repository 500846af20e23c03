from django.apps import AppConfig


class SafeConsumptionConfig(AppConfig):
    name = "ecredit.safe_consumption"
    verbose_name = "放心消费"

    def ready(self) -> None:
        from ecredit.archive.signals import records_written
        from ecredit.audit.services import register_state

        from . import services, tasks

        register_state(services.ENROLMENT_MODEL, services.iter_enrolment_states)
        register_state(services.STEP_MODEL, services.iter_step_states)
        records_written.connect(tasks.on_records_written, dispatch_uid="safe_consumption.follow_records")
