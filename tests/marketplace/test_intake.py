"""Receiving orders and ratings through the services: idempotent re-sends, updates, row errors, the log."""

from __future__ import annotations

import pytest

from ecredit.audit.models import ChangeLogEntry
from ecredit.audit.services import verify
from ecredit.kit.errors import Conflict, Forbidden, ValidationFailed
from ecredit.marketplace import services
from ecredit.marketplace.models import Order, OrderItem, Rating, TradeBatch
from ecredit.registry.models import Subject
from tests import factories as f

from .conftest import GTIN_A, GTIN_B, at, gtin, order, rating

pytestmark = pytest.mark.django_db


def _codes(batch):
    return {e["index"]: e["code"] for e in batch.errors}


def test_orders_are_written_once_and_a_resend_changes_nothing(market):
    rows = [order("O1"), order("O2", items=[
        {"gtin": GTIN_A, "category": "food", "quantity": 2, "price": "10.00"},
        {"gtin": GTIN_B, "category": "cosmetics", "price": "5.50"}])]
    first = services.submit_orders(rows, market.principal)
    assert (first.created, first.rejected, first.status) == (2, 0, "accepted")
    assert OrderItem.objects.filter(order__order_no="O2").count() == 2
    entries = ChangeLogEntry.objects.count()
    again = services.submit_orders(rows, market.principal)
    assert (again.created, again.updated, again.unchanged) == (0, 0, 2)
    assert again.ids == first.ids and Order.objects.count() == 2
    # one log entry per batch, never one per order
    assert ChangeLogEntry.objects.count() == entries + 1
    assert ChangeLogEntry.objects.filter(model="marketplace.tradebatch").count() == 2
    assert verify().ok


def test_a_changed_resend_updates_status_and_times(market):
    services.submit_orders([order("O1", status="shipped")], market.principal)
    later = order("O1", status="refunded")
    batch = services.submit_orders([later], market.principal)
    assert (batch.updated, batch.created) == (1, 0)
    row = Order.objects.get(order_no="O1")
    assert row.status == "refunded" and row.refunded_at and row.completed_at and row.batch_id == batch.pk
    # going back is refused, and so is another shop or buyer for the same order
    back = services.submit_orders([order("O1", status="completed"), order("O1", buyer="other")],
                                  market.principal)
    assert _codes(back) == {0: "status_regression", 1: "duplicate_in_batch"}
    parties = services.submit_orders([order("O1", status="refunded", buyer="someone-else")], market.principal)
    assert _codes(parties) == {0: "parties_changed"}


@pytest.mark.parametrize("change, field, code", [
    ({"buyer": "13812345678"}, "buyer", "personal_data"),
    ({"buyer": "+86 138-1234-5678"}, "buyer", "personal_data"),
    ({"buyer": f.ric(42)}, "buyer", "personal_data"),
    ({"items": [{"gtin": "6901234567890", "category": "food", "price": "1.00"}]}, "items.0.gtin",
     "bad_check_digit"),
    ({"items": [{"gtin": GTIN_A, "category": "weapons", "price": "1.00"}]}, "items.0.category",
     "bad_category"),
    ({"items": [{"gtin": GTIN_A, "category": "food", "price": "1.005"}]}, "items.0.price", "bad_amount"),
    ({"items": []}, "items", "required"),
    ({"amount": "-1"}, "amount", "bad_amount"),
    ({"status": "lost"}, "status", "bad_status"),
    ({"completed_at": None}, "completed_at", "required"),
    ({"ordered_at": "2999-01-01T00:00:00+08:00"}, "ordered_at", "future_time"),
    ({"ordered_at": "yesterday"}, "ordered_at", "bad_time"),
    ({"shipped_at": at(30)}, "shipped_at", "time_order"),
    ({"platform_uscc": f.uscc(980002)}, "platform_uscc", "not_own_shop"),
])
def test_refused_orders_are_row_errors_and_the_rest_goes_in(market, change, field, code):
    batch = services.submit_orders([order("GOOD"), order("BAD", **change)], market.principal)
    assert batch.created == 1 and batch.status == "partial" and batch.ids[1] is None
    assert batch.errors == [{"index": 1, "id": "BAD", "field": field, "code": code,
                             "message": batch.errors[0]["message"]}]
    assert batch.errors[0]["message"]


def test_a_platform_sends_only_its_own_shops(market):
    """Naming another platform is refused; a shop id is always read as one of the sender's own shops."""
    batch = services.submit_orders([order("X1", platform_uscc=market.other_platform.uscc)], market.principal)
    assert _codes(batch) == {0: "not_own_shop"} and not Order.objects.exists()
    services.submit_orders([order("X2", shop="S1")], market.other_principal)
    assert Order.objects.get(order_no="X2").shop == market.other_shop


def test_an_unknown_shop_id_becomes_an_unverified_shop_of_the_platform(market):
    batch = services.submit_orders([order("N1", shop="NEW9", shop_name="新开小店")], market.principal)
    shop = Subject.objects.get(platform=market.platform, shop_id="NEW9")
    assert batch.created == 1 and not shop.verified and shop.name == "新开小店"
    assert verify().ok


def test_only_platforms_send_trades(market, officer):
    for principal in (officer, market.admin):
        with pytest.raises(Forbidden):
            services.submit_orders([order("O1")], principal)


def test_atomic_batch_writes_nothing_when_a_row_is_refused(market):
    entries = ChangeLogEntry.objects.count()
    batch = services.submit_orders([order("A1", shop="BRANDNEW"), order("A2", buyer="13912345678")],
                                   market.principal, atomic=True)
    assert (batch.created, batch.rejected, batch.status) == (0, 2, "rejected")
    assert not Order.objects.exists() and not Subject.objects.filter(shop_id="BRANDNEW").exists()
    assert ChangeLogEntry.objects.count() == entries + 1      # the refused batch itself
    assert verify().ok


