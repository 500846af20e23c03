from django.apps import AppConfig


class PortalConfig(AppConfig):
    name = "ecredit.portal"
    verbose_name = "信用公示门户"

    def ready(self) -> None:
        from ecredit.audit.services import register_state

        from . import publications, reports

        register_state(publications.MODEL, publications.iter_states)
        register_state(reports.MODEL, reports.iter_states)
