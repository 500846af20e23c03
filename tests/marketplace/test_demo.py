"""The demo trades: written through the services for a small demo city, deterministic, and fast."""

from __future__ import annotations

import datetime as dt
import random
import time

import pytest
from django.utils import timezone

from ecredit.audit.services import verify
from ecredit.marketplace import demo
from ecredit.marketplace.models import Order, Rating, ReviewShield, ShopReputation
from ecredit.registry.models import Subject
from ecredit.registry.shops import report_shops
from tests import factories as f


@pytest.mark.django_db
def test_demo_trades_for_a_small_city(market):
    for principal in (market.principal, market.other_principal):      # 2 platforms with 60 shops each
        report_shops([{"shop_id": f"D{k}", "name": f"演示店{k}", "operator": {"uscc": f.uscc(950000 + k)}}
                      for k in range(58)], principal)
    started = time.perf_counter()
    summary = demo.build(scale=1.0)
    assert time.perf_counter() - started < 10
    assert summary["orders"] == Order.objects.count() > 0 and summary["refused"] == 0
    assert summary["ratings"] == Rating.objects.count() > 0
    assert summary["shielded"] == ReviewShield.objects.count()
    assert ShopReputation.objects.count() == Subject.objects.shops().count()
    assert ShopReputation.objects.filter(good_rate_180d__isnull=False).exists()
    assert Rating.objects.filter(direction="seller_to_buyer").exists()
    assert verify().ok


def test_the_same_seed_gives_the_same_trades():
    now = timezone.now().replace(microsecond=0)
    codes = ["food", "textiles", "other"]

    def make(seed):
        return demo._trades(random.Random(f"{seed}:marketplace"), "platform_1", ["S1", "S2", "S3"], codes,
                            [1, 1, 1], now, 1.0)

    assert make(1) == make(1) and make(1) != make(2)
    orders, ratings = make(1)
    assert all(o["ordered_at"] < now for o in orders)
    assert all(r["rated_at"] <= next(o for o in orders if o["order_id"] == r["order_id"])["completed_at"]
               + dt.timedelta(days=15) for r in ratings)
