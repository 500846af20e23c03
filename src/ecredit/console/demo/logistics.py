"""The demo city's parcels: waybills and tracking scans for the demo orders that were shipped, sent by four courier
firms through the logistics services (one in carrier action words, one in an aggregator's numeric states, two in
ours), consumers' feedback on some deliveries, and the firms' monthly figures with the service-quality records of
the months a firm failed.

- Carriers: the demo's logistics firm (`logistics_1`, with an API token) and three more courier firms of the
  registry, given reporting organisations here (`logistics_2`…`logistics_4`); the last is a poor one (late
  parcels), so its final months fail the on-time standard and become records.
- A parcel is picked up in its shop's district, passes the Nantong sorting hub and, between cities, the
  destination's transit centre, and is signed where it was bound (the order's `ship_to_region` when the platform
  gave one); some are refused and returned, some become problems, a few are lost. Scans after now are not sent.
- Empty parcels are planted on the orders of the two shops with the most planted (findings) orders and on a
  few others: no hub scan between cities, a journey too fast for its route, a parcel far too light, one waybill
  for two orders, a waybill made before the order was paid. The empty-parcel rules find them.

Deterministic (seeded; times count back from now).
"""

from __future__ import annotations

import datetime as dt
import random
import re
from collections import Counter
from decimal import Decimal

from django.utils import timezone

from ecredit import policy
from ecredit.access.models import Organisation, OrganisationKind
from ecredit.logistics import services
from ecredit.logistics.models import ParcelChannel
from ecredit.logistics.services import figures, tracking
from ecredit.marketplace.models import Order
from ecredit.registry.models import Subject, SubjectKind

from .findings import FAKE_MARK
from .writer import principal_of

SEED = 697   # 快递暂行条例（国务院令第697号）
# The city's parcel data starts this long ago (orders shipped earlier have no waybill here): three
# months of figures, the findings' 30-day window and two months of history before it, in a few seconds.
DAYS = 90
SHARES = (0.4, 0.3, 0.2, 0.1)             # of the parcels, per carrier
LATE = (0.04, 0.07, 0.09, 0.26)          # share of parcels signed after the time limit, per carrier
LOST = (0.0003, 0.0005, 0.0008, 0.004)
VOCABULARIES = ("carrier_action", "aggregator", "ecredit", "ecredit")
CODES = {
    "carrier_action": {"accepted": "GOT", "arrived": "ARRIVAL", "departed": "DEPARTURE",
                       "out_for_delivery": "SENT", "signed": "SIGNED", "refused": "REJECTION", "returned": "RETURN",
                       "problem": "ISSUE", "in_transit": "DEPARTURE"},
    "aggregator": {"accepted": "1", "arrived": "0", "departed": "0", "in_transit": "0", "out_for_delivery": "5",
                   "signed": "3", "refused": "14", "returned": "6", "problem": "2"},
}
# Where parcels go when the platform did not say: (region, place, transit centre), with weights.
DESTINATIONS = [
    ("310101", "上海市黄浦区", "上海转运中心", 14), ("320102", "南京市玄武区", "南京转运中心", 10),
    ("320583", "苏州市昆山市", "苏州转运中心", 8), ("330106", "杭州市西湖区", "杭州转运中心", 8),
    ("110105", "北京市朝阳区", "北京转运中心", 7), ("440305", "深圳市南山区", "深圳转运中心", 6),
    ("420106", "武汉市武昌区", "武汉转运中心", 4), ("510107", "成都市武侯区", "成都转运中心", 4),
    ("320612", "南通市通州区", "", 20), ("320613", "南通市崇川区", "", 19),
]
SURNAMES = "王李张刘陈杨黄赵吴周徐孙朱马胡郭何高林罗"
GIVEN = ("晓明", "丽华", "建国", "秀英", "志强", "海燕", "俊杰", "婷婷", "国庆", "桂芳", "子涵", "雨轩", "浩然", "欣怡")
ROADS = ("人民路", "中山路", "解放路", "建设路", "长江路", "青年路", "工农路", "和平路")
PATTERNS = ("no_hub", "too_fast", "light", "reused", "before_payment")
HUB = "南通分拨中心"


