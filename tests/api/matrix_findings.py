"""The findings rows of the API authorisation matrix, and what they act on in the shared world."""

from __future__ import annotations

from .conftest import CALLERS

# Whoever holds `finding.view` (departments' officers and investigators, the credit office) lists findings,
# runs and the review model; the postal administration too (empty parcels are routed to it).
VIEWERS = {"anon": 401, "badtoken": 401, "platform": 403, "agency": 403, "officer": 200, "investigator": 200,
           "other_officer": 200, "admin": 200, "subject": 403}
# A ring is routed to market regulation: the postal administration does not see it.
RING = VIEWERS | {"other_officer": 404}
# Running the detectors and retraining: the credit office only (`finding.run`).
RUNNERS = {c: 403 for c in CALLERS} | {"anon": 401, "badtoken": 401, "admin": 201}

# name: (method, path template, body or body factory, expected status per caller); see test_authorisation.py
ROWS: dict = {
    "fi_list": ("get", "/api/v1/findings?kind=order_ring&status=open&limit=10", None, VIEWERS),
    "fi_detail": ("get", "/api/v1/findings/{fi_ring}", None, RING),
    "fi_graph": ("get", "/api/v1/findings/{fi_ring}/graph", None, RING),
    "fi_confirm": ("post", "/api/v1/findings/{fi_ring}/confirmation", {"reason": "核实为刷单"}, RING),
    "fi_dismiss": ("post", "/api/v1/findings/{fi_ring}/dismissal", {"reason": "系真实团购订单"}, RING),
    "fi_runs": ("get", "/api/v1/findings/runs", None, VIEWERS),
    "fi_run": ("post", "/api/v1/findings/runs", {"detectors": ["borrowed_name"]}, RUNNERS),
    "fi_model": ("get", "/api/v1/findings/review-model", None, VIEWERS),
    # the credit office may retrain, but the world holds no reviewed review findings: refused for want of labels
    "fi_retrain": ("post", "/api/v1/findings/review-model/training", None, RUNNERS | {"admin": 422}),
}


def build(w) -> None:
    """An open ring finding on the matrix's shop S1 (its order M1), as a detection run keeps it."""
    import datetime as dt

    from django.utils import timezone

    from ecredit.audit.services import Actor
    from ecredit.findings import detectors, runner, services

    shop, today = int(w.ids["shop"]), timezone.localdate()
    from ecredit.registry.models import Subject

    platform = Subject.objects.get(uscc=w.platform_uscc).pk
    evidence = {"platform": {"id": platform, "name": "测试电商平台"},
                "buyers": [{"id": "buyer-0001", "orders": 1}], "shops": [{"id": shop, "name": "甲旗舰店", "orders": 1}],
                "other_shops": [], "edges": [{"buyer": "buyer-0001", "shop": shop, "orders": 1, "in_ring": True}],
                "orders": ["M1"], "order_count": 1, "amount": 99.0, "shop_orders": {str(shop): ["M1"]},
                "shop_amounts": {str(shop): 99.0}, "start": None, "end": None, "density": 1.0, "baseline": 0.5,
                "lift": 2.0, "fill": 1.0, "engine": "numpy", "time_bucket": None}
    candidate = detectors.Candidate("order_ring", ["platform", platform, "shops", [shop]], shop, platform,
                                    "测试电商平台：1个买家集中向1家网店下单1笔", 1.0, evidence)
    collected = runner.Collected(candidates=[candidate],
                                 windows={"order_ring": (today - dt.timedelta(days=89), today)})
    services.keep(collected, Actor("test:matrix"), "test:matrix", ["order_ring"], today)
    w.ids["fi_ring"] = services.Finding.objects.get(kind="order_ring").pk
