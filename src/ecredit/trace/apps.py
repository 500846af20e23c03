from django.apps import AppConfig


class TraceConfig(AppConfig):
    name = "ecredit.trace"
    verbose_name = "产品追溯"

    def ready(self) -> None:
        from ecredit.audit.services import register_state

        from .epcis import capture

        register_state(capture.JOB_MODEL, capture.iter_job_states)
        from . import products  # registered products (TRACE-CHAINS)

        register_state(products.PRODUCT_MODEL, products.iter_product_states)
