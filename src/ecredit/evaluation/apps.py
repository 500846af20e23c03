from django.apps import AppConfig


class EvaluationConfig(AppConfig):
    name = "ecredit.evaluation"
    verbose_name = "信用评价"

    def ready(self) -> None:
        from ecredit.archive.signals import records_written

        from . import tasks

        records_written.connect(tasks.on_records_written, dispatch_uid="evaluation.rescore")
