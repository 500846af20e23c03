"""A small captured history for the chain tests, the public page and the browser test: a rice farm's lot of three
bags, two packed onto a pallet shipped to a distributor and unpacked there (the pallet then reused for other
goods), one bag milled into a lot of rice crackers by a food factory, the other sold online (listing, sale,
delivery, receipt, review, complaint). Events are written as EPCIS 2.0 JSON-LD through the capture service."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field

from ecredit import policy
from ecredit.audit.services import Actor
from ecredit.kit import gs1
from ecredit.registry import services as registry
from ecredit.registry import shops
from ecredit.trace import products
from tests import factories as f

FARM_PREFIX = "6901234"          # GS1 China, 7-digit company prefix (690)
FACTORY_PREFIX = "69212345"      # 8-digit (692)
RICE = gs1.gtin_with_check_digit(FARM_PREFIX + "00010")
CRACKER = gs1.gtin_with_check_digit(FACTORY_PREFIX + "0020")
PALLET = gs1.sscc_urn("3" + FARM_PREFIX + "000000001" + gs1.check_digit("3" + FARM_PREFIX + "000000001"), 7)
LOT, CRACKER_LOT = "R2025A", "C-0901"
SERIALS = ("B001", "B002", "B003")
FARM_GLN = gs1.sgln_urn(FARM_PREFIX + "00001" + gs1.check_digit(FARM_PREFIX + "00001"), 7)
FACTORY_GLN = gs1.sgln_urn(FACTORY_PREFIX + "0001" + gs1.check_digit(FACTORY_PREFIX + "0001"), 8)
DEPOT_GLN = "urn:epc:id:sgln:6939999.00001.0"   # the distributor registered no products: resolved by its party URI
BASE = dt.datetime(2025, 9, 1, 8, 0, tzinfo=dt.timezone.utc)
CONTEXT = ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",
           {"cbvmda": "urn:epcglobal:cbv:mda:", "ecredit": "https://voc.ecredit.nantong.gov.cn/ext/"}]


def sgtin(serial: str, gtin: str = RICE, length: int = 7) -> str:
    return gs1.sgtin_urn(gtin, serial, length)


@dataclass
class ChainWorld:
    """Who is who in the history, and the principals that captured it."""

    farm: object = None
    distributor: object = None
    factory: object = None
    courier: object = None
    platform_uscc: str = ""
    shop: object = None
    person_name: str = "王小明"
    events: list = field(default_factory=list)
    capturer: object = None


def _at(hours: float) -> str:
    return (BASE + dt.timedelta(hours=hours)).strftime("%Y-%m-%dT%H:%M:%S.000Z")


def _event(kind: str, hours: float, **fields) -> dict:
    return {"type": kind, "eventTime": _at(hours), "eventTimeZoneOffset": "+08:00", **fields}


def history(w: ChainWorld) -> list[dict]:
    """The events, in the order they happened."""
    trail = policy.current().trace.trail_on()
    party = trail.organisation_uri
    shop_uri = trail.shop_uri(w.platform_uscc, "S-RICE")
    step = {s.code: s.uri for s in trail.steps}
    order = trail.order_uri_for(w.platform_uscc, "NT20250905001")
    courier = party(w.courier.uscc)
    cracker_class = gs1.lgtin_urn(CRACKER, CRACKER_LOT, 8)
    return [
        _event("ObjectEvent", 0, action="ADD", bizStep="commissioning", disposition="active",
               epcList=[sgtin(s) for s in SERIALS], bizLocation={"id": FARM_GLN}, readPoint={"id": FARM_GLN},
               ilmd={"cbvmda:lotNumber": LOT, "cbvmda:harvestEndDate": "2025-08-30"}),
        _event("AggregationEvent", 2, action="ADD", bizStep="packing", disposition="in_progress",
               parentID=PALLET, childEPCs=[sgtin("B001"), sgtin("B002")], bizLocation={"id": FARM_GLN}),
        _event("ObjectEvent", 4, action="OBSERVE", bizStep="shipping", disposition="in_transit", epcList=[PALLET],
               readPoint={"id": FARM_GLN},
               sourceList=[{"type": "owning_party", "source": party(w.farm.uscc)}],
               destinationList=[{"type": "owning_party", "destination": party(w.distributor.uscc)}]),
        _event("ObjectEvent", 20, action="OBSERVE", bizStep="receiving", disposition="in_progress",
               epcList=[PALLET], bizLocation={"id": DEPOT_GLN},
               sourceList=[{"type": "owning_party", "source": party(w.farm.uscc)}],
               destinationList=[{"type": "owning_party", "destination": party(w.distributor.uscc)}]),
        _event("AggregationEvent", 22, action="DELETE", bizStep="unpacking", parentID=PALLET,
               childEPCs=[sgtin("B001"), sgtin("B002")], bizLocation={"id": DEPOT_GLN}),
        # The pallet is reused for somebody else's goods: not part of this lot's chain.
        _event("ObjectEvent", 30, action="OBSERVE", bizStep="shipping", disposition="in_transit", epcList=[PALLET],
               readPoint={"id": DEPOT_GLN}),
        # B001 is milled into crackers (transformation input → output).
        _event("TransformationEvent", 48, bizStep="commissioning", disposition="active",
               inputEPCList=[sgtin("B001")],
               outputQuantityList=[{"epcClass": cracker_class, "quantity": 200, "uom": "H87"}],
               bizLocation={"id": FACTORY_GLN}, ilmd={"cbvmda:lotNumber": CRACKER_LOT}),
        _event("ObjectEvent", 60, action="OBSERVE", bizStep=step["listing"],
               quantityList=[{"epcClass": cracker_class, "quantity": 200, "uom": "H87"}],
               sourceList=[{"type": "owning_party", "source": shop_uri}]),
        # B002 is sold online to a consumer.
        _event("ObjectEvent", 50, action="OBSERVE", bizStep=step["listing"], epcList=[sgtin("B002")],
               sourceList=[{"type": "owning_party", "source": shop_uri}]),
        _event("ObjectEvent", 51, action="OBSERVE", bizStep=step["listing"], epcList=[sgtin("B003")],
               sourceList=[{"type": "owning_party", "source": shop_uri}]),
        _event("ObjectEvent", 70, action="OBSERVE", bizStep=step["sale"], disposition="retail_sold",
               epcList=[sgtin("B002")], bizTransactionList=[{"type": "po", "bizTransaction": order}],
               sourceList=[{"type": "owning_party", "source": shop_uri}]),
        _event("ObjectEvent", 72, action="OBSERVE", bizStep=step["delivery"], disposition="in_transit",
               epcList=[sgtin("B002")], bizTransactionList=[{"type": "po", "bizTransaction": order}],
               sourceList=[{"type": "possessing_party", "source": courier}]),
        _event("ObjectEvent", 96, action="OBSERVE", bizStep=step["receipt"], epcList=[sgtin("B002")],
               bizTransactionList=[{"type": "po", "bizTransaction": order}],
               sourceList=[{"type": "possessing_party", "source": courier}],
               **{"ecredit:signedBy": w.person_name, "ecredit:phone": "13812345678"}),
        _event("ObjectEvent", 120, action="OBSERVE", bizStep=step["review"], epcList=[sgtin("B002")],
               sourceList=[{"type": "owning_party", "source": shop_uri}]),
        _event("ObjectEvent", 130, action="OBSERVE", bizStep=step["complaint"], epcList=[sgtin("B002")],
               sourceList=[{"type": "owning_party", "source": shop_uri}]),
    ]


def build() -> ChainWorld:
    """Register the parties and products, capture the history; returns who is who."""
    actor = Actor("test")
    w = ChainWorld()
    w.farm = registry.register({"uscc": f.uscc(7001), "name": "南通稻香农业专业合作社"}, actor, roles=["merchant"],
                               region="320623")
    w.distributor = registry.register({"uscc": f.uscc(7002), "name": "南通粮油配送有限公司"}, actor, roles=["merchant"],
                                      region="320602")
    w.factory = registry.register({"uscc": f.uscc(7003), "name": "南通米香食品有限公司"}, actor, roles=["merchant"],
                                  region="320612")
    w.courier = registry.register({"uscc": f.uscc(7004), "name": "南通速达快递有限公司"}, actor, roles=["logistics"],
                                  region="320602")
    w.platform_uscc = f.uscc(7005)
    registry.register({"uscc": w.platform_uscc, "name": "南通优选电商平台"}, actor, roles=["platform"])
    platform_org = f.organisation("platform", "platform_chain", name="南通优选电商平台", uscc=w.platform_uscc)
    platform = f.principal("platform_client", platform_org)
    shops.report_shops([{"shop_id": "S-RICE", "name": "稻香米业旗舰店", "operator": {"uscc": w.farm.uscc}}], platform)
    from ecredit.registry.models import Subject

    w.shop = Subject.objects.get(platform__uscc=w.platform_uscc, shop_id="S-RICE")
    products.register(platform, gtin=RICE, name="稻香有机大米 5kg", brand="稻香", category="edible_farm_product",
                      owner_id=w.farm.pk, net_weight_kg="5")
    products.register(platform, gtin=CRACKER, name="米香脆米饼 200g", brand="米香", category="food",
                      owner_id=w.factory.pk)
    w.capturer = platform
    w.events = history(w)
    capture(w.events, platform)
    return w


def capture(events: list[dict], principal) -> int:
    """Capture the events as one EPCIS document through the capture service; returns how many were stored."""
    import orjson

    from ecredit.trace.epcis import capture as service

    document = {"@context": CONTEXT, "type": "EPCISDocument", "schemaVersion": "2.0",
                "creationDate": _at(200), "epcisBody": {"eventList": events}}
    outcome = service.capture(service.parse(orjson.dumps(document), "application/ld+json"), principal)
    assert outcome.job.status == "succeeded", outcome.job.errors
    return outcome.job.stored
