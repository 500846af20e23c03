"""The demo city's faked credit and what the detectors make of it.

`plant(orgs)` runs right after the demo trades and hides, through the marketplace's bulk services exactly as a
platform sends its data, what the detectors are built to find:

- two fake-order rings (刷单团伙) on the two biggest platforms: new buyer accounts each ordering from nearly
  every shop of a group of idle shops within a few days, each order rated good with full marks, and ring
  buyers also ordering at the platform's most popular shops over the weeks around it (camouflage, so that
  they look like ordinary buyers);
- one burst of paid good reviews: one-off accounts each buying once from one shop within two days and rating
  it good with near-identical texts;
- one bad-review attack: one-off accounts rating a well-rated competitor bad within two days.

`build(orgs)` runs after logistics and trace: one detection run over the demo's orders, ratings and parcels,
then officers review some findings so the console shows every state: the strongest ring, the review burst and
one shop's empty parcels (when logistics data shows any) confirmed, each becoming credit records; the other
ring dismissed with a reason; the bad-review attack and the registry checks' findings left open.

Deterministic: the same shops, buyers, orders and decisions on every build of the same city (times count back
from today, as the trades' do).
"""

from __future__ import annotations

import datetime as dt
import random
from collections import Counter
from decimal import Decimal

from django.db.models import Count
from django.utils import timezone
from stdnum import ean

from ecredit.access.models import Organisation
from ecredit.access.principal import Principal
from ecredit.marketplace import services as market
from ecredit.marketplace.models import Order, TradeChannel
from ecredit.registry.models import Subject, SubjectKind

SEED = 7                                    # issue 7
# (platform position, buyers, shops, days the ring's orders span, days ago it started, share of its buyers
# who also order at popular shops). Sized for the demo's sparse trades, where every random order is rare:
# a tight ring of about 8 x 8 is what stands out under either ring method of findings.yaml (the peeling
# method's min_lift is the harder test; the significance method finds it by far).
RINGS = ((0, 8, 8, 3.0, 12, 1.0), (1, 8, 8, 2.0, 24, 0.5))
CAMOUFLAGE = 1                              # orders of a camouflaging ring buyer at popular shops
POPULAR = 5                                 # how many of a platform's busiest shops take camouflage orders
QUIET_DAYS = 100                            # ring shops: those with the fewest orders in this many days
PAID_GOOD, ATTACK = 30, 22                  # one-off accounts in the good-review burst and in the attack
# Planted order numbers are "<platform code>-<mark><5 digits>": F for fake orders (rings, paid reviews; the
# logistics demo gives some of them empty parcels), A for the attackers' purchases (real goods, bad reviews).
FAKE_MARK, ATTACK_MARK = "F", "A"
GOOD_TEXTS = ("宝贝非常好，五星好评！", "非常好，五星好评，推荐购买！", "宝贝很好，五星好评！！", "好评，宝贝非常好")
BAD_TEXTS = ("假货，千万别买！", "假货，别买，差评！", "千万别买，假货", "差评，假货")
FAKE_REVIEW = "很好，物流快，好评"


def _gtin(rng: random.Random) -> str:
    body = f"69{rng.randrange(0, 10)}{rng.randrange(0, 10**9):09d}"
    return body + ean.calc_check_digit(body)


def _platforms() -> list[tuple[Organisation, Subject]]:
    """The demo platforms (access organisation and registry subject), in code order."""
    out = []
    for org in Organisation.objects.filter(kind="platform", active=True).exclude(uscc="").order_by("code"):
        subject = Subject.objects.filter(uscc=org.uscc, kind=SubjectKind.ORGANISATION).first()
        if subject is not None and Subject.objects.filter(kind=SubjectKind.SHOP, platform=subject).exists():
            out.append((org, subject))
    return out


def _has_field(name: str) -> bool:
    return any(f.name == name for f in Order._meta.get_fields())


