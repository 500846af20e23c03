"""A small marketplace with faked credit planted in it, sent through the real services as a platform sends it.

One platform with 40 shops, each run by its own company (shop names follow their operators' names, so names
are explained by the link). Background: 500 buyers placing 1-4 orders each at shops of Zipf-like popularity
over 60 days, most orders rated good a day after completion. Planted:

- a fake-order ring: 12 new buyers each ordering at each of shops S30-S33 within two days, 10 days ago, every
  ring order rated good, and each ring buyer also ordering at three popular shops (camouflage);
- a burst of paid good reviews at S20: 12 one-off accounts buying once and rating it good within a day;
- a bad-review attack on S05: 12 one-off accounts buying once and rating it bad within a day;
- a borrowed name: shop S36 "华美服饰官方旗舰店" run by an unrelated company, while 南通华美服饰有限公司 is
  registered;
- licences: S10 sells food with a valid food business licence (on its operator), S11 sells food with none,
  S12 sells drugs with an expired drug business licence;
- payment channels: S13 takes payment through "快付宝" (not licensed), S14 through the platform's own wallet
  (the platform holds no payment licence); everything else goes through alipay (on the licensed list);
- parcels: S15's orders carry waybills (with the delivery region and goods weight the platform sent); a fake
  logistics table gives five of them empty-parcel traces.
"""

from __future__ import annotations

import datetime as dt
import random
from dataclasses import dataclass, field

import numpy as np
from django.utils import timezone

from ecredit.archive import services as archive
from ecredit.audit.services import Actor
from ecredit.marketplace import services as marketplace
from ecredit.registry import services as registry
from ecredit.registry.models import Subject
from ecredit.registry.shops import report_shops
from tests import factories as f
from tests.marketplace.conftest import at, gtin

SHOPS = 40
RING_SHOPS = ("S30", "S31", "S32", "S33")
TRADES = ["华泰", "恒通", "金鼎", "瑞丰", "永昌", "嘉禾", "宏达", "鑫源", "博远", "天成", "明辉", "汇通", "德润",
          "锦程", "盛世", "安和", "丰泽", "福临", "佳美", "正泰", "新元", "长青", "联创", "卓越", "富邦", "诚信",
          "光明", "友谊", "和平", "振华", "东方", "海天", "云帆", "星河", "晨曦", "青松", "白鹭", "紫金", "银杏",
          "翠竹"]


@dataclass
class Planted:
    """Who is who in the planted world."""

    platform: Subject = None
    platform_org: object = None
    platform_principal: object = None
    shops: dict[str, int] = field(default_factory=dict)          # shop code -> subject id
    operators: dict[str, int] = field(default_factory=dict)      # shop code -> operator subject id
    ring_buyers: list[str] = field(default_factory=list)
    burst_buyers: list[str] = field(default_factory=list)
    attack_buyers: list[str] = field(default_factory=list)
    name_owner: int = 0
    order_seq: int = 0
    parcel_orders: list[str] = field(default_factory=list)      # S15's order numbers, the first five faked


def _item(category: str = "clothing", n: int = 1, price: str = "59.00") -> list[dict]:
    return [{"gtin": gtin(n), "category": category, "quantity": 1, "price": price}]


def _order(w: Planted, shop: str, buyer: str, days_ago: int, hour: int = 10, *, category: str = "clothing",
           channel: str = "alipay", **extra) -> dict:
    w.order_seq += 1
    no = f"T{w.order_seq:06d}"
    row = {"order_id": no, "shop_id": shop, "buyer": buyer, "amount": "59.00", "status": "completed",
           "ordered_at": at(days_ago, hour), "paid_at": at(days_ago, hour), "shipped_at": at(days_ago, hour + 4),
           "completed_at": at(days_ago - 1, 9), "payment_channel": channel, "items": _item(category),
           **extra}
    return row


