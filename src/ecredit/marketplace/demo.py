"""Demo trades: orders and ratings for the demo city's shops, written through the marketplace's services.

`build(seed, scale)` reads the platforms (access organisations of kind platform, with their registry entries)
and their shops from the database, generates about 8 orders per shop at scale 1.0 over the last 200 days
(so the 30- and 180-day figures have data), ratings in both directions inside the rating window, some
appended reviews, a few shielded reviews and some loyal buyers whose repeat purchases meet the monthly cap
and the repeat rule, then computes every shop's reputation. Everything goes through the bulk paths (batches
of up to 10,000), so scale 1.0 takes a few seconds. The same seed and scale on the same shops give the same
orders and ratings; times count back from today. `scale` is the city's: its shop count already reflects it,
so a shop has about 8 orders at any scale up to 1.0 and 8 × scale above.
"""

from __future__ import annotations

import datetime as dt
import random
import time
from decimal import Decimal
from typing import Any, Callable

from django.db import transaction
from django.utils import timezone
from stdnum import ean

from ecredit import policy
from ecredit.access.models import Organisation
from ecredit.access.principal import Principal
from ecredit.registry.models import Subject, SubjectKind

from . import services
from .models import RatingValue, TradeChannel

ORDERS_PER_SHOP = 8
DAYS = 200
CATEGORY_WEIGHTS = {"textiles": 18, "clothing": 16, "household": 14, "food": 12, "electronics": 10,
                    "agricultural": 8, "cosmetics": 8, "drugs": 3, "other": 4}
CHANNELS = ("alipay", "wechat_pay", "unionpay", "platform_wallet")
GOOD_TEXTS = ("质量很好，和描述一致", "物流很快，包装完好", "性价比高，会回购", "客服态度好，耐心解答", "面料舒服，做工不错")
NEUTRAL_TEXTS = ("一般般，还可以", "物流有点慢", "和图片有些色差")
BAD_TEXTS = ("质量太差，与描述不符", "发错货了，客服不理人", "收到就坏了，退货麻烦")
SPAM_TEXT = "加微信领优惠券，全场五折"


def _gtin(rng: random.Random) -> str:
    body = f"69{rng.randrange(0, 10)}{rng.randrange(0, 10**9):09d}"
    return body + ean.calc_check_digit(body)


def _principal(org: Organisation) -> Principal:
    return Principal.build("system:demo", "platform_client", org)


def build(seed: int = 20260101, scale: float = 1.0,
          say: Callable[[str], None] | None = None) -> dict[str, Any]:
    """Generate and write the demo trades; returns counts for the demo command's report."""
    say = say or (lambda message: None)
    started = time.perf_counter()
    rng = random.Random(f"{seed}:marketplace")
    now = timezone.now()
    codes = list(policy.in_force(policy.current().marketplace.categories, timezone.localdate()).codes)
    weights = [CATEGORY_WEIGHTS.get(code, 1) for code in codes]
    summary = {"orders": 0, "ratings": 0, "appended": 0, "shielded": 0, "shops": 0, "refused": 0,
               "seconds": 0.0}
    platforms = Organisation.objects.filter(kind="platform", active=True).exclude(uscc="").order_by("code")
    with transaction.atomic():
        for org in platforms:
            platform = Subject.objects.filter(uscc=org.uscc, kind=SubjectKind.ORGANISATION).first()
            if platform is None:
                continue
            shops = list(Subject.objects.filter(kind=SubjectKind.SHOP, platform=platform).order_by("id")
                         .values_list("shop_id", flat=True))
            if not shops:
                continue
            orders, ratings = _trades(rng, org.code, shops, codes, weights, now, scale)
            principal = _principal(org)
            for start in range(0, len(orders), services.MAX_BATCH):
                batch = services.submit_orders(orders[start:start + services.MAX_BATCH], principal,
                                               channel=TradeChannel.DEMO)
                summary["orders"] += batch.created
                summary["refused"] += batch.rejected
            ids: list[int | None] = []
            for start in range(0, len(ratings), services.MAX_BATCH):
                batch = services.submit_ratings(ratings[start:start + services.MAX_BATCH], principal,
                                                channel=TradeChannel.DEMO)
                summary["ratings"] += batch.created
                summary["refused"] += batch.rejected
                ids.extend(batch.ids)
            summary["appended"] += sum(1 for r in ratings if r.get("appended"))
            for rating_id, row in zip(ids, ratings):
                if rating_id and row.get("text") == SPAM_TEXT:
                    services.shield(rating_id, principal, "advertising", "演示：评价内容为其他经营者推广")
                    summary["shielded"] += 1
            summary["shops"] += len(shops)
            say(f"trades of {org.code}: {len(orders)} orders, {len(ratings)} ratings, "
                f"{time.perf_counter() - started:.1f} s")
        services.refresh_reputation()
    summary["seconds"] = round(time.perf_counter() - started, 1)
    return summary


