"""The CBV 2.0 canonical event hash and the GS1 identifiers it normalises."""

from __future__ import annotations

import json

import pytest
from hypothesis import given, settings
from hypothesis import strategies as st

from ecredit.trace.epcis import hashing, identifiers, vocab
from ecredit.trace.epcis.xml import to_json_document

from . import epcis_support as s

# GS1's reference vector (epcis-event-hash-generator, ReferenceEventHashAlgorithm; issue #88 of that repository):
# the pre-hash string and hash value computed by GS1's own tool.
REFERENCE_PREHASH = (
    "eventType=ObjectEventeventTime=2020-03-04T10:00:30.000ZeventTimeZoneOffset=+01:00epcListepc=https://id.gs1"
    ".org/00/040123450000001112epc=https://id.gs1.org/00/040123450000002225epc=https://id.gs1.org/00/040123450000"
    "003338action=OBSERVEbizStep=https://ref.gs1.org/cbv/BizStep-departingreadPointid=https://id.gs1.org/414/40123"
    "45000115/254/987{https://ns.example.com/epcis/}myField1{https://ns.example.com/epcis/}mySubField1=2{https://ns"
    ".example.com/epcis/}mySubField2=5{https://ns.example.com/epcis/}myField2=0{https://ns.example.com/epcis/}myFie"
    "ld3{https://ns.example.com/epcis/}mySubField3=1{https://ns.example.com/epcis/}mySubField3=3")
REFERENCE_HASH = "ni:///sha-256;6ae96341e0acc6d7a261364751f60e68278a81cdf51da0abb6b4e617014e39d7?ver=CBV2.0"
REFERENCE_EVENT = {
    "type": "ObjectEvent", "eventTime": "2020-03-04T11:00:30.000+01:00", "eventTimeZoneOffset": "+01:00",
    "recordTime": "2020-03-04T11:00:30.999+01:00", "eventID": "urn:uuid:anything",
    "epcList": ["urn:epc:id:sscc:4012345.0000000333", "urn:epc:id:sscc:4012345.0000000111",
                "urn:epc:id:sscc:4012345.0000000222"],
    "action": "OBSERVE", "bizStep": "urn:epcglobal:cbv:bizstep:departing",
    "readPoint": {"id": "urn:epc:id:sgln:4012345.00011.987"},
    "example:myField1": {"example:mySubField1": "2", "example:mySubField2": "5"},
    "example:myField2": "0",
    "example:myField3": {"example:mySubField3": ["3", "1"]},
}
PREFIXES = {"example": "https://ns.example.com/epcis/"}


def test_gs1_reference_vector():
    assert hashing.prehash(REFERENCE_EVENT, PREFIXES) == REFERENCE_PREHASH
    assert hashing.event_hash(REFERENCE_EVENT, PREFIXES) == REFERENCE_HASH


def test_the_same_event_in_other_forms_hashes_the_same():
    bare = {**REFERENCE_EVENT, "bizStep": "departing", "eventTime": "2020-03-04T09:00:30Z",
            "epcList": list(reversed(REFERENCE_EVENT["epcList"])), "rdfs:comment": "a comment is no content"}
    bare.pop("eventID"), bare.pop("recordTime")
    bare["readPoint"] = {"id": "https://example.com/414/4012345000115/254/987?linkType=all"}
    assert hashing.event_hash({**bare, "eventTime": "2020-03-04T10:00:30.000Z"}, PREFIXES) == REFERENCE_HASH


def test_gs1_identical_hash_examples():
    """GS1's WithEventHashID set: one event shuffled, with other prefixes, typed, and as JSON. Only #2 differs,
    in eventTimeZoneOffset, which the CBV 2.0 canonical property order includes."""
    folder = s.CONFORMANCE / "XML" / "WithEventHashID"
    hashes = {}
    for n in range(1, 7):
        document = to_json_document((folder / f"event_with_identical_hash_id_{n}.xml").read_bytes())
        prefixes = vocab.document_prefixes(document["@context"])
        hashes[n] = hashing.event_hash(s.events_of(document)[0], prefixes)
    document = json.loads((folder / "event_with_identical_hash_id_7.json").read_text())
    hashes[7] = hashing.event_hash(s.events_of(document)[0], vocab.document_prefixes(document["@context"]))
    assert len({hashes[n] for n in (1, 3, 4, 5, 6, 7)}) == 1
    assert hashes[2] != hashes[1]


