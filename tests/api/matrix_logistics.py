"""The logistics rows of the API authorisation matrix, and what they act on in the shared world.

None of the matrix's callers is a courier firm: reporting parcels is refused to all of them (a carrier's own
client is tested in tests/logistics). Tracking, the consignee's proof and feedback, figures and vocabularies are
public (no credentials needed, so a bad token does not matter); a batch is its carrier's and the credit office's.
"""

from __future__ import annotations

from .conftest import CALLERS

NOBODY = {c: 403 for c in CALLERS} | {"anon": 401, "badtoken": 401}
PUBLIC = {c: 200 for c in CALLERS}
BATCH_READERS = {"anon": 401, "badtoken": 401, "platform": 404, "agency": 403, "officer": 404, "investigator": 404,
                 "other_officer": 404, "admin": 200, "subject": 403}

# name: (method, path template, body or body factory, expected status per caller); see test_authorisation.py
ROWS: dict = {
    "lg_push_waybills": ("post", "/api/v1/parcels/waybills",
                         {"waybills": [{"waybill_no": "LG0000000002", "created_at": "2026-01-02T08:00:00"}]},
                         NOBODY),
    "lg_push_scans": ("post", "/api/v1/parcels/scans",
                      {"scans": [{"waybill_no": "LG0000000002", "time": "2026-01-02T09:00:00", "state": "1"}],
                       "vocabulary": "aggregator"}, NOBODY),
    "lg_push_file": ("post", "/api/v1/parcels/files?layout=aggregator_scans&filename=trace.csv",
                     {"file": "运单号,时间,状态"}, NOBODY),
    "lg_batch": ("get", "/api/v1/parcels/batches/{lg_batch}", None, BATCH_READERS),
    "lg_vocabularies": ("get", "/api/v1/parcels/vocabularies", None, PUBLIC),
    "lg_figures": ("get", "/api/v1/parcels/figures", None, PUBLIC),
    "lg_track": ("get", "/api/v1/parcels/tracking/{lg_waybill}", None, PUBLIC),
    "lg_verify": ("post", "/api/v1/parcels/tracking/{lg_waybill}/verification", {"phone_tail": "5678"}, PUBLIC),
    "lg_feedback": ("post", "/api/v1/parcels/tracking/{lg_waybill}/feedback",
                    {"phone_tail": "5678", "satisfaction": 4, "tags": ["fast"]}, {c: 201 for c in CALLERS}),
}


def build(w) -> None:
    """A courier firm that reported one waybill (for an order of the world's platform) and its scans."""
    import datetime as dt

    from django.utils import timezone

    from ecredit.audit.services import Actor
    from ecredit.logistics import services
    from ecredit.registry import services as registry
    from tests import factories as f

    uscc = f.uscc(660001)
    registry.register({"uscc": uscc, "name": "南通矩阵快递有限公司"}, Actor("test"), roles=["logistics"])
    carrier = f.principal("logistics_client", f.organisation("logistics", "logistics_matrix", name="南通矩阵快递有限公司",
                                                            uscc=uscc))
    start = timezone.localtime() - dt.timedelta(days=2)
    made = services.submit_waybills([{
        "waybill_no": "LG0000000001", "created_at": start.isoformat(), "platform_uscc": w.platform_uscc,
        "order_no": "M1", "origin": "320613", "destination": "310101",
        "consignee": {"name": "王小明", "phone": "13912345678", "address": "上海市黄浦区南京东路100号"}}], carrier)
    assert not made.errors, made.errors
    scans = services.submit_scans([
        {"waybill_no": "LG0000000001", "time": start.isoformat(), "state": "accepted", "station": "南通崇川营业部"},
        {"waybill_no": "LG0000000001", "time": (start + dt.timedelta(hours=30)).isoformat(),
         "state": "signed", "station": "上海黄浦营业部"}], carrier)
    w.ids["lg_batch"] = scans.pk
    w.ids["lg_waybill"] = "LG0000000001"
