"""Broken bodies on the EPCIS 2.0 binding (/epcis/): its write operations get the JSON kinds (JSON-LD), and
capture the XML ones too (malformed, entity declarations and billion laughs, external entities reaching for
/etc/passwd, a 1 MB attribute, 10,000 levels of elements, the wrong namespace, UTF-16 hiding entities). Each is
an RFC 7807 problem (application/problem+json) and changes nothing; an event the validation refuses may instead
be reported in a failed capture job (the job is the receipt)."""

from __future__ import annotations

import pytest

from .bodies import MEGABYTE, MEMBERS, WHOLE_BODY
from .checks import judge, report
from .operations import batch_of, call_for, operations

pytestmark = pytest.mark.django_db

LD = "application/ld+json"
XML = "application/xml"
EPCIS_OPS = [op for op in operations() if op.api == "epcis"]
CASES = [(op, kind) for op in EPCIS_OPS for kind in (*WHOLE_BODY, *MEMBERS)]
CAPTURE = "/epcis/capture"


def _as_ld(variants):
    return [(label, data, LD if content_type.startswith("application/json") and "charset" not in content_type
             else content_type) for label, data, content_type in variants]


@pytest.mark.parametrize("op, kind", CASES, ids=[f"{op.id} {kind}" for op, kind in CASES])
def test_a_broken_json_ld_body_is_a_problem_and_changes_nothing(world, op, kind):
    call, batch = call_for(op), batch_of(op)
    make = WHOLE_BODY.get(kind) or MEMBERS[kind]
    outcomes = [judge(world, call.caller, call.path(world), label, data, content_type, api="epcis",
                      may_accept=kind == "nulls" and label != "(body)",
                      batch_receipts=batch.receipts if batch and kind in MEMBERS else None)
                for label, data, content_type in _as_ld(make(call.valid_body(world)))]
    assert not report(outcomes), report(outcomes)


# ------------------------------------------------------------------------------------------------------ XML

HEAD = '<?xml version="1.0" encoding="{encoding}"?>'
DOCUMENT = """<epcis:EPCISDocument xmlns:epcis="{ns}" xmlns:example="http://ns.example.com/epcis"
    schemaVersion="2.0" creationDate="2026-09-03T09:00:00.000Z">
  <EPCISBody><EventList><ObjectEvent>
    <eventTime>2026-09-03T08:00:00.000Z</eventTime><eventTimeZoneOffset>+08:00</eventTimeZoneOffset>
    <epcList><epc>{epc}</epc></epcList>
    <action>OBSERVE</action><bizStep>shipping</bizStep><disposition>in_transit</disposition>
    <readPoint><id>urn:epc:id:sgln:6901999.00001.0</id></readPoint>
    <example:note{attribute}>{note}</example:note>
  </ObjectEvent></EventList></EPCISBody>
</epcis:EPCISDocument>"""
EPCIS_NS = "urn:epcglobal:epcis:xsd:2"
EPC = "urn:epc:id:sgtin:6901999.000010.XML1"


def xml(*, doctype: str = "", encoding: str = "UTF-8", ns: str = EPCIS_NS, epc: str = EPC, note: str = "备注",
        attribute: str = "") -> bytes:
    document = DOCUMENT.format(ns=ns, epc=epc, note=note, attribute=attribute)
    return (HEAD.format(encoding=encoding) + doctype + document).encode(encoding)


def _nested(depth: int) -> str:
    return "<example:n>" * depth + "x" + "</example:n>" * depth


XML_BODIES = {
    "malformed": xml()[:-40],
    "not EPCIS at all": b"<html><body>not an EPCIS document</body></html>",
    "the wrong namespace": xml(ns="urn:example:not-epcis"),
    "billion laughs": xml(doctype='<!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">'
                                  '<!ENTITY c "&b;&b;&b;&b;&b;&b;&b;&b;&b;&b;">]>', note="&c;"),
    "external entity (file:///etc/passwd)": xml(doctype='<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>',
                                                note="&x;"),
    "parameter entity (file:///etc/passwd)": xml(doctype='<!DOCTYPE d [<!ENTITY % p SYSTEM "file:///etc/passwd">'
                                                         ' %p;]>'),
    "external entity in UTF-16": xml(doctype='<!DOCTYPE d [<!ENTITY x SYSTEM "file:///etc/passwd">]>', note="&x;",
                                     encoding="UTF-16"),
    "a 1 MB attribute": xml(attribute=' size="' + "x" * MEGABYTE + '"'),
    "a 1 MB text": xml(note="长" * (MEGABYTE // 3)),
    "10,000 levels of elements": xml(note=_nested(10_000)),
    "GBK bytes declared UTF-8": xml(encoding="GBK").replace(b'encoding="GBK"', b'encoding="UTF-8"'),
}


def test_the_valid_xml_document_is_captured(world):
    """The document the broken ones are made from is good: what refuses them is what is broken in them."""
    call = call_for(next(op for op in EPCIS_OPS if op.path == CAPTURE))
    response = world.client(call.caller).generic("POST", CAPTURE, xml(), content_type=XML)
    assert response.status_code == 202 and response.json()["success"], response.content[:300]


@pytest.mark.parametrize("label", XML_BODIES, ids=list(XML_BODIES))
def test_a_broken_xml_document_is_a_problem_and_changes_nothing(world, label):
    call = call_for(next(op for op in EPCIS_OPS if op.path == CAPTURE))
    outcome = judge(world, call.caller, CAPTURE, label, XML_BODIES[label], XML, api="epcis")
    assert not outcome.wrong, outcome
    assert "root:" not in str(outcome.answer), "the answer shows a file of the server"


def test_an_xml_body_for_a_single_event_is_an_unsupported_media_type(world):
    call = call_for(next(op for op in EPCIS_OPS if op.path == "/epcis/events"))
    outcome = judge(world, call.caller, "/epcis/events", "XML", xml(), XML, api="epcis")
    assert outcome.status == 415 and not outcome.wrong, outcome
