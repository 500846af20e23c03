"""The demo city's market subjects, generated in memory from a seed before anything is written.

Every stage draws from its own `random.Random(f"{seed}:{stage}")`, so the same seed and scale give the
same organisations, persons and shops on every machine, and changing one count leaves the other
stages' draws alone.
"""

from __future__ import annotations

import datetime as dt
import itertools
import random
from dataclasses import dataclass, field

from ecredit.policy.loader import Policy

from . import identities as ids
from . import words

ANCHOR = dt.date(2026, 10, 31)       # "today" of the demo: records are dated before it
DEFAULT_SEED = 20260101
FULL_COUNTS = {"organisations": 2000, "persons": 500, "shops": 3000, "records": 20000}

# Where firms are registered: shares by district name (家纺 clusters in 海门 and 通州).
DISTRICT_SHARES = {"崇川区": 30, "通州区": 15, "海门区": 18, "如东县": 8, "启东市": 9, "如皋市": 11, "海安市": 9}
PLATFORM_SHARES = (35, 25, 20, 12, 8)


@dataclass
class Org:
    """An organisation subject (firm or individual business)."""

    uscc: str
    name: str
    region: str
    address: str
    legal_rep: str
    roles: tuple[str, ...]
    trade: str = ""
    industry: str = ""
    risk: float = 1.0
    kind: str = "organisation"


@dataclass
class Person:
    """A natural person subject."""

    ric: str
    name: str
    region: str
    address: str
    male: bool
    risk: float = 1.0
    kind: str = "person"


@dataclass
class Shop:
    """A shop on a platform, run by an organisation or a person."""

    platform: int                 # index into World.platforms
    shop_id: str
    name: str
    operator: Org | Person
    reported_name: str            # the operator's name as the platform reports it
    url: str
    region: str
    industry: str
    stale_months: int = 0         # > 0: last reported that many months before the anchor
    risk: float = 1.0
    kind: str = "shop"


@dataclass
class Platform:
    """One of the five demo platforms: its registry entry and its organisation code."""

    code: str
    name: str
    org: Org
    prefix: str
    host: str


@dataclass
class World:
    seed: int
    scale: float
    platforms: list[Platform] = field(default_factory=list)
    agency: Org | None = None
    logistics: Org | None = None
    orgs: list[Org] = field(default_factory=list)
    persons: list[Person] = field(default_factory=list)
    shops: list[Shop] = field(default_factory=list)
    authority_uscc: dict[str, str] = field(default_factory=dict)    # department code -> its USCC

    def ref(self, subject) -> dict:
        """How a record names `subject`."""
        if subject.kind == "organisation":
            return {"uscc": subject.uscc, "name": subject.name}
        if subject.kind == "person":
            return {"ric": subject.ric, "name": subject.name}
        return {"platform_uscc": self.platforms[subject.platform].org.uscc, "shop_id": subject.shop_id,
                "name": subject.name}


def _weighted(rng: random.Random, pairs) -> str:
    """One of `pairs` (value, weight) drawn by weight."""
    return rng.choices([p[0] for p in pairs], weights=[p[1] for p in pairs])[0]


def count(name: str, scale: float) -> int:
    """The number of `name` at `scale` (at least one)."""
    return max(1, round(FULL_COUNTS[name] * scale))


class _Maker:
    """Shared state of one generation: used identifiers and names, the districts."""

    def __init__(self, policy: Policy) -> None:
        self.districts = [(d.code, d.name) for d in policy.regions.districts]
        self.city = policy.regions.city
        self.usccs: set[str] = set()
        self.rics: set[str] = set()
        self.names: set[str] = set()

    def district(self, rng: random.Random) -> tuple[str, str]:
        return rng.choices(self.districts, weights=[DISTRICT_SHARES.get(n, 10) for _, n in self.districts])[0]

    def uscc(self, rng: random.Random, region: str, prefix: str = "91") -> str:
        code = ids.new_uscc(rng, region, prefix)
        while code in self.usccs:
            code = ids.new_uscc(rng, region, prefix)
        self.usccs.add(code)
        return code

    def ric(self, rng: random.Random, male: bool) -> str:
        code = ids.new_ric(rng, male)
        while code in self.rics:
            code = ids.new_ric(rng, male)
        self.rics.add(code)
        return code

    def address(self, rng: random.Random, district: str) -> str:
        road = rng.choice(words.ROADS.get(district, words.CITY_ROADS))
        return f"{self.city.name}{district}{road}{rng.randrange(1, 400)}号"

    def unique(self, rng: random.Random, make) -> tuple[str, str]:
        """A new (name, trade name) pair from `make(trade)`; trade names grow a character if need be."""
        for tries in itertools.count():
            trade = ids.trade_name(rng) + (rng.choice(words.TRADE_CHARS) if tries > 100 else "")
            name = make(trade)
            if name not in self.names:
                self.names.add(name)
                return name, trade

    def org(self, rng: random.Random, pattern: str, roles: tuple[str, ...], region: str | None = None,
            name: str | None = None, risk: float = 1.0) -> Org:
        code, district = (region, dict(self.districts).get(region, "")) if region else self.district(rng)
        place = words.CITY_PREFIX if rng.random() < 0.6 or district == "崇川区" else district[:-1]
        if name:
            self.names.add(name)
            trade = ""
        else:
            name, trade = self.unique(rng, lambda t: pattern.format(p=place, t=t))
        return Org(self.uscc(rng, code), name, code, self.address(rng, district),
                   ids.person_name(rng, rng.random() < 0.7), roles, trade, risk=risk)


