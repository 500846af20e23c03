"""Receiving waybills from courier firms: validated row by row, written with one executemany per table.

A waybill is unique per (carrier, waybill number). Sent again with the same content it is left alone; with new
content (a scanned weight, a corrected address) it is updated, its consignee sealed again and its orders
replaced. A waybill first seen in a scan batch (a bare one) is filled in when its waybill row arrives.

The order a waybill carries is named by the platform's USCC and the platform's order number (`platform_uscc`
+ `order_no`, or `orders`: a list of them); the shop by the platform's shop id, linked to the registry when the
platform has reported it (left empty otherwise: a carrier does not register shops).
"""

from __future__ import annotations

import datetime as dt
import re
from dataclasses import dataclass
from functools import lru_cache
from decimal import Decimal
from typing import Any

from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ecredit import db
from ecredit.audit.services import ChainWriter
from ecredit.kit.errors import ValidationFailed
from ecredit.registry.models import Subject, SubjectKind
from ecredit.registry.services import validated_uscc

from ..models import ParcelBatch, ParcelChannel, ParcelKind, Waybill, WaybillOrder
from . import common as c

MAX_ORDERS = 20
_WAYBILL_NO = re.compile(r"^[A-Za-z0-9][A-Za-z0-9\-]{3,39}$")
_COLUMNS = ("id", "carrier_id", "organisation_id", "waybill_no", "platform_uscc", "order_no", "shop_id",
            "origin_region", "destination_region", "declared_weight_kg", "scanned_weight_kg", "created_at",
            "consignee_cipher", "consignee_name_masked", "consignee_phone_masked", "consignee_address_masked",
            "phone_tail_digest", "content_hash", "batch_id", "received_at", "state", "state_at", "accepted_at",
            "accepted_region", "signed_at", "signed_region", "returned_at", "scans_count")
_UPDATE = ("UPDATE logistics_waybill SET platform_uscc = %s, order_no = %s, shop_id = %s, origin_region = %s,"
           " destination_region = %s, declared_weight_kg = %s, scanned_weight_kg = %s, created_at = %s,"
           " consignee_cipher = %s, consignee_name_masked = %s, consignee_phone_masked = %s,"
           " consignee_address_masked = %s, phone_tail_digest = %s, content_hash = %s, batch_id = %s"
           " WHERE id = %s")


def labels() -> dict[str, str]:
    """How the fields of a waybill are named in messages."""
    return {"waybill_no": _("运单号"), "created_at": _("运单生成时间"), "platform_uscc": _("平台统一社会信用代码"),
            "order_no": _("平台订单号"), "shop_id": _("网店编号"), "origin": _("始发地区编码"),
            "destination": _("目的地区编码"), "weight_kg": _("申报重量"), "scanned_weight_kg": _("称重"),
            "consignee_name": _("收件人"), "consignee_phone": _("收件人电话"), "consignee_address": _("收件地址")}


WAYBILL_NO = gettext_lazy("运单号")       # labels are rendered only for a refused row
ORDER_NO = gettext_lazy("平台订单号")


def waybill_no(raw: dict, key: str = "waybill_no") -> str:
    """A waybill number: 4 to 40 letters, digits and hyphens (full-width folded, letters upper-cased)."""
    value = c.text(raw, key, WAYBILL_NO, 60, required=True, fold=True).upper().replace(" ", "")
    if not _WAYBILL_NO.match(value):
        raise ValidationFailed(_("运单号应为4到40位字母、数字或连字符"), field=key, code="bad_waybill_no")
    return value


@dataclass
class _Waybill:
    index: int
    waybill_no: str
    created_at: dt.datetime
    orders: list[tuple[str, str]]
    shop_id: str
    origin: str
    destination: str
    weight: Decimal | None
    scanned: Decimal | None
    consignee: tuple[str, str, str]
    content_hash: str


