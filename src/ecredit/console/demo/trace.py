"""Demo city: key products with China GTINs and their EPCIS 2.0 events, captured through the capture service by
the parties who would send them.

- a rice cooperative (edible farm product, bags serialised, lot in the commissioning event's ILMD): two harvest
  lots, each commissioned at its farm, packed onto a pallet, shipped to a distributor, received and unpacked
  there, listed on a platform shop, some bags sold, delivered and received by the courier firm, some reviewed;
- a pharmaceutical company (drug, every pack serialised, expiry in ILMD): one lot packed into a case, shipped to a
  pharmacy distributor, listed, sold, delivered, received, reviewed, one complaint (officers only);
- a food factory (food) mills two bags of the first rice lot into a lot of rice crackers (transformation), then
  lists and sells them.
The producers and the distributors capture through their own accounts, the platform its trail steps, the courier
firm delivery and receipt. No personal data goes into any event. Deterministic: parties are taken in id order,
codes and times are fixed from the demo's anchor date.
"""

from __future__ import annotations

import datetime as dt

import orjson

from ecredit import policy
from ecredit.access.models import Organisation, OrganisationKind
from ecredit.access.principal import Principal
from ecredit.console import demo_accounts
from ecredit.kit import gs1
from ecredit.registry.models import Subject, SubjectKind
from ecredit.trace import products
from ecredit.trace.epcis import capture

from .world import ANCHOR
from .writer import DemoError, principal_of

START = dt.datetime.combine(ANCHOR - dt.timedelta(days=75), dt.time(0, 0), tzinfo=dt.timezone.utc)
CONTEXT = ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld", {"cbvmda": "urn:epcglobal:cbv:mda:"}]
# (company prefix, its length, item reference): GS1 China codes (690/692 prefixes), made up for the demo.
RICE = ("6901287", "00015")
DRUG = ("69213680", "0032")
CRACKER = ("6901288", "00021")
# The distributors registered no products: their places show as GLNs, their responsibility by party URIs.
DEPOT_PREFIX, PHARMACY_PREFIX = "6939001", "6939002"
RICE_LOTS = ("HM2608A", "HM2609B")
BAGS_PER_LOT = 12
BAGS_SOLD = 4
DRUG_LOT, PACKS = "AMX260801", 10
CRACKER_LOT = "CB2610"


def _gtin(prefix: tuple[str, str]) -> str:
    return gs1.gtin_with_check_digit(prefix[0] + prefix[1])


def _at(days: float, hours: float = 0) -> str:
    return (START + dt.timedelta(days=days, hours=hours)).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _event(kind: str, days: float, hours: float = 0, **fields) -> dict:
    return {"type": kind, "eventTime": _at(days, hours), "eventTimeZoneOffset": "+08:00", **fields}


def _gln(prefix: str, location: str) -> str:
    body = prefix + location
    return gs1.sgln_urn(body + gs1.check_digit(body), len(prefix))


def _sscc(prefix: str, serial: int) -> str:
    body = "1" + prefix + f"{serial:0{16 - len(prefix)}d}"
    return gs1.sscc_urn(body + gs1.check_digit(body), len(prefix))


def _send(principal: Principal, events: list[dict]) -> int:
    document = {"@context": CONTEXT, "type": "EPCISDocument", "schemaVersion": "2.0",
                "creationDate": _at(80), "epcisBody": {"eventList": events}}
    outcome = capture.capture(capture.parse(orjson.dumps(document), "application/ld+json"), principal)
    if outcome.job.status != "succeeded":
        raise DemoError(f"trace demo capture refused: {outcome.job.errors[:3]}")
    return outcome.job.stored


def _account(subject: Subject, self_service: Organisation) -> Principal:
    """A company's own account (the portal's 本人登录), which captures its events."""
    return Principal.build(f"demo:self:{subject.pk}", "subject_account", self_service, subject.pk)


class _Parties:
    """The demo's parties, taken in id order from what the demo city already has."""

    def __init__(self, orgs: dict[str, Organisation]) -> None:
        self.platform_org = next((o for o in sorted(orgs.values(), key=lambda o: o.code)
                                  if o.kind == OrganisationKind.PLATFORM and o.uscc), None)
        self.logistics_org = orgs.get("logistics_1")
        if self.platform_org is None or self.logistics_org is None:
            raise LookupError("no platform or logistics firm")
        shops = list(Subject.objects.filter(kind=SubjectKind.SHOP, platform__uscc=self.platform_org.uscc,
                                            operator__kind=SubjectKind.ORGANISATION)
                     .select_related("operator").order_by("id")[:3])
        if len(shops) < 3:
            raise LookupError("too few shops")
        self.rice_shop, self.drug_shop, self.cracker_shop = shops
        owners = {s.operator_id for s in shops}
        others = list(Subject.objects.filter(kind=SubjectKind.ORGANISATION, roles__role="merchant")
                      .exclude(pk__in=owners).order_by("id")[:2])
        if len(others) < 2:
            raise LookupError("too few merchants")
        self.distributor, self.pharmacy = others
        self.courier = Subject.objects.get(uscc=self.logistics_org.uscc)
        code, name = demo_accounts.SUBJECT_ORGANISATION
        self.self_service, _ = Organisation.objects.get_or_create(
            code=code, defaults={"name": name, "kind": OrganisationKind.SUBJECT})
        self.platform = principal_of(self.platform_org)
        self.logistics = principal_of(self.logistics_org)

    def account(self, subject: Subject) -> Principal:
        return _account(subject, self.self_service)


