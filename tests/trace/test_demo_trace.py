"""The demo's trace part on a small city: key products registered with valid China GTINs, events captured through
the capture service, chains that reach from the farm or plant to the consumer, the same every run."""

from __future__ import annotations

import pytest

from ecredit.access.models import Organisation
from ecredit.audit.services import Actor, verify
from ecredit.console.demo import trace as demo
from ecredit.kit import gs1
from ecredit.registry import services as registry
from ecredit.registry import shops
from ecredit.trace import chain
from ecredit.trace.models import Event, Product
from tests import factories as f

pytestmark = pytest.mark.django_db


def small_city() -> dict[str, Organisation]:
    actor = Actor("test")
    platform_uscc, courier_uscc = f.uscc(9301), f.uscc(9302)
    registry.register({"uscc": platform_uscc, "name": "示范电商平台"}, actor, roles=["platform"])
    registry.register({"uscc": courier_uscc, "name": "示范快递有限公司"}, actor, roles=["logistics"])
    platform = f.organisation("platform", "platform_1", name="示范电商平台", uscc=platform_uscc)
    logistics = f.organisation("logistics", "logistics_1", name="示范快递有限公司", uscc=courier_uscc)
    operators = [registry.register({"uscc": f.uscc(9310 + n), "name": f"示范企业{n}"}, actor, roles=["merchant"])
                 for n in range(5)]
    shops.report_shops([{"shop_id": f"S{n}", "name": f"示范网店{n}", "operator": {"uscc": o.uscc}}
                        for n, o in enumerate(operators[:3])], f.principal("platform_client", platform))
    return {o.code: o for o in (platform, logistics)}


def test_demo_captures_chains_from_origin_to_consumer():
    stored = demo.build(small_city())
    assert stored == Event.objects.count() > 50
    assert all(gs1.is_valid_gtin(p.gtin) and p.gtin[1:4] in ("690", "692") and p.category
               for p in Product.objects.all())
    rice = Product.objects.get(category="edible_farm_product")
    bag = chain.build(rice.gtin, serial=f"{demo.RICE_LOTS[0]}-001")
    assert [s.step for s in bag.steps] == ["commissioning", "packing", "shipping", "receiving", "unpacking",
                                           "listing", "sale", "delivery", "receipt", "review"]
    assert bag.gaps == [] and all(s.responsible and s.responsible.resolved for s in bag.steps)
    lot = chain.build(rice.gtin, lot=demo.RICE_LOTS[0])
    assert len(lot.serials) == demo.BAGS_PER_LOT and lot.outputs          # the crackers made from two bags
    drug = Product.objects.get(category="drug")
    pack = chain.build(drug.gtin, serial=f"{demo.DRUG_LOT}0003", public=False)
    assert "complaint" in [s.step for s in pack.steps]
    assert verify().ok


def test_demo_is_deterministic():
    demo.build(small_city())
    first = sorted(Event.objects.values_list("event_hash", flat=True))
    Event.objects.all().delete()   # the side tables go with their events
    Product.objects.all().delete()
    demo.build({o.code: o for o in Organisation.objects.filter(code__in=["platform_1", "logistics_1"])})
    assert sorted(Event.objects.values_list("event_hash", flat=True)) == first
