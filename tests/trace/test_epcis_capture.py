"""EPCIS 2.0 capture over the REST binding: every GS1 example accepted, idempotent re-capture, single events
with 201/409, error behaviours, media types and headers, who may capture."""

from __future__ import annotations

import orjson
import pytest

from ecredit.audit.services import verify
from ecredit.trace.models import CaptureJob, Event, EventEpc

from . import epcis_support as s
from tests.factories import console_login

pytestmark = pytest.mark.django_db


@pytest.fixture
def platform():
    return s.capturer()


@pytest.mark.parametrize("path", s.JSON_EXAMPLES, ids=s.example_id)
def test_every_json_example_is_captured(platform, path):
    _, _, client = platform
    response = s.post_document(client, path.read_bytes())
    assert response.status_code == 202, response.content.decode()[:500]
    job = response.json()
    assert job["success"] is True and job["running"] is False and job["errors"] == []
    assert response["Location"].endswith(f"/epcis/capture/{job['captureID']}")
    assert client.get(f"/epcis/capture/{job['captureID']}").json() == job
    assert job["eventCount"] == len(s.events_of(s.load(path)))


@pytest.mark.parametrize("path", s.XML_EXAMPLES, ids=s.example_id)
def test_every_xml_example_is_captured(platform, path):
    _, _, client = platform
    response = s.post_document(client, path.read_bytes(), "application/xml")
    assert response.status_code == 202, response.content.decode()[:500]
    assert response.json()["success"] is True
    assert Event.objects.count() == response.json()["storedCount"]


def test_capture_job_documents_are_not_event_documents(platform):
    _, _, client = platform
    for path in s.CAPTURE_JOB_EXAMPLES:
        response = s.post_document(client, path.read_bytes(), "application/xml")
        assert response.status_code == 400
        assert "EPCISCaptureJob" in response.json()["title"]


def test_recapture_stores_nothing_twice_and_the_log_verifies(platform):
    _, _, client = platform
    body = (s.CONFORMANCE / "JSON" / "Example_9.6.1-ObjectEvent.jsonld").read_bytes()
    first = s.post_document(client, body).json()
    second = s.post_document(client, body).json()
    assert (first["storedCount"], second["storedCount"]) == (2, 0)
    assert second["success"] is True and Event.objects.count() == 2
    assert verify().ok


def test_the_same_event_in_xml_after_json_is_a_duplicate(platform):
    _, _, client = platform
    xml = (s.CONFORMANCE / "XML" / "WithEventHashID" / "event_with_identical_hash_id_1.xml").read_bytes()
    assert s.post_document(client, xml, "application/xml").json()["storedCount"] == 1
    for n in (3, 4, 5, 6):  # shuffled lists, other prefixes, explicit xsi:type: the same event
        path = s.CONFORMANCE / "XML" / "WithEventHashID" / f"event_with_identical_hash_id_{n}.xml"
        assert s.post_document(client, path.read_bytes(), "application/xml").json()["storedCount"] == 0
    # another time zone is another eventTimeZoneOffset, which CBV 2.0's canonical order includes
    path = s.CONFORMANCE / "XML" / "WithEventHashID" / "event_with_identical_hash_id_2.xml"
    assert s.post_document(client, path.read_bytes(), "application/xml").json()["storedCount"] == 1


def test_events_are_stored_with_their_columns(platform):
    org, _, client = platform
    s.post_document(client, s.event_document(s.object_event(bizTransactionList=[
        {"type": "po", "bizTransaction": "urn:epcglobal:cbv:bt:6901234000017:PO-1"}])))
    event = Event.objects.get()
    assert event.organisation == org and event.event_type == "ObjectEvent" and event.action == "OBSERVE"
    assert event.biz_step == "https://ref.gs1.org/cbv/BizStep-shipping"
    assert event.disposition == "https://ref.gs1.org/cbv/Disp-in_transit"
    assert event.read_point == "https://id.gs1.org/414/6901234000016"
    assert event.event_time.isoformat() == "2025-09-01T02:00:00+00:00" and event.event_timezone_offset == "+08:00"
    assert event.event_id == event.event_hash and event.event_hash.startswith("ni:///sha-256;")
    epc = EventEpc.objects.get()
    assert (epc.epc, epc.role, epc.gtin, epc.serial) == (
        "https://id.gs1.org/01/06901234000108/21/1001", "epc", "06901234000108", "1001")
    assert event.biz_transactions.get().type == "https://ref.gs1.org/cbv/BTT-po"
    assert event.document["eventID"] == event.event_hash and event.document["recordTime"].endswith("Z")