def build(orgs) -> int:
    """Register the demo's key products and capture their events; returns how many events were stored."""
    try:
        p = _Parties(orgs)
    except LookupError:
        return 0
    trail = policy.current().trace.trail_on()
    steps = {s.code: s.uri for s in trail.steps}
    platform_uscc = p.platform_org.uscc
    party = trail.organisation_uri
    rice, drug, cracker = _gtin(RICE), _gtin(DRUG), _gtin(CRACKER)
    farm, pharma, factory = p.rice_shop.operator, p.drug_shop.operator, p.cracker_shop.operator
    products.register(p.account(farm), gtin=rice, name="海门有机大米 5kg", brand="江海稻香",
                      category="edible_farm_product", net_weight_kg="5")
    products.register(p.account(pharma), gtin=drug, name="阿莫西林胶囊 0.25g×24粒", brand="通康",
                      category="drug", net_weight_kg="0.04")
    products.register(p.account(factory), gtin=cracker, name="米香脆米饼 200g", brand="米香", category="food",
                      net_weight_kg="0.2")
    stored = 0
    online: list[tuple[str, dict, Subject, str]] = []     # (epc or class, item fields, shop, order no)
    for index, lot in enumerate(RICE_LOTS):
        day = index * 30
        bags = [gs1.sgtin_urn(rice, f"{lot}-{n:03d}", len(RICE[0])) for n in range(1, BAGS_PER_LOT + 1)]
        pallet = _sscc(RICE[0], index + 1)
        farm_gln = _gln(RICE[0], f"{index + 1:05d}")
        depot = _gln(DEPOT_PREFIX, "00001")
        stored += _send(p.account(farm), [
            _event("ObjectEvent", day, 1, action="ADD", bizStep="commissioning", disposition="active", epcList=bags,
                   bizLocation={"id": farm_gln}, readPoint={"id": farm_gln},
                   ilmd={"cbvmda:lotNumber": lot, "cbvmda:harvestEndDate": _at(day - 2)[:10]}),
            _event("AggregationEvent", day, 3, action="ADD", bizStep="packing", disposition="in_progress",
                   parentID=pallet, childEPCs=bags, bizLocation={"id": farm_gln}),
            _event("ObjectEvent", day, 5, action="OBSERVE", bizStep="shipping", disposition="in_transit",
                   epcList=[pallet], readPoint={"id": farm_gln},
                   sourceList=[{"type": "owning_party", "source": party(farm.uscc)}],
                   destinationList=[{"type": "owning_party", "destination": party(p.distributor.uscc)}]),
        ])
        stored += _send(p.account(p.distributor), [
            _event("ObjectEvent", day + 1, 2, action="OBSERVE", bizStep="receiving", disposition="in_progress",
                   epcList=[pallet], bizLocation={"id": depot},
                   sourceList=[{"type": "owning_party", "source": party(farm.uscc)}],
                   destinationList=[{"type": "owning_party", "destination": party(p.distributor.uscc)}]),
            _event("AggregationEvent", day + 1, 4, action="DELETE", bizStep="unpacking", parentID=pallet,
                   childEPCs=bags, bizLocation={"id": depot}),
        ])
        shop_uri = trail.shop_uri(platform_uscc, p.rice_shop.shop_id)
        stored += _send(p.platform, [
            _event("ObjectEvent", day + 2, 1, action="OBSERVE", bizStep=steps["listing"],
                   quantityList=[{"epcClass": gs1.lgtin_urn(rice, lot, len(RICE[0])), "quantity": BAGS_PER_LOT,
                                  "uom": "H87"}], sourceList=[{"type": "owning_party", "source": shop_uri}])])
        for n, bag in enumerate(bags[:BAGS_SOLD]):
            online.append((bag, {"day": day + 3 + n, "review": n % 2 == 0}, p.rice_shop, f"TR{lot}{n + 1:03d}"))
        if index == 0:     # two bags of the first harvest go to the cracker line
            stored += _send(p.account(factory), [
                _event("TransformationEvent", day + 4, 2, bizStep="commissioning", disposition="active",
                       inputEPCList=bags[-2:],
                       outputQuantityList=[{"epcClass": gs1.lgtin_urn(cracker, CRACKER_LOT, len(CRACKER[0])),
                                            "quantity": 300, "uom": "H87"}],
                       bizLocation={"id": _gln(CRACKER[0], "00500")}, ilmd={"cbvmda:lotNumber": CRACKER_LOT})])
    cracker_class = gs1.lgtin_urn(cracker, CRACKER_LOT, len(CRACKER[0]))
    stored += _send(p.platform, [
        _event("ObjectEvent", 6, 1, action="OBSERVE", bizStep=steps["listing"],
               quantityList=[{"epcClass": cracker_class, "quantity": 300, "uom": "H87"}],
               sourceList=[{"type": "owning_party",
                            "source": trail.shop_uri(platform_uscc, p.cracker_shop.shop_id)}])])
    for n in range(2):
        online.append((cracker_class, {"day": 8 + n, "review": True, "quantity": True}, p.cracker_shop,
                       f"TR{CRACKER_LOT}{n + 1:03d}"))
    stored += _drug(p, drug, party, steps, trail, online)
    stored += _online(p, online, steps, trail, platform_uscc, party)
    return stored


