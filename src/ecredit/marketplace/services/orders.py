"""Receiving orders from platforms: validated row by row, written with one executemany per table.

An order is unique per (platform, the platform's order id). Sent again with the same content it is left
alone; with new content (shipped, completed, refunded later) it is updated, its items replaced. Its
parties (shop and buyer) never change, and its status only moves forward. A shop id the platform has not
reported yet is created as an unverified shop of that platform (as the archive does for records), so it
appears on the regulators' list of shops needing attention.
"""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from ecredit import db
from ecredit.audit.services import ChainWriter
from ecredit.kit.errors import ValidationFailed
from ecredit.registry import services as registry
from ecredit.registry.models import SubjectKind

from ..models import Order, OrderItem, OrderStatus, TradeBatch, TradeKind
from . import batches as b

MAX_ITEMS = 200
RANK = {OrderStatus.PAID: 1, OrderStatus.SHIPPED: 2, OrderStatus.COMPLETED: 3, OrderStatus.REFUNDED: 4,
        OrderStatus.CANCELLED: 4}
FINAL = (OrderStatus.REFUNDED, OrderStatus.CANCELLED)
TIMES = ("ordered_at", "paid_at", "shipped_at", "completed_at", "refunded_at", "cancelled_at")
# The time an order must carry for its status.
STATUS_TIME = {OrderStatus.SHIPPED: "shipped_at", OrderStatus.COMPLETED: "completed_at",
               OrderStatus.REFUNDED: "refunded_at", OrderStatus.CANCELLED: "cancelled_at"}
_ORDER_COLUMNS = ("id", "platform_id", "order_no", "shop_id", "buyer", "amount", "status", *TIMES,
                  "payment_channel", "waybill", "ship_to_region", "goods_weight_kg", "content_hash", "batch_id",
                  "created_at", "updated_at")
_ITEM_COLUMNS = ("id", "order_id", "gtin", "category", "quantity", "price")
_UPDATE = ("UPDATE marketplace_order SET amount = %s, status = %s, ordered_at = %s, paid_at = %s,"
           " shipped_at = %s, completed_at = %s, refunded_at = %s, cancelled_at = %s, payment_channel = %s,"
           " waybill = %s, ship_to_region = %s, goods_weight_kg = %s, content_hash = %s, batch_id = %s,"
           " updated_at = %s WHERE id = %s")
_REGION = re.compile(r"^[1-9][0-9]{5}$")
MAX_WEIGHT_KG = Decimal("1000000")


def labels() -> dict[str, str]:
    """How the fields of an order are named in messages."""
    return {"order_id": _("订单号"), "shop_id": _("网店编号"), "shop_name": _("网店名称"), "amount": _("订单金额"),
            "status": _("订单状态"), "ordered_at": _("下单时间"), "paid_at": _("付款时间"),
            "shipped_at": _("发货时间"), "completed_at": _("交易成功时间"), "refunded_at": _("退款时间"),
            "cancelled_at": _("取消时间"), "payment_channel": _("支付渠道"), "waybill": _("运单号"),
            "ship_to_region": _("收货地区代码"), "goods_weight_kg": _("商品重量"),
            "quantity": _("数量"), "price": _("单价"), "category": _("商品类目")}


@dataclass
class _Order:
    index: int
    order_no: str
    shop_id: str
    shop_name: str
    buyer: str
    amount: Decimal
    status: str
    times: dict[str, dt.datetime | None]
    payment_channel: str
    waybill: str
    ship_to_region: str
    goods_weight_kg: Decimal | None
    items: list[tuple[str, str, int, Decimal]]
    content_hash: str


