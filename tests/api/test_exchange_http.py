"""Sending batches over HTTP as a department's system does."""

from __future__ import annotations

import pytest

from ecredit.archive.models import CreditRecord
from tests import factories as f

pytestmark = pytest.mark.django_db


def post(client, body, **headers):
    import json

    return client.post("/api/v1/records/batches", json.dumps(body, ensure_ascii=False),
                       content_type="application/json", **headers)


def test_batch_round_trip_with_row_errors(world):
    client = world.client("officer")
    good = f.penalty("H1", {"uscc": f.uscc(777), "name": "南通丙有限公司"})
    bad = f.penalty("H2", {"uscc": "91320602MA1X23456Z", "name": "南通丁有限公司"})
    answer = post(client, {"batch_id": "2025-11-28-001", "records": [good, bad]}).json()
    assert answer["status"] == "partial" and (answer["created"], answer["rejected"]) == (1, 1)
    error = answer["errors"][0]
    assert (error["index"], error["id"], error["field"]) == (1, "H2", "subject.uscc")
    assert "统一社会信用代码" in error["message"]
    again = client.get(f"/api/v1/records/batches/{answer['batch']}").json()
    assert again["errors"] == answer["errors"]


def test_same_batch_id_twice_returns_the_first_answer(world):
    client = world.client("officer")
    body = {"batch_id": "B-42", "records": [f.penalty("R1"), f.penalty("R2")]}
    first = post(client, body).json()
    second = post(client, body).json()
    assert second["batch"] == first["batch"] and second["replayed"] is True and first["replayed"] is False
    assert CreditRecord.objects.filter(source_record_id__in=["R1", "R2"]).count() == 2


def test_resend_without_batch_id_is_unchanged(world):
    client = world.client("officer")
    body = {"records": [f.penalty("U1"), f.penalty("U2")]}
    post(client, body)
    second = post(client, body).json()
    assert (second["created"], second["unchanged"]) == (0, 2) and second["status"] == "accepted"


def test_atomic_batch_refused_whole(world):
    client = world.client("officer")
    answer = post(client, {"atomic": True, "records": [f.penalty("A1"), {**f.penalty("A2"), "summary": ""}]}).json()
    assert answer["status"] == "rejected" and answer["created"] == 0
    assert not CreditRecord.objects.filter(source_record_id="A1").exists()


@pytest.mark.parametrize("body, field", [
    (b"{not json", None),
    (b'{"records": "x"}', "records"),
    (b'[]', "records"),
    (b'{"records": [], "atomic": "yes"}', "atomic"),
])
def test_malformed_bodies_get_a_clear_422(world, body, field):
    response = world.client("officer").post("/api/v1/records/batches", body, content_type="application/json")
    assert response.status_code == 422
    data = response.json()
    assert data["message"] and data.get("field") == field


def test_more_than_10000_records_is_refused(world):
    answer = post(world.client("officer"), {"records": [{}] * 10001})
    assert answer.status_code == 422 and answer.json()["code"] == "batch_too_large"


def test_messages_follow_accept_language(world):
    bad = f.penalty("E1", {"uscc": "91320602MA1X2345", "name": "x"})
    zh = post(world.client("officer"), {"records": [bad]}).json()["errors"][0]["message"]
    en = post(world.client("officer"), {"records": [{**bad, "id": "E2"}]}, HTTP_ACCEPT_LANGUAGE="en").json()
    assert "统一社会信用代码" in zh
    assert "unified social credit code" in en["errors"][0]["message"].lower()


def test_openapi_and_swagger_ui_are_served_locally(world):
    from django.test import Client

    client = Client()
    schema = client.get("/api/v1/openapi.json").json()
    assert schema["openapi"].startswith("3.1")
    assert "/api/v1/records/batches" in schema["paths"]
    page = client.get("/api/v1/docs").content.decode()
    assert "swagger-ui-bundle.js" in page and "cdn." not in page and "//unpkg" not in page
