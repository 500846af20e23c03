"""API shapes of products and trace chains (/api/v1/trace/...). EPCIS's own shapes live with epcis_api."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal

from ninja import Schema
from pydantic import Field


class CategoryOut(Schema):
    code: str
    name: str
    scope: str
    laws: list[str]
    supervisors: list[str]
    unit: str
    keywords: list[str]
    expected_steps: list[str]


class CategoriesOut(Schema):
    effective: dt.date
    reference: str
    standard: str
    record_standard: str
    categories: list[CategoryOut]


class ProductIn(Schema):
    gtin: str = Field(max_length=20, description="GTIN-8, -12, -13 or -14 (check digit verified)")
    name: str = Field(max_length=200)
    brand: str = Field(default="", max_length=120)
    category: str = Field(default="", max_length=40, description="key-product category code, see /trace/categories")
    owner_id: int | None = Field(default=None, description="registry subject id of the brand owner or producer")
    net_weight_kg: Decimal | None = None


class ProductPatch(Schema):
    name: str | None = Field(default=None, max_length=200)
    brand: str | None = Field(default=None, max_length=120)
    category: str | None = Field(default=None, max_length=40)
    owner_id: int | None = None
    net_weight_kg: Decimal | None = None
    reason: str = Field(default="", max_length=500)


class ProductOut(Schema):
    gtin: str
    name: str
    brand: str
    category: str
    category_name: str
    unit: str
    china: bool
    gs1_country: str
    owner_id: int | None
    owner_name: str
    net_weight_kg: Decimal | None
    registered_at: dt.datetime
    suggested_category: str = ""
    trace_page: str


class PartyOut(Schema):
    basis: str
    identifier: str
    subject_id: int | None
    kind: str
    name: str
    region: str
    gln: str
    platform_name: str


class StepOut(Schema):
    event_id: int
    event_hash: str
    event_type: str
    action: str
    time: dt.datetime
    local_time: str
    biz_step: str
    step: str
    step_name: str
    trail: bool
    public: bool
    disposition: str
    place: PartyOut | None
    read_point: str
    responsible: PartyOut | None
    responsible_basis: str
    parties: list[dict]
    capturer: PartyOut
    relation: str
    through: str
    roles: list[str]
    items: int
    quantity: float | None
    uom: str
    declared_error: bool
    document: dict | None = None


class ChainOut(Schema):
    gtin: str
    lot: str
    serial: str
    product: ProductOut | None
    steps: list[StepOut]
    serials: list[str] = Field(description="the lot's serials (trace.view only; empty in the public view)")
    serial_count: int = Field(description="how many serialised items the lot has")
    containers: list[str]
    inputs: list[dict]
    outputs: list[dict]
    gaps: list[str]
    truncated: bool
    full: bool = Field(description="true when every event is shown (trace.view); false: the public view")
    trace_page: str


class DigitalLinkOut(Schema):
    gtin: str
    lot: str
    serial: str
    cpv: str
    expiry: dt.date | None
    attributes: dict
    trace_page: str
    registered: bool
