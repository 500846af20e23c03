"""The marketplace over HTTP, as a platform's system calls it."""

from __future__ import annotations

import pytest
from django.test import Client

from ecredit.marketplace.models import Order, Rating, ReviewShield
from tests import factories as f

from .conftest import order, rating

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.marketplace.urls")]


@pytest.fixture
def clients(market):
    def client(org, role):
        return Client(HTTP_AUTHORIZATION=f"Bearer {f.client_token(org, role)}")

    office = market.admin.organisation_id
    from ecredit.access.models import Organisation

    return {"platform": client(market.org, "platform_client"),
            "other": client(market.other_org, "platform_client"),
            "admin": client(Organisation.objects.get(pk=office), "credit_office_admin"), "anon": Client()}


def _post(client, path, body, **extra):
    return client.post(f"/api/v1/marketplace/{path}", body, content_type="application/json", **extra)


def test_orders_resent_with_the_same_batch_id_replay_the_first_answer(clients):
    body = {"batch_id": "B-1", "orders": [order("O1"), order("O2", status="shipped")]}
    first = _post(clients["platform"], "orders", body)
    assert first.status_code == 200, first.content
    answer = first.json()
    assert (answer["created"], answer["status"], answer["replayed"], answer["kind"]) == \
        (2, "accepted", False, "orders")
    again = _post(clients["platform"], "orders", body).json()
    assert again["replayed"] and again["batch"] == answer["batch"] and again["ids"] == answer["ids"]
    reused = _post(clients["platform"], "orders", {"batch_id": "B-1", "orders": [order("O3")]})
    assert reused.status_code == 409 and reused.json()["code"] == "batch_id_reused"
    # the same orders without a batch id: nothing changes
    plain = _post(clients["platform"], "orders", {"orders": body["orders"]}).json()
    assert (plain["created"], plain["unchanged"]) == (0, 2) and Order.objects.count() == 2


def test_row_errors_name_index_field_and_reason(clients):
    response = _post(clients["platform"], "orders", {"orders": [order("O1"), order("O2", buyer="13812345678"),
                                                                 "not an object"]})
    answer = response.json()
    assert response.status_code == 200 and answer["status"] == "partial"
    assert [(e["index"], e["id"], e["field"], e["code"]) for e in answer["errors"]] == [
        (1, "O2", "buyer", "personal_data"), (2, "", "", "not_an_object")]
    assert answer["ids"][1:] == [None, None]
    english = _post(clients["platform"], "orders", {"orders": [order("O9", buyer="13812345678")]},
                    HTTP_ACCEPT_LANGUAGE="en").json()
    assert english["errors"][0]["code"] == "personal_data"


def test_a_platform_sending_another_platforms_shop_is_refused(market, clients):
    row = order("X1", platform_uscc=market.other_platform.uscc)
    answer = _post(clients["platform"], "orders", {"orders": [row]}).json()
    assert answer["rejected"] == 1 and answer["errors"][0]["code"] == "not_own_shop"
    atomic = _post(clients["platform"], "orders", {"atomic": True, "orders": [order("X2"), row]}).json()
    assert (atomic["created"], atomic["status"]) == (0, "rejected") and not Order.objects.exists()


def test_bad_bodies_are_refused_whole(clients):
    bad = clients["platform"].post("/api/v1/marketplace/orders", "{not json", content_type="application/json")
    assert bad.status_code == 422 and bad.json()["code"] == "bad_json"
    assert _post(clients["platform"], "orders", {"rows": []}).json()["code"] == "not_a_list"
    assert _post(clients["platform"], "orders", {"orders": [], "atomic": "yes"}).json()["code"] == "bad_type"


def test_ratings_appended_and_shielded(market, clients):
    _post(clients["platform"], "orders", {"orders": [order("O1")]})
    answer = _post(clients["platform"], "ratings", {"ratings": [rating("O1", "bad"), rating("NOPE")]}).json()
    assert (answer["created"], answer["errors"][0]["code"]) == (1, "unknown_order")
    rating_id = answer["ids"][0]
    appended = _post(clients["platform"], f"ratings/{rating_id}/appended", {"text": "商家后来主动联系解决了"})
    assert appended.status_code == 200 and appended.json()["appended_text"] == "商家后来主动联系解决了"
    again = _post(clients["platform"], f"ratings/{rating_id}/appended", {"text": "再追加"})
    assert again.status_code == 409 and again.json()["code"] == "appended_once"
    other = _post(clients["other"], f"ratings/{rating_id}/shield", {"ground": "off_topic"})
    assert other.status_code == 403
    unknown = _post(clients["platform"], f"ratings/{rating_id}/shield", {"ground": "unflattering"})
    assert unknown.status_code == 422 and unknown.json()["field"] == "ground"
    shielded = _post(clients["admin"], f"ratings/{rating_id}/shield", {"ground": "abusive", "note": "辱骂商家"})
    assert shielded.status_code == 200 and shielded.json()["ground"] == "abusive"
    assert Rating.objects.filter(pk=rating_id).exists() and ReviewShield.objects.count() == 1
    assert _post(clients["anon"], f"ratings/{rating_id}/shield", {"ground": "abusive"}).status_code == 401


def test_reputation_is_public(market, clients):
    _post(clients["platform"], "orders",
          {"orders": [order("O1"), order("O2", buyer="b2", status="refunded")]})
    _post(clients["platform"], "ratings", {"ratings": [rating("O1", "good")]})
    response = clients["anon"].get(f"/api/v1/marketplace/shops/{market.shop.pk}/reputation")
    assert response.status_code == 200
    answer = response.json()
    assert answer["name"] == market.shop.name and answer["figures"]["points"] == 1
    assert answer["figures"]["refund_rate_90d"] == 0.5 and answer["figures"]["good_rate_30d"] == 1.0
    not_a_shop = clients["anon"].get(f"/api/v1/marketplace/shops/{market.platform.pk}/reputation")
    assert not_a_shop.status_code == 404


def test_only_platforms_push(clients):
    assert _post(clients["admin"], "orders", {"orders": []}).status_code == 403
    assert _post(clients["anon"], "ratings", {"ratings": []}).status_code == 401
