"""Validation of EPCIS documents: one invalid document per rule (each refused, naming where and why), every
violation listed, and the compiled validator agreeing with the reference (jsonschema's Draft 7 validator with
its format checker) on mutated GS1 examples and generated strings."""

from __future__ import annotations

import copy

import jsonschema
import orjson
import pytest
import rfc3339_validator
import rfc3987
from hypothesis import HealthCheck, given, settings
from hypothesis import strategies as st

from ecredit.trace.epcis import formats, validation
from ecredit.trace.epcis.xml import to_json_document

from . import epcis_support as s

REFERENCE = jsonschema.Draft7Validator(validation.schema(), format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)
XML_REFERENCE = jsonschema.Draft7Validator(validation.xml_schema(),
                                           format_checker=jsonschema.Draft7Validator.FORMAT_CHECKER)


def refusals(event: dict, **document_changes) -> list[dict]:
    """Violations (schema and CBV terms) of a one-event document."""
    document = s.event_document(event) | document_changes
    found = [] if validation.is_valid(document) else validation.violations(document)
    found += validation.semantic_violations(event, "/epcisBody/eventList/0")
    return [v.as_dict() for v in found]


def paths(found: list[dict]) -> set[str]:
    return {v["path"] for v in found}


EVENT = "/epcisBody/eventList/0"


def test_the_base_event_is_valid():
    assert refusals(s.object_event()) == []


@pytest.mark.parametrize("change, path", [
    # CBV vocabularies: bare words must be CBV terms; own values must be URIs outside the CBV namespaces
    ({"bizStep": "shippping"}, "/bizStep"),
    ({"bizStep": "urn:epcglobal:cbv:bizstep:shipping"}, "/bizStep"),
    ({"bizStep": "https://ns.gs1.org/cbv/BizStep-shipping"}, "/bizStep"),
    ({"bizStep": "https://ref.gs1.org/cbv/BizStep-shopping"}, "/bizStep"),
    ({"disposition": "lost"}, "/disposition"),
    ({"disposition": "https://ref.gs1.org/cbv/Disp-lost"}, "/disposition"),
    ({"bizTransactionList": [{"type": "order", "bizTransaction": "urn:x:1"}]}, "/bizTransactionList/0/type"),
    ({"sourceList": [{"type": "owner", "source": "urn:epc:id:pgln:6901234.00001"}]}, "/sourceList/0/type"),
    ({"sourceList": [{"source": "urn:epc:id:pgln:6901234.00001"}]}, "/sourceList/0/type"),
    ({"persistentDisposition": {"set": ["completeness_guessed"]}}, "/persistentDisposition/set/0"),
    # formats: RFC 3339 timestamps with zone, URIs
    ({"eventTime": "2025-09-01T10:00:00"}, "/eventTime"),
    ({"eventTime": "2025-02-30T10:00:00Z"}, "/eventTime"),
    ({"eventTime": "2025-09-01 10:00:00+08:00"}, "/eventTime"),
    ({"epcList": ["urn:epc:id:sgtin:6901234.000010.1", "not a uri"]}, "/epcList/1"),
    ({"epcList": ["6901234000106"]}, "/epcList/0"),
    ({"readPoint": {"id": "sgln 6901234.00001.0"}}, "/readPoint/id"),
    ({"eventID": "id-42"}, "/eventID"),
    ({"eventTimeZoneOffset": "+15:00"}, "/eventTimeZoneOffset"),
    # structure
    ({"epcList": ["urn:epc:id:sgtin:6901234.000010.1", "urn:epc:id:sgtin:6901234.000010.1"]}, "/epcList"),
    ({"action": "MOVE"}, "/action"),
    ({"quantityList": [{"epcClass": "urn:epc:class:lgtin:6901234.000010.L1", "quantity": "5"}]},
     "/quantityList/0/quantity"),
    ({"quantityList": [{"epcClass": "urn:epc:class:lgtin:6901234.000010.L1", "quantity": 5, "uom": "kg"}]},
     "/quantityList/0/uom"),
    ({"quantityList": [{"epcClass": "urn:epc:class:lgtin:6901234.000010.L1", "weight": 5}]},
     "/quantityList/0/weight"),
    ({"colour": "red"}, "/colour"),
    ({"ilmd": {"ex:bestBefore": "2026-01-01"}}, ""),  # ilmd only with ADD
    ({"sensorElementList": [{"sensorReport": [{"value": 3.5}]}]}, "/sensorElementList/0/sensorReport/0/type"),
    ({"sensorElementList": [{"sensorReport": [{"type": "Warmth"}]}]}, "/sensorElementList/0/sensorReport/0/type"),
    ({"errorDeclaration": {"reason": "incorrect_data"}}, "/errorDeclaration/declarationTime"),
    ({"errorDeclaration": {"declarationTime": "2025-09-02T00:00:00Z", "reason": "typo"}}, "/errorDeclaration/reason"),
])
def test_each_rule_refuses_its_invalid_document(change, path):
    found = refusals(s.object_event(**change))
    assert EVENT + path in paths(found), found
    assert all(v["reason"] for v in found)


