"""API shapes of the marketplace."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Schema

_BATCH = {
    "batch_id": {"type": "string", "maxLength": 100,
                 "description": "Your own id of this batch; the same id with the same rows again returns the "
                                "first answer (replayed: true), with other rows 409 batch_id_reused"},
    "atomic": {"type": "boolean", "default": False,
               "description": "true: one refused row refuses the whole batch; false: good rows go in and "
                              "each refused one is reported"},
}
_TIME = {"type": "string", "format": "date-time", "description": "ISO 8601; without an offset: Beijing time"}

# Request bodies, documented for OpenAPI; the endpoints parse them with orjson and validate row by row, so
# that one bad row is a row error and not a refused request.
ORDERS_BODY_SCHEMA = {
    "type": "object", "required": ["orders"],
    "properties": {**_BATCH, "orders": {"type": "array", "maxItems": 10000, "items": {
        "type": "object",
        "required": ["order_id", "shop_id", "buyer", "amount", "status", "ordered_at", "items"],
        "properties": {
            "order_id": {"type": "string", "maxLength": 64, "description": "Your own order id"},
            "platform_uscc": {"type": "string", "description": "Optional; must be your platform's"},
            "shop_id": {"type": "string", "maxLength": 64,
                        "description": "Your shop id (unknown ones are created unverified)"},
            "shop_name": {"type": "string", "maxLength": 200},
            "buyer": {"type": "string", "maxLength": 64,
                      "description": "Your pseudonym of the buyer; never a phone number or an ID number"},
            "amount": {"type": "string", "description": "Yuan, e.g. \"199.00\""},
            "status": {"type": "string", "enum": ["paid", "shipped", "completed", "refunded", "cancelled"]},
            "ordered_at": _TIME, "paid_at": _TIME, "shipped_at": _TIME, "completed_at": _TIME,
            "refunded_at": _TIME, "cancelled_at": _TIME,
            "payment_channel": {"type": "string", "maxLength": 40},
            "waybill": {"type": "string", "maxLength": 40},
            "ship_to_region": {"type": "string", "pattern": "^[1-9][0-9]{5}$",
                               "description": "6-digit region code of the delivery address (GB/T 2260); never "
                                              "the address itself"},
            "goods_weight_kg": {"type": "string",
                                "description": "Total weight of the goods in kg, e.g. \"1.250\" (compared with "
                                               "the waybill's weight)"},
            "items": {"type": "array", "minItems": 1, "maxItems": 200, "items": {
                "type": "object", "required": ["gtin", "category", "price"],
                "properties": {"gtin": {"type": "string",
                                        "description": "GTIN-8/12/13/14, check digit valid"},
                               "category": {"type": "string", "description": "marketplace.yaml categories"},
                               "quantity": {"type": "integer", "minimum": 1, "default": 1},
                               "price": {"type": "string", "description": "Unit price in yuan"}}}},
        }}}},
}
RATINGS_BODY_SCHEMA = {
    "type": "object", "required": ["ratings"],
    "properties": {**_BATCH, "ratings": {"type": "array", "maxItems": 10000, "items": {
        "type": "object", "required": ["order_id", "value", "rated_at"],
        "properties": {
            "order_id": {"type": "string", "maxLength": 64, "description": "Your order id (sent before)"},
            "platform_uscc": {"type": "string"},
            "direction": {"type": "string", "enum": ["buyer_to_seller", "seller_to_buyer"],
                          "default": "buyer_to_seller"},
            "gtin": {"type": "string", "description": "Optional: the item of the order rated"},
            "value": {"type": "string", "enum": ["good", "neutral", "bad"]},
            "dsr": {"type": "object", "description": "Buyer to seller only: all three or none",
                    "properties": {k: {"type": "integer", "minimum": 1, "maximum": 5}
                                   for k in ("description", "service", "delivery")}},
            "text": {"type": "string", "maxLength": 500},
            "rated_at": _TIME,
            "appended": {"type": "object", "properties": {"text": {"type": "string", "maxLength": 500},
                                                          "at": _TIME}},
        }}}},
}


class RowErrorOut(Schema):
    index: int
    row: int | None = None      # the sheet row, for batches that came from a file
    id: str
    field: str
    code: str
    message: str


class TradeBatchOut(Schema):
    batch: int
    client_batch_id: str | None
    kind: str
    status: str
    received: int
    created: int
    updated: int
    unchanged: int
    rejected: int
    atomic: bool
    errors: list[RowErrorOut]
    ids: list[int | None]
    submitted_at: dt.datetime
    replayed: bool = False


class AppendedIn(Schema):
    text: str
    appended_at: dt.datetime | None = None


class ShieldIn(Schema):
    ground: str
    note: str = ""


class RatingOut(Schema):
    id: int
    direction: str
    value: str
    rated_at: dt.datetime
    dsr: list[int | None]
    text: str
    appended_text: str
    appended_at: dt.datetime | None
    shielded: bool
    shield_ground: str


class ShieldOut(Schema):
    rating: int
    ground: str
    reference: str
    shielded_at: dt.datetime
    log_seq: int


class ReputationOut(Schema):
    shop: int
    name: str
    as_of: dt.date
    figures: dict[str, Any]
    policy_version: str