def _rating(row: dict, value: str = "good", days_after: int = 1, hour: int = 12) -> dict:
    day = dt.date.fromisoformat(row["completed_at"][:10])
    rated = timezone.make_aware(dt.datetime.combine(day + dt.timedelta(days=days_after - 1), dt.time(hour)))
    rated = min(rated, timezone.now() - dt.timedelta(minutes=5))
    return {"order_id": row["order_id"], "value": value, "rated_at": rated.isoformat(),
            "dsr": {"description": 5 if value == "good" else 1, "service": 5 if value == "good" else 2,
                    "delivery": 5 if value == "good" else 2},
            "text": "很好" if value == "good" else "很差"}


def build() -> Planted:
    """Write the planted marketplace; returns who is who."""
    w = Planted()
    actor = Actor("test")
    code = f.uscc(770001)
    w.platform = registry.register({"uscc": code, "name": "检测测试平台"}, actor, roles=["platform"])
    w.platform_org = f.organisation("platform", "platform_detect", name="检测测试平台", uscc=code)
    w.platform_principal = f.principal("platform_client", w.platform_org)
    rows = []
    for i in range(SHOPS):
        trade = TRADES[i]
        rows.append({"shop_id": f"S{i:02d}", "name": f"{trade}服饰旗舰店",
                     "operator": {"uscc": f.uscc(760000 + i), "name": f"南通{trade}服饰有限公司"}})
    rows[36] = {"shop_id": "S36", "name": "华美服饰官方旗舰店",
                "operator": {"uscc": f.uscc(760036), "name": "南通某某贸易有限公司"}}
    report = report_shops(rows, w.platform_principal)
    assert not report.errors, report.errors
    owner = registry.register({"uscc": f.uscc(750001), "name": "南通华美服饰有限公司"}, actor, roles=["merchant"])
    w.name_owner = owner.pk
    for shop in Subject.objects.filter(platform=w.platform).select_related("operator"):
        w.shops[shop.shop_id] = shop.pk
        w.operators[shop.shop_id] = shop.operator_id

    rng = random.Random(7)
    popular = [f"S{i:02d}" for i in range(30)]
    weights = [1.0 / (k + 1) for k in range(len(popular))]
    orders, ratings = [], []
    for b in range(500):
        buyer = f"u{b:05d}"
        for _ in range(rng.choice((1, 1, 2, 2, 3, 4))):
            shop = rng.choices(popular, weights)[0]
            category = {"S10": "food", "S11": "food", "S12": "drugs"}.get(shop, "clothing")
            channel = {"S13": "快付宝", "S14": "platform_wallet"}.get(shop, "alipay")
            row = _order(w, shop, buyer, rng.randint(12, 60), rng.randint(8, 18), category=category,
                         channel=channel)
            if shop == "S15":
                row.update(waybill=f"YT{w.order_seq:08d}", ship_to_region="310104", goods_weight_kg="1.200")
                w.parcel_orders.append(row["order_id"])
            orders.append(row)
            if rng.random() < 0.6:
                ratings.append(_rating(row, rng.choice(("good",) * 8 + ("neutral", "bad")), rng.randint(1, 5)))
    # The ring: 12 buyers x 4 shops within two days, and camouflage at popular shops.
    for b in range(12):
        buyer = f"r{b:05d}"
        w.ring_buyers.append(buyer)
        for k, shop in enumerate(RING_SHOPS):
            row = _order(w, shop, buyer, 10 - (b + k) % 2, 9 + (b + k) % 8)
            orders.append(row)
            ratings.append(_rating(row, "good", 1, 10 + k))
        for shop in rng.sample(popular[:6], 3):
            orders.append(_order(w, shop, buyer, rng.randint(12, 50), 11))
    # Paid good reviews at S20 and an attack of bad ones on S05: one-off accounts, within a day.
    for b in range(12):
        for prefix, shop, value, target in (("p", "S20", "good", w.burst_buyers), ("x", "S05", "bad",
                                                                                   w.attack_buyers)):
            buyer = f"{prefix}{b:05d}"
            target.append(buyer)
            row = _order(w, shop, buyer, 6, 8 + b % 10)
            orders.append(row)
            ratings.append(_rating(row, value, 1, 10 + b % 10))
    send(w, orders, ratings)
    _licences(w)
    return w


