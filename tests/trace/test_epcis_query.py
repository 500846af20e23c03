"""EPCIS queries: every GS1 example comes back with the same meaning, the standard parameters filter as the
binding says, paging by nextPageToken is stable, browse paths list what is stored."""

from __future__ import annotations

import pytest

from ecredit.trace.epcis import hashing, validation, vocab
from ecredit.trace.epcis.xml import to_json_document

from . import epcis_support as s

pytestmark = pytest.mark.django_db


def returned(response) -> list[dict]:
    assert response.status_code == 200, response.content.decode()[:400]
    document = response.json()
    assert document["type"] == "EPCISQueryDocument"
    return document["epcisBody"]["queryResults"]["resultsBody"]["eventList"]


def normalised(event: dict, had_id: bool) -> dict:
    out = {k: v for k, v in event.items() if k not in ("recordTime", "@context")}
    if not had_id:
        out.pop("eventID", None)
    return out


def _round_trip(client, document: dict, body: bytes, content_type: str):
    assert s.post_document(client, body, content_type).status_code == 202
    prefixes = vocab.document_prefixes(document.get("@context"))
    sent = {hashing.event_hash(e, prefixes): e for e in s.events_of(document)}
    answer = returned(client.get("/epcis/events?perPage=1000", HTTP_ACCEPT="application/ld+json"))
    got = {}
    for event in answer:
        got[hashing.event_hash(event, vocab.document_prefixes(event.get("@context")))] = event
    assert set(got) == set(sent)
    for key, event in sent.items():
        assert normalised(got[key], "eventID" in event) == normalised(event, "eventID" in event)


@pytest.mark.parametrize("path", s.JSON_EXAMPLES, ids=s.example_id)
def test_json_examples_round_trip(path):
    _, _, client = s.capturer()
    _round_trip(client, s.load(path), path.read_bytes(), "application/ld+json")


@pytest.mark.parametrize("path", s.XML_EXAMPLES, ids=s.example_id)
def test_xml_examples_round_trip(path):
    _, _, client = s.capturer()
    body = path.read_bytes()
    _round_trip(client, to_json_document(body), body, "application/xml")


@pytest.fixture
def history():
    """Six events of two lots: commissioning, packing onto a pallet, shipping, receiving, a transformation."""
    _, _, client = s.capturer()
    lot_a = [f"urn:epc:id:sgtin:6901234.000010.A{n}" for n in range(3)]
    pallet = "urn:epc:id:sscc:6901234.0000000001"
    t = "2025-09-0{}T0{}:00:00.000Z"
    events = [
        {"type": "ObjectEvent", "eventTime": t.format(1, 1), "eventTimeZoneOffset": "+08:00", "action": "ADD",
         "bizStep": "commissioning", "disposition": "active", "epcList": lot_a,
         "bizLocation": {"id": "urn:epc:id:sgln:6901234.00001.0"}},
        {"type": "AggregationEvent", "eventTime": t.format(1, 2), "eventTimeZoneOffset": "+08:00", "action": "ADD",
         "bizStep": "packing", "parentID": pallet, "childEPCs": lot_a[:2],
         "readPoint": {"id": "urn:epc:id:sgln:6901234.00001.7"}},
        {"type": "ObjectEvent", "eventTime": t.format(2, 3), "eventTimeZoneOffset": "+08:00", "action": "OBSERVE",
         "bizStep": "shipping", "disposition": "in_transit", "epcList": [pallet],
         "bizTransactionList": [{"type": "po", "bizTransaction": "urn:ecredit:po:PO-77"}],
         "bizLocation": {"id": "urn:epc:id:sgln:6901234.00001.0"}},
        {"type": "ObjectEvent", "eventTime": t.format(3, 4), "eventTimeZoneOffset": "+08:00", "action": "OBSERVE",
         "bizStep": "receiving", "disposition": "in_progress", "epcList": [pallet],
         "bizLocation": {"id": "urn:epc:id:sgln:6939999.00001.0"}},
        {"type": "TransformationEvent", "eventTime": t.format(4, 5), "eventTimeZoneOffset": "+08:00",
         "bizStep": "commissioning", "inputEPCList": [lot_a[2]],
         "outputQuantityList": [{"epcClass": "urn:epc:class:lgtin:6921234.50020.C1", "quantity": 40, "uom": "KGM"}]},
        {"type": "ObjectEvent", "eventTime": t.format(5, 6), "eventTimeZoneOffset": "+08:00", "action": "OBSERVE",
         "bizStep": "retail_selling", "disposition": "retail_sold", "epcList": [lot_a[0]]},
    ]
    document = s.event_document(events[0])
    document["epcisBody"]["eventList"] = events
    assert s.post_document(client, document).json()["storedCount"] == 6
    return client


def steps(events: list[dict]) -> list[str]:
    return [e.get("bizStep") for e in events]