@pytest.mark.parametrize("remove, path", [("eventTime", "/eventTime"), ("eventTimeZoneOffset", "/eventTimeZoneOffset"),
                                          ("action", "/action")])
def test_required_fields(remove, path):
    event = s.object_event()
    del event[remove]
    assert EVENT + path in paths(refusals(event))


@pytest.mark.parametrize("event, path", [
    ({"type": "TransactionEvent", "action": "ADD", "epcList": []}, "/bizTransactionList"),
    ({"type": "AssociationEvent", "action": "ADD", "childEPCs": ["urn:epc:id:giai:6901234.1"]}, "/parentID"),
    ({"type": "AggregationEvent", "action": "ADD", "parentID": "urn:epc:id:sscc:6901234.0000000001"}, ""),
    ({"type": "TransformationEvent"}, ""),
])
def test_event_types_need_their_fields(event, path):
    event = {"eventTime": "2025-09-01T10:00:00Z", "eventTimeZoneOffset": "+08:00", **event}
    assert EVENT + path in paths(refusals(event))


def test_own_uris_outside_the_cbv_namespaces_are_accepted():
    assert refusals(s.object_event(bizStep="https://voc.ecredit.example/bizstep/listing",
                                   disposition="ecredit:listed", **{"ecredit:platform": "某平台"})) == []
    assert refusals(s.object_event(bizStep="https://ref.gs1.org/cbv/BizStep-receiving")) == []


def test_document_level_rules():
    document = s.event_document(s.object_event())
    del document["schemaVersion"]
    document["creationDate"] = "yesterday"
    found = {v.path for v in validation.violations(document)}
    assert {"/schemaVersion", "/creationDate"} <= found


def test_every_violation_is_listed():
    event = s.object_event(bizStep="shippping", eventTime="soon", epcList=["a b"], disposition="lost")
    del event["action"]
    found = paths(refusals(event))
    assert {EVENT + p for p in ("/bizStep", "/eventTime", "/epcList/0", "/disposition", "/action")} <= found


def test_xml_is_held_to_the_same_rules():
    xml = (s.CONFORMANCE / "XML" / "Example_9.6.1-ObjectEvent-2020_06_18a.xml").read_bytes()
    broken = xml.replace(b"2005-04-03T20:33:31.116-06:00", b"2005-04-03T20:33:31.116", 1) \
        .replace(b"<action>OBSERVE</action>", b"<action>OBSERVE</action><colour>red</colour>", 1)
    document = to_json_document(broken)
    assert not validation.is_valid(document, xml=True)
    assert {f"{EVENT}/eventTime", f"{EVENT}/colour"} <= {v.path for v in validation.violations(document, xml=True)}


# The reference --------------------------------------------------------------------------------------------
def reference_uri(value: str) -> bool:
    try:
        rfc3987.parse(value, rule="URI")
        return True
    except ValueError:
        return False


URI_CHARS = st.sampled_from(list("aZ09:/?#[]@!$&'()*+,;=-._~% \n") + ["é", "v1.", "::", "%4", "%41", "http://",
                                                                      "urn:", "[::1]", "[v7.x]", "1.2.3.4"])


@settings(max_examples=3000, deadline=None)
@given(st.lists(URI_CHARS, max_size=12).map("".join))
def test_uri_format_agrees_with_rfc3987(value):
    assert formats.is_uri(value) == reference_uri(value)


