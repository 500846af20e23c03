"""Which records the demo city holds: how many of each type, about whom, from which source, when.

Shares follow what a city's archive looks like: licences, penalties, platform reports, complaints and
tax grades make most of it; lists, court records and payment licences are rare. Negative records fall
on subjects in proportion to a heavy-tailed "risk", so a few subjects collect many of them; neutral
and positive records are spread evenly. Dates spread over the six years before the anchor, more of them
recent, so that some records are inside their publicity window and some past it. The licences the demo trades
call for are planned too: the operators of shops selling key goods hold the licence findings.yaml asks for, and
the platforms a payment licence for their wallets, with a few deliberate gaps for the detectors to find.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
from dataclasses import dataclass

from ecredit.policy.loader import Policy, in_force

from . import details as builders
from .world import ANCHOR, World, count

# Records per type at full scale (20,000 in all); a type not listed here gets DEFAULT_SHARE.
TYPE_SHARES = {
    "admin_licence": 3200, "admin_penalty_general": 2500, "admin_penalty_serious": 300,
    "abnormal_operation_list": 800, "serious_violation_list": 100, "honour": 350,
    "court_dishonest_debtor": 250,
    "credit_commitment": 1400, "commitment_breach": 120, "complaint_upheld": 2200, "malicious_review": 600,
    "fake_order": 1000, "fake_traffic": 400, "picture_unlike_goods": 900, "counterfeit": 500,
    "price_fraud": 500,
    "product_quality_inspection": 1100, "logistics_service_quality": 250, "payment_licence": 30,
    "contract_performance": 800, "tax_credit_grade": 1700,
}
DEFAULT_SHARE = 200
# Types the demo writes elsewhere, through their own services, not drawn here (interviews of platforms:
# demo/supervision.py; they concern platforms only; entries of the lists decided through the list procedure:
# demo/lists.py publishes them).
WRITTEN_ELSEWHERE = {"platform_interview", "red_list", "focus_list", "payment_red_list", "payment_black_list",
                     "logistics_platform_bar",
                     # written only when an officer confirms a detection finding (demo/findings.py)
                     "borrowed_name", "unlicensed_key_goods", "unlicensed_payment"}
# Who records are about, by type (shares of organisation / person / shop); default below.
KIND_SHARES = {
    "admin_licence": (88, 12, 0), "admin_penalty_general": (88, 12, 0), "admin_penalty_serious": (90, 10, 0),
    "honour": (90, 10, 0), "court_dishonest_debtor": (70, 30, 0), "credit_commitment": (55, 10, 35),
    "commitment_breach": (70, 10, 20), "complaint_upheld": (45, 5, 50), "contract_performance": (85, 15, 0),
}
PLATFORM_REPORT_KINDS = (15, 5, 80)
DEFAULT_KINDS = (70, 10, 20)
ROLE_POOLS = {"logistics_service_quality": "logistics", "payment_licence": "payment_institution"}
# Departments whose licences and penalties concern firms of one role.
SOURCE_ROLES = {"postal": "logistics", "transport": "logistics", "pbc_nantong": "payment_institution",
                "telecom": "service_provider"}
# Subjects a type can be about, beyond its subject kinds: lists and inspections concern companies.
SUBJECT_FITS = {
    "abnormal_operation_list": lambda s: getattr(s, "uscc", "").startswith("91"),
    "serious_violation_list": lambda s: getattr(s, "uscc", "").startswith("91"),
    "product_quality_inspection": lambda s: bool(getattr(s, "industry", "")),
}
ONE_PER_YEAR = {"logistics_service_quality", "tax_credit_grade", "payment_licence"}
# Preferred sources by type: (organisation code, weight); "platform" means the shop's own platform.
SOURCES = {
    "admin_licence": (("market_regulation", 30), ("admin_approval", 30), ("food_drug", 12), ("postal", 5),
                      ("commerce", 5), ("transport", 6), ("telecom", 5), ("agriculture", 3), ("quality", 4)),
    "admin_penalty_general": (("market_regulation", 55), ("food_drug", 10), ("price", 8), ("quality", 8),
                              ("postal", 6), ("transport", 5), ("public_security", 3), ("cyberspace", 3),
                              ("tax", 2)),
    "admin_penalty_serious": (("market_regulation", 60), ("food_drug", 20), ("quality", 10), ("postal", 5),
                              ("public_security", 5)),
    "honour": (("commerce", 40), ("market_regulation", 30), ("districts", 20), ("credit_office", 10)),
    "credit_commitment": (("platform", 35), ("credit_office", 25), ("commerce", 20),
                          ("market_regulation", 20)),
    "commitment_breach": (("credit_office", 40), ("commerce", 30), ("market_regulation", 30)),
    "complaint_upheld": (("market_regulation", 85), ("districts", 10), ("commerce", 5)),
    "product_quality_inspection": (("market_regulation", 50), ("quality", 30), ("food_drug", 15), ("ciq", 5)),
    "contract_performance": (("commerce", 40), ("districts", 30), ("finance_office", 10), ("transport", 10),
                             ("market_regulation", 10)),
}
# Half of these departments' decisions are taken at district level.
DISTRICT_LEVEL = {"market_regulation", "quality", "food_drug", "price"}
SPAN_DAYS = 6 * 365
BATCH_SIZE = 1000
# Key goods (findings.yaml licences) that the demo trades sell: the operators of most shops selling them hold a
# licence of a type that allows it (the first type listed most often), from one of these departments; a few
# deliberate gaps, so that the licence detector finds a handful of sellers among many licensed ones: some
# operators hold none, some only a licence that has expired.
KEY_GOODS_SOURCES = (("market_regulation", 60), ("food_drug", 40))
KEY_GOODS_FIRST_TYPE = 0.75
KEY_GOODS_UNLICENSED, KEY_GOODS_EXPIRED = 0.04, 0.015
KEY_GOODS_CONTENT = {"food_business": "预包装食品销售（含冷藏冷冻食品）；散装食品销售；网络食品销售",
                     "prepackaged_food_filing": "仅销售预包装食品（含网络销售）",
                     "drug_business": "中成药、化学药制剂、抗生素制剂、生化药品零售（含网络销售）",
                     "device_business": "第三类医疗器械零售（含网络销售）",
                     "device_filing": "第二类医疗器械零售（含网络销售）"}
LICENCE_YEARS = 5
# The platforms run their own wallets (findings.yaml payments.platform_operated), for which a platform needs a
# payment licence: every demo platform holds one except the last (the smallest), the deliberate gap.
UNLICENSED_WALLETS = 1


@dataclass
class Record:
    """One record as its source sends it, before it has its id."""

    source: str
    item: dict

    @property
    def decided_on(self) -> str:
        return self.item["decided_on"]


def allocate(policy: Policy, total: int) -> dict[str, int]:
    """Records per type summing to `total`, in catalog order, at least one of each (largest remainder)."""
    codes = [rule.code for rule in policy.catalog.record_types if rule.code not in WRITTEN_ELSEWHERE]
    shares = [TYPE_SHARES.get(code, DEFAULT_SHARE) for code in codes]
    exact = [total * s / sum(shares) for s in shares]
    counts = [max(1, int(x)) for x in exact]
    order = sorted(range(len(codes)), key=lambda i: (-(exact[i] - int(exact[i])), i))
    for i in itertools.islice(itertools.cycle(order), max(0, total - sum(counts))):
        counts[i] += 1
    return dict(zip(codes, counts))


class _Pools:
    """Subjects by kind and by role, with cumulative risks for risk-weighted draws."""

    def __init__(self, world: World) -> None:
        self.by_kind = {"organisation": world.orgs, "person": world.persons, "shop": world.shops}
        self.cum_risk = {kind: list(itertools.accumulate(s.risk for s in subjects))
                         for kind, subjects in self.by_kind.items()}
        roles = sorted(set(ROLE_POOLS.values()) | set(SOURCE_ROLES.values()))
        self.roles = {role: [o for o in world.orgs if role in o.roles] for role in roles}

    def draw(self, rng: random.Random, kind: str, negative: bool, role: str | None = None):
        if role and self.roles.get(role):
            return rng.choice(self.roles[role])
        subjects = self.by_kind[kind]
        if negative:
            return rng.choices(subjects, cum_weights=self.cum_risk[kind])[0]
        return rng.choice(subjects)


def _kinds(code: str, category: str) -> tuple[int, int, int]:
    if code in KIND_SHARES:
        return KIND_SHARES[code]
    return PLATFORM_REPORT_KINDS if category == "platform_report" else DEFAULT_KINDS


def _sources(policy: Policy, world: World, rule) -> tuple[list[str], list[str]]:
    """The organisation codes allowed to send records of `rule`, and the preferred ones among them."""
    kinds = {d.code: d.kind for d in policy.departments.departments}
    kinds.update({p.code: "platform" for p in world.platforms})
    kinds.update(agency_1="agency", logistics_1="logistics")
    allowed = [code for code, kind in kinds.items() if code in rule.sources or kind in rule.sources]
    if rule.category == "platform_report":
        # departments write these only when confirming a detection finding (demo/findings.py)
        allowed = [code for code in allowed if kinds[code] == "platform"] or allowed
    return allowed, [code for code, _ in SOURCES.get(rule.code, ())]


def generate(policy: Policy, world: World) -> dict[str, list[Record]]:
    """All demo records by source code, each source's in date order; ids are given here."""
    rng = random.Random(f"{world.seed}:records")
    pools, made, seen = _Pools(world), [], set()
    licences = key_goods_licences(policy, world) + wallet_licences(policy, world)
    for code, n in allocate(policy, count("records", world.scale)).items():
        rule = policy.record_types[code]
        allowed, preferred = _sources(policy, world, rule)
        weights = dict(SOURCES.get(code, ()))
        shares = dict(zip(("organisation", "person", "shop"), _kinds(code, rule.category)))
        kinds = [k for k, share in shares.items() if share and k in rule.subject_kinds and pools.by_kind[k]]
        kind_weights = [shares[k] for k in kinds]
        if not kinds:
            kinds = [k for k in rule.subject_kinds if pools.by_kind[k]]
            kind_weights = [1] * len(kinds)
        for serial in range(1, n + 1):
            for _attempt in range(20):
                kind = rng.choices(kinds, weights=kind_weights)[0]
                negative = rule.polarity == "negative"
                subject = pools.draw(rng, kind, negative, ROLE_POOLS.get(code))
                source = _source(rng, world, subject, allowed, preferred, weights)
                if kind == "organisation" and source in SOURCE_ROLES and rule.category in ("licence",
                                                                                         "penalty"):
                    subject = pools.draw(rng, kind, negative, SOURCE_ROLES[source])
                if not SUBJECT_FITS.get(code, lambda s: True)(subject):
                    continue
                decided = ANCHOR - dt.timedelta(days=int(SPAN_DAYS * rng.random() ** 1.3))
                ctx = builders.Ctx(rng, world, policy, rule, subject, source, decided, serial)
                if source in DISTRICT_LEVEL and rng.random() < 0.5:
                    ctx.district = ctx.district_of(subject.region)
                details, summary = builders.build(ctx)
                if ctx.source not in allowed:      # a builder may hand the case to another department
                    ctx.source = source
                key = (code, world.ref(subject).get("uscc") or world.ref(subject).get("ric")
                       or subject.shop_id, ctx.decided_on.year)
                if code not in ONE_PER_YEAR or key not in seen:
                    break      # one grade, evaluation or licence per subject and year
            else:
                continue
            seen.add(key)
            made.append(Record(ctx.source, {"type": code, "subject": world.ref(subject),
                                        "decided_on": ctx.decided_on.isoformat(), "summary": summary,
                                        "details": details}))
    # The licences the trades call for take the place of the last random licences drawn (every draw is still
    # made, so the other records stay as they were), and the city keeps its number of records.
    drawn = [i for i, r in enumerate(made) if r.item["type"] == "admin_licence"]
    dropped = set(drawn[len(drawn) - min(len(licences), len(drawn)):])
    made = [r for i, r in enumerate(made) if i not in dropped] + licences
    by_source: dict[str, list[Record]] = {}
    for record in sorted(made, key=lambda r: r.decided_on):      # stable: ties keep generation order
        by_source.setdefault(record.source, []).append(record)
    for source, records in by_source.items():
        prefix = next((p.prefix for p in world.platforms if p.code == source), source.upper())
        for number, record in enumerate(records, start=1):
            record.item = {"id": f"{prefix}-{record.decided_on[:4]}-{number:06d}", **record.item}
    return by_source


