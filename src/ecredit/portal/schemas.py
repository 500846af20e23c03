"""API shapes of the public portal: search hits, a public profile, notices."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Schema


class SearchHitOut(Schema):
    id: int
    kind: str
    name: str
    key: str
    verified: bool
    platform: str | None = None


class SearchOut(Schema):
    query: str
    matched_by: str
    results: list[SearchHitOut]


class PublicRecordOut(Schema):
    id: int
    type: str
    type_name: str
    polarity: str
    decided_on: dt.date
    summary: str
    details: dict[str, Any]
    source: str
    status: str
    under_objection: bool
    public_until: dt.date | None


class NoticeOut(Schema):
    id: int
    kind: str
    title: str
    body: str
    topic: str
    subject_id: int | None
    publisher: str
    published_on: dt.date
    public_until: dt.date
    status: str


class PublicProfileOut(Schema):
    id: int
    kind: str
    name: str
    key: str
    region: str
    verified: bool
    identity_verified: bool
    legal_representative: str
    platform: SearchHitOut | None
    operator: str
    counts: dict[str, int]
    licences: list[PublicRecordOut]
    lists: list[PublicRecordOut]
    commitments: list[PublicRecordOut]
    records: list[PublicRecordOut]
    notices: list[NoticeOut]
    as_of: dt.date


class PublicNoticeIn(Schema):
    kind: str
    title: str
    body: str
    subject_id: int | None = None
    topic: str = ""


class NoticeWithdrawIn(Schema):
    reason: str
