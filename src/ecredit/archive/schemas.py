"""API shapes of the archive."""

from __future__ import annotations

import datetime as dt
from typing import Any

from ninja import Schema


class RecordTypeOut(Schema):
    code: str
    name: str
    name_en: str
    category: str
    polarity: str
    severity: str
    disclosure: str
    publicity_rule: str
    legal_basis: str
    sources: list[str]
    subject_kinds: list[str]


class RecordTypeDetail(RecordTypeOut):
    details_schema: dict[str, Any]
    effective: dt.date
    reference: str


class RecordSubjectBrief(Schema):
    id: int
    kind: str
    name: str
    key: str
    verified: bool


class RecordOut(Schema):
    id: int
    type: str
    type_name: str
    subject: RecordSubjectBrief
    source: str
    source_record_id: str
    decided_on: dt.date
    summary: str
    details: dict[str, Any]
    legal_basis: str
    status: str
    disclosure: str
    public_from: dt.date | None
    repair_from: dt.date | None
    public_until: dt.date | None
    publicity_basis: str
    policy_version: str


class CorrectionIn(Schema):
    reason: str
    summary: str | None = None
    details: dict[str, Any] | None = None
    decided_on: dt.date | None = None


class RevocationIn(Schema):
    reason: str


class ObjectionIn(Schema):
    record: int
    reason: str
    contact: str = ""
    evidence: list[Any] = []


class ObjectionOut(Schema):
    id: int
    record: int
    status: str
    filed_by: str
    reason: str
    filed_at: dt.datetime
    check_due: dt.date
    decide_due: dt.date
    due_estimated: bool
    decision: str
    decided_at: dt.datetime | None


class ObjectionCheckIn(Schema):
    accept: bool
    note: str = ""


class RecordObjectionDecisionIn(Schema):
    upheld: bool
    decision: str
    revoke: bool = False
    correction: dict[str, Any] | None = None


class RepairIn(Schema):
    record: int
    statement: str
    attested: list[str] = []


class RepairOut(Schema):
    id: int
    record: int
    status: str
    applied_at: dt.datetime
    decide_due: dt.date
    due_estimated: bool
    checks: dict[str, bool]
    decision: str


class RepairDecisionIn(Schema):
    approve: bool
    decision: str


class CreditCheckOut(Schema):
    subject: RecordSubjectBrief
    checked_at: dt.datetime
    purpose: str
    public_only: bool
    counts: dict[str, int]
    records: list[RecordOut]
