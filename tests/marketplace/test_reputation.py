"""Shop figures against a hand computation, and shielding's (policy-set) effect on them."""

from __future__ import annotations

import datetime as dt
import shutil

import pytest
import yaml
from django.utils import timezone

from ecredit import policy
from ecredit.archive import services as archive
from ecredit.marketplace import services
from ecredit.marketplace.models import ShopReputation
from ecredit.registry.models import Subject
from tests import factories as f

from .conftest import GTIN_A, GTIN_B, gtin, order, rating

pytestmark = pytest.mark.django_db


def _item(code, category, price):
    return [{"gtin": code, "category": category, "quantity": 1, "price": price}]


@pytest.fixture
def trades(market):
    """Shop S1 of platform 1 (the comments say what each row is for), S2 of platform 1, S1 of platform 2."""
    p1 = market.principal
    orders = services.submit_orders([
        order("O1", buyer="A", days_ago=10, items=_item(GTIN_A, "food", "100.00"), amount="100.00"),
        order("O2", buyer="A", days_ago=5, items=_item(GTIN_A, "food", "100.00"), amount="100.00"),  # repeat
        order("O3", buyer="B", days_ago=20, status="refunded", items=_item(GTIN_B, "cosmetics", "250.00"),
              amount="250.00"),
        order("O4", buyer="C", days_ago=3, status="cancelled", items=_item(GTIN_B, "cosmetics", "900.00"),
              amount="900.00"),                                   # cancelled: in no rate, no category sales
        order("O5", buyer="D", days_ago=100, items=_item(gtin(5), "food", "100.00"), amount="100.00"),
        order("O6", buyer="E", days_ago=200, items=_item(gtin(6), "food", "100.00"), amount="100.00"),
        order("O7", shop="S2", buyer="F", days_ago=10, status="refunded",
              items=_item(gtin(7), "food", "50.00")),
        order("O8", shop="S2", buyer="F", days_ago=11, items=_item(gtin(8), "food", "50.00")),
    ], p1)
    assert orders.created == 8, orders.errors
    ratings = services.submit_ratings([
        rating("O1", "good", days_ago=8, dsr=(5, 4, 3)),
        rating("O1", "good", days_ago=8, dsr=None, direction="seller_to_buyer"),   # rates the buyer
        rating("O2", "bad", days_ago=3, dsr=(1, 1, 1)),
        rating("O3", "neutral", days_ago=17, dsr=None),
        rating("O5", "good", days_ago=97, dsr=(5, 5, 5)),
        rating("O6", "good", days_ago=197, dsr=(5, 5, 5)),
    ], p1)
    assert ratings.created == 6, ratings.errors
    other = services.submit_orders([order("P1", days_ago=10, items=_item(gtin(9), "electronics", "10.00"))],
                                   market.other_principal)
    assert other.created == 1
    department = f.organisation("department", "market_regulation", name="市场监管局")
    officer = f.principal("department_officer", department)
    complaint = {"id": "TS-1", "type": "complaint_upheld", "subject": {"platform_uscc": market.platform.uscc,
                                                                         "shop_id": "S1"},
                 "decided_on": (timezone.localdate() - dt.timedelta(days=30)).isoformat(), "summary": "虚假宣传",
                 "details": f.minimal_details(
                     policy.current().record_types["complaint_upheld"].details_schema)}
    assert archive.ingest([complaint], officer).created == 1
    return ratings