def _carriers(orgs: dict) -> list[tuple[Organisation, Subject]]:
    """The demo's logistics firm and three more courier firms of the registry, each with a reporting
    organisation."""
    first = orgs.get("logistics_1")
    out = []
    if first is not None and first.uscc:
        subject = Subject.objects.filter(uscc=first.uscc, kind=SubjectKind.ORGANISATION).first()
        if subject is not None:
            out.append((first, subject))
    others = (Subject.objects.filter(kind=SubjectKind.ORGANISATION, roles__role="logistics")
              .exclude(uscc=first.uscc if first is not None else "").exclude(uscc__isnull=True).order_by("id")[:3])
    for n, subject in enumerate(others, start=len(out) + 1):
        org, _made = Organisation.objects.get_or_create(
            code=f"logistics_{n}", defaults={"name": subject.name, "kind": OrganisationKind.LOGISTICS,
                                             "uscc": subject.uscc})
        orgs[org.code] = org
        out.append((org, subject))
    return out


def _orders(now: dt.datetime) -> list[dict]:
    """The demo orders with a waybill shipped in the last DAYS days, oldest first."""
    fields = {f.name for f in Order._meta.get_fields()}
    extra = [f for f in ("ship_to_region", "goods_weight_kg") if f in fields]
    names = ["id", "order_no", "platform__uscc", "shop_id", "shop__shop_id", "shop__region",
             "shop__operator__region", "paid_at", "ordered_at", "shipped_at", "waybill", *extra]
    rows = Order.objects.exclude(waybill="").filter(shipped_at__gte=now - dt.timedelta(days=DAYS)).order_by(
        "shipped_at", "id")
    return [dict(zip(names, r)) for r in rows.values_list(*names)]