def _drug(p: _Parties, drug: str, party, steps: dict, trail, online: list) -> int:
    """The drug lot: commissioned pack by pack, cased, shipped to the pharmacy distributor, listed."""
    length = len(DRUG[0])
    packs = [gs1.sgtin_urn(drug, f"{DRUG_LOT}{n:04d}", length) for n in range(1, PACKS + 1)]
    case = _sscc(DRUG[0], 1)
    plant = _gln(DRUG[0], "0001")
    pharmacy = _gln(PHARMACY_PREFIX, "00001")
    stored = _send(p.account(p.drug_shop.operator), [
        _event("ObjectEvent", 10, 1, action="ADD", bizStep="commissioning", disposition="active", epcList=packs,
               bizLocation={"id": plant}, readPoint={"id": plant},
               ilmd={"cbvmda:lotNumber": DRUG_LOT,
                     "cbvmda:itemExpirationDate": (ANCHOR + dt.timedelta(days=700)).isoformat()}),
        _event("AggregationEvent", 10, 2, action="ADD", bizStep="packing", disposition="in_progress", parentID=case,
               childEPCs=packs, bizLocation={"id": plant}),
        _event("ObjectEvent", 10, 6, action="OBSERVE", bizStep="shipping", disposition="in_transit", epcList=[case],
               readPoint={"id": plant},
               sourceList=[{"type": "owning_party", "source": party(p.drug_shop.operator.uscc)}],
               destinationList=[{"type": "owning_party", "destination": party(p.pharmacy.uscc)}]),
    ])
    stored += _send(p.account(p.pharmacy), [
        _event("ObjectEvent", 11, 1, action="OBSERVE", bizStep="receiving", disposition="in_progress",
               epcList=[case], bizLocation={"id": pharmacy},
               destinationList=[{"type": "owning_party", "destination": party(p.pharmacy.uscc)}]),
        _event("AggregationEvent", 11, 2, action="DELETE", bizStep="unpacking", parentID=case, childEPCs=packs,
               bizLocation={"id": pharmacy}),
    ])
    shop_uri = trail.shop_uri(p.platform_org.uscc, p.drug_shop.shop_id)
    stored += _send(p.platform, [
        _event("ObjectEvent", 12, 1, action="OBSERVE", bizStep=steps["listing"], epcList=packs,
               sourceList=[{"type": "owning_party", "source": shop_uri}])])
    for n, pack in enumerate(packs[:3]):
        online.append((pack, {"day": 13 + n, "review": True, "complaint": n == 2}, p.drug_shop,
                       f"TR{DRUG_LOT}{n + 1:03d}"))
    return stored


def _online(p: _Parties, online: list, steps: dict, trail, platform_uscc: str, party) -> int:
    """Sale, delivery, receipt, review (and a complaint) of each item sold online."""
    sales, carried = [], []
    courier = party(p.courier.uscc)
    for epc, item, shop, order_no in online:
        what = {"quantityList": [{"epcClass": epc, "quantity": 1, "uom": "H87"}]} if item.get("quantity") \
            else {"epcList": [epc]}
        order = [{"type": "po", "bizTransaction": trail.order_uri_for(platform_uscc, order_no)}]
        seller = [{"type": "owning_party", "source": trail.shop_uri(platform_uscc, shop.shop_id)}]
        day = item["day"]
        sales.append(_event("ObjectEvent", day, 3, action="OBSERVE", bizStep=steps["sale"],
                            disposition="retail_sold", bizTransactionList=order, sourceList=seller, **what))
        waybill = [{"type": "bol", "bizTransaction": trail.waybill_uri_for(f"NT{order_no[2:]}")}]
        carried += [
            _event("ObjectEvent", day, 20, action="OBSERVE", bizStep=steps["delivery"], disposition="in_transit",
                   bizTransactionList=order + waybill, sourceList=[{"type": "possessing_party", "source": courier}],
                   **what),
            _event("ObjectEvent", day + 2, 4, action="OBSERVE", bizStep=steps["receipt"],
                   bizTransactionList=order + waybill, sourceList=[{"type": "possessing_party", "source": courier}],
                   **what)]
        if item.get("review"):
            sales.append(_event("ObjectEvent", day + 4, 2, action="OBSERVE", bizStep=steps["review"],
                                bizTransactionList=order, sourceList=seller, **what))
        if item.get("complaint"):
            sales.append(_event("ObjectEvent", day + 5, 1, action="OBSERVE", bizStep=steps["complaint"],
                                bizTransactionList=order, sourceList=seller, **what))
    return _send(p.platform, sales) + _send(p.logistics, carried)
