from django.apps import AppConfig


class MarketplaceConfig(AppConfig):
    name = "ecredit.marketplace"
    verbose_name = "网络交易与信用评价"

    def ready(self) -> None:
        from ecredit.audit.services import register_state

        from .services import batches, reviews

        register_state(batches.MODEL, batches.iter_states)
        register_state(reviews.SHIELD_MODEL, reviews.iter_shield_states)