def test_single_event_201_then_409_even_with_another_event_id(platform):
    _, _, client = platform
    event = {"@context": "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld", **s.object_event()}
    first = client.post("/epcis/events", orjson.dumps(event), content_type="application/ld+json")
    assert first.status_code == 201, first.content
    assert first["Location"].startswith("http://testserver/epcis/events/ni%3A%2F%2F%2Fsha-256")
    assert client.get(first["Location"].replace("http://testserver", "")).json()["eventID"] == \
        first.json()["eventID"]
    again = client.post("/epcis/events", orjson.dumps({**event, "eventID": "urn:uuid:1d3c82cc-3fb2-4b70-af4a-914f1f839c5b"}),
                        content_type="application/json")
    assert again.status_code == 409
    assert again.json()["type"] == "epcisException:ResourceAlreadyExistsException"
    assert again["Content-Type"] == "application/problem+json"


def test_single_event_without_context_is_refused(platform):
    _, _, client = platform
    response = client.post("/epcis/events", orjson.dumps(s.object_event()), content_type="application/json")
    assert response.status_code == 400
    assert {"path": "/@context", "reason": "缺少必填字段"} in response.json()["errors"]


def test_a_single_event_s_violations_point_into_the_event(platform):
    _, _, client = platform
    event = {"@context": "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",
             **s.object_event(bizStep="https://ref.gs1.org/cbv/BizStep-shopping")}
    response = client.post("/epcis/events", orjson.dumps(event), content_type="application/ld+json")
    assert response.status_code == 400
    assert [e["path"] for e in response.json()["errors"]] == ["/bizStep"]


def test_rollback_refuses_everything_and_proceed_keeps_the_good_events(platform):
    _, _, client = platform
    document = s.event_document(s.object_event("1"))
    document["epcisBody"]["eventList"] += [s.object_event("2", bizStep="shippping"), s.object_event("3")]
    refused = s.post_document(client, document)
    assert refused.status_code == 400 and Event.objects.count() == 0
    assert refused.json()["errors"][0]["path"] == "/epcisBody/eventList/1/bizStep"
    proceed = s.post_document(client, document, HTTP_GS1_CAPTURE_ERROR_BEHAVIOUR="proceed")
    assert proceed.status_code == 202
    job = proceed.json()
    assert job["success"] is False and job["captureErrorBehaviour"] == "proceed" and job["storedCount"] == 2
    assert job["errors"][0]["path"] == "/epcisBody/eventList/1/bizStep"
    assert CaptureJob.objects.get(pk=job["captureID"]).status == "failed"
    assert verify().ok


def test_media_types_versions_and_limits(platform):
    _, _, client = platform
    body = orjson.dumps(s.event_document(s.object_event()))
    assert s.post_document(client, body, "text/csv").status_code == 415
    assert s.post_document(client, b"{not json", "application/json").status_code == 400
    assert s.post_document(client, b"<a>", "application/xml").status_code == 400
    bomb = b'<?xml version="1.0"?><!DOCTYPE d [<!ENTITY a "aaaa">]><d>&a;</d>'
    assert s.post_document(client, bomb, "application/xml").status_code == 400
    assert s.post_document(client, body, HTTP_GS1_EPCIS_VERSION="1.2").status_code == 406
    ok = s.post_document(client, body, HTTP_GS1_EPCIS_VERSION="2.0.0", HTTP_GS1_CBV_VERSION="2.0.0")
    assert ok.status_code == 202 and ok["GS1-EPCIS-Version"] == "2.0.0"
    assert s.post_document(client, body, HTTP_GS1_CAPTURE_ERROR_BEHAVIOUR="maybe").status_code == 400


