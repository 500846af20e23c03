"""The trace chain over a small captured history: what an officer and the public see for a lot and an item —
containers followed while the item is in them, transformations followed both ways, the right party responsible at
each step, the consumer never named."""

from __future__ import annotations

import pytest

from ecredit.trace import chain

from . import chain_world as cw

pytestmark = pytest.mark.django_db


@pytest.fixture
def world(db):
    return cw.build()


def steps_of(found, relation=None):
    return [(s.step, s.relation) for s in found.steps if relation is None or s.relation == relation]


def at_hour(found, hours):
    want = cw.BASE + __import__("datetime").timedelta(hours=hours)
    return [s for s in found.steps if s.time == want]


def test_an_item_travels_in_its_pallet_only_while_packed(world):
    found = chain.build(cw.RICE, serial="B001", public=False)
    assert found.lot == cw.LOT                                # read from the commissioning event's ILMD
    assert [s.step for s in found.steps][:5] == ["commissioning", "packing", "shipping", "receiving", "unpacking"]
    shipping = at_hour(found, 4)[0]
    assert (shipping.relation, shipping.through) == ("container", found.containers[0])
    assert at_hour(found, 30) == []                           # the pallet's next trip carried other goods
    assert found.product.gtin == cw.RICE and found.category.code == "edible_farm_product"


def test_an_item_not_packed_never_shows_the_pallet(world):
    found = chain.build(cw.RICE, serial="B003", public=False)
    assert steps_of(found) == [("commissioning", "self"), ("listing", "self")]
    assert found.containers == []
    assert set(found.gaps) == {"packing", "shipping", "receiving"}


def test_transformation_is_followed_downstream_to_the_product_made_from_the_item(world):
    found = chain.build(cw.RICE, serial="B001", public=False)
    made = [x["gtin"] for x in found.outputs]
    assert made == [cw.CRACKER]
    later = [(s.step, s.relation) for s in found.steps if s.relation == "output"]
    assert ("listing", "output") in later                      # the crackers' listing belongs to the rice's story


def test_transformation_is_followed_upstream_to_the_origin_of_the_inputs(world):
    found = chain.build(cw.CRACKER, lot=cw.CRACKER_LOT, public=False)
    assert [x["serial"] for x in found.inputs] == ["B001"]
    upstream = [s.step for s in found.steps if s.relation == "input"]
    assert upstream[:2] == ["commissioning", "packing"]         # the rice bag's own history, from the farm
    assert "sale" not in {s.step for s in found.steps}         # not B002's sale: a sibling, not an input


def test_a_lot_chain_gathers_every_item_commissioned_into_it(world):
    found = chain.build(cw.RICE, lot=cw.LOT, public=False)
    assert found.serials == list(cw.SERIALS)
    commissioning = at_hour(found, 0)[0]
    assert commissioning.items == 3
    assert {"listing", "sale", "delivery", "receipt", "review", "complaint"} <= {s.step for s in found.steps}
    assert found.gaps == []


def test_responsible_party_at_each_supply_chain_step(world):
    found = chain.build(cw.RICE, serial="B001", public=False)
    by_step = {s.step: s for s in found.steps if s.event_type != "TransformationEvent" and s.relation != "output"}
    farm, distributor = world.farm.pk, world.distributor.pk
    # The farm's location is found by its GLN's company prefix: the prefix of the rice the farm owns.
    assert (by_step["commissioning"].responsible_basis, by_step["commissioning"].responsible.subject_id) == \
        ("location", farm)
    assert by_step["commissioning"].place.subject_id == farm and by_step["commissioning"].place.gln
    assert (by_step["shipping"].responsible_basis, by_step["shipping"].responsible.subject_id) == ("source", farm)
    assert (by_step["receiving"].responsible_basis, by_step["receiving"].responsible.subject_id) == \
        ("destination", distributor)
    # The depot's GLN explains no product: the chain learns it from the receiving there by its owner.
    assert (by_step["unpacking"].place.subject_id, by_step["unpacking"].place.basis) == (distributor, "gln_learned")
    assert (by_step["unpacking"].responsible_basis, by_step["unpacking"].responsible.subject_id) == \
        ("location", distributor)
    transform = [s for s in found.steps if s.event_type == "TransformationEvent"][0]
    assert transform.responsible.subject_id == world.factory.pk


def test_responsible_party_on_the_online_trail(world):
    found = chain.build(cw.RICE, serial="B002", public=False)
    by_step = {s.step: s for s in found.steps}
    assert by_step["listing"].responsible.subject_id == world.shop.pk
    assert by_step["listing"].responsible.platform_name == "南通优选电商平台"
    assert by_step["sale"].responsible.subject_id == world.shop.pk
    assert by_step["delivery"].responsible.subject_id == world.courier.pk
    assert by_step["receipt"].responsible.subject_id == world.courier.pk
    assert by_step["review"].responsible.name == "南通优选电商平台"
    assert by_step["complaint"].public is False


def test_the_public_chain_leaves_out_complaints_and_documents(world):
    public = chain.build(cw.RICE, serial="B002")
    shown = {s.step for s in public.steps}
    assert "complaint" not in shown and "receipt" in shown
    assert all(s.document is None for s in public.steps)
    officer = chain.build(cw.RICE, serial="B002", public=False)
    receipt = [s for s in officer.steps if s.step == "receipt"][0]
    assert receipt.document["ecredit:signedBy"] == world.person_name     # officers see what was captured


def test_unknown_lot_and_serial_have_no_chain(world):
    assert not chain.build(cw.RICE, lot="NOPE").found
    assert not chain.build(cw.RICE, serial="B999").found


def test_summary_merges_the_same_step_on_the_same_day(world):
    rows = chain.summarise(chain.build(cw.RICE, lot=cw.LOT).steps)
    listings = [r for r in rows if r["step"].step == "listing" and r["step"].relation == "self"]
    assert [(r["count"], r["items"]) for r in listings] == [(2, 2)]     # B002 and B003, listed the same day


def test_an_event_declared_erroneous_by_its_capturer_leaves_the_public_chain(world):
    """EPCIS error declaration: the event sent again with its eventID and an errorDeclaration. The original drops
    out of the public chain and is flagged for officers — but only when its own capturer declares it."""
    import datetime as dt

    from ecredit.trace.models import Event

    from . import epcis_support as s

    original = Event.objects.get(event_time=cw.BASE + dt.timedelta(hours=4))
    shipping = world.events[2]

    def declaration(day: str) -> dict:
        return {**shipping, "eventID": original.event_id,
                "errorDeclaration": {"declarationTime": f"2025-09-{day}T00:00:00Z", "reason": "incorrect_data"}}

    _, stranger, _ = s.capturer("logistics_stranger", "logistics", "logistics_client")
    cw.capture([declaration("09")], stranger)
    assert [s.step for s in at_hour(chain.build(cw.RICE, serial="B001"), 4)] == ["shipping"]
    cw.capture([declaration("10")], world.capturer)
    assert at_hour(chain.build(cw.RICE, serial="B001"), 4) == []
    officer = at_hour(chain.build(cw.RICE, serial="B001", public=False), 4)
    assert len(officer) == 3                                     # the original and both declarations
    assert next(step for step in officer if step.event_id == original.pk).declared_error