def test_figures_match_a_hand_computation(market, trades):
    assert services.refresh_reputation() == Subject.objects.shops().count()
    s1 = ShopReputation.objects.get(shop=market.shop)
    third = pytest.approx(1 / 3, abs=1e-6)
    assert s1.as_of == timezone.localdate()
    assert s1.points == 3                               # O1 +1, O2 repeat 0, O3 neutral, O5 +1, O6 +1
    assert (s1.ratings_30d, s1.ratings_180d) == (3, 4)
    assert s1.good_rate_30d == 0.5                      # O1 good, O3 neutral (O2 is a repeat)
    assert s1.good_rate_180d == pytest.approx(2 / 3, abs=1e-6)
    assert (s1.dsr_description_30d, s1.dsr_service_30d, s1.dsr_delivery_30d, s1.dsr_avg_30d) == \
        (3.0, 2.5, 2.0, 2.5)
    assert s1.dsr_description_180d == pytest.approx(11 / 3, abs=1e-6)
    assert s1.dsr_avg_180d == pytest.approx((11 / 3 + 10 / 3 + 3) / 3, abs=1e-6)
    assert (s1.orders_90d, s1.refunds_90d, s1.refund_rate_90d) == (3, 1, third)
    assert (s1.orders_180d, s1.complaints_180d, s1.complaint_rate_180d) == (4, 1, 250.0)
    assert s1.main_category == "food"                   # food 300 yuan against cosmetics 250 (O4 cancelled)
    # food shops: S1 and S2 of platform 1; refunds (1 + 1) / orders (3 + 2); complaints 1 per (4 + 2) orders
    assert s1.category_refund_rate_90d == 0.4
    assert s1.refund_rate_relative == pytest.approx((1 / 3) / 0.4, abs=1e-5)
    assert s1.category_complaint_rate_180d == pytest.approx(1000 / 6, abs=1e-5)
    assert s1.complaint_rate_relative == pytest.approx(1.5, abs=1e-5)
    s2 = ShopReputation.objects.get(shop__platform=market.platform, shop__shop_id="S2")
    assert (s2.points, s2.refund_rate_90d, s2.refund_rate_relative, s2.good_rate_30d) == (0, 0.5, 1.25, None)
    electronics = ShopReputation.objects.get(shop=market.other_shop)
    assert (electronics.main_category, electronics.refund_rate_90d, electronics.refund_rate_relative) == \
        ("electronics", 0.0, None)              # the category's rate is 0: no ratio
    empty = ShopReputation.objects.get(shop__platform=market.other_platform, shop__shop_id="S2")
    assert (empty.points, empty.orders_90d, empty.refund_rate_90d, empty.main_category) == (0, 0, None, "")


def test_one_shop_refreshed_alone_equals_the_batch(market, trades):
    services.refresh_reputation()
    fields = services.reputation.FIGURE_COLUMNS
    batch = {k: getattr(ShopReputation.objects.get(shop=market.shop), k) for k in fields}
    ShopReputation.objects.all().delete()
    alone = services.refresh_shop(market.shop.pk)
    assert {k: getattr(alone, k) for k in fields} == batch
    assert ShopReputation.objects.count() == 1
    unsaved = services.reputation_of(market.other_shop.pk)
    assert unsaved.pk is None and unsaved.orders_90d == 1 and ShopReputation.objects.count() == 1


def test_shielded_reviews_still_count_as_the_policy_says(market, trades):
    services.refresh_reputation()
    before = ShopReputation.objects.get(shop=market.shop)
    services.shield(trades.ids[2], market.principal, "abusive")     # the bad rating of O2
    services.shield(trades.ids[0], market.admin, "off_topic")      # the good rating of O1
    services.refresh_reputation()
    after = ShopReputation.objects.get(shop=market.shop)
    assert (after.points, after.good_rate_30d, after.dsr_avg_30d) == (before.points, before.good_rate_30d,
                                                                      before.dsr_avg_30d)


def test_a_policy_that_drops_shielded_ratings_changes_the_figures(market, trades, tmp_path):
    rules = tmp_path / "rules"
    shutil.copytree(policy.loader.RULES_DIR, rules)
    path = rules / "marketplace.yaml"
    data = yaml.safe_load(path.read_text(encoding="utf-8"))
    data["shielding"][0]["counts_in_points"] = False
    path.write_text(yaml.safe_dump(data, allow_unicode=True), encoding="utf-8")
    services.shield(trades.ids[0], market.admin, "off_topic")      # O1's good rating
    policy.reset(policy.load(rules))
    try:
        services.refresh_reputation()
    finally:
        policy.reset()
    s1 = ShopReputation.objects.get(shop=market.shop)
    # O1 no longer counts, so O2 (same item, 5 days later) is no longer a repeat: -1 instead of 0
    assert (s1.points, s1.ratings_30d, s1.good_rate_30d) == (1, 2, 0.0)


def test_refresh_command(market, trades):
    from io import StringIO

    from django.core.management import call_command

    out = StringIO()
    call_command("refresh-reputation", stdout=out)
    assert "shops" in out.getvalue() and ShopReputation.objects.count() == Subject.objects.shops().count()
    call_command("refresh-reputation", "--shop", str(market.shop.pk), "--as-of", "2026-01-01", stdout=out)
    assert ShopReputation.objects.get(shop=market.shop).as_of == dt.date(2026, 1, 1)
