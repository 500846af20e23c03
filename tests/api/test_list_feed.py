"""The list feed carries list-procedure entries with the measures each reader carries out; banks read it too."""

from __future__ import annotations

import pytest

from tests import factories as f

pytestmark = pytest.mark.django_db


def _items(client):
    response = client.get("/api/v1/feeds/lists?cursor=0&limit=1000")
    assert response.status_code == 200, response.content
    assert response["X-Signature"].startswith("ed25519=")
    return response.json()["items"]


def _entry_item(items, entry_id):
    found = [i for i in items if (i.get("list_entry") or {}).get("id") == entry_id]
    assert found, items
    return found[0]


def test_a_platform_learns_the_bars_it_must_apply(world):
    item = _entry_item(_items(world.client("platform")), world.ids["entry"])
    assert item["event"] == "listed" and item["subject"]["id"] == world.ids["listed"]
    entry = item["list_entry"]
    assert entry["list_type"] == "serious_dishonesty" and entry["polarity"] == "punishment"
    assert [m["code"] for m in entry["measures"]] == ["platform_no_onboarding"]
    assert all(m["legal_basis"] for m in entry["measures"])


def test_a_bank_reads_the_list_feed_with_its_own_measures(world):
    from django.test import Client

    bank = f.organisation("bank", "bank_t", name="测试银行")
    client = Client(HTTP_AUTHORIZATION=f"Bearer {f.client_token(bank, 'bank_client')}")
    item = _entry_item(_items(client), world.ids["entry"])
    assert [m["code"] for m in item["list_entry"]["measures"]] == ["bank_credit_caution"]
    assert all(i["subject"]["kind"] == "organisation" for i in _items(client))
    assert client.get("/api/v1/feeds/grades?cursor=0").status_code == 200


def test_leaving_the_list_is_in_the_feed(world):
    officer = world.client("officer")
    response = officer.post(f"/api/v1/lists/entries/{world.ids['entry']}/removal",
                            {"how": "revoke", "reason": "处罚决定被复议撤销"}, content_type="application/json")
    assert response.status_code == 200, response.content
    assert response.json()["status"] == "revoked"
    items = [i for i in _items(world.client("platform")) if (i.get("list_entry") or {}).get("id") == world.ids["entry"]]
    assert [i["event"] for i in items] == ["listed", "delisted"]
    assert items[-1]["list_entry"]["status"] == "revoked"
    public = world.client("anon").get(f"/api/v1/public/subjects/{world.ids['listed']}").json()
    assert not [r for r in public["lists"] if r["type"] == "serious_violation_list"]