def build_world(policy: Policy, seed: int = DEFAULT_SEED, scale: float = 1.0) -> World:
    """All subjects of the demo city, in memory."""
    world, maker = World(seed, scale), _Maker(policy)
    rng = random.Random(f"{seed}:authorities")
    for dept in policy.departments.departments:
        world.authority_uscc[dept.code] = maker.uscc(rng, policy.regions.city.code, "11")
    rng = random.Random(f"{seed}:platforms")
    for index, (name, company, prefix, host) in enumerate(words.PLATFORMS, start=1):
        org = maker.org(rng, "", ("platform",), region=maker.districts[0][0], name=company)
        world.platforms.append(Platform(f"platform_{index}", name, org, prefix, host))
    world.agency = maker.org(rng, "", ("credit_agency",), name=words.AGENCY)
    world.logistics = maker.org(rng, "", ("logistics",), name=words.LOGISTICS)
    _organisations(world, maker, random.Random(f"{seed}:organisations"), count("organisations", scale))
    _persons(world, maker, random.Random(f"{seed}:persons"), count("persons", scale))
    _shops(world, random.Random(f"{seed}:shops"), count("shops", scale))
    return world


def _organisations(world: World, maker: _Maker, rng: random.Random, n: int) -> None:
    roles = [("merchant", 80, ())] + [(r, share, patterns) for r, share, patterns in words.OTHER_ROLES]
    for _ in range(n):
        role, _share, patterns = rng.choices(roles, weights=[r[1] for r in roles])[0]
        if role != "merchant":
            org = maker.org(rng, rng.choice(patterns), (role,), risk=min(20.0, rng.paretovariate(2.0)))
            world.orgs.append(org)
            continue
        industry, _w, _products = rng.choices(words.INDUSTRIES, weights=[i[1] for i in words.INDUSTRIES])[0]
        code, district = maker.district(rng)
        if district == "海门区" and rng.random() < 0.5:
            industry = "家纺"
        risk = min(40.0, rng.paretovariate(1.3))
        if rng.random() < 0.3:  # individual business (个体工商户): USCC 92..., named after the district
            form = rng.choice(words.SOLE_FORMS)
            name, trade = maker.unique(rng, lambda t, d=district, i=industry, f=form: f"{d}{t}{i}{f}")
            org = Org(maker.uscc(rng, code, "92"), name, code, maker.address(rng, district),
                      ids.person_name(rng, rng.random() < 0.6), ("merchant",), trade, industry, risk)
        else:
            form = _weighted(rng, words.COMPANY_FORMS)
            roles_ = ("merchant", "service_provider") if rng.random() < 0.03 else ("merchant",)
            org = maker.org(rng, "{p}{t}" + industry + form, roles_, region=code, risk=risk)
            org.industry = industry
        world.orgs.append(org)


def _persons(world: World, maker: _Maker, rng: random.Random, n: int) -> None:
    for _ in range(n):
        male = rng.random() < 0.55
        ric = maker.ric(rng, male)
        code, district = maker.district(rng)
        world.persons.append(Person(ric, ids.person_name(rng, male), code, maker.address(rng, district), male,
                                    min(20.0, rng.paretovariate(1.5))))


def _shops(world: World, rng: random.Random, n: int) -> None:
    merchants = [o for o in world.orgs if "merchant" in o.roles]
    used: set[tuple[int, str]] = set()
    for _ in range(n):
        platform = rng.choices(range(len(world.platforms)), weights=PLATFORM_SHARES[:len(world.platforms)])[0]
        info = world.platforms[platform]
        if merchants and rng.random() < 0.85:
            operator = rng.choice(merchants)
            industry = operator.industry or "日用品"
            product = rng.choice(next(i[2] for i in words.INDUSTRIES if i[0] == industry))
            suffix = _weighted(rng, words.SHOP_SUFFIXES)
            name = f"{operator.trade or ids.trade_name(rng)}{rng.choice((industry, product))}{suffix}"
        else:
            operator = rng.choice(world.persons)
            industry, _w, products = rng.choices(words.INDUSTRIES,
                                                 weights=[i[1] for i in words.INDUSTRIES])[0]
            nickname = rng.choice("阿小") + operator.name[-1]
            name = f"{nickname}的{rng.choice(products)}{rng.choice(('小店', '小铺'))}"
        shop_id = f"{info.prefix}{rng.randrange(10_000_000, 100_000_000)}"
        while (platform, shop_id) in used:
            shop_id = f"{info.prefix}{rng.randrange(10_000_000, 100_000_000)}"
        used.add((platform, shop_id))
        reported = ids.misspelt(rng, operator.name) if rng.random() < 0.05 else operator.name
        stale = rng.randrange(7, 19) if rng.random() < 0.10 else 0
        world.shops.append(Shop(platform, shop_id, name, operator, reported,
                                f"https://{info.host}/shop/{shop_id}", operator.region, industry, stale,
                                operator.risk * rng.uniform(0.5, 1.5)))