class _Planter:
    """Builds the planted orders and ratings of one platform, then sends them as that platform would."""

    def __init__(self, rng: random.Random, org: Organisation, platform: Subject, now: dt.datetime,
                 regions: list[str]) -> None:
        self.rng, self.org, self.platform, self.now, self.regions = rng, org, platform, now, regions
        self.orders: list[dict] = []
        self.ratings: list[dict] = []
        self.serial = 0
        self.delivery = _has_field("ship_to_region") and _has_field("goods_weight_kg")

    def buyer(self, tag: str) -> str:
        # Pseudonyms as the platform makes them, never digits only (never mistaken for a phone number).
        return f"{self.org.code[:2]}{tag}{self.rng.getrandbits(44):011x}"

    def order(self, shop_id: str, buyer: str, at: dt.datetime, *, price: Decimal, category: str,
              region: str, weight: str, rating: dict | None = None, mark: str = FAKE_MARK) -> None:
        """One completed order (paid, shipped, delivered), and its buyer's rating if given. `mark` starts the
        serial of the order number: FAKE_MARK for fake orders, ATTACK_MARK for attackers' real purchases."""
        self.serial += 1
        shipped = at + dt.timedelta(hours=self.rng.uniform(2, 20))
        completed = shipped + dt.timedelta(days=self.rng.uniform(1.5, 4))
        if completed >= self.now:
            completed = self.now - dt.timedelta(hours=1)
            shipped = min(shipped, completed)
        row = {"order_id": f"{self.org.code}-{mark}{self.serial:05d}", "shop_id": shop_id, "buyer": buyer,
               "amount": str(price), "status": "completed", "ordered_at": at, "paid_at": at,
               "shipped_at": shipped, "completed_at": completed,
               "payment_channel": self.rng.choice(("alipay", "wechat_pay")),
               "waybill": f"YT{self.rng.randrange(10**11, 10**12)}",
               "items": [{"gtin": _gtin(self.rng), "category": category, "quantity": 1, "price": str(price)}]}
        if self.delivery:
            row.update(ship_to_region=region, goods_weight_kg=weight)
        self.orders.append(row)
        if rating is not None:
            rated = min(completed + dt.timedelta(hours=self.rng.uniform(1, 30)), self.now - dt.timedelta(minutes=5))
            self.ratings.append({"order_id": row["order_id"], "rated_at": rated, **rating})

    def send(self) -> dict[str, int]:
        principal = Principal.build("system:demo", "platform_client", self.org)
        made = Counter()
        for start in range(0, len(self.orders), market.MAX_BATCH):
            batch = market.submit_orders(self.orders[start:start + market.MAX_BATCH], principal,
                                         channel=TradeChannel.DEMO)
            made["orders"] += batch.created
            made["refused"] += batch.rejected
        for start in range(0, len(self.ratings), market.MAX_BATCH):
            batch = market.submit_ratings(self.ratings[start:start + market.MAX_BATCH], principal,
                                          channel=TradeChannel.DEMO)
            made["ratings"] += batch.created
            made["refused"] += batch.rejected
        return dict(made)


def _good(rng: random.Random, text: str) -> dict:
    return {"value": "good", "text": text, "dsr": {"description": 5, "service": 5, "delivery": 5}}


def _shops_by_orders(platform: Subject, since: dt.datetime | None = None) -> list[tuple[str, int]]:
    """The platform's shops with their orders (since a time, if given), busiest first (ties by shop id)."""
    orders = Order.objects.filter(platform=platform)
    if since is not None:
        orders = orders.filter(ordered_at__gte=since)
    counts = dict(orders.values("shop__shop_id").annotate(n=Count("id")).values_list("shop__shop_id", "n"))
    shops = Subject.objects.filter(kind=SubjectKind.SHOP, platform=platform).values_list("shop_id", flat=True)
    return sorted(((s, counts.get(s, 0)) for s in shops), key=lambda item: (-item[1], item[0]))