def _source(rng: random.Random, world: World, subject, allowed: list[str], preferred: list[str],
            weights: dict[str, int]) -> str:
    """The organisation that sends a record: a shop's own platform, a preferred source, else a department
    allowed to (the credit office only collects what others decide, so it is the last resort)."""
    platforms = [p.code for p in world.platforms if p.code in allowed]
    if subject.kind == "shop" and world.platforms[subject.platform].code in allowed:
        if not preferred or rng.random() < weights.get("platform", 0) / sum(weights.values()):
            return world.platforms[subject.platform].code
    options = [c for c in preferred if c in allowed]
    if options:
        return rng.choices(options, weights=[weights[c] for c in options])[0]
    departments = [c for c in allowed if c not in platforms and c != "credit_office"]
    return rng.choice(departments or platforms or allowed)


# ---------------------------------------------------------------------------------------- licences


def key_goods_sellers(policy: Policy, world: World) -> dict[int, set[str]]:
    """Shop (index into world.shops) -> the key-goods categories (findings.yaml licences) the demo trades will
    sell there. The trades (marketplace/demo.py) draw every platform's orders from one seeded stream, platform by
    platform in code order, over its shops in the order the platform reported them (world order); the plan makes
    the same draws to foresee them (the draws do not depend on the time they are made)."""
    from django.utils import timezone

    from ecredit.marketplace import demo as trades

    day = timezone.localdate()
    key = set(in_force(policy.findings.licences, day).categories)
    codes = list(in_force(policy.marketplace.categories, day).codes)
    weights = [trades.CATEGORY_WEIGHTS.get(code, 1) for code in codes]
    rng, now = random.Random(f"{world.seed}:marketplace"), timezone.now()
    sellers: dict[int, set[str]] = {}
    for index, platform in sorted(enumerate(world.platforms), key=lambda p: p[1].code):
        mine = {s.shop_id: i for i, s in enumerate(world.shops) if s.platform == index}
        if not mine:
            continue
        orders, _ratings = trades._trades(rng, platform.code, list(mine), codes, weights, now, world.scale)
        for order in orders:
            for item in order["items"]:
                if item["category"] in key and order["status"] != "cancelled":
                    sellers.setdefault(mine[order["shop_id"]], set()).add(item["category"])
    return sellers


