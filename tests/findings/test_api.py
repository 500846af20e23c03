"""Findings over HTTP, as a department's system or the console calls them."""

from __future__ import annotations

import pytest
from django.test import Client

from ecredit.findings import services
from ecredit.findings.models import Finding
from tests import factories as f

from . import world as planted

pytestmark = pytest.mark.django_db


@pytest.fixture
def http(w):
    run = services.run_detection(services.SYSTEM_ACTOR, parcel_tables=planted.parcel_tables(w))
    assert run.status == "finished", run.error

    def client(kind, code, role):
        org = f.organisation(kind, code, name=code)
        return Client(HTTP_AUTHORIZATION=f"Bearer {f.client_token(org, role)}")

    return {"market": client("department", "market_regulation", "department_officer"),
            "pbc": client("department", "pbc_nantong", "department_officer"),
            "office": client("credit_office", "credit_office", "credit_office_admin")}


def test_lists_are_filtered_paged_and_scoped(w, http):
    market = http["market"].get("/api/v1/findings?limit=3").json()
    office = http["office"].get("/api/v1/findings?limit=100").json()
    assert office["count"] == Finding.objects.count() > market["count"] == 7
    assert len(market["items"]) == 3 and market["limit"] == 3
    second = http["market"].get("/api/v1/findings?limit=3&offset=3").json()
    assert not {i["id"] for i in second["items"]} & {i["id"] for i in market["items"]}
    rings = http["market"].get("/api/v1/findings?kind=order_ring&status=open").json()
    assert rings["count"] == 1 and rings["items"][0]["kind_label"] == "疑似刷单团伙"
    shop = w.shops["S31"]   # in the ring, but not its main subject: found as an involved subject
    assert http["market"].get(f"/api/v1/findings?subject_id={shop}").json()["count"] == 1
    pbc = http["pbc"].get("/api/v1/findings").json()
    assert {i["kind"] for i in pbc["items"]} == {"unlicensed_channel"}
    bad = http["market"].get("/api/v1/findings?kind=nonsense")
    assert bad.status_code == 422 and bad.json()["field"] == "kind"


def test_detail_graph_and_decisions(w, http):
    ring = Finding.objects.get(kind="order_ring")
    detail = http["market"].get(f"/api/v1/findings/{ring.pk}").json()
    assert detail["evidence"]["order_count"] == 48 and detail["outcome"]["record_type"] == "fake_order"
    assert {i["role"] for i in detail["involved"]} == {"ring_shop"} and len(detail["involved"]) == 3
    graph = http["market"].get(f"/api/v1/findings/{ring.pk}/graph").json()
    assert len(graph["buyers"]) == 12 and any(not s["in_ring"] for s in graph["shops"])
    name = Finding.objects.get(kind="borrowed_name")
    assert http["market"].get(f"/api/v1/findings/{name.pk}/graph").status_code == 422
    refused = http["market"].post(f"/api/v1/findings/{ring.pk}/dismissal", {"reason": ""},
                                  content_type="application/json")
    assert refused.status_code == 422 and refused.json()["field"] == "reason"
    done = http["market"].post(f"/api/v1/findings/{ring.pk}/confirmation", {"reason": "核实"},
                               content_type="application/json").json()
    assert done["status"] == "confirmed" and len(done["record_ids"]) == 4
    again = http["market"].post(f"/api/v1/findings/{ring.pk}/confirmation", {}, content_type="application/json")
    assert again.status_code == 409 and again.json()["code"] == "already_decided"
    assert http["pbc"].get(f"/api/v1/findings/{ring.pk}").status_code == 404


def test_runs_and_the_review_model(w, http):
    made = http["office"].post("/api/v1/findings/runs", {"detectors": ["borrowed_name", "missing_licence"]},
                               content_type="application/json")
    assert made.status_code == 201 and made.json()["status"] == "finished"
    assert set(made.json()["figures"]) == {"borrowed_name", "missing_licence"}
    assert made.json()["figures"]["borrowed_name"]["unchanged"] == 1
    runs = http["market"].get("/api/v1/findings/runs").json()
    assert [r["id"] for r in runs][:2] == [made.json()["id"], runs[1]["id"]] and len(runs) == 2
    wrong = http["office"].post("/api/v1/findings/runs", {"detectors": ["everything"]},
                                content_type="application/json")
    assert wrong.status_code == 422 and wrong.json()["code"] == "unknown_detector"
    status = http["market"].get("/api/v1/findings/review-model").json()
    assert status["active"] is None and status["min_positives"] == 20 and status["labelled_positives"] == 0
    assert status["min_positive_findings"] == 10 and status["labelled_positive_findings"] == 0