class _Writer:
    """Builds one carrier's waybill and scan rows."""

    def __init__(self, rng: random.Random, now: dt.datetime, districts: dict[str, str]) -> None:
        self.rng, self.now, self.districts = rng, now, districts
        self.waybills: dict[int, list[dict]] = {}
        self.scans: dict[int, list[dict]] = {}
        self.made = Counter()

    def person(self) -> dict:
        """A made-up person: a name and a mobile number."""
        rng = self.rng
        return {"name": rng.choice(SURNAMES) + rng.choice(GIVEN),
                "phone": f"1{rng.choice('35789')}{rng.randrange(10**9):09d}"}

    def place(self, order: dict) -> tuple[str, str, str]:
        """Where an order's parcel goes: (region, place name, the transit centre there or "" in our city)."""
        given = order.get("ship_to_region") or ""
        if given:
            known = next((d for d in DESTINATIONS if d[0] == given), None)
            if known:
                return known[:3]
            if given[:4] == "3206":
                return given, "南通市" + self.districts.get(given, ""), ""
            return given, given, f"{given[:4]}00转运中心"
        region, place, centre, _w = self.rng.choices(DESTINATIONS, weights=[d[3] for d in DESTINATIONS])[0]
        return region, place, centre

    def parcel(self, carrier: int, order: dict, pattern: str | None, late: float, lost: float,
               second: dict | None = None) -> None:
        """One waybill and its scans (those before now)."""
        rng = self.rng
        origin = order["shop__region"] or order["shop__operator__region"] or "320613"
        if origin[:4] != "3206":
            origin = "320613"
        destination, place, centre = self.place(order)
        if pattern == "no_hub" and not centre:     # only between cities does a missing hub show (see _planted)
            destination, place, centre = DESTINATIONS[0][:3]
        shipped = order["shipped_at"]
        paid = order["paid_at"] or order["ordered_at"]
        created = max(paid, shipped - dt.timedelta(hours=rng.uniform(0.5, 3)))
        if pattern == "before_payment":
            created = paid - dt.timedelta(hours=rng.uniform(4, 30))
        goods = order.get("goods_weight_kg")
        weight = (Decimal(goods) * Decimal("1.1") + Decimal("0.15")) if goods else \
            Decimal(rng.randrange(200, 3500)) / 1000
        scanned = weight + Decimal(rng.randrange(-50, 80)) / 1000
        if pattern == "light":
            weight, scanned = Decimal("0.030"), Decimal("0.025")
        consignee = self.person()
        street = f"{rng.choice(ROADS)}{rng.randint(1, 300)}号{rng.randint(1, 30)}幢{rng.randint(101, 2603)}室"
        row = {"waybill_no": order["waybill"], "created_at": created,
               "platform_uscc": order["platform__uscc"], "order_no": order["order_no"],
               "shop_id": order["shop__shop_id"], "origin": origin, "destination": destination,
               "weight_kg": str(weight.quantize(Decimal("0.001"))),
               "scanned_weight_kg": str(max(scanned, Decimal("0.010")).quantize(Decimal("0.001"))),
               "consignee": {**consignee, "address": place + street}}
        if second is not None:
            row["orders"] = [{"platform_uscc": second["platform__uscc"], "order_no": second["order_no"]}]
        self.waybills.setdefault(carrier, []).append(row)
        self.scans.setdefault(carrier, []).extend(self.journey(order["waybill"], shipped, origin, destination,
                                                               place, centre, pattern, late, lost))
        self.made["waybills"] += 1
        if pattern:
            self.made[pattern] += 1

    def journey(self, number: str, start: dt.datetime, origin: str, destination: str, place: str, centre: str,
                pattern: str | None, late: float, lost: float) -> list[dict]:
        """The scans of one parcel, in our states (translated per carrier when sent)."""
        rng = self.rng
        between = bool(centre)
        hours = rng.uniform(30, 64) if between else rng.uniform(8, 22)
        if rng.random() < late:
            hours = rng.uniform(76, 120) if between else rng.uniform(26, 44)
        if pattern == "too_fast":
            hours = rng.uniform(1.5, 3)
        outlet = f"{self.districts.get(origin, '崇川区')}营业部"
        last = f"{place[3:] or place}营业部"
        courier = self.person()
        steps = [(0, "accepted", outlet, "outlet", origin, "", "")]
        if pattern != "no_hub":
            steps += [(0.12, "arrived", HUB, "hub", "320600", "", ""),
                      (0.18, "departed", HUB, "hub", "320600", centre or last, "")]
            if between:
                steps.append((0.6, "arrived", centre, "transit_centre", destination[:4] + "00", last, ""))
            steps += [(0.82, "arrived", last, "outlet", destination, "", "")]
        draw = rng.random()
        if draw < lost:
            steps.append((0.7, "problem", last if pattern != "no_hub" else outlet, "", destination,
                           "", "快件在转运途中丢失，已登记理赔"))
        elif draw < lost + 0.01:
            steps += [(0.9, "out_for_delivery", last, "outlet", destination, "", "courier"),
                      (1.0, "refused", last, "outlet", destination, "", "收件人拒收"),
                      (1.5, "returned", last, "outlet", destination, outlet, "拒收退回寄件人")]
        elif draw < lost + 0.015:
            steps += [(0.9, "problem", last, "outlet", destination, "", "地址不详，电话联系不上收件人"),
                      (1.3, "out_for_delivery", last, "outlet", destination, "", "courier"),
                      (1.4, "signed", last, "outlet", destination, "", "已签收，签收人：本人")]
        elif pattern == "no_hub" or rng.random() < 0.7:
            steps += [(0.9, "out_for_delivery", last, "outlet", destination, "", "courier"),
                      (1.0, "signed", last, "outlet", destination, "", "已签收，签收人：本人")]
        else:
            point = f"{place[3:] or place}{rng.choice(ROADS)}驿站"
            steps += [(0.9, "arrived", point, "agent", destination, "", "快件已到达驿站，请凭取件码取件"),
                      (1.0, "signed", point, "agent", destination, "", "已由驿站代收，取件人：本人")]
        out = []
        for share, state, station, kind, region, next_station, text in steps:
            at = start + dt.timedelta(hours=hours * share)
            if at > self.now - dt.timedelta(minutes=5):
                break
            scan = {"waybill_no": number, "time": at, "state": state, "station": station,
                    "station_type": kind, "region": region, "next_station": next_station}
            if text == "courier":
                scan.update(courier_name=courier["name"], courier_phone=courier["phone"],
                            text=f"派件员{courier['name']}正在派件，电话{courier['phone']}")
            elif text:
                scan["text"] = text
            out.append(scan)
        return out


def _planted(orders: list[dict], now: dt.datetime) -> dict[int, str]:
    """Order id -> the empty-parcel pattern it is given: most of the last month's orders of the two shops with the
    most planted (findings) orders, and a few other orders of the last month (the findings' window)."""
    rng = random.Random(f"{SEED}:patterns")
    recent = [o for o in orders if o["shipped_at"] >= now - dt.timedelta(days=28)]
    fake = re.compile(rf"-{FAKE_MARK}\d{{5}}$")      # the planted fake orders' numbers (demo/findings.py)
    by_shop = Counter(o["shop_id"] for o in recent if fake.search(o["order_no"]))
    shops = [s for s, _n in sorted(by_shop.items(), key=lambda item: (-item[1], item[0]))[:2]]
    chosen = [o for o in recent if o["shop_id"] in shops and rng.random() < 0.6]
    others = [o for o in recent if o["shop_id"] not in shops]
    chosen += rng.sample(others, min(len(others), 5 * len(PATTERNS)))
    out, turn = {}, 0
    for o in chosen:
        pattern = PATTERNS[turn % len(PATTERNS)]
        # No hub is needed within a city: an order bound for the shop's own city gets the next pattern.
        if pattern == "no_hub" and (o.get("ship_to_region") or "")[:4] == (o["shop__region"] or "3206")[:4]:
            turn += 1
            pattern = PATTERNS[turn % len(PATTERNS)]
        out[o["id"]] = pattern
        turn += 1
    return out


