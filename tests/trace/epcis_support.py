"""Shared helpers of the EPCIS tests: GS1's examples (copied into tests/trace/conformance/) and capturers."""

from __future__ import annotations

import json
from pathlib import Path

import orjson
from django.test import Client

from tests import factories as f

CONFORMANCE = Path(__file__).resolve().parent / "conformance"
JSON_EXAMPLES = sorted(p for p in (CONFORMANCE / "JSON").rglob("*.jsonld"))
# Every EPCIS document under XML/ (the CaptureJob/ files are capture-job resources, not documents to capture).
XML_EXAMPLES = sorted(p for p in (CONFORMANCE / "XML").rglob("*.xml") if p.parent.name != "CaptureJob")
CAPTURE_JOB_EXAMPLES = sorted((CONFORMANCE / "XML" / "CaptureJob").glob("*.xml"))


def example_id(path: Path) -> str:
    return str(path.relative_to(CONFORMANCE))


def load(path: Path) -> dict:
    return json.loads(path.read_text("utf-8"))


def events_of(document: dict) -> list[dict]:
    body = document["epcisBody"]
    if "queryResults" in body:
        return body["queryResults"]["resultsBody"]["eventList"]
    return body.get("eventList", [])


def capturer(code: str = "platform_trace", kind: str = "platform", role: str = "platform_client"):
    """An organisation with the trace.capture right, its principal and an HTTP client with its token."""
    org = f.organisation(kind, code, name=f"{code} 单位")
    token = f.client_token(org, role, name=f"{code}-client")
    return org, f.principal(role, org), Client(HTTP_AUTHORIZATION=f"Bearer {token}")


def viewer():
    """A market regulation officer (trace.view) and an HTTP client with its token."""
    org = f.organisation("department", "market_regulation_trace", name="市场监管局")
    token = f.client_token(org, "department_officer", name="trace-viewer")
    return f.principal("department_officer", org), Client(HTTP_AUTHORIZATION=f"Bearer {token}")


def post_document(client: Client, document, content_type: str = "application/ld+json", **headers):
    body = document if isinstance(document, bytes) else orjson.dumps(document)
    return client.post("/epcis/capture", body, content_type=content_type, **headers)


def event_document(event: dict, context=None) -> dict:
    """A one-event EPCIS document around `event`."""
    return {"@context": context or ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
            "type": "EPCISDocument", "schemaVersion": "2.0", "creationDate": "2025-09-01T08:00:00.000Z",
            "epcisBody": {"eventList": [event]}}


def object_event(serial: str = "1001", **fields) -> dict:
    """A small valid ObjectEvent (shipping of one SGTIN)."""
    return {"type": "ObjectEvent", "eventTime": "2025-09-01T10:00:00.000+08:00", "eventTimeZoneOffset": "+08:00",
            "action": "OBSERVE", "bizStep": "shipping", "disposition": "in_transit",
            "epcList": [f"urn:epc:id:sgtin:6901234.000010.{serial}"],
            "readPoint": {"id": "urn:epc:id:sgln:6901234.00001.0"}, **fields}
