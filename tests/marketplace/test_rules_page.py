"""The public rating rules (信用评价规则) are generated from marketplace.yaml, in Chinese and in English."""

from __future__ import annotations

import pytest
from django.test import Client

from ecredit import policy

pytestmark = [pytest.mark.django_db, pytest.mark.urls("tests.marketplace.urls")]


def test_rating_rules_page_shows_the_values_and_their_sources():
    response = Client().get("/rules/ratings")
    assert response.status_code == 200
    page = response.content.decode()
    rules = policy.current().marketplace
    assert "好评 +1 分，中评 0 分，差评 -1 分" in page
    assert f"好评最多计 {rules.pair_cap[0].cap} 分" in page and f"{rules.repeat_window[0].days} 天内" in page
    assert f"交易成功后 {rules.rating_window[0].days} 天内" in page
    for ground in rules.shielding[0].grounds.values():
        assert ground.name.zh in page and ground.reference in page
    assert rules.pair_cap[0].reference in page and "自 2019-01-01 起施行" in page
    assert "《中华人民共和国电子商务法》第三十九条" in page and "不得删除" in page
    assert "被屏蔽的评价只隐藏文字" in page          # counts_in_points: true


def test_rating_rules_page_in_english_uses_the_policy_names():
    client = Client()
    client.cookies["django_language"] = "en"
    page = client.get("/rules/ratings").content.decode()
    assert "Not about the goods or service bought" in page and "Home textiles" in page


def test_rating_rules_page_is_cached_until_the_log_moves(market):
    client = Client()
    assert client.get("/rules/ratings").content == client.get("/rules/ratings").content
