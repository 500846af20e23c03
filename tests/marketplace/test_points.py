"""The rating rules as properties (hypothesis) and as the examples the public rules page gives."""

from __future__ import annotations

import datetime as dt
import random
from collections import defaultdict

from hypothesis import given, settings
from hypothesis import strategies as st

from ecredit.marketplace import points as pts

RULES = pts.PointRules()          # +1 / 0 / -1, cap 6 per month, repeats within 14 days, order-time clock
START = dt.datetime(2026, 1, 1, 9, 0)


@st.composite
def ratings(draw, max_size: int = 60):
    """Ratings of a few buyers, shops and items over about four months; keys unique."""
    n = draw(st.integers(0, max_size))
    out = []
    for key in range(n):
        ordered = START + dt.timedelta(hours=draw(st.integers(0, 24 * 120)))
        out.append(pts.RatingIn(key=key, buyer=draw(st.sampled_from("ab")),
                                shop=draw(st.sampled_from((1, 2))),
                                item=draw(st.sampled_from(("g1", "g2", "g3"))),
                                value=draw(st.sampled_from(pts.VALUES)), ordered_at=ordered,
                                rated_at=ordered + dt.timedelta(days=draw(st.integers(1, 15)))))
    return out


@st.composite
def rule_sets(draw):
    return pts.PointRules(good=draw(st.integers(1, 3)), neutral=0, bad=-draw(st.integers(1, 3)),
                          cap=draw(st.integers(1, 8)), repeat_days=draw(st.integers(1, 30)),
                          cap_clock=draw(st.sampled_from(("ordered_at", "rated_at"))),
                          repeat_clock=draw(st.sampled_from(("ordered_at", "rated_at"))))


def _month(rating: pts.RatingIn, rules: pts.PointRules) -> tuple[int, int]:
    at = rating.ordered_at if rules.cap_clock == "ordered_at" else rating.rated_at
    return at.year, at.month


@settings(max_examples=300, deadline=None)
@given(ratings(), rule_sets())
def test_monthly_effect_of_a_pair_never_passes_the_cap(items, rules):
    counted = pts.count(items, rules)
    plus, minus = defaultdict(int), defaultdict(int)
    for r in items:
        key = (r.buyer, r.shop, *_month(r, rules))
        points = counted[r.key].points
        plus[key] += max(points, 0)
        minus[key] += min(points, 0)
    for key in set(plus) | set(minus):
        assert plus[key] <= rules.cap and minus[key] >= -rules.cap
        assert -rules.cap <= plus[key] + minus[key] <= rules.cap


@settings(max_examples=300, deadline=None)
@given(ratings(), rule_sets(), st.randoms(use_true_random=False))
def test_result_does_not_depend_on_the_order_ratings_are_given_in(items, rules, rnd):
    shuffled = list(items)
    rnd.shuffle(shuffled)
    assert pts.count(items, rules) == pts.count(shuffled, rules)


@settings(max_examples=300, deadline=None)
@given(ratings(), rule_sets())
def test_repeats_within_the_window_never_count_twice(items, rules):
    counted = pts.count(items, rules)
    clock = (lambda r: r.ordered_at) if rules.repeat_clock == "ordered_at" else (lambda r: r.rated_at)
    kept = defaultdict(list)
    for r in items:
        if not counted[r.key].repeat:
            kept[(r.buyer, r.shop, r.item)].append(clock(r))
        else:
            assert counted[r.key].points == 0
    for times in kept.values():
        times.sort()
        for earlier, later in zip(times, times[1:]):
            assert later - earlier >= dt.timedelta(days=rules.repeat_days)


@settings(max_examples=300, deadline=None)
@given(ratings(), rule_sets())
def test_every_rating_counts_its_value_or_less_and_only_repeats_and_the_cap_reduce_it(items, rules):
    counted = pts.count(items, rules)
    for r in items:
        c, value = counted[r.key], rules.value(r.value)
        assert abs(c.points) <= abs(value) and c.points * value >= 0
        if c.points != value:
            assert c.repeat or c.capped


@settings(max_examples=200, deadline=None)
@given(st.sampled_from(pts.VALUES), rule_sets(), st.integers(0, 10_000))
def test_a_single_rating_counts_its_value(value, rules, hours):
    at = START + dt.timedelta(hours=hours)
    rating = pts.RatingIn(1, "a", 1, "g", value, at + dt.timedelta(days=2), at)
    points = rules.value(value)
    expected = min(points, rules.cap) if points >= 0 else max(points, -rules.cap)
    assert pts.count([rating], rules) == {1: pts.Counted(1, expected, capped=abs(points) > rules.cap)}


@settings(max_examples=200, deadline=None)
@given(ratings())
def test_ratings_of_different_pairs_do_not_affect_each_other(items):
    together = pts.count(items, RULES)
    by_pair = defaultdict(list)
    for r in items:
        by_pair[(r.buyer, r.shop)].append(r)
    for group in by_pair.values():
        assert pts.count(group, RULES) == {r.key: together[r.key] for r in group}


def _r(key, value, day, item="g", buyer="a", month=1):
    at = dt.datetime(2026, month, day, 10)
    return pts.RatingIn(key, buyer, 1, item, value, at + dt.timedelta(days=3), at)


def test_seven_good_ratings_in_a_month_count_six_and_the_next_month_counts_again():
    items = [_r(k, "good", 1 + 2 * k, item=f"g{k}") for k in range(7)]
    items.append(_r(7, "good", 1, item="g9", month=2))
    counted = pts.count(items, RULES)
    assert [counted[k].points for k in range(8)] == [1, 1, 1, 1, 1, 1, 0, 1]
    assert counted[6].capped and pts.shop_totals(items, counted) == {1: 7}


def test_good_and_bad_ratings_are_capped_separately():
    items = [_r(k, "good", 1 + k, item=f"g{k}") for k in range(8)] + \
            [_r(10 + k, "bad", 1 + k, item=f"b{k}") for k in range(8)]
    counted = pts.count(items, RULES)
    assert sum(c.points for c in counted.values() if c.points > 0) == 6
    assert sum(c.points for c in counted.values() if c.points < 0) == -6


def test_the_same_item_again_within_14_days_counts_once_and_after_14_days_again():
    items = [_r(1, "good", 1), _r(2, "bad", 10), _r(3, "good", 15), _r(4, "good", 20)]
    counted = pts.count(items, RULES)
    assert [counted[k].points for k in (1, 2, 3, 4)] == [1, 0, 1, 0]
    assert counted[2].repeat and counted[4].repeat


def test_a_later_rule_version_applies_to_ratings_given_after_it():
    book = pts.RuleBook(((dt.date(2019, 1, 1), RULES), (dt.date(2026, 3, 1), pts.PointRules(good=2, bad=-2))))
    early, late = _r(1, "good", 1), _r(2, "good", 10, item="h", month=3)
    assert {k: c.points for k, c in pts.count([early, late], book).items()} == {1: 1, 2: 2}


def test_counting_a_large_month_is_fast_enough():
    rng = random.Random(1)
    items = [pts.RatingIn(k, f"b{rng.randrange(2000)}", rng.randrange(300), f"g{rng.randrange(5)}",
                          rng.choice(pts.VALUES), START + dt.timedelta(hours=k % 5000 + 30),
                          START + dt.timedelta(hours=k % 5000)) for k in range(100_000)]
    import time

    started = time.perf_counter()
    pts.count(items, RULES)
    assert time.perf_counter() - started < 5
