"""Receiving ratings from platforms, in both directions, with their appended reviews.

A rating is of one order (optionally one of its items, by GTIN) in one direction, unique per (order,
direction, GTIN), and is given within the rating window after the order was completed (marketplace.yaml:
rating_window). It is never edited: the same rating sent again is left alone, other content under the same
key is refused. An appended review may come with a later re-send or by itself (`reviews.append_review`),
once, within the appended window.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from ecredit import db
from ecredit.audit.services import ChainWriter
from ecredit.kit.errors import ValidationFailed

from ..models import Direction, Order, OrderItem, Rating, RatingValue, TradeBatch, TradeKind
from . import batches as b

MAX_TEXT = 500
DSR = ("description", "service", "delivery")
_COLUMNS = ("id", "order_id", "platform_id", "shop_id", "buyer", "direction", "gtin", "item_key", "value",
            "dsr_description", "dsr_service", "dsr_delivery", "text", "rated_at", "ordered_at",
            "appended_text", "appended_at", "content_hash", "batch_id", "created_at")
_APPEND = ("UPDATE marketplace_rating SET appended_text = %s, appended_at = %s"
           " WHERE id = %s AND appended_at IS NULL")


def labels() -> dict[str, str]:
    """How the fields of a rating are named in messages."""
    return {"order_id": _("订单号"), "direction": _("评价方向"), "value": _("评价"), "text": _("评价内容"),
            "rated_at": _("评价时间"), "appended_text": _("追加评价"), "appended_at": _("追加时间"),
            "description": _("描述相符"), "service": _("服务态度"), "delivery": _("物流服务")}


@dataclass
class _Rating:
    index: int
    order_no: str
    direction: str
    gtin: str
    value: str
    dsr: tuple[int | None, int | None, int | None]
    text: str
    rated_at: dt.datetime
    appended_text: str
    appended_at: dt.datetime | None
    content_hash: str

    @property
    def key(self) -> tuple[str, str, str]:
        return self.order_no, self.direction, self.gtin


def _dsr(raw: dict, direction: str, names: dict) -> tuple[int | None, int | None, int | None]:
    nested = raw.get("dsr") if isinstance(raw.get("dsr"), dict) else {}
    values = [nested.get(k, raw.get(f"dsr_{k}")) for k in DSR]
    given = [v not in (None, "") for v in values]
    if not any(given):
        return None, None, None
    if direction != Direction.BUYER_TO_SELLER:
        raise ValidationFailed(_("店铺动态评分只用于买家评价卖家"), field="dsr", code="dsr_not_allowed")
    if not all(given):
        missing = DSR[given.index(False)]
        raise ValidationFailed(_("店铺动态评分须同时给出描述相符、服务态度、物流服务三项"), field=f"dsr.{missing}",
                               code="required")
    out = []
    for key, value in zip(DSR, values):
        try:
            score = int(value)
            if score != float(value) or not 1 <= score <= 5:
                raise ValueError
        except (TypeError, ValueError):
            raise ValidationFailed(_("{field}应为1到5的整数").format(field=names[key]), field=f"dsr.{key}",
                                   code="bad_score") from None
        out.append(score)
    return out[0], out[1], out[2]


def _appended(raw: dict, now: dt.datetime, names: dict) -> tuple[str, dt.datetime | None]:
    nested = raw.get("appended") if isinstance(raw.get("appended"), dict) else None
    source = {"appended_text": nested.get("text"), "appended_at": nested.get("at")} if nested else raw
    text = b.text(source, "appended_text", names["appended_text"], MAX_TEXT, required=False)
    at = b.moment(source, "appended_at", names["appended_at"], now, required=bool(text))
    if at and not text:
        raise ValidationFailed(_("{field}为必填项").format(field=names["appended_text"]), field="appended_text",
                               code="required")
    return text, at


def _parse(index: int, raw: Any, platform, now: dt.datetime, names: dict) -> _Rating:
    if not isinstance(raw, dict):
        raise ValidationFailed(_("应为JSON对象"), code="not_an_object")
    b.own_platform(raw, platform)
    order_no = b.text(raw, "order_id", names["order_id"], 64, fold=True)
    direction = str(raw.get("direction") or Direction.BUYER_TO_SELLER).strip()
    if direction not in Direction.values:
        raise ValidationFailed(_("评价方向应为：{values}").format(values="、".join(Direction.values)),
                               field="direction", code="bad_direction")
    gtin = b.gtin(raw["gtin"]) if raw.get("gtin") not in (None, "") else ""
    value = str(raw.get("value") or "").strip()
    if value not in RatingValue.values:
        raise ValidationFailed(_("评价应为：{values}").format(values="、".join(RatingValue.values)), field="value",
                               code="bad_value")
    dsr = _dsr(raw, direction, names)
    text = b.text(raw, "text", names["text"], MAX_TEXT, required=False)
    rated_at = b.moment(raw, "rated_at", names["rated_at"], now)
    appended_text, appended_at = _appended(raw, now, names)
    if appended_at and appended_at < rated_at:
        raise ValidationFailed(_("追加时间早于评价时间"), field="appended_at", code="time_order")
    content = [order_no, direction, gtin, value, list(dsr), text, rated_at.isoformat()]
    return _Rating(index, order_no, direction, gtin, value, dsr, text, rated_at, appended_text, appended_at,
                   b.content_hash(content))


def submit_ratings(rows: list[Any], principal, *, channel: str = "api", client_batch_id: str | None = None,
                   atomic: bool = False, filename: str = "") -> TradeBatch:
    """Receive a batch of ratings (≤ 10,000) of the platform's own orders; a refused row is reported with its
    index, field and reason."""
    b.require_sender(principal)
    platform = b.platform_of(principal)

    def write(rows_: list, batch: TradeBatch, log: ChainWriter, outcome: b.Outcome) -> None:
        _write(rows_, batch, log, outcome, platform)

    return b.run_batch(TradeKind.RATINGS, rows, principal, channel=channel, client_batch_id=client_batch_id,
                       atomic=atomic, filename=filename, write=write, label="ratings")


def window_problem(order_completed: dt.datetime | None, at: dt.datetime,
                   window: str) -> ValidationFailed | None:
    """Why a rating (`rating_window`) or an appended review (`appended_window`) at `at` is out of time."""
    if order_completed is None:
        return ValidationFailed(_("订单尚未交易成功，不能评价"), field="order_id", code="order_not_completed")
    if at < order_completed - b.CLOCK_SKEW:
        return ValidationFailed(_("评价时间早于交易成功时间"), field="rated_at", code="before_completion")
    days = b.rule(window, timezone.localtime(order_completed).date()).days
    if at > order_completed + dt.timedelta(days=days):
        if window == "rating_window":
            return ValidationFailed(_("已超过交易成功后{n}天的评价期限").format(n=days), field="rated_at",
                                    code="rating_window_passed")
        return ValidationFailed(_("已超过交易成功后{n}天的追加评价期限").format(n=days), field="appended_at",
                                code="appended_window_passed")
    return None


def _write(rows: list, batch: TradeBatch, log: ChainWriter, outcome: b.Outcome, platform) -> None:
    now, names = timezone.now(), labels()
    outcome.ids = [None] * len(rows)
    parsed: dict[tuple, _Rating] = {}
    for index, raw in enumerate(rows):
        try:
            rating = _parse(index, raw, platform, now, names)
        except ValidationFailed as exc:
            outcome.refuse(index, b.row_id(raw, "order_id"), exc)
            continue
        if rating.key in parsed:
            outcome.refuse(index, rating.order_no, ValidationFailed(
                _("同一批次中重复评价同一订单（第{n}条）").format(n=parsed[rating.key].index + 1),
                field="order_id", code="duplicate_in_batch"))
            continue
        parsed[rating.key] = rating
    numbers = sorted({r.order_no for r in parsed.values()})
    orders: dict[str, tuple] = {}
    for start in range(0, len(numbers), 900):
        orders.update((row[1], row) for row in Order.objects.filter(
            platform=platform, order_no__in=numbers[start:start + 900]).values_list(
            "id", "order_no", "shop_id", "buyer", "completed_at", "ordered_at"))
    order_ids = [row[0] for row in orders.values()]
    gtins: dict[int, set[str]] = {}
    existing: dict[tuple, tuple] = {}
    for start in range(0, len(order_ids), 900):
        chunk = order_ids[start:start + 900]
        for order_id, code in OrderItem.objects.filter(order_id__in=chunk).values_list("order_id", "gtin"):
            gtins.setdefault(order_id, set()).add(code)
        for row in Rating.objects.filter(order_id__in=chunk).values_list(
                "id", "order_id", "direction", "gtin", "content_hash", "appended_text", "appended_at"):
            existing[(row[1], row[2], row[3])] = row
    adapt, at = connection.ops.adapt_datetimefield_value, log.at_db
    new, appends = [], []
    for rating in parsed.values():
        order = orders.get(rating.order_no)
        if order is None:
            outcome.refuse(rating.index, rating.order_no, ValidationFailed(
                _("未找到本平台的订单“{no}”：请先报送订单").format(no=rating.order_no), field="order_id",
                code="unknown_order"))
            continue
        order_id, _no, shop_id, buyer, completed_at, ordered_at = order
        known = existing.get((order_id, rating.direction, rating.gtin))
        if known:
            _known(rating, known, completed_at, outcome, appends)
            continue
        problem = window_problem(completed_at, rating.rated_at, "rating_window")
        if problem is None and rating.gtin and rating.gtin not in gtins.get(order_id, ()):
            problem = ValidationFailed(_("该商品条码不在订单中"), field="gtin", code="gtin_not_in_order")
        if problem is None and rating.appended_at:
            problem = window_problem(completed_at, rating.appended_at, "appended_window")
        if problem:
            outcome.refuse(rating.index, rating.order_no, problem)
            continue
        codes = gtins.get(order_id, set())
        item_key = rating.gtin or (next(iter(codes)) if len(codes) == 1 else f"order:{order_id}")
        new.append((rating, (order_id, platform.pk, shop_id, buyer, rating.direction, rating.gtin, item_key,
                             rating.value, *rating.dsr, rating.text, adapt(rating.rated_at),
                             adapt(ordered_at), rating.appended_text, adapt(rating.appended_at),
                             rating.content_hash, batch.pk, at)))
    ids = db.reserve_ids("marketplace_rating", len(new))
    for (rating, _row), pk in zip(new, ids):
        outcome.ids[rating.index] = pk
    db.insert_rows("marketplace_rating", _COLUMNS, [(pk, *row) for (_r, row), pk in zip(new, ids)])
    outcome.created = len(new)
    if appends:
        with connection.cursor() as cursor:
            cursor.executemany(_APPEND, [(text, adapt(at_), pk) for pk, text, at_ in appends])


def _known(rating: _Rating, known: tuple, completed_at, outcome: b.Outcome, appends: list) -> None:
    """A rating received before: unchanged, or its appended review added now, or a refused change."""
    pk, _order, _direction, _gtin, digest, appended_text, appended_at = known
    if digest != rating.content_hash:
        outcome.refuse(rating.index, rating.order_no, ValidationFailed(
            _("该评价已收到，内容不能更改（评价不得修改或删除）"), field="value", code="rating_changed"))
        return
    if not rating.appended_at or (appended_at and appended_text == rating.appended_text
                                  and appended_at == rating.appended_at):
        outcome.unchanged += 1
        outcome.ids[rating.index] = pk
        return
    if appended_at:
        outcome.refuse(rating.index, rating.order_no, ValidationFailed(
            _("该评价已有追加评价，只能追加一次"), field="appended_text", code="appended_once"))
        return
    problem = window_problem(completed_at, rating.appended_at, "appended_window")
    if problem:
        outcome.refuse(rating.index, rating.order_no, problem)
        return
    appends.append((pk, rating.appended_text, rating.appended_at))
    outcome.updated += 1
    outcome.ids[rating.index] = pk
