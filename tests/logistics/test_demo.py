"""The demo's parcels for a small demo city: written through the services, deterministic, fast, with empty parcels
the detectors find and a poor carrier whose failed months become records."""

from __future__ import annotations

import datetime as dt
import time

import numpy as np
import pytest
from django.utils import timezone

from ecredit.archive.models import CreditRecord
from ecredit.audit.services import Actor, verify
from ecredit.console.demo import logistics as demo
from ecredit.detection import find_empty_parcels
from ecredit.logistics import services
from ecredit.logistics.models import CarrierFigures, DeliveryFeedback, Scan, Waybill
from ecredit.marketplace import services as market
from ecredit.marketplace.models import Order
from ecredit.registry import services as registry
from ecredit.registry.shops import report_shops
from tests import factories as f
from tests.marketplace.conftest import order

pytestmark = pytest.mark.django_db


def _orders(n: int, shops: int, platform: int) -> list[dict]:
    """Shipped orders of the last 85 days, as a platform sends them (every fifth a planted one, "-F")."""
    now = timezone.now()
    rows = []
    for k in range(n):
        ordered = now - dt.timedelta(days=85 * (k + 1) / n + 0.5, hours=k % 7)
        rows.append(order(f"D{k % shops}-{k:05d}" if k % 5 else f"D{k % 3}-F{k:05d}", shop=f"D{k % shops}",
                          buyer=f"buyer-{k % 97:04d}", ordered_at=ordered.isoformat(), paid_at=ordered.isoformat(),
                          shipped_at=(ordered + dt.timedelta(hours=6)).isoformat(),
                          completed_at=(ordered + dt.timedelta(days=4)).isoformat()
                          if ordered + dt.timedelta(days=4) < now else None,
                          status="completed" if ordered + dt.timedelta(days=4) < now else "shipped",
                          waybill=f"YT{platform}{k:011d}", goods_weight_kg="1.200" if k % 2 else None))
    return rows


@pytest.fixture
def city(db) -> dict:
    """Two platforms with 20 shops and 400 shipped orders each, four courier firms, the postal administration."""
    actor = Actor("test")
    orgs = {}
    for n in (1, 2):
        code = f.uscc(940000 + n)
        registry.register({"uscc": code, "name": f"演示平台{n}"}, actor, roles=["platform"])
        orgs[f"platform_{n}"] = f.organisation("platform", f"platform_{n}", name=f"演示平台{n}", uscc=code)
        principal = f.principal("platform_client", orgs[f"platform_{n}"])
        report_shops([{"shop_id": f"D{k}", "name": f"演示店{k}", "region": "320613" if k % 2 else "320681",
                       "operator": {"uscc": f.uscc(930000 + 100 * n + k)}} for k in range(20)], principal)
        assert not market.submit_orders(_orders(400, 20, n), principal).errors
    for n in range(4):
        code = f.uscc(920000 + n)
        registry.register({"uscc": code, "name": f"演示{n}号快递有限公司"}, actor, roles=["logistics"])
        if n == 0:
            orgs["logistics_1"] = f.organisation("logistics", "logistics_1", name="演示0号快递有限公司", uscc=code)
    orgs["postal"] = f.organisation("department", "postal", name="市邮政管理局")
    return orgs


def test_demo_parcels(city):
    started = time.perf_counter()
    made = demo.build(city)
    seconds = time.perf_counter() - started
    shipped = Order.objects.exclude(waybill="").filter(
        shipped_at__gte=timezone.now() - dt.timedelta(days=demo.DAYS)).count()
    assert made == Waybill.objects.count() > 0.95 * shipped
    assert seconds < 10, seconds
    assert set(Waybill.objects.values_list("organisation__code", flat=True)) == {
        "logistics_1", "logistics_2", "logistics_3", "logistics_4"}
    assert Scan.objects.filter(carrier_code="GOT").exists() and Scan.objects.filter(carrier_code="3").exists()
    assert not Scan.objects.filter(at__gt=timezone.now()).exists()
    assert Waybill.objects.filter(state="signed").count() > 0.8 * made
    assert Waybill.objects.filter(state="refused").exists() or Waybill.objects.filter(state="returned").exists()
    assert DeliveryFeedback.objects.exists() and DeliveryFeedback.objects.filter(complaint=True).exists()

    # The poor carrier's parcels are late (over its months, judged or not).
    poor = Waybill.objects.filter(organisation__code="logistics_4").values_list("carrier_id", flat=True).first()
    rates = {}
    for row in CarrierFigures.objects.exclude(on_time_rate__isnull=True):
        done = rates.setdefault(row.carrier_id, [0, 0])
        done[0], done[1] = done[0] + row.on_time, done[1] + row.on_time + row.late
    assert rates[poor][0] / rates[poor][1] < 0.85
    assert all(on_time / due > 0.85 for carrier, (on_time, due) in rates.items() if carrier != poor)
    # (In so small a city one lost parcel or one complaint can fail a month of the others as well.)
    failed = CarrierFigures.objects.filter(judged=True, passed=False, final=True)
    records = CreditRecord.objects.filter(record_type_id="logistics_service_quality")
    assert records.count() == failed.count()
    assert set(records.values_list("id", flat=True)) == set(failed.values_list("record_id", flat=True))

    today = timezone.localdate()
    waybills, scans, history = services.detection_tables(today - dt.timedelta(days=400), today)
    ids = sorted(set(waybills["order_id"].tolist()))
    rows = {f"{u}/{n}": (s, p, w, r) for u, n, s, p, w, r in Order.objects.values_list(
        "platform__uscc", "order_no", "shop_id", "paid_at", "goods_weight_kg", "ship_to_region")}
    orders = {"order_id": np.array(ids), "shop": np.array([rows[i][0] for i in ids]),
              "paid_at": np.array([np.datetime64(rows[i][1].replace(tzinfo=None), "s") for i in ids]),
              "goods_weight": np.array([float(rows[i][2]) if rows[i][2] else np.nan for i in ids]),
              "city": np.array([(rows[i][3] or "")[:4] + "00" if rows[i][3] else "" for i in ids])}
    hits = find_empty_parcels(orders, waybills, scans)
    found = {h.rule for h in hits}
    assert {"no_hub_scan", "too_fast", "reused_waybill", "created_before_payment"} <= found
    assert verify().ok


def test_the_same_orders_give_the_same_parcels():
    now = timezone.now().replace(microsecond=0)
    orders = [{"id": n, "order_no": f"p1-D{n % 7}-{n:04d}" if n % 5 else f"p1-F{n:05d}", "platform__uscc": "U",
               "shop_id": n % 7, "shop__shop_id": f"D{n % 7}", "shop__region": "320613",
               "shop__operator__region": "", "paid_at": now - dt.timedelta(days=30 - n / 10),
               "ordered_at": now - dt.timedelta(days=30 - n / 10), "shipped_at": now - dt.timedelta(days=27 - n / 10),
               "waybill": f"YT{n:012d}"} for n in range(200)]
    first, second = demo.plan(orders, 4, now), demo.plan(orders, 4, now)
    assert first.waybills == second.waybills and first.scans == second.scans
    assert sum(first.made[p] for p in demo.PATTERNS) > 0
