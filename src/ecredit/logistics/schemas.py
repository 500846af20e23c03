"""API shapes of logistics."""

from __future__ import annotations

import datetime as dt

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
_REGION = {"type": "string", "pattern": "^[0-9]{6}$", "description": "6-digit region code (GB/T 2260)"}
_ORDER = {"type": "object", "required": ["platform_uscc", "order_no"],
          "properties": {"platform_uscc": {"type": "string", "description": "The platform's USCC"},
                         "order_no": {"type": "string", "maxLength": 64, "description": "The platform's order no"}}}

# Request bodies, documented for OpenAPI; the endpoints parse them with orjson and validate row by row, so that
# one bad row is a row error and not a refused request.
WAYBILLS_BODY_SCHEMA = {
    "type": "object", "required": ["waybills"],
    "properties": {**_BATCH, "waybills": {"type": "array", "maxItems": 10000, "items": {
        "type": "object", "required": ["waybill_no", "created_at"],
        "properties": {
            "waybill_no": {"type": "string", "maxLength": 40, "description": "Your waybill number"},
            "created_at": _TIME,
            "platform_uscc": {"type": "string", "description": "The platform of the order the parcel carries"},
            "order_no": {"type": "string", "maxLength": 64, "description": "The platform's order number"},
            "orders": {"type": "array", "maxItems": 20, "items": _ORDER,
                       "description": "Further orders this waybill was issued for"},
            "shop_id": {"type": "string", "maxLength": 64, "description": "The platform's shop id of the sender"},
            "origin": _REGION, "destination": _REGION,
            "weight_kg": {"type": "string", "description": "Declared weight, kilograms"},
            "scanned_weight_kg": {"type": "string", "description": "Weight as scanned, kilograms"},
            "consignee": {"type": "object", "description": "Kept encrypted, shown masked",
                          "properties": {"name": {"type": "string", "maxLength": 60},
                                         "phone": {"type": "string", "maxLength": 20},
                                         "address": {"type": "string", "maxLength": 300}}},
        }}}},
}
SCANS_BODY_SCHEMA = {
    "type": "object", "required": ["scans"],
    "properties": {**_BATCH,
                   "vocabulary": {"type": "string", "default": "ecredit",
                                  "description": "The code system of `state`: ecredit (accepted, in_transit, "
                                                 "arrived, departed, out_for_delivery, signed, refused, returned, "
                                                 "problem), aggregator (0 在途 … 14 拒签) or carrier_action (ACCEPT "
                                                 "… REJECTION); see /api/v1/parcels/vocabularies"},
                   "scans": {"type": "array", "maxItems": 10000, "items": {
                       "type": "object", "required": ["waybill_no", "time", "state"],
                       "properties": {
                           "waybill_no": {"type": "string", "maxLength": 40},
                           "time": _TIME,
                           "state": {"type": "string", "description": "A code of the batch's vocabulary"},
                           "station": {"type": "string", "maxLength": 100},
                           "station_type": {"type": "string",
                                            "description": "hub, transit_centre, outlet, agent or locker; "
                                                           "guessed from the station's name when left out"},
                           "region": _REGION,
                           "region_name": {"type": "string", "maxLength": 60},
                           "next_station": {"type": "string", "maxLength": 100},
                           "courier_name": {"type": "string", "description": "Kept masked only"},
                           "courier_phone": {"type": "string", "description": "Kept masked only"},
                           "text": {"type": "string", "maxLength": 300,
                                    "description": "Phone numbers and ID numbers in it are masked"},
                       }}}},
}


class ParcelRowErrorOut(Schema):
    index: int
    row: int | None = None      # the sheet row, for batches that came from a file
    id: str
    field: str
    code: str
    message: str


class ParcelBatchOut(Schema):
    batch: int
    client_batch_id: str | None
    kind: str
    vocabulary: str
    status: str
    received: int
    created: int
    updated: int
    unchanged: int
    rejected: int
    atomic: bool
    errors: list[ParcelRowErrorOut]
    ids: list[int | None]
    submitted_at: dt.datetime
    replayed: bool = False


class ParcelFileOut(Schema):
    received: int
    created: int
    updated: int
    unchanged: int
    rejected: int
    blocked: bool
    batches: list[int]
    errors: list[ParcelRowErrorOut]


class ParcelScanOut(Schema):
    at: dt.datetime
    state: str
    state_label: str
    station: str
    station_type: str
    station_type_label: str
    hub: bool
    region: str
    region_name: str
    next_station: str
    courier_name: str
    courier_phone: str
    text: str


class ParcelTrackingOut(Schema):
    waybill_no: str
    carrier_id: int
    carrier: str
    state: str
    state_label: str
    state_at: dt.datetime | None
    origin: str
    destination: str
    accepted_at: dt.datetime | None
    signed_at: dt.datetime | None
    scans: list[ParcelScanOut]


class ParcelProofIn(Schema):
    phone_tail: str
    carrier_id: int | None = None


class ParcelFeedbackOut(Schema):
    satisfaction: int
    tags: list[str]
    tag_labels: list[str]
    text: str
    complaint: bool
    given_at: dt.datetime


class ParcelConsigneeOut(Schema):
    name: str
    phone: str
    address: str
    feedback: ParcelFeedbackOut | None
    can_give_feedback: bool
    tags: dict[str, str]


class ParcelVerifiedOut(Schema):
    tracking: ParcelTrackingOut
    consignee: ParcelConsigneeOut


class ParcelFeedbackIn(Schema):
    phone_tail: str
    carrier_id: int | None = None
    satisfaction: int
    tags: list[str] = []
    text: str = ""
    complaint: bool = False


class CarrierFiguresOut(Schema):
    carrier_id: int
    carrier: str
    month: dt.date
    waybills: int
    delivered: int
    refused: int
    returned: int
    on_time: int
    late: int
    on_time_rate: float | None
    lost: int
    loss_rate: float | None
    complaints: int
    complaints_per_million: float | None
    feedback_count: int
    feedback_average: float | None
    judged: bool
    passed: bool | None
    final: bool
    record_id: int | None
    policy_version: str


class ParcelVocabularyOut(Schema):
    code: str
    name: str
    effective: dt.date
    reference: str
    proposal: bool
    codes: dict[str, dict[str, str]]
