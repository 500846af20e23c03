"""The marketplace's domain operations: receiving orders and ratings, appended reviews, shielding, reputation.

Split by topic (ARCHITECTURE §2): `batches` (what every intake shares), `orders`, `ratings`, `reviews` (one
review at a time), `reputation` (shops' figures)."""

from .batches import MAX_BATCH, report
from .orders import submit_orders
from .ratings import submit_ratings
from .reputation import compute, refresh_reputation, refresh_shop, reputation_of
from .reviews import append_review, present, shield

__all__ = ["MAX_BATCH", "append_review", "compute", "present", "refresh_reputation", "refresh_shop", "report",
           "reputation_of", "shield", "submit_orders", "submit_ratings"]