def plan(orders: list[dict], carriers: int, now: dt.datetime) -> _Writer:
    """The waybill and scan rows of every carrier for these orders (the same orders and now give the same rows)."""
    rng = random.Random(SEED)
    writer = _Writer(rng, now, {d.code: d.name for d in policy.current().regions.districts})
    planted = _planted(orders, now)
    taken: set[int] = set()
    reused_with: dict[int, dict] = {}
    for position, order in enumerate(orders):   # a reused waybill carries a second order, which gets none of its own
        if planted.get(order["id"]) == "reused" and order["id"] not in taken:
            other = next((o for o in orders[position + 1:] if o["id"] not in planted
                          and o["shop_id"] != order["shop_id"] and o["id"] not in taken), None)
            if other is not None:
                reused_with[order["id"]] = other
                taken.update((order["id"], other["id"]))
    skipped = {o["id"] for o in reused_with.values()}
    shares = list(SHARES[:carriers])
    for order in orders:
        if order["id"] in skipped:
            continue
        carrier = rng.choices(range(carriers), weights=shares)[0]
        writer.parcel(carrier, order, planted.get(order["id"]), LATE[carrier], LOST[carrier],
                      reused_with.get(order["id"]))
    return writer


def build(orgs) -> int:
    """Write the demo's parcels; returns how many waybills were written."""
    now = timezone.now()
    carriers = _carriers(orgs)
    orders = _orders(now)
    if not carriers or not orders:
        return 0
    writer = plan(orders, len(carriers), now)
    made = 0
    for index, (org, _subject) in enumerate(carriers):
        principal = principal_of(org)
        rows = writer.waybills.get(index, [])
        for start in range(0, len(rows), services.MAX_BATCH):
            batch = services.submit_waybills(rows[start:start + services.MAX_BATCH], principal,
                                             channel=ParcelChannel.DEMO)
            made += batch.created
        vocabulary = VOCABULARIES[index]
        scans = writer.scans.get(index, [])
        if vocabulary in CODES:
            scans = [{**s, "state": CODES[vocabulary][s["state"]]} for s in scans]
        for start in range(0, len(scans), services.MAX_BATCH):
            services.submit_scans(scans[start:start + services.MAX_BATCH], principal, vocabulary=vocabulary,
                                  channel=ParcelChannel.DEMO)
    _feedback(random.Random(f"{SEED}:feedback"), now, carriers)
    figures.refresh_figures(as_of=timezone.localdate())
    figures.write_quality_records()
    return made


def _feedback(rng: random.Random, now: dt.datetime, carriers) -> int:
    """Consumers' feedback on some signed deliveries, given a day or two after signature (through the
    consignee's proof, as on the portal)."""
    from ecredit.logistics.models import Waybill
    from ecredit.logistics.services.common import open_consignee

    poor = carriers[-1][1].pk if len(carriers) > 1 else None
    signed = list(Waybill.objects.filter(state="signed").order_by("id").values_list("id", flat=True))
    # One consumer in two hundred or so speaks up: each goes through the proof and its own logged write.
    chosen = sorted(rng.sample(signed, min(len(signed), max(30, len(signed) // 200), 80)))
    given = 0
    for waybill in Waybill.objects.filter(pk__in=chosen).order_by("id"):
        when = min(waybill.signed_at + dt.timedelta(hours=rng.uniform(2, 60)), now - dt.timedelta(minutes=1))
        tail = open_consignee(waybill)["phone"][-4:]
        proof = tracking.verify(waybill, tail, f"demo-{waybill.pk}", now=when)
        bad = waybill.carrier_id == poor
        score = rng.choices((5, 4, 3, 2, 1), weights=(30, 30, 20, 12, 8) if bad else (60, 25, 9, 4, 2))[0]
        tags = ["fast", "polite", "intact"] if score >= 4 else ["late", "not_to_door"] if score <= 2 else ["late"]
        tracking.give_feedback(proof, satisfaction=score, tags=rng.sample(tags, rng.randint(1, len(tags))),
                               text={5: "送货很快，快递员态度很好", 4: "还不错", 3: "一般，慢了一点",
                                     2: "太慢了，也没有送货上门", 1: "延误好几天，打电话也不接"}[score],
                               complaint=score <= 2, channel="demo", now=when)
        given += 1
    return given