@pytest.mark.parametrize("query, expected", [
    ("EQ_bizStep=shipping", ["shipping"]),
    ("EQ_bizStep=https://ref.gs1.org/cbv/BizStep-shipping|receiving", ["shipping", "receiving"]),
    ("EQ_disposition=in_transit", ["shipping"]),
    ("GE_eventTime=2025-09-02T00:00:00Z&LT_eventTime=2025-09-04T00:00:00Z", ["shipping", "receiving"]),
    ("GE_eventTime=2025-09-02T10:00:00%2B08:00&LT_eventTime=2025-09-02T12:00:00%2B08:00", ["shipping"]),
    # the offset's `+` written unencoded, as integrators do: it arrives as a space
    ("GE_eventTime=2025-09-02T10:00:00+08:00&LT_eventTime=2025-09-02T12:00:00+08:00", ["shipping"]),
    ("MATCH_epc=urn:epc:id:sgtin:6901234.000010.A0", ["commissioning", "packing", "retail_selling"]),
    ("MATCH_epc=https://id.gs1.org/01/06901234000108/21/A1", ["commissioning", "packing"]),
    ("MATCH_epc=urn:epc:idpat:sgtin:6901234.000010.*", ["commissioning", "packing", "retail_selling"]),
    ("MATCH_parentID=urn:epc:id:sscc:6901234.0000000001", ["packing"]),
    ("MATCH_anyEPC=urn:epc:id:sscc:6901234.0000000001", ["packing", "shipping", "receiving"]),
    ("MATCH_inputEPC=urn:epc:id:sgtin:6901234.000010.A2", ["commissioning"]),
    ("MATCH_anyEPCClass=urn:epc:class:lgtin:6921234.50020.C1", ["commissioning"]),
    ("EQ_bizLocation=urn:epc:id:sgln:6901234.00001.0", ["commissioning", "shipping"]),
    ("EQ_readPoint=https://id.gs1.org/414/6901234000016/254/7", ["packing"]),
    ("WD_readPoint=urn:epc:id:sgln:6901234.00001.0", ["packing"]),
    ("EQ_bizTransaction_po=urn:ecredit:po:PO-77", ["shipping"]),
    ("EQ_action=ADD", ["commissioning", "packing"]),
    ("eventType=AggregationEvent|TransformationEvent", ["packing", "commissioning"]),
    ("orderBy=eventTime&orderDirection=DESC&eventCountLimit=2", ["retail_selling", "commissioning"]),
])
def test_query_parameters(history, query, expected):
    assert steps(returned(history.get(f"/epcis/events?{query}"))) == expected


def test_answers_are_valid_query_documents(history):
    response = history.get("/epcis/events")
    assert response["Content-Type"] == "application/ld+json" and response["GS1-EPCIS-Version"] == "2.0.0"
    assert validation.is_valid(response.json())
    assert history.get("/epcis/events", HTTP_ACCEPT="application/json")["Content-Type"] == "application/json"


def test_paging_by_next_page_token_is_stable(history):
    seen, url = [], "/epcis/events?perPage=4&orderBy=eventTime&orderDirection=ASC"
    first = history.get(url)
    seen += returned(first)
    link = first["Link"]
    assert link.endswith('; rel="next"')
    # an event captured between pages does not shift the pages (keyset paging)
    s.post_document(history, s.event_document(s.object_event(eventTime="2025-08-01T00:00:00Z")))
    second = history.get(link[1:link.index(">")].replace("http://testserver", ""))
    seen += returned(second)
    assert "Link" not in second
    assert len(seen) == 6 and len({e["eventID"] for e in seen}) == 6
    assert [e["eventTime"] for e in seen] == sorted(e["eventTime"] for e in seen)
    token = link.split("nextPageToken=")[1].split(">")[0]
    assert history.get(f"/epcis/events?perPage=4&EQ_action=ADD&nextPageToken={token}").status_code == 400
    assert history.get("/epcis/events?nextPageToken=forged").status_code == 400


@pytest.mark.parametrize("query, status", [
    ("EQ_quantity=3", 400), ("orderBy=bizStep", 400), ("eventCountLimit=2", 400),
    ("eventCountLimit=2&maxEventCount=3&orderBy=eventTime", 400), ("GE_eventTime=yesterday", 400),
    ("maxEventCount=2", 413), ("maxEventCount=6", 200), ("perPage=0", 400),
])
def test_bad_queries_are_refused(history, query, status):
    response = history.get(f"/epcis/events?{query}")
    assert response.status_code == status
    if status != 200:
        assert response["Content-Type"] == "application/problem+json" and response.json()["code"]


def test_browse_paths(history):
    assert set(history.get("/epcis/eventTypes").json()["member"]) >= {"ObjectEvent", "AssociationEvent"}
    assert history.get("/epcis/bizSteps").json()["member"] == [
        "commissioning", "packing", "receiving", "retail_selling", "shipping"]
    assert "in_transit" in history.get("/epcis/dispositions").json()["member"]
    assert "https://id.gs1.org/414/6939999000019" in history.get("/epcis/bizLocations").json()["member"]
    assert history.get("/epcis/readPoints").json()["member"] == ["https://id.gs1.org/414/6901234000016/254/7"]
    assert steps(returned(history.get("/epcis/bizSteps/shipping/events"))) == ["shipping"]
    assert steps(returned(history.get("/epcis/dispositions/in_progress/events"))) == ["receiving"]
    assert steps(returned(history.get("/epcis/eventTypes/TransformationEvent/events"))) == ["commissioning"]
    assert history.get("/epcis/eventTypes/NoSuchEvent/events").status_code == 404
    pallet = "urn:epc:id:sscc:6901234.0000000001"
    assert steps(returned(history.get(f"/epcis/epcs/{pallet}/events"))) == ["packing", "shipping", "receiving"]
    assert history.get("/epcis/bizSteps/shipping").json()["member"] == ["events"]
    assert history.get("/epcis/bizSteps?perPage=2")["Link"].endswith('rel="next"')


def test_the_public_sees_nothing_through_epcis(history):
    from django.test import Client

    assert Client().get("/epcis/events").status_code == 401
    _, _, stranger = s.capturer("agency_trace", "agency", "agency_client")
    assert stranger.get("/epcis/events").status_code == 403
