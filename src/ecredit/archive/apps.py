from django.apps import AppConfig


class ArchiveConfig(AppConfig):
    name = "ecredit.archive"
    verbose_name = "信用档案"

    def ready(self) -> None:
        from django.db.models.signals import post_migrate

        from ecredit.audit.services import register_state
        from ecredit.registry.services import MODEL as SUBJECT_MODEL, iter_subject_states

        from . import services

        register_state(SUBJECT_MODEL, iter_subject_states)
        register_state(services.MODEL, services.iter_record_states)
        post_migrate.connect(_sync_catalog, sender=self)


def _sync_catalog(sender, **kwargs) -> None:
    from .services import sync_record_types

    sync_record_types(using=kwargs.get("using", "default"))
