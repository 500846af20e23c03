"""An order's delivery region and goods weight (what the empty-parcel rules compare with the waybill): optional,
validated, taken from the API and from files, and an order sent before they existed keeps its content hash."""

from __future__ import annotations

import csv
import io
from decimal import Decimal

import pytest
from django.test import Client

from ecredit.marketplace import files, services
from ecredit.marketplace.models import Order
from tests import factories as f

from .conftest import order

pytestmark = pytest.mark.django_db


def test_region_and_weight_are_stored_when_given_and_empty_when_not(market):
    batch = services.submit_orders([order("D1", ship_to_region="310104", goods_weight_kg="1.25"), order("D2")],
                                   market.principal)
    assert batch.created == 2 and not batch.errors
    given, plain = Order.objects.get(order_no="D1"), Order.objects.get(order_no="D2")
    assert (given.ship_to_region, given.goods_weight_kg) == ("310104", Decimal("1.250"))
    assert (plain.ship_to_region, plain.goods_weight_kg) == ("", None)


@pytest.mark.parametrize("change, field, code", [
    ({"ship_to_region": "31010"}, "ship_to_region", "bad_region"),
    ({"ship_to_region": "上海市徐汇区"}, "ship_to_region", "bad_region"),     # an address, not a code
    ({"ship_to_region": "010104"}, "ship_to_region", "bad_region"),
    ({"goods_weight_kg": "-1"}, "goods_weight_kg", "bad_weight"),
    ({"goods_weight_kg": "0.0001"}, "goods_weight_kg", "bad_weight"),
    ({"goods_weight_kg": "heavy"}, "goods_weight_kg", "bad_weight"),
    ({"goods_weight_kg": "NaN"}, "goods_weight_kg", "bad_weight"),
])
def test_bad_values_refuse_the_row_naming_the_field(market, change, field, code):
    batch = services.submit_orders([order("D1", **change)], market.principal)
    assert batch.rejected == 1
    assert (batch.errors[0]["field"], batch.errors[0]["code"]) == (field, code)
    assert batch.errors[0]["message"]


def test_an_order_sent_before_the_fields_existed_is_unchanged_and_adding_them_updates_it(market):
    services.submit_orders([order("D1")], market.principal)
    before = Order.objects.get(order_no="D1").content_hash
    again = services.submit_orders([order("D1")], market.principal)
    assert again.unchanged == 1 and Order.objects.get(order_no="D1").content_hash == before
    more = services.submit_orders([order("D1", ship_to_region="320602", goods_weight_kg=2)], market.principal)
    assert more.updated == 1
    assert Order.objects.get(order_no="D1").goods_weight_kg == Decimal("2.000")


def test_the_api_takes_them(market):
    client = Client(HTTP_AUTHORIZATION=f"Bearer {f.client_token(market.org, 'platform_client')}")
    response = client.post("/api/v1/marketplace/orders",
                           {"orders": [order("D9", ship_to_region="320602", goods_weight_kg="0.5")]},
                           content_type="application/json")
    assert response.status_code == 200 and response.json()["created"] == 1
    assert Order.objects.get(order_no="D9").ship_to_region == "320602"


def test_files_take_them_by_their_chinese_headers(market):
    row = order("D5")
    out = io.StringIO()
    writer = csv.writer(out)
    writer.writerow(["订单号", "网店编号", "买家标识", "订单金额", "订单状态", "下单时间", "发货时间", "交易成功时间",
                     "商品条码", "商品类目", "单价", "收货地区代码", "商品重量（千克）"])
    item = row["items"][0]
    writer.writerow([row["order_id"], row["shop_id"], row["buyer"], row["amount"], row["status"],
                     row["ordered_at"], row["shipped_at"], row["completed_at"], item["gtin"], item["category"],
                     item["price"], "320612", "3.5"])
    result = files.import_trades(out.getvalue().encode(), "orders.csv", "orders", market.principal)
    assert result.ok, result.errors
    saved = Order.objects.get(order_no="D5")
    assert (saved.ship_to_region, saved.goods_weight_kg) == ("320612", Decimal("3.500"))
