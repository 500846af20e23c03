"""Lots and transformations at scale: a lot's items found through their commissioning ILMD (JSON and XML), a lot
whose items were each processed separately answered in the same few queries as a small one, and a lot of 40,000
items on SQLite (whose statements take at most 32,766 parameters in its default build)."""

from __future__ import annotations

import sqlite3

import orjson
import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext
from django.utils import timezone

from ecredit.kit import gs1
from ecredit.trace import chain
from ecredit.trace.epcis import capture, store
from ecredit.trace.models import CaptureJob, EventEpc

from . import epcis_support as s

pytestmark = pytest.mark.django_db

PREFIX = "6901234"
CONTEXT = ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",
           {"example": "http://ns.example.com/epcis/"}]


def gtin(item: str) -> str:
    return gs1.gtin_with_check_digit(PREFIX + item)


def sgtin(item: str, serial: str) -> str:
    return gs1.sgtin_urn(gtin(item), serial, len(PREFIX))


def event(kind: str, day: int, **fields) -> dict:
    return {"type": kind, "eventTime": f"2025-09-{day:02d}T08:00:00.000Z", "eventTimeZoneOffset": "+08:00",
            **fields}


def commissioning(item: str, serials, lot_key: str = "cbvmda:lotNumber", lot: str = "L1", day: int = 1) -> dict:
    return event("ObjectEvent", day, action="ADD", bizStep="commissioning", disposition="active",
                 epcList=[sgtin(item, n) for n in serials], ilmd={lot_key: lot})


def capture_events(events: list[dict], principal) -> None:
    document = {"@context": CONTEXT, "type": "EPCISDocument", "schemaVersion": "2.0",
                "creationDate": "2025-09-30T00:00:00.000Z", "epcisBody": {"eventList": events}}
    outcome = capture.capture(capture.parse(orjson.dumps(document), "application/ld+json"), principal)
    assert outcome.job.status == "succeeded", outcome.job.errors


@pytest.fixture
def principal():
    return s.capturer()[1]


def lot_of(item: str, serial: str) -> str:
    return EventEpc.objects.get(epc=store.canonical_epc(sgtin(item, serial)), role="epc",
                                event__biz_step__endswith="commissioning").lot


def test_a_lot_is_found_through_the_ilmd_of_its_commissioning(principal):
    capture_events([
        commissioning("00010", ["A1", "A2", "A3"]),
        commissioning("00010", ["X1"], lot_key="example:lotNumber", lot="L1"),   # not CBV master data
        event("ObjectEvent", 2, action="OBSERVE", bizStep="shipping", epcList=[sgtin("00010", "A2")]),
    ], principal)
    found = chain.build(gtin("00010"), lot="L1", public=False)
    assert found.serials == ["A1", "A2", "A3"]
    assert [(step.step, step.items) for step in found.steps] == [("commissioning", 3), ("shipping", 1)]
    item = chain.build(gtin("00010"), serial="A2", public=False)
    assert item.lot == "L1" and [step.step for step in item.steps] == ["commissioning", "shipping"]
    assert chain.build(gtin("00010"), serial="X1").lot == ""


def test_ilmd_lot_goes_to_a_transformations_outputs_not_its_inputs(principal):
    capture_events([
        commissioning("00010", ["A1"], lot="RICE1"),
        event("TransformationEvent", 3, bizStep="commissioning", inputEPCList=[sgtin("00010", "A1")],
              outputEPCList=[sgtin("00020", "P1")], ilmd={"urn:epcglobal:cbv:mda:lotNumber": "CR1"}),
    ], principal)
    assert (lot_of("00010", "A1"), EventEpc.objects.get(role="input").lot) == ("RICE1", "")
    assert EventEpc.objects.get(role="output").lot == "CR1"
    found = chain.build(gtin("00020"), lot="CR1", public=False)
    assert found.serials == ["P1"] and [x["serial"] for x in found.inputs] == ["A1"]


def test_ilmd_lot_of_an_xml_capture(principal):
    path = s.CONFORMANCE / "XML" / "WithExtension" / "TransformationEvent.xml"   # <cbvmda:lotNumber>LOTABC
    outcome = capture.capture(capture.parse(path.read_bytes(), "application/xml"), principal)
    assert outcome.job.status == "succeeded"
    row = EventEpc.objects.get(epc=store.canonical_epc("urn:epc:id:sgtin:4012345.012345.987"), role="output")
    assert row.lot == "LOTABC"
    assert "987" in chain.build(row.gtin, lot="LOTABC").serials


def processed_one_by_one(item: str, product: str, count: int) -> list[dict]:
    """A lot of `count` items, each milled separately: a transformation told in two events (inputs, outputs)
    joined by its transformationID, then the product sold."""
    serials = [f"S{n}" for n in range(count)]
    events = [commissioning(item, serials, lot=f"LOT-{item}")]
    for n in serials:
        tid = f"urn:uuid:00000000-0000-4000-8000-{item}{n[1:]:>07}"
        events += [
            event("TransformationEvent", 5, bizStep="commissioning", transformationID=tid,
                  inputEPCList=[sgtin(item, n)]),
            event("TransformationEvent", 5, bizStep="commissioning", transformationID=tid,
                  outputEPCList=[sgtin(product, f"P{n}")]),
            event("ObjectEvent", 9, action="OBSERVE", bizStep="retail_selling", epcList=[sgtin(product, f"P{n}")]),
        ]
    return events


def test_a_transformation_fan_out_is_answered_in_a_bounded_number_of_queries(principal):
    capture_events(processed_one_by_one("00110", "00120", 10) + processed_one_by_one("00210", "00220", 150),
                   principal)
    counts = {}
    for item, count in (("00110", 10), ("00210", 150)):
        with CaptureQueriesContext(connection) as queries:
            found = chain.build(gtin(item), lot=f"LOT-{item}")
        counts[count] = len(queries)
        assert len(found.outputs) == count
        assert sum(1 for step in found.steps if step.step == "retail_selling" and step.relation == "output") == count
    assert counts[150] == counts[10] <= 30, counts


@pytest.fixture
def sqlite_default_limit():
    """SQLite as most builds ship it: at most 32,766 parameters in one statement (some raise the limit)."""
    connection.ensure_connection()
    raw = connection.connection if connection.vendor == "sqlite" else None
    before = raw.getlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER) if raw else None
    if raw:
        raw.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, 32766)
    yield
    if raw:
        raw.setlimit(sqlite3.SQLITE_LIMIT_VARIABLE_NUMBER, before)


def test_a_lot_of_forty_thousand_items(principal, sqlite_default_limit):
    # Stored the way capture stores it (rows_for + insert), without validating 40,000 URIs first.
    commissioned = commissioning("00310", [f"{n:05d}" for n in range(40_000)], lot="BIG")
    rows = store.rows_for(commissioned, {}, "ni:///sha-256;big?ver=CBV2.0", timezone.now())
    job = CaptureJob.objects.create(organisation_id=principal.organisation_id, received_at=timezone.now(),
                                    status="succeeded", media_type="application/ld+json")
    store.insert([(rows, commissioned)], principal.organisation_id, job.pk)
    capture_events([event("ObjectEvent", 4, action="OBSERVE", bizStep="retail_selling",
                          epcList=[sgtin("00310", n) for n in ("00007", "39999")])], principal)
    found = chain.build(gtin("00310"), lot="BIG")
    assert len(found.serials) == 40_000
    assert [(step.step, step.items) for step in found.steps] == [("commissioning", 40_000), ("retail_selling", 2)]
