"""The complaints API as a hotline, a platform and a department use it over HTTP."""

from __future__ import annotations

import datetime as dt

import pytest
from django.core.files.uploadedfile import SimpleUploadedFile
from django.test import Client

from ecredit.audit.models import AccessLogEntry
from ecredit.complaints.models import Complaint
from tests import factories as f

from .conftest import on_day
from .samples import SAMPLES, xlsx

pytestmark = pytest.mark.django_db
DAY = dt.date(2026, 10, 9)


def client(city, code: str, role: str | None = None) -> Client:
    org = city.orgs[code]
    role = role or {"department": "department_officer", "credit_office": "credit_office_admin",
                    "platform": "platform_client", "hotline": "hotline_client"}[org.kind]
    return Client(HTTP_AUTHORIZATION=f"Bearer {f.client_token(org, role)}")


def test_a_hotline_posts_its_items_pulls_its_updates_and_acknowledges_them(city):
    hotline = client(city, "hotline_12345")
    with on_day(DAY):
        answer = hotline.post("/api/v1/complaints/hotlines/12345/items", {"items": [SAMPLES["12345"][0]]},
                              content_type="application/json")
    assert answer.status_code == 200, answer.content
    assert answer.json()["accepted"] == 1
    case = Complaint.objects.get()
    with on_day(DAY):
        assert client(city, "food_drug").post(f"/api/v1/complaints/{case.pk}/acceptance", {"accept": True},
                                              content_type="application/json").status_code == 200
    feed = hotline.get("/api/v1/complaints/updates?cursor=0").json()
    assert [(u["status_code"], u["channel_ticket"]) for u in feed] == [("QS", "NT12345-20260930-0088"),
                                                                        ("BL", "NT12345-20260930-0088")]
    ack = hotline.post("/api/v1/complaints/updates/ack", {"ids": [u["id"] for u in feed]},
                       content_type="application/json").json()
    assert ack == {"acknowledged": 2, "already": 0, "unknown": 0}
    assert hotline.get(f"/api/v1/complaints/updates?cursor={feed[-1]['id']}").json() == []
    # the hotline sees what it sent, masked; it may not open the complainant in full
    detail = hotline.get(f"/api/v1/complaints/{case.pk}").json()
    assert detail["complainant"]["name"] == "李*" and detail["status"] == "accepted"
    assert hotline.get(f"/api/v1/complaints/{case.pk}/complainant?purpose=x").status_code == 403


def test_a_department_uploads_a_hotline_export_file(city):
    item, _ = SAMPLES["12315"]
    upload = SimpleUploadedFile("12315导出.xlsx", xlsx([item, {**item, "投诉单号": "X-2", "登记时间": "不详"}]))
    with on_day(DAY):
        answer = client(city, "market_regulation").post("/api/v1/complaints/hotlines/12315/files?atomic=false",
                                                        {"file": upload})
    body = answer.json()
    assert answer.status_code == 200 and body["accepted"] == 1 and body["rejected"] == 1
    assert body["rows"][1]["row"] == 3 and body["rows"][1]["column"] == "登记时间"
    assert body["rows"][1]["outcome_label"] == "拒收"


def test_lists_filter_and_reveal_is_logged(city):
    with on_day(DAY):
        for number in ("12315", "12365"):
            client(city, f"hotline_{number}").post(f"/api/v1/complaints/hotlines/{number}/items",
                                                  {"items": [SAMPLES[number][0]]}, content_type="application/json")
    officer = client(city, "market_regulation")
    with on_day(dt.date(2026, 10, 20)):
        assert len(officer.get("/api/v1/complaints?overdue=true").json()) == 2
        assert [c["channel"] for c in officer.get("/api/v1/complaints?channel=12365").json()] == ["12365"]
        assert client(city, "credit_office").post("/api/v1/complaints/daily").json()["level_1"] == 2
        escalated = officer.get("/api/v1/complaints?escalated=true").json()
    assert {c["escalation_level"] for c in escalated} == {1}
    case_id = escalated[0]["id"]
    assert officer.get(f"/api/v1/complaints/{case_id}/complainant").status_code == 422
    person = officer.get(f"/api/v1/complaints/{case_id}/complainant?purpose=电话联系投诉人").json()
    assert person["phone"].isdigit() and AccessLogEntry.objects.filter(channel="api").count() == 1
    platform_view = client(city, "platform").get("/api/v1/complaints").json()
    assert platform_view and all(c["complainant"] is None for c in platform_view)
    figures = client(city, "credit_office").get("/api/v1/complaints/figures?by=department").json()
    assert figures[0]["group"] == "market_regulation" and figures[0]["received"] == 2


def test_hotline_layouts_are_published(city):
    hotlines = Client().get("/api/v1/complaints/hotlines").json()
    assert [h["number"] for h in hotlines] == ["12315", "12345", "12312", "12318", "12331", "12358", "12365"]
    assert hotlines[0]["fields"][0] == {"field": "ticket", "columns": ["投诉单号"], "read": "text", "formats": [],
                                        "values": {}, "unit": "yuan", "prefix": "", "pattern": None}
    assert hotlines[1]["statuses"]["accepted"] == {"code": "BL", "label": "办理中（已受理）"}
