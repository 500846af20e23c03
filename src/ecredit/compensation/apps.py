from django.apps import AppConfig


class CompensationConfig(AppConfig):
    name = "ecredit.compensation"
    verbose_name = "先行赔付"

    def ready(self) -> None:
        from ecredit.audit.services import register_state

        from . import ledger, services

        register_state(services.FUND_MODEL, services.iter_fund_states)
        register_state(services.CLAIM_MODEL, services.iter_claim_states)
        register_state(services.STEP_MODEL, services.iter_step_states)
        register_state(ledger.TRANSACTION_MODEL, ledger.iter_transaction_states)
