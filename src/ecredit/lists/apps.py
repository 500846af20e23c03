from django.apps import AppConfig


class ListsConfig(AppConfig):
    name = "ecredit.lists"
    verbose_name = "红黑名单与联合奖惩"

    def ready(self) -> None:
        from ecredit.archive.signals import records_written
        from ecredit.audit.services import register_state

        from . import joint, services, tasks

        register_state(services.ENTRY_MODEL, services.iter_entry_states)
        register_state(joint.TASK_MODEL, joint.iter_task_states)
        records_written.connect(tasks.on_records_written, dispatch_uid="lists.follow_records")