def send(w: Planted, orders: list[dict], ratings: list[dict]) -> None:
    """Submit orders and ratings as the platform does."""
    batch = marketplace.submit_orders(orders, w.platform_principal)
    assert not batch.errors, batch.errors[:3]
    batch = marketplace.submit_ratings(ratings, w.platform_principal)
    assert not batch.errors, batch.errors[:3]


def ring_grows(w: Planted, shops: tuple[str, ...] = RING_SHOPS, prefix: str = "q") -> None:
    """The ring grows: 12 more buyers order at every one of `shops` (default every ring shop: 48 more orders)
    in the same two days."""
    orders = []
    for b in range(12):
        buyer = f"{prefix}{b:05d}"
        orders += [_order(w, shop, buyer, 10 - (b + k) % 2, 9 + (b + k) % 8) for k, shop in enumerate(shops)]
    send(w, orders, [])


def _licences(w: Planted) -> None:
    market = f.organisation("department", "market_regulation_w", name="市市场监管局（测试）")
    officer = f.principal("department_officer", market)
    today = timezone.localdate()
    items = []
    for rid, shop, name, start, end in (
            ("LIC-S10", "S10", "食品经营许可证", today - dt.timedelta(days=400), today + dt.timedelta(days=800)),
            ("LIC-S12", "S12", "药品经营许可证", today - dt.timedelta(days=2000), today - dt.timedelta(days=30))):
        operator = Subject.objects.get(pk=w.operators[shop])
        items.append({"id": rid, "type": "admin_licence", "subject": {"uscc": operator.uscc, "name": operator.name},
                      "decided_on": start.isoformat(), "summary": f"准予{name}",
                      "details": {"decision_no": rid, "licence_name": name, "licence_no": f"JY{rid}",
                                  "valid_from": start.isoformat(), "valid_until": end.isoformat()}})
    report = archive.ingest(items, officer)
    assert not report.errors, report.errors


# ------------------------------------------------------------------------------------------- parcels


def parcel_tables(w: Planted):
    """A stand-in for logistics' detection_tables: S15's waybills and scans, the first five faked (created
    before payment, no hub scan between Nantong and Shanghai, 20 g for 1.2 kg of goods)."""
    from ecredit.marketplace.models import Order

    rows = list(Order.objects.filter(order_no__in=w.parcel_orders).order_by("order_no")
                .values_list("order_no", "waybill", "paid_at"))
    fake = set(w.parcel_orders[:5])
    wb: dict[str, list] = {k: [] for k in ("waybill_no", "order_id", "created_at", "weight", "scanned_weight",
                                            "origin", "destination", "carrier")}
    sc: dict[str, list] = {k: [] for k in ("waybill_no", "time", "city", "kind")}
    for no, waybill, paid in rows:
        paid = np.datetime64(int(paid.timestamp()), "s")
        bad = no in fake
        wb["waybill_no"].append(waybill)
        wb["order_id"].append(f"{w.platform.uscc}/{no}")
        wb["created_at"].append(paid - np.timedelta64(3600, "s") if bad else paid + np.timedelta64(7200, "s"))
        wb["weight"].append(0.02 if bad else 1.3)
        wb["scanned_weight"].append(np.nan)
        wb["origin"].append("320600")
        wb["destination"].append("310100")
        wb["carrier"].append(0)
        steps = [("accepted", "320600", 10)] + ([] if bad else [("hub", "320600", 14), ("hub", "310100", 30)]) + \
            [("signed", "310100", 40)]
        for kind, city, hours in steps:
            sc["waybill_no"].append(waybill)
            sc["time"].append(paid + np.timedelta64(hours * 3600, "s"))
            sc["city"].append(city)
            sc["kind"].append(kind)
    waybills = {k: np.array(v, dtype="datetime64[s]" if k == "created_at" else None) for k, v in wb.items()}
    scans = {k: np.array(v, dtype="datetime64[s]" if k == "time" else None) for k, v in sc.items()}
    history = {"origin": np.array([], dtype=str), "destination": np.array([], dtype=str),
               "transit": np.array([], dtype=np.float64)}

    def provider(since: dt.date, until: dt.date):
        return waybills, scans, history

    return provider
