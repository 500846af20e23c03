"""API shapes of the registry."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Schema


class SubjectQuery(Schema):
    """Find a subject by exactly one key: id, USCC, resident ID, or platform USCC + shop id."""

    subject_id: int | None = None
    uscc: str | None = None
    ric: str | None = None
    platform_uscc: str | None = None
    shop_id: str | None = None


class SubjectOut(Schema):
    id: int
    kind: str
    name: str
    key: str
    verified: bool
    region: str
    roles: list[str]
    platform: int | None
    shop_id: str | None
    operator: int | None
    former_names: list[str]


class IdentityOut(Schema):
    subject: int
    resident_id: str
    masked: bool


class ShopIn(Schema):
    shop_id: str
    name: str
    url: str = ""
    region: str = ""
    operator: dict[str, Any]


class ShopReportIn(Schema):
    shops: list[dict[str, Any]]


class ShopReportOut(Schema):
    received: int
    created: int
    updated: int
    verified: int
    errors: list[dict[str, Any]]


class ShopAttentionOut(Schema):
    id: int
    platform: str
    shop_id: str
    name: str
    operator: str
    verified: bool
    last_reported_at: dt.datetime | None
    reason: str
