"""The API as an integrator uses it: read the templates, sign for itself with a token, check a code."""

from __future__ import annotations

import pytest
from django.test import Client

from ecredit.commitments.models import Commitment
from tests import factories as f

pytestmark = pytest.mark.django_db


def test_templates_are_public_and_complete(db):
    answer = Client().get("/api/v1/commitments/templates").json()
    assert [t["commitment_type"] for t in answer] == ["approval_substitute", "tolerance_acceptance", "certification",
                                                      "credit_repair", "industry_self_discipline", "voluntary", "other"]
    industry = next(t for t in answer if t["commitment_type"] == "industry_self_discipline")
    assert industry["platform_may_collect"] and industry["name"] == "行业自律型"
    assert [p["name"] for p in industry["promises"]] == ["信息真实", "遵纪守法", "接受监督", "违诺担责", "同意公开"]
    assert "{subject_name}" in industry["opening"][1] and "subject_name" in industry["placeholders"]


def test_platform_signs_and_anyone_verifies(cast):
    token = f.client_token(cast.orgs["platform"], "platform_client")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    response = api.post("/api/v1/commitments", {"commitment_type": "voluntary", "matter": "七日无理由退货"},
                        content_type="application/json")
    assert response.status_code == 201, response.content
    body = response.json()
    assert body["status"] == "in_force" and body["signature_valid"] and body["subject_name"] == "甲电商平台"
    code = body["code"]
    assert Commitment.objects.get(code=code).signed_by.startswith("client:")
    check = Client().get(f"/api/v1/commitments/{code}/verification").json()
    assert check["verdict"] == "valid" and check["text"] == body["text"]
    copy = Client().post("/api/v1/commitments/verify", {"code": code, "text": body["text"] + "（补充条款）"},
                         content_type="application/json").json()
    assert copy["verdict"] == "mismatch"
    refused = api.post("/api/v1/commitments", {"commitment_type": "approval_substitute"},
                       content_type="application/json")
    assert refused.status_code == 422 and refused.json()["field"] == "matter"
    listed = Client().get("/api/v1/commitments", {"q": "甲电商平台"}).json()
    assert [c["code"] for c in listed] == [code]


def test_a_retried_signing_request_signs_once(cast):
    token = f.client_token(cast.orgs["platform"], "platform_client")
    api = Client(HTTP_AUTHORIZATION=f"Bearer {token}")
    body = {"commitment_type": "industry_self_discipline", "subject_id": cast.subjects["shop"].pk,
            "client_ref": "REQ-2026-0001"}
    first = api.post("/api/v1/commitments", body, content_type="application/json")
    again = api.post("/api/v1/commitments", body, content_type="application/json")
    assert (first.status_code, again.status_code) == (201, 200), again.content
    assert first.json()["code"] == again.json()["code"] and Commitment.objects.count() == 1
    other = api.post("/api/v1/commitments", {"commitment_type": "voluntary", "client_ref": "REQ-2026-0001"},
                     content_type="application/json")
    assert other.status_code == 409 and other.json()["field"] == "client_ref"
    # Without a request id every request signs (the behaviour callers that do not retry rely on).
    plain = {"commitment_type": "voluntary"}
    assert api.post("/api/v1/commitments", plain, content_type="application/json").status_code == 201
    assert api.post("/api/v1/commitments", plain, content_type="application/json").status_code == 201
    assert Commitment.objects.count() == 3
    from ecredit.audit.services import verify

    assert verify().ok                      # the request id is in the logged state of its commitment