def _parse(index: int, raw: Any, platform, now: dt.datetime, categories: dict, names: dict) -> _Order:
    if not isinstance(raw, dict):
        raise ValidationFailed(_("应为JSON对象"), code="not_an_object")
    b.own_platform(raw, platform)
    order_no = b.text(raw, "order_id", names["order_id"], 64, fold=True)
    shop_id = b.text(raw, "shop_id", names["shop_id"], 64, fold=True)
    shop_name = b.text(raw, "shop_name", names["shop_name"], 200, required=False)
    buyer = b.buyer(raw.get("buyer"))
    amount = b.money(raw, "amount", names["amount"])
    status = b.text(raw, "status", names["status"], 16, fold=True)
    if status not in RANK:
        raise ValidationFailed(_("订单状态应为：{values}").format(values="、".join(RANK)), field="status",
                               code="bad_status")
    times = {key: b.moment(raw, key, names[key], now, required=key == "ordered_at") for key in TIMES}
    needed = STATUS_TIME.get(status)
    if needed and times[needed] is None:
        raise ValidationFailed(_("状态为“{status}”的订单须填写{field}").format(
            status=OrderStatus(status).label, field=names[needed]), field=needed, code="required")
    chain = [key for key in ("ordered_at", "paid_at", "shipped_at", "completed_at") if times[key]]
    for earlier, later in zip(chain, chain[1:]):
        if times[later] < times[earlier]:
            raise ValidationFailed(_("{later}早于{earlier}").format(later=names[later], earlier=names[earlier]),
                                   field=later, code="time_order")
    for key in ("refunded_at", "cancelled_at"):
        if times[key] and times[key] < times["ordered_at"]:
            raise ValidationFailed(_("{later}早于{earlier}").format(later=names[key],
                                                                  earlier=names["ordered_at"]),
                                   field=key, code="time_order")
    payment_channel = b.text(raw, "payment_channel", names["payment_channel"], 40, required=False, fold=True)
    waybill = b.text(raw, "waybill", names["waybill"], 40, required=False, fold=True)
    ship_to_region = _region(raw, names)
    goods_weight = _weight(raw, names)
    items = _items(raw.get("items"), categories, names)
    content = [order_no, shop_id, buyer, str(amount), status,
               *[t.isoformat() if t else None for t in times.values()], payment_channel, waybill,
               [[g, c, q, str(p)] for g, c, q, p in items]]
    if ship_to_region or goods_weight is not None:
        # Only when given: an order sent before these fields existed keeps its content hash.
        content.append([ship_to_region, None if goods_weight is None else str(goods_weight)])
    return _Order(index, order_no, shop_id, shop_name, buyer, amount, status, times, payment_channel, waybill,
                  ship_to_region, goods_weight, items, b.content_hash(content))


def _region(raw: dict, names: dict) -> str:
    """The delivery address's 6-digit region code (GB/T 2260), or "" when not given."""
    value = b.text(raw, "ship_to_region", names["ship_to_region"], 6, required=False, fold=True)
    if value and not _REGION.match(value):
        raise ValidationFailed(_("{field}应为6位行政区划代码").format(field=names["ship_to_region"]),
                               field="ship_to_region", code="bad_region")
    return value


def _weight(raw: dict, names: dict) -> Decimal | None:
    """The goods' total weight in kg (at most 3 decimals), or None when not given."""
    value = raw.get("goods_weight_kg")
    if value in (None, ""):
        return None
    try:
        weight = Decimal(unicodedata.normalize("NFKC", str(value)).strip())
    except InvalidOperation:
        weight = None
    if weight is None or not weight.is_finite() or weight < 0 or weight >= MAX_WEIGHT_KG \
            or weight != weight.quantize(Decimal("0.001")):
        raise ValidationFailed(_("{field}应为不小于0、最多三位小数的千克数").format(field=names["goods_weight_kg"]),
                               field="goods_weight_kg", code="bad_weight")
    return weight.quantize(Decimal("0.001"))


def _items(raw: Any, categories: dict, names: dict) -> list[tuple[str, str, int, Decimal]]:
    if not isinstance(raw, list) or not raw:
        raise ValidationFailed(_("订单须至少包含一件商品"), field="items", code="required")
    if len(raw) > MAX_ITEMS:
        raise ValidationFailed(_("每个订单最多{n}件商品").format(n=MAX_ITEMS), field="items", code="too_many")
    out = []
    for position, item in enumerate(raw):
        where = f"items.{position}"
        if not isinstance(item, dict):
            raise ValidationFailed(_("商品应为JSON对象"), field=where, code="not_an_object")
        code = b.gtin(item.get("gtin"), f"{where}.gtin")
        category = str(item.get("category") or "").strip()
        if category not in categories:
            raise ValidationFailed(_("商品类目应为：{values}").format(values="、".join(categories)),
                                   field=f"{where}.category", code="bad_category")
        quantity = item.get("quantity", 1)
        try:
            quantity_ = int(quantity)
            if quantity_ != float(quantity) or not 1 <= quantity_ <= 100_000:
                raise ValueError
        except (TypeError, ValueError):
            raise ValidationFailed(_("{field}应为1到100000的整数").format(field=names["quantity"]),
                                   field=f"{where}.quantity", code="bad_quantity") from None
        try:
            price = b.money(item, "price", names["price"])
        except ValidationFailed as exc:
            exc.field = f"{where}.price"
            raise
        out.append((code, category, quantity_, price))
    return out


def submit_orders(rows: list[Any], principal, *, channel: str = "api", client_batch_id: str | None = None,
                  atomic: bool = False, filename: str = "") -> TradeBatch:
    """Receive a batch of orders from a platform (≤ 10,000): row by row by default, all or nothing with
    `atomic`; a re-sent batch id with the same rows returns the first answer."""
    b.require_sender(principal)
    platform = b.platform_of(principal)

    def write(rows_: list, batch: TradeBatch, log: ChainWriter, outcome: b.Outcome) -> None:
        _write(rows_, batch, log, outcome, principal, platform)

    return b.run_batch(TradeKind.ORDERS, rows, principal, channel=channel, client_batch_id=client_batch_id,
                       atomic=atomic, filename=filename, write=write, label="orders")