def _orders(raw: dict) -> list[tuple[str, str]]:
    """The orders a row names: `platform_uscc` + `order_no`, and/or `orders` (a list of such pairs)."""
    pairs: list[tuple[str, str]] = []
    given = [(raw, "")] + [(o, f"orders.{i}.") for i, o in enumerate(raw.get("orders") or [])]
    if raw.get("orders") is not None and not isinstance(raw.get("orders"), list):
        raise ValidationFailed(_("orders 应为列表"), field="orders", code="not_a_list")
    if len(given) > MAX_ORDERS + 1:
        raise ValidationFailed(_("一个运单最多对应{n}个订单").format(n=MAX_ORDERS), field="orders", code="too_many")
    for item, prefix in given:
        if not isinstance(item, dict):
            raise ValidationFailed(_("订单应为JSON对象"), field=prefix.rstrip("."), code="not_an_object")
        uscc, number = item.get("platform_uscc"), c.text(item, "order_no", ORDER_NO, 64, fold=True)
        if not number and not uscc:
            continue
        if not number:
            raise ValidationFailed(_("填写了平台须同时填写平台订单号"), field=prefix + "order_no", code="required")
        if not uscc:
            raise ValidationFailed(_("填写了订单号须同时填写平台统一社会信用代码"), field=prefix + "platform_uscc",
                                   code="required")
        pair = (_platform(str(uscc), prefix + "platform_uscc"), number)
        if pair not in pairs:
            pairs.append(pair)
    return pairs


@lru_cache(maxsize=256)
def _valid_platform(code: str) -> str:
    return validated_uscc(code, "platform_uscc")


def _platform(code: str, key: str) -> str:
    """A platform's USCC, canonical (a few platforms send most waybills: checked once each)."""
    try:
        return _valid_platform(code)
    except ValidationFailed as exc:
        exc.field = key
        raise


def _parse(index: int, raw: Any, now: dt.datetime, names: dict) -> _Waybill:
    if not isinstance(raw, dict):
        raise ValidationFailed(_("应为JSON对象"), code="not_an_object")
    number = waybill_no(raw)
    created = c.moment(raw, "created_at", names["created_at"], now)
    orders = _orders(raw)
    shop_id = c.text(raw, "shop_id", names["shop_id"], 64, fold=True)
    if shop_id and not orders:
        raise ValidationFailed(_("填写网店编号须同时填写平台和订单号"), field="platform_uscc", code="required")
    origin = c.region(raw, "origin", names["origin"])
    destination = c.region(raw, "destination", names["destination"])
    weight = c.weight(raw, "weight_kg", names["weight_kg"])
    scanned = c.weight(raw, "scanned_weight_kg", names["scanned_weight_kg"])
    person = raw.get("consignee") if isinstance(raw.get("consignee"), dict) else {
        "name": raw.get("consignee_name"), "phone": raw.get("consignee_phone"),
        "address": raw.get("consignee_address")}
    name = c.text(person, "name", names["consignee_name"], 60)
    phone = c.text(person, "phone", names["consignee_phone"], 20)
    if phone and not 7 <= len(c.phone_digits(phone)) <= 12:
        raise ValidationFailed(_("收件人电话应为7到12位数字"), field="consignee_phone", code="bad_phone")
    address = c.text(person, "address", names["consignee_address"], 300)
    content = [number, created.isoformat(), orders, shop_id, origin, destination, str(weight), str(scanned),
               name, phone, address]
    return _Waybill(index, number, created, orders, shop_id, origin, destination, weight, scanned,
                    (name, phone, address), c.digest(content))


def submit_waybills(rows: list[Any], principal, *, channel: str = ParcelChannel.API,
                    client_batch_id: str | None = None, atomic: bool = False, filename: str = "") -> ParcelBatch:
    """Receive a batch of waybills from a courier firm (≤ 10,000): row by row by default, all or nothing with
    `atomic`; a re-sent batch id with the same rows returns the first answer."""
    c.require_reporter(principal)
    carrier = c.carrier_of(principal)

    def write(rows_: list, batch: ParcelBatch, log: ChainWriter, outcome: c.Outcome) -> None:
        _write(rows_, batch, log, outcome, principal, carrier)

    return c.run_batch(ParcelKind.WAYBILLS, rows, principal, carrier, vocabulary="", channel=channel,
                       client_batch_id=client_batch_id, atomic=atomic, filename=filename, write=write)


