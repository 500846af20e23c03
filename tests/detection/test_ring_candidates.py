"""Several rings of different shapes at once: `find_ring_candidates` finds each, and nothing where
there is none."""

from __future__ import annotations

import numpy as np
import pytest

from ecredit.detection.ring_candidates import find_ring_candidates
from ecredit.detection.synthetic import Orders, plant_ring, powerlaw_orders

DAY = 86_400

# (buyers, shops, density): a full block, a small one, many buyers at two shops, a sparse square,
# and 20 buyers around a single shop (a shop buying its own sales), each in its own two days.
SHAPES = ((15, 4, 1.0), (10, 3, 1.0), (40, 2, 1.0), (8, 8, 0.8), (20, 1, 1.0))


def member_f1(ring, truth) -> float:
    """F1 of the ring's members (buyers and shops together) against a planted ring."""
    found = {("b", x) for x in ring.buyers.tolist()} | {("s", x) for x in ring.shops.tolist()}
    true = {("b", x) for x in truth[0].tolist()} | {("s", x) for x in truth[1].tolist()}
    hit = len(found & true)
    return 2 * hit / (len(found) + len(true)) if hit else 0.0


def market_with_rings(seed: int, camouflage: int = 5) -> Orders:
    orders = powerlaw_orders(20_000, seed=seed)
    for i, (nb, ns, density) in enumerate(SHAPES):
        orders = plant_ring(orders, n_buyers=nb, n_shops=ns, density=density, camouflage=camouflage,
                            start_day=8 + 15 * i, seed=500 + 10 * seed + i)
    return orders


@pytest.mark.parametrize("seed", [0, 1, 2])
def test_every_shape_is_found_with_times_and_nothing_else(seed):
    orders = market_with_rings(seed)
    rings = find_ring_candidates(orders.buyers, orders.shops, orders.times)
    for truth in orders.rings:
        assert max(member_f1(r, truth) for r in rings) >= 0.9
    # No false alarm: each block returned is one of the planted rings.
    for ring in rings:
        assert max(member_f1(ring, truth) for truth in orders.rings) >= 0.9
    assert len(rings) == len(SHAPES)
    # Each ring's block lies in its own two days.
    star = max(rings, key=lambda r: member_f1(r, orders.rings[-1]))
    start = (8 + 15 * (len(SHAPES) - 1)) * DAY
    assert start <= star.start <= star.end < start + 2 * DAY


def test_without_times_every_ring_of_two_or_more_shops_is_found():
    orders = market_with_rings(3)
    rings = find_ring_candidates(orders.buyers, orders.shops)
    for truth in orders.rings[:-1]:
        assert max(member_f1(r, truth) for r in rings) >= 0.9
    # A ring around one shop is an ordinary star without its two days: not found, and no other
    # block stands in for it.
    assert max(member_f1(r, orders.rings[-1]) for r in rings) == 0.0
    assert len(rings) == len(SHAPES) - 1


def test_heavy_camouflage_does_not_hide_the_rings():
    # Every ring buyer also places 30 orders at popular shops.
    orders = market_with_rings(4, camouflage=30)
    rings = find_ring_candidates(orders.buyers, orders.shops, orders.times)
    for truth in orders.rings:
        assert max(member_f1(r, truth) for r in rings) >= 0.9
    # Popular shops the ring buyers camouflage at are not taken into their blocks.
    popular = set(np.argsort(np.bincount(orders.shops))[-20:].tolist())
    assert all(not popular & set(r.shops.tolist()) for r in rings)


@pytest.mark.parametrize("with_times", [False, True])
@pytest.mark.parametrize("seed", [0, 1, 2])
def test_a_market_without_rings_gives_nothing(seed, with_times):
    orders = powerlaw_orders(20_000, seed=seed + 50)
    assert find_ring_candidates(orders.buyers, orders.shops, orders.times if with_times else None) == []


