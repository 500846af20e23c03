"""The trace rows of the API authorisation matrix, and what they act on in the shared world."""

from __future__ import annotations

from .conftest import CALLERS

# Products and the key-product categories are public; a chain is public too (its public view; trace.view sees
# every event). Registering needs trace.capture (platforms, a subject's own account) or the credit office.
EVERYONE = {c: 200 for c in CALLERS}
CAPTURERS = {c: 403 for c in CALLERS} | {"anon": 401, "badtoken": 401, "platform": 201, "subject": 201,
                                         "admin": 201}
# The product below is registered by the matrix's platform for the matrix's company: the platform, the company's
# own account and the credit office correct it.
CORRECTORS = {c: 403 for c in CALLERS} | {"anon": 401, "badtoken": 401, "platform": 200, "subject": 200,
                                          "admin": 200}


def _new_product(w) -> dict:
    from ecredit.kit import gs1

    return {"gtin": gs1.gtin_with_check_digit("690199900077"), "name": "示范有机绿茶 250g", "brand": "示范",
            "category": "food", "owner_id": w.ids["company"]}


# name: (method, path template, body or body factory, expected status per caller); see test_authorisation.py
ROWS: dict = {
    "tc_categories": ("get", "/api/v1/trace/categories", None, EVERYONE),
    "tc_products": ("get", "/api/v1/trace/products?q=示范", None, EVERYONE),
    "tc_product": ("get", "/api/v1/trace/products/{tc_gtin}", None, EVERYONE),
    "tc_register": ("post", "/api/v1/trace/products", _new_product, CAPTURERS),
    "tc_correct": ("post", "/api/v1/trace/products/{tc_gtin}/correction",
                   {"name": "示范有机大米 10kg", "reason": "规格更正"}, CORRECTORS),
    "tc_chain": ("get", "/api/v1/trace/chain?gtin={tc_gtin}&lot={tc_lot}", None,
                 EVERYONE | {"badtoken": 401}),
    "tc_digital_link": ("get", "/api/v1/trace/digital-link?uri=https://id.gs1.org/01/{tc_gtin}/10/{tc_lot}", None,
                        EVERYONE),
}


def _tc_build(w) -> None:
    """A registered rice product of the matrix's company and one captured lot (commissioning and listing)."""
    import orjson

    from ecredit.access.models import Organisation
    from ecredit.kit import gs1
    from ecredit.trace import products
    from ecredit.trace.epcis import capture
    from tests import factories as f

    platform = f.principal("platform_client", Organisation.objects.get(code="platform_1"))
    gtin = gs1.gtin_with_check_digit("690199900015")
    products.register(platform, gtin=gtin, name="示范有机大米 5kg", category="edible_farm_product",
                      owner_id=w.ids["company"])
    lot = "TC2026A"
    lgtin = gs1.lgtin_urn(gtin, lot, 7)
    events = [{"type": "ObjectEvent", "eventTime": "2026-09-01T08:00:00.000Z", "eventTimeZoneOffset": "+08:00",
               "action": "ADD", "bizStep": "commissioning", "disposition": "active",
               "quantityList": [{"epcClass": lgtin, "quantity": 100, "uom": "H87"}],
               "bizLocation": {"id": "urn:epc:id:sgln:6901999.00001.0"}}]
    document = {"@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"],
                "type": "EPCISDocument", "schemaVersion": "2.0", "creationDate": "2026-09-02T00:00:00.000Z",
                "epcisBody": {"eventList": events}}
    capture.capture(capture.parse(orjson.dumps(document), "application/ld+json"), platform)
    w.ids["tc_gtin"], w.ids["tc_lot"] = gtin, lot


# The EPCIS binding (/epcis/, TRACE-EPCIS): capturers (trace.capture: platforms, logistics firms, a subject's own
# account) capture and read their own organisation's events; departments and the credit office (trace.view) read
# every event but capture none; the public reads nothing through /epcis/ (it has the trace page).
TR_CAPTURE = {c: 403 for c in CALLERS} | {"anon": 401, "badtoken": 401, "platform": 202, "subject": 202}
TR_READ = {c: 200 for c in CALLERS} | {"anon": 401, "badtoken": 401, "agency": 403}


def _tr_event(w) -> dict:
    return {"type": "ObjectEvent", "eventTime": "2026-09-03T08:00:00.000Z", "eventTimeZoneOffset": "+08:00",
            "action": "OBSERVE", "bizStep": "shipping", "disposition": "in_transit",
            "epcList": ["urn:epc:id:sgtin:6901999.000010.TR1"], "readPoint": {"id": "urn:epc:id:sgln:6901999.00001.0"}}


def _tr_document(w) -> dict:
    return {"@context": ["https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld"], "type": "EPCISDocument",
            "schemaVersion": "2.0", "creationDate": "2026-09-03T09:00:00.000Z",
            "epcisBody": {"eventList": [_tr_event(w)]}}


ROWS |= {
    "tr_capture": ("post", "/epcis/capture", _tr_document, TR_CAPTURE),
    "tr_capture_event": ("post", "/epcis/events",
                         lambda w: {"@context": "https://ref.gs1.org/standards/epcis/2.0.0/epcis-context.jsonld",
                                    **_tr_event(w)}, TR_CAPTURE | {"platform": 201, "subject": 201}),
    "tr_capture_jobs": ("get", "/epcis/capture", None, TR_READ),
    # the job is the matrix platform's: the company's own account does not see it, trace.view does
    "tr_capture_job": ("get", "/epcis/capture/{tr_job}", None, TR_READ | {"subject": 404}),
    "tr_events": ("get", "/epcis/events?EQ_bizStep=commissioning&perPage=5", None, TR_READ),
    "tr_event_types": ("get", "/epcis/eventTypes", None, TR_READ),
    "tr_biz_steps": ("get", "/epcis/bizSteps", None, TR_READ),
    "tr_epc_events": ("get", "/epcis/epcs/urn:epc:id:sgtin:6901999.000010.TR0/events", None, TR_READ),
}


def _tr_build(w) -> None:
    """A capture job of the matrix's platform."""
    import orjson

    from ecredit.access.models import Organisation
    from ecredit.trace.epcis import capture
    from tests import factories as f

    platform = f.principal("platform_client", Organisation.objects.get(code="platform_1"))
    event = _tr_event(w) | {"epcList": ["urn:epc:id:sgtin:6901999.000010.TR0"], "bizStep": "commissioning",
                            "action": "ADD"}
    document = _tr_document(w) | {"epcisBody": {"eventList": [event]}}
    w.ids["tr_job"] = capture.capture(capture.parse(orjson.dumps(document), "application/ld+json"), platform).job.pk


def build(w) -> None:
    """What the trace rows act on (each helper adds its own ids)."""
    _tc_build(w)
    _tr_build(w)
