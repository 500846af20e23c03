"""The API as an integrator uses it: the criteria with their machine checks, the public list with profile links,
an application with each criterion explained, the review, and the admin's read-only view of it all."""

from __future__ import annotations

import pytest
from django.contrib.auth import get_user_model
from django.test import Client

from ecredit.safe_consumption import criteria
from tests import factories as f
from tests.factories import console_login

pytestmark = pytest.mark.django_db


def bearer(org, role: str) -> Client:
    return Client(HTTP_AUTHORIZATION=f"Bearer {f.client_token(org, role)}")


def test_criteria_are_published_with_their_checks(town):
    body = Client().get("/api/v1/safe-consumption/criteria").json()
    assert [c["code"] for c in body["criteria"]] == [c.code for c in criteria.scheme().criteria]
    grade = next(c for c in body["criteria"] if c["code"] == "good_grade")
    assert grade["check"] == {"grade": {"grades": ["A", "B"]}} and grade["proposal"] is True
    complaints = next(c for c in body["criteria"] if c["code"] == "complaints_within_limit")
    assert complaints["check"]["records"]["within"] == "P1Y" and complaints["check"]["records"]["at_most"] == 2
    assert body["valid_for"] == "P1Y" and "market_regulation" in body["reviewers"]


def test_a_platform_applies_and_an_officer_approves_through_the_api(town):
    shop = town.merchant("南通接口申请有限公司", shop=True)
    platform = bearer(town.platform_org, "platform_client")
    preview = platform.post("/api/v1/safe-consumption/check", {"subject_id": shop.pk},
                            content_type="application/json").json()
    assert preview["passed"] is True and all(i["explanation"] for i in preview["items"])
    created = platform.post("/api/v1/safe-consumption/enrolments", {"subject_id": shop.pk, "region": "320612"},
                            content_type="application/json")
    assert created.status_code == 201, created.content
    enrolment = created.json()
    assert enrolment["status"] == "checked" and [s["action"] for s in enrolment["steps"]] == ["apply", "check"]
    again = platform.post("/api/v1/safe-consumption/enrolments", {"subject_id": shop.pk},
                          content_type="application/json")
    assert again.status_code == 409 and again.json()["code"] == "already_pending"
    officer = bearer(town.market, "department_officer")
    refused = officer.post(f"/api/v1/safe-consumption/enrolments/{enrolment['id']}/review",
                           {"approve": True, "reason": "同意"}, content_type="application/json")
    assert refused.status_code == 422 and refused.json()["field"] == "decision_no"
    approved = officer.post(f"/api/v1/safe-consumption/enrolments/{enrolment['id']}/review",
                            {"approve": True, "reason": "符合条件", "decision_no": "通放心〔2026〕5号", "publish": True},
                            content_type="application/json").json()
    assert approved["status"] == "published" and approved["honour_record_id"]
    listed = Client().get("/api/v1/safe-consumption/merchants", {"region": "320612"}).json()
    assert [m["profile"] for m in listed] == [f"/subjects/{shop.pk}/"]
    assert listed[0]["platform"] == "南通好物电商平台" and listed[0]["region_name"] == "通州区"


def test_the_admin_shows_an_enrolment_and_its_steps_read_only(town):
    enrolment = town.title(town.merchant())
    user = get_user_model().objects.create_superuser("root_sc", password="Root-pass-2026")
    client = Client()
    console_login(client, user)
    assert client.get("/console/admin/safe_consumption/enrolment/").status_code == 200
    page = client.get(f"/console/admin/safe_consumption/enrolment/{enrolment.pk}/change/")
    assert page.status_code == 200 and "approve" in page.content.decode()
