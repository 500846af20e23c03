"""The compensation API as a platform's system uses it: idempotent filing, errors naming the field, the fund
and its ledger, figures; another platform's claim does not exist for it."""

from __future__ import annotations

import pytest
from django.test import Client

from tests import factories as f

pytestmark = pytest.mark.django_db

CLAIM = {"claim_id": "API-1", "shop_id": "S1", "order_no": "O-1", "consumer_name": "赵六",
         "consumer_phone": "13700001234", "amount_fen": 25900, "basis": "seller_unidentifiable",
         "harms": ["non_delivery", "counterfeit"], "facts": "付款后未发货，平台无法提供商家联系方式"}


def api(org, role: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {f.client_token(org, role)}")


def test_a_platform_files_pays_and_reads_its_figures(world):
    platform = api(world.orgs["platform_1"], "platform_client")
    post = lambda path, body: platform.post(f"/api/v1/compensation/{path}", body, content_type="application/json")  # noqa: E731
    terms = {"agreement_no": "A-1", "agreed_on": "2025-06-01", "agreed_minimum_fen": 0, "contribution_terms": "每户一万元",
             "management_terms": "专户存管", "use_terms": "先行赔付", "refund_terms": "退出后退还"}
    assert post("fund", terms).status_code == 200
    assert post("fund/deposits", {"amount_fen": 10000, "reference": "B-1"}).status_code == 201
    assert post("fund/deposits", {"amount_fen": 10000, "reference": "B-1"}).status_code == 200
    first = post("claims", CLAIM)
    assert first.status_code == 201
    claim = first.json()
    assert claim["consumer_phone"] == "137****1234" and claim["steps"][0]["action"] == "file"
    assert post("claims", CLAIM).status_code == 200
    refused = post("claims", dict(CLAIM, amount_fen=1))
    assert refused.status_code == 409 and refused.json()["code"] == "claim_id_reused"
    bad = post("claims", dict(CLAIM, claim_id="API-2", basis="whatever"))
    assert bad.status_code == 422 and bad.json()["field"] == "basis"
    post(f"claims/{claim['id']}/acceptance", {})
    paid = post(f"claims/{claim['id']}/payment", {"source": "auto", "reference": "P-1"}).json()
    assert (paid["status"], paid["paid_from_fund_fen"], paid["paid_from_own_fen"]) == ("paid", 10000, 15900)
    assert sum(p["amount_fen"] for t in paid["transactions"] for p in t["postings"]) == 0
    fund = platform.get("/api/v1/compensation/fund").json()
    assert fund["balance_fen"] == 0 and fund["below_minimum"] and fund["accounts"]["merchant_receivable"] == 25900
    ledger = platform.get("/api/v1/compensation/fund/ledger").json()
    assert [t["kind"] for t in ledger] == ["payout", "acceptance", "deposit"]
    figures = platform.get("/api/v1/compensation/figures").json()
    assert len(figures) == 1 and figures[0]["paid_fen"] == 25900 and figures[0]["recovery_rate"] == 0.0
    other = api(world.orgs["platform_2"], "platform_client")
    assert other.get(f"/api/v1/compensation/claims/{claim['id']}").status_code == 404
    assert other.get(f"/api/v1/compensation/fund?platform_id={world.platform_subject.pk}").status_code == 404
    officer = api(world.orgs["market_regulation"], "department_officer")
    assert {r["platform_id"] for r in officer.get("/api/v1/compensation/figures").json()} >= {
        world.platform_subject.pk, world.other_platform_subject.pk}
    assert officer.get("/api/v1/compensation/fund").status_code == 422     # which platform?
    assert officer.get(f"/api/v1/compensation/claims/{claim['id']}/consumer?purpose=核查").json()["masked"]


def test_the_rules_are_public_with_their_sources(client):
    rules = client.get("/api/v1/compensation/rules").json()
    assert rules["procedure"]["decide_working_days"] == 7 and rules["procedure"]["recovery_limitation"] == "P3Y"
    bases = {b["code"]: b for b in rules["bases"]}
    assert "第四十四条" in bases["seller_unidentifiable"]["reference"]
    assert "第五十八条" in bases["protection_fund"]["reference"]