def test_batch_id_replays_the_first_answer_and_refuses_other_rows(market):
    first = services.submit_orders([order("B1")], market.principal, client_batch_id="2026-11-28-1")
    replay = services.submit_orders([order("B1")], market.principal, client_batch_id="2026-11-28-1")
    assert replay.pk == first.pk and replay.replayed and TradeBatch.objects.count() == 1
    with pytest.raises(Conflict) as exc:
        services.submit_orders([order("B2")], market.principal, client_batch_id="2026-11-28-1")
    assert exc.value.code == "batch_id_reused"
    # ratings have batch ids of their own
    services.submit_ratings([rating("B1")], market.principal, client_batch_id="2026-11-28-1")


def test_too_large_a_batch_is_refused_whole(market):
    with pytest.raises(ValidationFailed) as exc:
        services.submit_orders([order(f"O{k}") for k in range(10_001)], market.principal)
    assert exc.value.code == "batch_too_large"


def test_ratings_in_both_directions_with_detailed_scores(market):
    services.submit_orders([order("O1"), order("O2", items=[
        {"gtin": GTIN_A, "category": "food", "price": "1.00"},
        {"gtin": GTIN_B, "category": "food", "price": "2.00"}])], market.principal)
    batch = services.submit_ratings([
        rating("O1", "good"),
        rating("O1", "good", direction="seller_to_buyer", dsr=None, text="买家爽快"),
        rating("O2", "bad", gtin=GTIN_B, dsr=(1, 2, 3)),
        rating("O2", "neutral", dsr=None),
    ], market.principal)
    assert batch.created == 4, batch.errors
    b2s = Rating.objects.get(order__order_no="O1", direction="buyer_to_seller")
    assert (b2s.dsr_description, b2s.item_key, b2s.shop_id) == (5, GTIN_A, market.shop.pk)
    assert Rating.objects.get(order__order_no="O2", gtin="").item_key.startswith("order:")


@pytest.mark.parametrize("row, field, code", [
    (rating("NOPE"), "order_id", "unknown_order"),
    (rating("PAID"), "order_id", "order_not_completed"),
    (rating("OLD"), "rated_at", "rating_window_passed"),
    (rating("O1", rated_at=at(20)), "rated_at", "before_completion"),
    (rating("O1", gtin=gtin(77)), "gtin", "gtin_not_in_order"),
    (rating("O1", value="great"), "value", "bad_value"),
    (rating("O1", direction="sideways"), "direction", "bad_direction"),
    (rating("O1", dsr=(5, 6, 5)), "dsr.service", "bad_score"),
    (rating("O1", dsr=None, dsr_description=4), "dsr.service", "required"),
    (rating("O1", direction="seller_to_buyer"), "dsr", "dsr_not_allowed"),
    (rating("O1", text="好" * 501), "text", "too_long"),
    (rating("O1", platform_uscc=f.uscc(980002)), "platform_uscc", "not_own_shop"),
])
def test_refused_ratings_are_row_errors(market, row, field, code):
    services.submit_orders([order("O1", days_ago=5), order("PAID", status="paid"), order("OLD", days_ago=40)],
                           market.principal)
    if row["order_id"] == "OLD":
        row["rated_at"] = at(2)       # 38 days after completion, past the 15-day window
    batch = services.submit_ratings([row], market.principal)
    assert [(e["field"], e["code"]) for e in batch.errors] == [(field, code)]
    assert not Rating.objects.exists()


def test_a_platform_rates_only_its_own_orders(market):
    services.submit_orders([order("O1")], market.principal)
    batch = services.submit_ratings([rating("O1")], market.other_principal)
    assert _codes(batch) == {0: "unknown_order"}


def test_a_rating_is_never_changed_and_its_appended_review_comes_once(market):
    services.submit_orders([order("O1", days_ago=10)], market.principal)
    row = rating("O1", "bad", days_ago=8)
    first = services.submit_ratings([row], market.principal)
    assert services.submit_ratings([row], market.principal).unchanged == 1
    changed = services.submit_ratings([{**row, "value": "good"}], market.principal)
    assert _codes(changed) == {0: "rating_changed"}
    with_appended = {**row, "appended": {"text": "退货后商家补发了，改观", "at": at(1)}}
    assert services.submit_ratings([with_appended], market.principal).updated == 1
    assert services.submit_ratings([with_appended], market.principal).unchanged == 1
    other = {**row, "appended": {"text": "再追加一次", "at": at(1, 11)}}
    assert _codes(services.submit_ratings([other], market.principal)) == {0: "appended_once"}
    saved = Rating.objects.get(pk=first.ids[0])
    assert (saved.value, saved.appended_text) == ("bad", "退货后商家补发了，改观")
    assert verify().ok


def test_append_review_by_itself_is_a_logged_batch_of_one(market):
    services.submit_orders([order("O1")], market.principal)
    rating_id = services.submit_ratings([rating("O1")], market.principal).ids[0]
    saved = services.append_review(rating_id, market.principal, text="用了一个月依然很好")
    assert saved.appended_text == "用了一个月依然很好"
    batch = TradeBatch.objects.get(kind="appended")
    assert (batch.updated, batch.ids, batch.log_seq > 0) == (1, [rating_id], True)
    with pytest.raises(Conflict):
        services.append_review(rating_id, market.principal, text="再来一次")
    with pytest.raises(Forbidden):
        services.append_review(rating_id, market.other_principal, text="别人的评价")
    assert verify().ok