def test_rings_keep_their_promises():
    orders = market_with_rings(5)
    rings = find_ring_candidates(orders.buyers, orders.shops, orders.times, threshold=15.0)
    assert [r.rank for r in rings] == list(range(1, len(rings) + 1))
    assert [r.score for r in rings] == sorted((r.score for r in rings), reverse=True)
    assert sorted(r.found for r in rings) == sorted(set(r.found for r in rings))
    seen = np.zeros(len(orders.buyers), dtype=int)
    for ring in rings:
        assert ring.score >= 15.0 and ring.lift > 1.0
        # Its orders join its members only, within its time span, and its mass counts their cells.
        assert set(orders.buyers[ring.edges].tolist()) == set(ring.buyers.tolist())
        assert set(orders.shops[ring.edges].tolist()) == set(ring.shops.tolist())
        assert ring.start == orders.times[ring.edges].min() and ring.end == orders.times[ring.edges].max()
        assert ring.mass == len({(b, s) for b, s in zip(orders.buyers[ring.edges], orders.shops[ring.edges])})
        assert np.all(np.diff(ring.edges) > 0)
        seen[ring.edges] += 1
    assert seen.max() <= 1  # these rings share no orders


def test_same_input_same_rings_and_input_order_does_not_matter():
    orders = market_with_rings(6)
    first = find_ring_candidates(orders.buyers, orders.shops, orders.times)
    again = find_ring_candidates(orders.buyers, orders.shops, orders.times)
    perm = np.random.default_rng(0).permutation(len(orders.buyers))
    shuffled = find_ring_candidates(orders.buyers[perm], orders.shops[perm], orders.times[perm])
    assert len(first) == len(again) == len(shuffled) == len(SHAPES)
    for a, b, c in zip(first, again, shuffled):
        assert a.as_dict() == b.as_dict()
        assert a.score == c.score and a.lift == c.lift
        assert np.array_equal(a.buyers, c.buyers) and np.array_equal(a.shops, c.shops)
        assert np.array_equal(np.sort(perm[c.edges]), a.edges)


def test_threshold_min_lift_and_max_blocks_trim_the_list():
    orders = market_with_rings(7)
    everything = find_ring_candidates(orders.buyers, orders.shops, orders.times)
    weakest = min(r.score for r in everything)
    stricter = find_ring_candidates(orders.buyers, orders.shops, orders.times, threshold=weakest + 1e-6)
    assert len(stricter) == len(everything) - 1
    lowest_lift = min(r.lift for r in everything)
    lifted = find_ring_candidates(orders.buyers, orders.shops, orders.times, min_lift=lowest_lift * 1.0001)
    assert all(r.lift >= lowest_lift for r in lifted) and len(lifted) == len(everything) - 1
    top2 = find_ring_candidates(orders.buyers, orders.shops, orders.times, max_blocks=2)
    assert [r.as_dict() for r in top2] == [r.as_dict() for r in everything[:2]]


def test_ids_and_times_of_any_kind():
    orders = market_with_rings(8)
    buyers = np.array([f"u{x}" for x in orders.buyers])
    shops = np.array([f"s{x}" for x in orders.shops])
    times = np.datetime64("2024-03-01T00:00:00") + orders.times.astype("timedelta64[s]")
    rings = find_ring_candidates(buyers, shops, times)
    plain = find_ring_candidates(orders.buyers, orders.shops, orders.times)
    assert len(rings) == len(plain)
    by_first_order = lambda r: r.edges[0]  # noqa: E731
    for text, number in zip(sorted(rings, key=by_first_order), sorted(plain, key=by_first_order)):
        assert np.array_equal(text.edges, number.edges)
        assert sorted(text.shops.tolist()) == sorted(f"s{x}" for x in number.shops)
        assert text.start == times[text.edges].min()
        assert text.buckets[0] == np.datetime64("2024-03-01") + np.timedelta64(int(number.buckets[0] // DAY), "D")
        assert text.as_dict()["start"] == str(text.start)


def test_bad_and_tiny_input():
    assert find_ring_candidates(np.array([]), np.array([])) == []
    assert find_ring_candidates(np.array([1, 2, 3]), np.array([1, 1, 2]), np.array([0, 5, 9])) == []
    with pytest.raises(ValueError):
        find_ring_candidates(np.array([1, 2]), np.array([1]))
    with pytest.raises(ValueError):
        find_ring_candidates(np.array([1, 2]), np.array([1, 2]), np.array([1]))
    with pytest.raises(ValueError):  # one-second buckets over a year
        find_ring_candidates(np.array([1, 2]), np.array([1, 2]), np.array([0, 365 * DAY]), bucket=1)