TIME_PARTS = st.tuples(st.sampled_from(["2025", "2024", "0000", "1900", "99"]), st.sampled_from(["-"]),
                       st.sampled_from(["01", "02", "12", "13", "00"]), st.just("-"),
                       st.sampled_from(["01", "28", "29", "30", "31", "32"]), st.sampled_from(["T", "t", " "]),
                       st.sampled_from(["00", "23", "24"]), st.just(":"), st.sampled_from(["00", "59", "60"]),
                       st.just(":"), st.sampled_from(["00", "59", "60"]), st.sampled_from(["", ".1", ".123456789"]),
                       st.sampled_from(["Z", "z", "+08:00", "-23:59", "+24:00", "", "+0800", "\n", "Z\n"]))


@settings(max_examples=2000, deadline=None)
@given(TIME_PARTS.map("".join))
def test_date_time_format_agrees_with_rfc3339(value):
    assert formats.is_date_time(value) == rfc3339_validator.validate_rfc3339(value.upper())


EXAMPLES = [s.load(p) for p in s.JSON_EXAMPLES]
XML_DOCS = [to_json_document(p.read_bytes()) for p in s.XML_EXAMPLES]
REPLACEMENTS = st.sampled_from([
    "shipping", "shippping", "urn:epcglobal:cbv:bizstep:shipping", "https://ref.gs1.org/cbv/BizStep-x", "ex:thing",
    "not a uri", "", "2025-09-01T10:00:00Z", "2025-09-01T10:00:00", "+08:00", "+15:00", "OBSERVE", "ADD", "MOVE",
    "KGM", "kg", "Temperature", "gs1:Temperature", "in_transit", "po", "location", 1, 1.5, -2, True, None, [], {},
    ["urn:a:b"], ["urn:a:b", "urn:a:b"], {"id": "urn:a:b"}, {"set": ["active"]}, {"unset": []},
    "urn:epc:id:sgtin:0614141.107346.2017", "https://id.gs1.org/01/09521234543213/21/1", "ObjectEvent",
    "EPCISDocument", "ALARM_CONDITION", "f0f0", "x", "https://gs1.org/voc/Temperature",
])
NEW_KEYS = st.sampled_from(["foo", "ex:foo", "@id", "ilmd", "action", "epcList", "type", "eventID", "quantity",
                            "sensorReport", "set", "rdfs:comment", "http://x.org/y"])


def _containers(node, path=()):
    yield path, node
    if isinstance(node, dict):
        for key, value in node.items():
            yield from _containers(value, path + (key,))
    elif isinstance(node, list):
        for i, value in enumerate(node):
            yield from _containers(value, path + (i,))


@st.composite
def mutated(draw, sources):
    document = copy.deepcopy(draw(st.sampled_from(sources)))
    for _ in range(draw(st.integers(1, 3))):
        spots = [(p, n) for p, n in _containers(document) if isinstance(n, (dict, list)) and n]
        path, node = draw(st.sampled_from(spots))
        keys = list(node) if isinstance(node, dict) else list(range(len(node)))
        key = draw(st.sampled_from(keys))
        action = draw(st.sampled_from(["replace", "delete", "add", "duplicate"]))
        if action == "replace":
            node[key] = copy.deepcopy(draw(REPLACEMENTS))
        elif action == "delete":
            del node[key]
        elif action == "add" and isinstance(node, dict):
            node[draw(NEW_KEYS)] = copy.deepcopy(draw(REPLACEMENTS))
        elif action == "duplicate" and isinstance(node, list):
            node.append(copy.deepcopy(node[key]))
    return document


@settings(max_examples=400, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated(EXAMPLES))
def test_compiled_validator_agrees_with_the_reference_on_mutated_examples(document):
    expected = REFERENCE.is_valid(document)
    assert validation.is_valid(document) == expected
    assert validation.schema_valid(document) == expected
    assert (validation.violations(document) == []) == expected


@settings(max_examples=150, deadline=None, suppress_health_check=[HealthCheck.too_slow])
@given(mutated(XML_DOCS))
def test_xml_variant_agrees_with_the_reference_on_mutated_examples(document):
    expected = XML_REFERENCE.is_valid(document)
    assert validation.is_valid(document, xml=True) == expected
    assert (validation.violations(document, xml=True) == []) == expected


def test_the_reference_accepts_every_example_too():
    for document in EXAMPLES:
        assert REFERENCE.is_valid(document) and validation.is_valid(document)
    for document in XML_DOCS:
        assert XML_REFERENCE.is_valid(document) and validation.is_valid(document, xml=True)


def test_json_round_trip_of_examples_is_stable():
    for document in EXAMPLES:
        assert validation.is_valid(orjson.loads(orjson.dumps(document)))