def key_goods_licences(policy: Policy, world: World) -> list[Record]:
    """The licences of the operators of shops selling key goods (one per operator and category), with the
    deliberate gaps of KEY_GOODS_UNLICENSED (no licence) and KEY_GOODS_EXPIRED (expired)."""
    rules = in_force(policy.findings.licences, ANCHOR)
    rule = policy.record_types["admin_licence"]
    rng = random.Random(f"{world.seed}:key-goods-licences")
    needs: dict[tuple, tuple[object, set[str]]] = {}
    for index, categories in sorted(key_goods_sellers(policy, world).items()):
        operator = world.shops[index].operator
        ref = tuple(sorted(world.ref(operator).items()))
        needs.setdefault(ref, (operator, set()))[1].update(categories)
    out = []
    for serial, (_ref, (operator, categories)) in enumerate(sorted(needs.items(), key=lambda kv: kv[0]), start=1):
        draw = rng.random()
        if draw < KEY_GOODS_UNLICENSED:
            continue
        expired = draw < KEY_GOODS_UNLICENSED + KEY_GOODS_EXPIRED
        for category in sorted(categories):
            types = rules.categories[category].licences
            code = types[0] if expired or len(types) == 1 or rng.random() < KEY_GOODS_FIRST_TYPE \
                else rng.choice(types[1:])
            source = rng.choices([c for c, _ in KEY_GOODS_SOURCES], weights=[w for _, w in KEY_GOODS_SOURCES])[0]
            years = rng.randint(LICENCE_YEARS * 365 + 30, LICENCE_YEARS * 365 + 300) if expired \
                else rng.randint(30, (LICENCE_YEARS - 1) * 365)
            decided = ANCHOR - dt.timedelta(days=years)
            ctx = builders.Ctx(rng, world, policy, rule, operator, source, decided, serial)
            name = rules.licence_types[code].name.zh
            filing = "备案" in name
            number = f"{'JY' if category == 'food' else 'YP'}1{operator.region}{rng.randrange(10**7):07d}"
            details = {"decision_no": ctx.doc_no("许"), "project_name": name.removesuffix("凭证").removesuffix("证"),
                       "licence_name": name, "licence_no": number, "category": "其他" if filing else "普通",
                       "content": KEY_GOODS_CONTENT.get(code, f"{name}范围内的经营项目（含网络销售）"),
                       "valid_from": decided.isoformat(), "authority": ctx.authority(),
                       "authority_uscc": world.authority_uscc.get(source), "legal_representative": ctx.legal_rep}
            if not filing:   # a filing has no term; a licence runs for LICENCE_YEARS
                details["valid_until"] = (builders.years_later(decided, LICENCE_YEARS)
                                          - dt.timedelta(days=1)).isoformat()
            out.append(Record(source, {"type": "admin_licence", "subject": world.ref(operator),
                                       "decided_on": decided.isoformat(),
                                       "summary": f"{name}（备案编号{number}）" if filing else
                                       f"准予{details['project_name']}，颁发{name}（编号{number}）",
                                       "details": builders.finish(ctx, details)}))
    return out


def wallet_licences(policy: Policy, world: World) -> list[Record]:
    """Payment licences of the platforms that run their own wallets, all but the last UNLICENSED_WALLETS."""
    rule = policy.record_types["payment_licence"]
    rng = random.Random(f"{world.seed}:wallet-licences")
    out = []
    licensed = world.platforms[:max(0, len(world.platforms) - UNLICENSED_WALLETS)]
    for serial, platform in enumerate(licensed, start=1):
        decided = ANCHOR - dt.timedelta(days=rng.randint(60, 900))
        ctx = builders.Ctx(rng, world, policy, rule, platform.org, "pbc_nantong", decided, serial)
        details, summary = builders.build(ctx)
        out.append(Record("pbc_nantong", {"type": "payment_licence", "subject": world.ref(platform.org),
                                          "decided_on": ctx.decided_on.isoformat(), "summary": summary,
                                          "details": details}))
    return out