def _write(rows: list, batch: TradeBatch, log: ChainWriter, outcome: b.Outcome, principal, platform) -> None:
    now, names = timezone.now(), labels()
    categories = b.rule("categories").codes
    outcome.ids = [None] * len(rows)
    parsed: dict[str, _Order] = {}
    for index, raw in enumerate(rows):
        try:
            order = _parse(index, raw, platform, now, categories, names)
        except ValidationFailed as exc:
            outcome.refuse(index, b.row_id(raw, "order_id"), exc)
            continue
        if order.order_no in parsed:
            outcome.refuse(index, order.order_no, ValidationFailed(
                _("同一批次中订单号重复（第{n}条已使用）").format(n=parsed[order.order_no].index + 1),
                field="order_id", code="duplicate_in_batch"))
            continue
        parsed[order.order_no] = order
    refs = {o.shop_id: registry.SubjectRef(SubjectKind.SHOP, o.shop_id, o.shop_name, platform.uscc)
            for o in parsed.values()}
    shops = registry.resolve(set(refs.values()), principal.actor, log)
    existing: dict[str, tuple] = {}
    numbers = list(parsed)
    for start in range(0, len(numbers), 900):
        existing.update((row[1], row) for row in Order.objects.filter(
            platform=platform, order_no__in=numbers[start:start + 900]).values_list(
            "id", "order_no", "content_hash", "status", "shop_id", "buyer"))
    adapt = connection.ops.adapt_datetimefield_value
    at = log.at_db
    new, updates = [], []
    for order in parsed.values():
        shop_id = shops[refs[order.shop_id].lookup]
        if isinstance(shop_id, ValidationFailed):
            outcome.refuse(order.index, order.order_no, shop_id)
            continue
        known = existing.get(order.order_no)
        if known and known[2] == order.content_hash:
            outcome.unchanged += 1
            outcome.ids[order.index] = known[0]
            continue
        if known:
            problem = _change_problem(known, order, shop_id)
            if problem:
                outcome.refuse(order.index, order.order_no, problem)
                continue
            updates.append((known[0], order))
            continue
        new.append((order, shop_id))
    ids = db.reserve_ids("marketplace_order", len(new))
    rows_out, items_out = [], []
    for (order, shop_id), pk in zip(new, ids):
        rows_out.append((pk, platform.pk, order.order_no, shop_id, order.buyer, order.amount, order.status,
                         *[adapt(order.times[k]) for k in TIMES], order.payment_channel, order.waybill,
                         order.ship_to_region, order.goods_weight_kg, order.content_hash, batch.pk, at, at))
        outcome.ids[order.index] = pk
        items_out.extend((pk, *item) for item in order.items)
    db.insert_rows("marketplace_order", _ORDER_COLUMNS, rows_out)
    outcome.created = len(rows_out)
    if updates:
        with connection.cursor() as cursor:
            cursor.executemany(_UPDATE, [(o.amount, o.status, *[adapt(o.times[k]) for k in TIMES],
                                          o.payment_channel, o.waybill, o.ship_to_region, o.goods_weight_kg,
                                          o.content_hash, batch.pk, at, pk)
                                         for pk, o in updates])
        changed = [pk for pk, _o in updates]
        for start in range(0, len(changed), 900):
            OrderItem.objects.filter(order_id__in=changed[start:start + 900]).delete()
        for pk, order in updates:
            items_out.extend((pk, *item) for item in order.items)
            outcome.ids[order.index] = pk
        outcome.updated = len(updates)
    item_ids = db.reserve_ids("marketplace_orderitem", len(items_out))
    db.insert_rows("marketplace_orderitem", _ITEM_COLUMNS,
                   [(pk, *row) for pk, row in zip(item_ids, items_out)])


def _change_problem(known: tuple, order: _Order, shop_id) -> ValidationFailed | None:
    """Why a re-sent order may not replace the one received (None: it may)."""
    _pk, _no, _hash, status, known_shop, known_buyer = known
    if known_shop != shop_id or known_buyer != order.buyer:
        return ValidationFailed(_("订单的网店或买家不能更改"), field="shop_id" if known_shop != shop_id else "buyer",
                                code="parties_changed")
    if (status in FINAL and order.status != status) or RANK[order.status] < RANK[status]:
        return ValidationFailed(_("订单状态不能从“{old}”改回“{new}”").format(
            old=OrderStatus(status).label, new=OrderStatus(order.status).label), field="status",
            code="status_regression")
    return None