def _trades(rng: random.Random, code: str, shops: list[str], categories: list[str], weights: list[int],
            now: dt.datetime, scale: float) -> tuple[list[dict], list[dict]]:
    """The orders and ratings of one platform's shops."""
    buyers = [f"{code[:2]}u{rng.getrandbits(48):012x}" for _ in range(max(50, len(shops) * 3))]
    orders, ratings = [], []
    per_shop = ORDERS_PER_SHOP * max(1.0, scale)
    for shop in shops:
        main = rng.choices(categories, weights=weights)[0]
        products = [(_gtin(rng), main if rng.random() < 0.8 else rng.choices(categories, weights=weights)[0],
                     Decimal(rng.randrange(990, 59900)) / 100) for _ in range(rng.randint(1, 5))]
        quality = rng.betavariate(8, 1.2)            # share of satisfied buyers
        loyal = rng.choice(buyers) if rng.random() < 0.15 else None
        n = max(1, int(rng.expovariate(1 / per_shop)))
        for k in range(n):
            buyer = loyal if loyal and rng.random() < 0.5 else rng.choice(buyers)
            gtin, category, price = rng.choice(products)
            quantity = rng.choice((1, 1, 1, 2, 3))
            ordered = now - dt.timedelta(days=rng.uniform(0.5, DAYS), minutes=rng.randrange(0, 600))
            order = {"order_id": f"{code}-{shop}-{k:04d}", "shop_id": shop, "buyer": buyer,
                     "amount": str(price * quantity), "status": "paid", "ordered_at": ordered,
                     "paid_at": ordered, "payment_channel": rng.choice(CHANNELS), "waybill": "",
                     "items": [{"gtin": gtin, "category": category, "quantity": quantity,
                                "price": str(price)}]}
            shipped = ordered + dt.timedelta(hours=rng.uniform(4, 48))
            completed = shipped + dt.timedelta(days=rng.uniform(1, 6))
            if rng.random() < 0.02:
                order.update(status="cancelled", cancelled_at=ordered + dt.timedelta(hours=2))
            elif shipped < now:
                waybill = f"YT{rng.randrange(10**11, 10**12)}"
                order.update(status="shipped", shipped_at=shipped, waybill=waybill)
                if completed < now:
                    order.update(status="completed", completed_at=completed)
                    if rng.random() < 0.04 + 0.25 * (1 - quality):
                        refunded = completed + dt.timedelta(days=rng.uniform(0.5, 7))
                        if refunded < now:
                            order.update(status="refunded", refunded_at=refunded)
            orders.append(order)
            if order.get("completed_at"):
                ratings.extend(_ratings(rng, order, quality, now))
    return orders, ratings


def _ratings(rng: random.Random, order: dict, quality: float, now: dt.datetime) -> list[dict]:
    """A buyer's rating of the order (most buyers rate), and sometimes the seller's of the buyer."""
    out = []
    completed = order["completed_at"]
    rated = completed + dt.timedelta(days=rng.uniform(0, 12))
    if rated < now and rng.random() < 0.7:
        draw = rng.random()
        value = RatingValue.GOOD if draw < quality else RatingValue.NEUTRAL if draw < quality + 0.03 \
            else RatingValue.BAD
        texts = {RatingValue.GOOD: GOOD_TEXTS, RatingValue.NEUTRAL: NEUTRAL_TEXTS,
                 RatingValue.BAD: BAD_TEXTS}[value]
        base = {"good": 5, "neutral": 3, "bad": 1}[value]
        row = {"order_id": order["order_id"], "value": value, "rated_at": rated,
               "text": SPAM_TEXT if rng.random() < 0.002 else rng.choice(texts),
               "dsr": {k: min(5, max(1, base + rng.choice((-1, 0, 0, 0, 1)))) for k in
                       ("description", "service", "delivery")}}
        appended = rated + dt.timedelta(days=rng.uniform(5, 60))
        if rng.random() < 0.06 and appended < now:
            row["appended"] = {"text": "用了一段时间，" + rng.choice(("依然满意", "有点起球", "质量稳定")), "at": appended}
        out.append(row)
    seller_rated = completed + dt.timedelta(days=rng.uniform(0, 3))
    if seller_rated < now and rng.random() < 0.3:
        out.append({"order_id": order["order_id"], "direction": "seller_to_buyer", "value": "good",
                    "rated_at": seller_rated, "text": "买家爽快，欢迎再来"})
    return out
