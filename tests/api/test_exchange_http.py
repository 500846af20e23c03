"""Sending batches over HTTP as a department's system does."""

from __future__ import annotations

import pytest

from ecredit.archive.models import CreditRecord
from tests import factories as f
from tests.factories import console_login

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


def test_same_batch_id_with_other_records_is_a_conflict(world):
    client = world.client("officer")
    records = [f.penalty("C1"), f.penalty("C2")]
    first = post(client, {"batch_id": "B-43", "records": records}).json()
    changed = post(client, {"batch_id": "B-43", "records": [records[0], f.penalty("C3")]})
    assert changed.status_code == 409
    error = changed.json()
    assert error["code"] == "batch_id_reused" and "B-43" in error["message"] and "批次号" in error["message"]
    assert not CreditRecord.objects.filter(source_record_id="C3").exists()
    en = post(client, {"batch_id": "B-43", "records": [f.penalty("C4")]}, HTTP_ACCEPT_LANGUAGE="en").json()
    assert en["code"] == "batch_id_reused" and "batch id" in en["message"].lower()
    # the same records again, keys in another order: the first answer
    reordered = [dict(reversed(list(r.items()))) for r in records]
    again = post(client, {"batch_id": "B-43", "records": reordered}).json()
    assert again["batch"] == first["batch"] and again["replayed"] is True


def _officer_session(world):
    from django.contrib.auth import get_user_model
    from django.test import Client

    from ecredit.access.models import Membership, Organisation

    user = get_user_model().objects.create_user("market_officer", password="x-Market-2026")
    Membership.objects.create(user=user, organisation=Organisation.objects.get(code="market_regulation"),
                              role="department_officer")
    client = Client(enforce_csrf_checks=True)
    console_login(client, user)
    return client


def test_session_post_without_csrf_token_is_a_403_that_says_so(world):
    client = _officer_session(world)
    response = post(client, {"records": [f.penalty("X1")]})
    assert response.status_code == 403
    error = response.json()
    assert error["code"] == "csrf_failed" and "CSRF" in error["message"] and "X-CSRFToken" in error["message"]
    en = post(client, {"records": [f.penalty("X1")]}, HTTP_ACCEPT_LANGUAGE="en")
    assert en.status_code == 403 and "CSRF token" in en.json()["message"]
    assert not CreditRecord.objects.filter(source_record_id="X1").exists()
    assert client.get("/api/v1/records/batches").status_code == 200   # reading needs no token


def test_session_post_with_csrf_token_goes_in(world):
    client = _officer_session(world)
    assert client.get("/console/").status_code == 200
    token = client.cookies["csrftoken"].value
    response = post(client, {"records": [f.penalty("X2")]}, HTTP_X_CSRFTOKEN=token)
    assert response.status_code == 200 and response.json()["created"] == 1
