"""The reads trace chains are built from: identifiers in canonical form, events by identifier, and chains that
follow packing and transformations without wandering to siblings."""

from __future__ import annotations

import pytest

from ecredit.trace.epcis import store

from . import epcis_support as s

pytestmark = pytest.mark.django_db

LOT = [f"urn:epc:id:sgtin:6901234.000010.A{n}" for n in range(2)]
OTHER = "urn:epc:id:sgtin:6901234.000010.Z9"          # packed on the same pallet, from another lot
PALLET = "urn:epc:id:sscc:6901234.0000000001"
RAW = "urn:epc:class:lgtin:6905555.000020.RAW1"        # the raw material the lot was made from
PRODUCT = "urn:epc:id:sgtin:6921234.000030.P1"         # what one item of the lot was made into
SIDE = "urn:epc:id:sgtin:6921234.000030.P2"            # made from another input in the same factory run


def _event(kind: str, day: int, **fields) -> dict:
    return {"type": kind, "eventTime": f"2025-09-0{day}T08:00:00Z", "eventTimeZoneOffset": "+08:00", **fields}


@pytest.fixture
def captured():
    _, principal, _ = s.capturer()
    from ecredit.trace.epcis import capture
    import orjson

    events = [
        _event("TransformationEvent", 1, bizStep="commissioning", outputEPCList=LOT,
               inputQuantityList=[{"epcClass": RAW, "quantity": 20, "uom": "KGM"}]),
        _event("ObjectEvent", 1, action="ADD", bizStep="commissioning", epcList=[OTHER]),
        _event("AggregationEvent", 2, action="ADD", bizStep="packing", parentID=PALLET, childEPCs=LOT + [OTHER]),
        _event("ObjectEvent", 3, action="OBSERVE", bizStep="shipping", epcList=[PALLET]),
        _event("AggregationEvent", 4, action="DELETE", bizStep="unpacking", parentID=PALLET, childEPCs=LOT + [OTHER]),
        _event("TransformationEvent", 5, bizStep="commissioning", inputEPCList=[LOT[0]], outputEPCList=[PRODUCT]),
        _event("TransformationEvent", 6, bizStep="commissioning", inputEPCList=[OTHER], outputEPCList=[SIDE]),
        _event("ObjectEvent", 7, action="OBSERVE", bizStep="retail_selling", epcList=[PRODUCT]),
    ]
    document = s.event_document(events[0])
    document["epcisBody"]["eventList"] = events
    capture.capture(capture.parse(orjson.dumps(document), "application/ld+json"), principal)


def steps(events) -> list[str]:
    return [(e.event_time.day, e.biz_step.rsplit("-", 1)[-1]) for e in events]


def test_canonical_identifiers():
    assert store.canonical_epc(" urn:epc:id:sscc:6901234.0000000001 ") == "https://id.gs1.org/00/069012340000000016"
    assert store.canonical_epc("https://example.org/01/6901234000108/21/A0?x=1") == \
        "https://id.gs1.org/01/06901234000108/21/A0"


def test_events_for_epcs(captured):
    pallet = store.canonical_epc(PALLET)
    assert steps(store.events_for_epcs({pallet})) == [(2, "packing"), (3, "shipping"), (4, "unpacking")]


def test_item_epcs_of_a_serial_and_a_lot(captured):
    assert store.item_epcs("06901234000108", serial="A0") == {"https://id.gs1.org/01/06901234000108/21/A0"}
    assert store.item_epcs("6905555000202", lot="RAW1") == {"https://id.gs1.org/01/06905555000202/10/RAW1"}


def test_chain_follows_containers_and_transformations_but_not_siblings(captured):
    item = store.canonical_epc(LOT[0])
    chain = store.chain({item})
    assert steps(chain.events) == [(1, "commissioning"), (2, "packing"), (3, "shipping"), (4, "unpacking"),
                                   (5, "commissioning"), (7, "retail_selling")]
    assert store.canonical_epc(RAW) in chain.epcs and store.canonical_epc(PRODUCT) in chain.epcs
    assert store.canonical_epc(OTHER) not in chain.epcs and store.canonical_epc(SIDE) not in chain.epcs
    shipping = chain.events[2]
    assert chain.roles[shipping.pk] == {(store.canonical_epc(PALLET), "epc")}


def test_chain_from_the_end_product_goes_upstream_only(captured):
    chain = store.chain({store.canonical_epc(PRODUCT)})
    assert (1, "commissioning") in steps(chain.events)   # the lot was made from the raw material
    assert store.canonical_epc(LOT[1]) not in chain.epcs  # the lot's other item is a sibling