def _write(rows: list, batch: ParcelBatch, log: ChainWriter, outcome: c.Outcome, principal, carrier) -> None:
    now, names = timezone.now(), labels()
    outcome.ids = [None] * len(rows)
    parsed: dict[str, _Waybill] = {}
    for index, raw in enumerate(rows):
        try:
            item = _parse(index, raw, now, names)
        except ValidationFailed as exc:
            outcome.refuse(index, c.row_id(raw), exc)
            continue
        if item.waybill_no in parsed:
            outcome.refuse(index, item.waybill_no, ValidationFailed(
                _("同一批次中运单号重复（第{n}条已使用）").format(n=parsed[item.waybill_no].index + 1),
                field="waybill_no", code="duplicate_in_batch"))
            continue
        parsed[item.waybill_no] = item
    shops = _shops(parsed.values())
    existing: dict[str, tuple[int, str]] = {}
    numbers = list(parsed)
    for start in range(0, len(numbers), 900):
        existing.update((no, (pk, digest_)) for pk, no, digest_ in Waybill.objects.filter(
            carrier=carrier, waybill_no__in=numbers[start:start + 900]).values_list("id", "waybill_no",
                                                                                   "content_hash"))
    adapt = c.time_writer()
    masks = c.consignee_masks()
    new, updates = [], []
    for item in parsed.values():
        known = existing.get(item.waybill_no)
        if known and known[1] == item.content_hash:
            outcome.unchanged += 1
            outcome.ids[item.index] = known[0]
            continue
        (updates if known else new).append(item)
    ids = db.reserve_ids("logistics_waybill", len(new))
    rows_out, links = [], []
    for item, pk in zip(new, ids):
        sealed = c.seal_consignee(carrier.pk, item.waybill_no, *item.consignee, masks=masks)
        first = item.orders[0] if item.orders else ("", "")
        rows_out.append((pk, carrier.pk, principal.organisation_id, item.waybill_no, first[0], first[1],
                         shops.get((first[0], item.shop_id)), item.origin, item.destination, item.weight,
                         item.scanned, adapt(item.created_at), sealed.cipher, sealed.name_masked,
                         sealed.phone_masked, sealed.address_masked, sealed.tail_digest, item.content_hash,
                         batch.pk, log.at_db, "created", None, None, "", None, "", None, 0))
        links.extend((pk, uscc, no) for uscc, no in item.orders)
        outcome.ids[item.index] = pk
    db.insert_rows("logistics_waybill", _COLUMNS, rows_out)
    outcome.created = len(rows_out)
    if updates:
        values = []
        for item in updates:
            pk = existing[item.waybill_no][0]
            sealed = c.seal_consignee(carrier.pk, item.waybill_no, *item.consignee, masks=masks)
            first = item.orders[0] if item.orders else ("", "")
            values.append((first[0], first[1], shops.get((first[0], item.shop_id)), item.origin, item.destination,
                           item.weight, item.scanned, adapt(item.created_at), sealed.cipher, sealed.name_masked,
                           sealed.phone_masked, sealed.address_masked, sealed.tail_digest, item.content_hash,
                           batch.pk, pk))
            links.extend((pk, uscc, no) for uscc, no in item.orders)
            outcome.ids[item.index] = pk
        with connection.cursor() as cursor:
            cursor.executemany(_UPDATE, values)
        changed = [v[-1] for v in values]
        for start in range(0, len(changed), 900):
            WaybillOrder.objects.filter(waybill_id__in=changed[start:start + 900]).delete()
        outcome.updated = len(updates)
    link_ids = db.reserve_ids("logistics_waybillorder", len(links))
    db.insert_rows("logistics_waybillorder", ("id", "waybill_id", "platform_uscc", "order_no"),
                   [(pk, *link) for pk, link in zip(link_ids, links)])


def _shops(items) -> dict[tuple[str, str], int]:
    """(platform USCC, shop id) -> the registered shop, for the shops rows name (unknown ones are left out)."""
    wanted: dict[str, set[str]] = {}
    for item in items:
        if item.shop_id and item.orders:
            wanted.setdefault(item.orders[0][0], set()).add(item.shop_id)
    found: dict[tuple[str, str], int] = {}
    for uscc, shop_ids in wanted.items():
        ids = sorted(shop_ids)
        for start in range(0, len(ids), 900):
            found.update(((uscc, s), pk) for pk, s in Subject.objects.filter(
                kind=SubjectKind.SHOP, platform__uscc=uscc, shop_id__in=ids[start:start + 900]
            ).values_list("id", "shop_id"))
    return found