def plant(orgs) -> dict[str, int]:
    """Hide faked credit (rings, fake reviews) among the demo trades, before parcels are made for them."""
    from ecredit import policy

    rng = random.Random(f"{SEED}:findings")
    now = timezone.now()
    platforms = _platforms()
    if not platforms:
        return {}
    regions = [d.code for d in policy.current().regions.districts]
    planters: dict[str, _Planter] = {}
    used: set[tuple[str, str]] = set()      # (platform code, shop id) already given a part to play

    def planter(position: int) -> _Planter:
        org, platform = platforms[position % len(platforms)]
        if org.code not in planters:
            planters[org.code] = _Planter(rng, org, platform, now, regions)
        return planters[org.code]

    for position, n_buyers, n_shops, days, ago, camouflaging in RINGS:
        p = planter(position)
        popular = [s for s, _n in _shops_by_orders(p.platform)[:POPULAR]]
        # The shops a ring lifts are quiet ones (a new or idle shop buying itself a record of sales).
        recent = _shops_by_orders(p.platform, now - dt.timedelta(days=QUIET_DAYS))
        quiet = [s for s, _n in reversed(recent) if (p.org.code, s) not in used and s not in popular]
        fewest = recent[-1][1] if recent else 0
        idle = [s for s in quiet if dict(recent)[s] == fewest]
        ring_shops = (rng.sample(idle, n_shops) if len(idle) >= n_shops else quiet[:n_shops])
        used.update((p.org.code, s) for s in ring_shops)
        start = now - dt.timedelta(days=ago)
        drop = rng.choice(regions)          # the ring's fake orders go to a handful of addresses in one district
        for k in range(n_buyers):
            buyer = p.buyer("r")
            for shop in ring_shops:
                for _ in range(1 if rng.random() < 0.7 else 2):
                    if rng.random() < 0.1:      # not every buyer at every shop: a ring is dense, not complete
                        continue
                    at = start + dt.timedelta(seconds=rng.uniform(0, days * 86_400))
                    p.order(shop, buyer, at, price=Decimal(rng.randrange(990, 3990)) / 100, category="clothing",
                            region=drop, weight="0.6", rating=_good(rng, FAKE_REVIEW))
            if k < round(camouflaging * n_buyers):
                for shop in rng.sample(popular, min(CAMOUFLAGE, len(popular))):
                    at = now - dt.timedelta(days=rng.uniform(3, 60))
                    p.order(shop, buyer, at, price=Decimal(rng.randrange(1990, 19990)) / 100,
                            category="household", region=rng.choice(regions), weight=f"{rng.uniform(0.3, 3):.2f}",
                            rating=_good(rng, rng.choice(("不错", "挺好的，会回购", "质量可以")))
                            if rng.random() < 0.6 else None)

    # A burst of paid good reviews for one shop, and an attack of bad reviews on a well-rated one.
    for part, (tag, accounts, texts, value) in enumerate((("g", PAID_GOOD, GOOD_TEXTS, "good"),
                                                          ("x", ATTACK, BAD_TEXTS, "bad"))):
        p = planter(2 + part)
        ranked = [s for s, _n in _shops_by_orders(p.platform) if (p.org.code, s) not in used]
        shop = ranked[len(ranked) // 3] if value == "good" else ranked[0]
        used.add((p.org.code, shop))
        start = now - dt.timedelta(days=8 + 10 * part)
        for _ in range(accounts):
            at = start + dt.timedelta(seconds=rng.uniform(0, 2 * 86_400))
            score = 5 if value == "good" else 1
            rating = {"value": value, "text": rng.choice(texts),
                      "dsr": {"description": score, "service": score, "delivery": score}}
            p.order(shop, p.buyer(tag), at, price=Decimal(rng.randrange(990, 9990)) / 100, category="household",
                    region=rng.choice(regions), weight=f"{rng.uniform(0.2, 1):.2f}", rating=rating,
                    mark=FAKE_MARK if value == "good" else ATTACK_MARK)

    made: Counter = Counter()
    for p in planters.values():
        made.update(p.send())
    for p in planters.values():                 # the planted trades count in the shops' figures, as real ones do
        ids = Subject.objects.filter(kind=SubjectKind.SHOP, platform=p.platform,
                                     shop_id__in={o["shop_id"] for o in p.orders}).values_list("id", flat=True)
        for shop_id in ids:
            market.refresh_shop(shop_id)
    return dict(made)


def _officer(orgs, code: str, username: str) -> Principal | None:
    """A demo login's principal (the console shows the decision under that name)."""
    org = orgs.get(code)
    role = "credit_office_admin" if code == "credit_office" else "department_officer"
    return Principal.build(f"user:{username}", role, org) if org is not None else None


def build(orgs) -> dict:
    """Run the detectors over the demo's data, have officers review some findings; findings by status."""
    from ecredit.findings import flows, services
    from ecredit.findings.models import Finding, FindingKind, FindingStatus, RunStatus

    admin = _officer(orgs, "credit_office", "admin")
    if admin is None:
        return {}
    run = services.run_detection(admin)
    if run.status != RunStatus.FINISHED:
        return {"failed_runs": 1}
    market = _officer(orgs, "market_regulation", "market") or admin
    postal = _officer(orgs, "postal", "post") or admin

    def ranked(kind: str, **filters) -> list[Finding]:
        return list(Finding.objects.filter(kind=kind, status=FindingStatus.OPEN, last_run=run, **filters)
                    .order_by("rank", "id"))

    rings = ranked(FindingKind.ORDER_RING)
    for finding in rings[:1]:
        flows.confirm(finding.pk, market, reason="经调取平台交易流水、约谈网店经营者，确认组织买家账号虚构交易以提升销量和信誉")
    for finding in rings[1:2]:
        flows.dismiss(finding.pk, market, reason="经核查为平台组织的新店扶持团购活动，订单均已真实发货签收，不认定为刷单")
    for finding in ranked(FindingKind.REVIEW_ACCOUNTS, evidence__direction="positive")[:1]:
        flows.confirm(finding.pk, market, reason="评价账号均为近期注册、仅有一次购买，评价内容高度雷同，经营者承认以返现换取好评")
    for finding in ranked(FindingKind.EMPTY_PARCEL)[:1]:
        flows.confirm(finding.pk, postal, reason="经寄递企业核实，上述运单无分拨扫描记录、包裹重量与商品不符，确认为空包裹")
    counts = Counter(Finding.objects.values_list("status", flat=True))
    return {status: counts.get(status, 0) for status in FindingStatus.values}
