"""Generated marketplaces with planted fake-order rings, for tests and benchmarks.

The background follows the heavy tails of real order data: a few shops take most orders and a few buyers
place many, both Zipf-like; order times are uniform over `days`. A planted ring is a set of new buyers
who all order from a set of new shops within a short window, and who also order from popular shops
(camouflage, chosen by popularity as FRAUDAR's "biased camouflage") so that they look ordinary.
"""

from __future__ import annotations

from dataclasses import dataclass

import numpy as np

__all__ = ["Orders", "plant_ring", "powerlaw_orders"]

_DAY = 86_400


@dataclass(frozen=True, eq=False)
class Orders:
    """Parallel arrays, one entry per order, and the members of every planted ring (empty if none)."""

    buyers: np.ndarray
    shops: np.ndarray
    times: np.ndarray  # seconds
    rings: tuple[tuple[np.ndarray, np.ndarray], ...] = ()  # (buyers, shops) of each planted ring


def _zipf(rng: np.random.Generator, n: int, alpha: float, size: int) -> np.ndarray:
    # Node k is drawn with probability ∝ (k+1)^-alpha; a random permutation hides rank from id.
    p = np.arange(1, n + 1, dtype=np.float64) ** -alpha
    draws = rng.choice(n, size=size, p=p / p.sum())
    return rng.permutation(n)[draws]


def powerlaw_orders(n_orders: int, *, n_buyers: int | None = None, n_shops: int | None = None,
                    alpha_buyers: float = 0.7, alpha_shops: float = 1.0, days: int = 90,
                    seed: int = 0) -> Orders:
    """`n_orders` background orders between Zipf-popular buyers and shops (ids 0..n-1), over `days`
    days. By default a fifth as many buyers and a fiftieth as many shops as orders."""
    rng = np.random.default_rng(seed)
    n_buyers = n_buyers or max(n_orders // 5, 1)
    n_shops = n_shops or max(n_orders // 50, 1)
    buyers = _zipf(rng, n_buyers, alpha_buyers, n_orders)
    shops = _zipf(rng, n_shops, alpha_shops, n_orders)
    times = rng.integers(0, days * _DAY, size=n_orders)
    return Orders(buyers.astype(np.int64), shops.astype(np.int64), times.astype(np.int64))


def plant_ring(orders: Orders, *, n_buyers: int = 20, n_shops: int = 5, density: float = 1.0,
               camouflage: int = 5, start_day: int = 30, days: float = 2.0, seed: int = 1) -> Orders:
    """Add a ring: `n_buyers` new buyers each ordering from each of `n_shops` new shops with probability
    `density`, within `days` days from `start_day`, and each placing `camouflage` orders at shops picked
    by popularity (any time). New ids continue after the largest id in use."""
    rng = np.random.default_rng(seed)
    b0 = int(orders.buyers.max()) + 1 if len(orders.buyers) else 0
    s0 = int(orders.shops.max()) + 1 if len(orders.shops) else 0
    ring_b = np.arange(b0, b0 + n_buyers, dtype=np.int64)
    ring_s = np.arange(s0, s0 + n_shops, dtype=np.int64)
    bb, ss = np.meshgrid(ring_b, ring_s, indexing="ij")
    keep = rng.random(bb.size) < density
    rb, rs = bb.ravel()[keep], ss.ravel()[keep]
    rt = start_day * _DAY + rng.integers(0, int(days * _DAY), size=len(rb))
    # Camouflage at popular shops: sampling existing orders' shops is sampling by popularity.
    cb = np.repeat(ring_b, camouflage)
    cs = orders.shops[rng.integers(0, len(orders.shops), size=len(cb))] if len(orders.shops) else \
        np.empty(0, dtype=np.int64)
    ct = rng.integers(0, max(int(orders.times.max()), 1) if len(orders.times) else _DAY, size=len(cb))
    return Orders(np.concatenate([orders.buyers, rb, cb]), np.concatenate([orders.shops, rs, cs]),
                  np.concatenate([orders.times, rt, ct]), orders.rings + ((ring_b, ring_s),))