@pytest.mark.parametrize("encoding", ["utf-8", "utf-16"])
def test_entity_declarations_are_refused_in_any_encoding(platform, encoding):
    """A UTF-16 body hides `<!ENTITY` from a byte search: the parser itself must refuse the declaration."""
    _, _, client = platform
    xml = (s.CONFORMANCE / "XML" / "Example_9.6.1-ObjectEvent-2020_06_18a.xml").read_text("utf-8")
    head, rest = xml.split("?>", 1)
    laughs = '<!DOCTYPE d [<!ENTITY a "aaaaaaaaaa"><!ENTITY b "&a;&a;&a;&a;&a;&a;&a;&a;&a;&a;">]>'
    body = (f'<?xml version="1.0" encoding="{encoding.upper()}"?>' + laughs
            + rest.replace("<epc>", "<epc>&b;", 1)).encode(encoding)
    response = s.post_document(client, body, "application/xml")
    assert response.status_code == 400 and "entity" in response.json()["title"]
    assert Event.objects.count() == 0


def test_who_may_capture(platform):
    _, viewer_client = s.viewer()
    body = orjson.dumps(s.event_document(s.object_event()))
    assert s.post_document(viewer_client, body).status_code == 403  # a department reads, it does not capture
    from django.test import Client

    assert s.post_document(Client(), body).status_code == 401
    assert s.post_document(Client(HTTP_AUTHORIZATION="Bearer ec_nope"), body).status_code == 401


def test_a_capturer_sees_only_its_own_jobs_and_events(platform):
    _, _, client = platform
    _, _, other = s.capturer("logistics_trace", "logistics", "logistics_client")
    job = s.post_document(client, s.event_document(s.object_event())).json()
    assert other.get(f"/epcis/capture/{job['captureID']}").status_code == 404
    assert other.get("/epcis/events").json()["epcisBody"]["queryResults"]["resultsBody"]["eventList"] == []
    from ecredit.audit.models import AccessLogEntry

    client.get("/epcis/events")
    assert AccessLogEntry.objects.count() == 0                       # a capturer reading its own events
    _, viewer_client = s.viewer()
    assert viewer_client.get(f"/epcis/capture/{job['captureID']}").status_code == 200
    assert len(viewer_client.get("/epcis/events").json()["epcisBody"]["queryResults"]["resultsBody"]
               ["eventList"]) == 1
    logged = AccessLogEntry.objects.get()                             # an officer reading another's events
    assert logged.channel == "epcis" and logged.data == "EPCIS /epcis/events"


def test_companies_own_accounts_do_not_see_each_other_s_events():
    """Subject accounts share one self-service organisation: a company's own account sees its own capture jobs
    and events only, not another company's."""
    from django.contrib.auth import get_user_model
    from django.test import Client

    from ecredit.access.models import Membership
    from ecredit.audit.services import Actor
    from ecredit.registry import services as registry
    from tests import factories as f

    shared = f.organisation("subject", "self_service_trace", name="信用主体本人")
    clients = []
    for n in (1, 2):
        company = registry.register({"uscc": f.uscc(8100 + n), "name": f"南通追溯测试{n}有限公司"}, Actor("test"),
                                    roles=["merchant"])
        account = get_user_model().objects.create_user(f"trace_company{n}", password="Secret-pass-2026")
        Membership.objects.create(user=account, organisation=shared, role="subject_account", subject_id=company.pk)
        client = Client()
        console_login(client, account)
        clients.append(client)
    first, second = clients
    job = s.post_document(first, s.event_document(s.object_event("S1"))).json()
    assert job["success"] is True
    assert first.get(f"/epcis/capture/{job['captureID']}").status_code == 200
    assert second.get(f"/epcis/capture/{job['captureID']}").status_code == 404
    assert second.get("/epcis/capture").json()["member"] == []

    def listed(client) -> list:
        return client.get("/epcis/events").json()["epcisBody"]["queryResults"]["resultsBody"]["eventList"]

    assert len(listed(first)) == 1 and listed(second) == []