@pytest.mark.parametrize("change", [
    {"bizStep": "arriving"}, {"eventTime": "2020-03-04T10:00:30.001Z"}, {"action": "ADD"},
    {"epcList": REFERENCE_EVENT["epcList"][:2]}, {"example:myField2": "1"}, {"example:myField4": "new"},
    {"disposition": "in_transit"},
    {"errorDeclaration": {"declarationTime": "2020-03-05T00:00:00Z", "reason": "incorrect_data"}},
])
def test_any_change_changes_the_hash(change):
    assert hashing.event_hash({**REFERENCE_EVENT, **change}, PREFIXES) != REFERENCE_HASH


@pytest.mark.parametrize("value, expected", [
    ("2005-04-03T20:33:31.116000-06:00", "2005-04-04T02:33:31.116Z"),
    ("2020-01-01T00:00:00Z", "2020-01-01T00:00:00.000Z"),
    ("2020-01-01T23:59:59.9996+00:00", "2020-01-02T00:00:00.000Z"),
    ("2020-01-01T00:00:00.1234Z", "2020-01-01T00:00:00.123Z"),
])
def test_timestamps_in_utc_with_milliseconds(value, expected):
    assert hashing.canonical_time(value) == expected


@pytest.mark.parametrize("value, expected", [(1.0, "1"), (0.3400, "0.34"), ("200", "200"), (26, "26"),
                                             (1e-7, "0.0000001"), (True, "true")])
def test_numbers_without_trailing_zeros(value, expected):
    assert hashing.canonical_number(value) == expected


@pytest.mark.parametrize("uri, canonical, gtin, lot, serial", [
    ("urn:epc:id:sgtin:0614141.107346.2017", "https://id.gs1.org/01/10614141073464/21/2017", "10614141073464", "",
     "2017"),
    ("urn:epc:class:lgtin:4012345.012345.998877", "https://id.gs1.org/01/04012345123456/10/998877",
     "04012345123456", "998877", ""),
    ("urn:epc:idpat:sgtin:4012345.044444.*", "https://id.gs1.org/01/04012345444445", "04012345444445", "", ""),
    ("urn:epc:id:sscc:4012345.0000000333", "https://id.gs1.org/00/040123450000003338", "", "", ""),
    ("urn:epc:id:sgln:0012345.11111.0", "https://id.gs1.org/414/0012345111112", "", "", ""),
    ("urn:epc:id:sgln:4012345.00011.987", "https://id.gs1.org/414/4012345000115/254/987", "", "", ""),
    ("urn:epc:id:pgln:4012345.00225", "https://id.gs1.org/417/4012345002256", "", "", ""),
    ("urn:epc:id:giai:4000001.111", "https://id.gs1.org/8004/4000001111", "", "", ""),
    ("https://example.com/01/6901234000108/10/L1/21/S%2F1?x=1", "https://id.gs1.org/01/06901234000108/21/S%2F1",
     "06901234000108", "L1", "S/1"),
    ("https://id.gs1.org/01/06901234000108/10/L1", "https://id.gs1.org/01/06901234000108/10/L1",
     "06901234000108", "L1", ""),
])
def test_gs1_identifiers(uri, canonical, gtin, lot, serial):
    key = identifiers.parse(uri)
    assert (key.canonical, key.gtin, key.lot, key.serial) == (canonical, gtin, lot, serial)


@pytest.mark.parametrize("uri", ["urn:epc:id:sgtin:0614141.10734.2017", "https://example.com/products/42",
                                 "urn:uuid:1d3c82cc-3fb2-4b70-af4a-914f1f839c5b", "https://id.gs1.org/01/1/99/x"])
def test_non_gs1_uris_stay_as_they_are(uri):
    assert identifiers.parse(uri) is None and identifiers.canonical(uri) == uri


@settings(max_examples=300, deadline=None)
@given(company=st.integers(6, 12), digits=st.text("0123456789", min_size=13, max_size=13),
       serial=st.text("ABCxyz0123456789-._", min_size=1, max_size=20))
def test_sgtin_urn_and_digital_link_name_the_same_item(company, digits, serial):
    urn = f"urn:epc:id:sgtin:{digits[1:company + 1]}.{digits[0]}{digits[company + 1:]}.{serial}"
    key = identifiers.parse(urn)
    assert key is not None and key.gtin[-1] == identifiers.check_digit(key.gtin[:-1])
    link = identifiers.digital_link(key.gtin, serial=serial)
    assert identifiers.parse(link) == key
