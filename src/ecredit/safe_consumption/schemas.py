"""API shapes of 放心消费: the criteria, the public list, applications, check results and the procedure."""

from __future__ import annotations

import datetime as dt

from ninja import Schema
from pydantic import Field


class CriterionOut(Schema):
    code: str
    name: str
    text: str
    check: dict
    scope: str
    while_held: str
    proposal: bool
    reference: str


class SchemeOut(Schema):
    name: str
    effective: dt.date
    reference: str
    awarded_by: str
    reviewers: list[str]
    subject_kinds: list[str]
    valid_for: str
    renewal_window: str
    suspension_limit: str
    reapply_after_refusal: str
    reapply_after_revocation: str
    criteria: list[CriterionOut]


class TitleOut(Schema):
    """A title on the public list."""

    subject_id: int
    name: str
    kind: str
    platform: str
    region: str
    region_name: str
    decision_no: str
    valid_from: dt.date
    valid_until: dt.date
    published_on: dt.date
    profile: str


class ApplyIn(Schema):
    subject_id: int
    region: str = Field(default="", max_length=6)
    statement: str = Field(default="", max_length=2000)


class PreviewIn(Schema):
    subject_id: int


class ItemOut(Schema):
    code: str
    name: str
    passed: bool
    kind: str | None
    while_held: str | None
    explanation: str
    records: list[int]
    hidden_records: int


class CheckOut(Schema):
    subject_id: int
    checked_on: dt.date
    policy_version: str
    passed: bool
    items: list[ItemOut]


class EnrolmentStepOut(Schema):
    action: str
    from_status: str
    to_status: str
    actor: str
    organisation: str
    at: dt.datetime
    reason: str
    failed: list[str]


class EnrolmentOut(Schema):
    id: int
    subject_id: int
    subject_name: str
    subject_kind: str
    platform: str
    region: str
    status: str
    status_label: str
    applicant: str
    applied_at: dt.datetime
    renews: int | None
    passed: bool | None
    checked_at: dt.datetime | None
    policy_version: str
    decided_on: dt.date | None
    decision_no: str
    decision_text: str
    valid_from: dt.date | None
    valid_until: dt.date | None
    honour_record_id: int | None
    published_on: dt.date | None
    suspended_on: dt.date | None
    ended_on: dt.date | None
    end_reason: str


class EnrolmentDetailOut(EnrolmentOut):
    statement: str
    criteria: list[ItemOut]
    recheck: list[ItemOut]
    steps: list[EnrolmentStepOut]


class ReviewIn(Schema):
    approve: bool
    reason: str = Field(max_length=2000)
    decision_no: str = Field(default="", max_length=128)
    publish: bool = False


class EnrolmentReasonIn(Schema):
    reason: str = Field(max_length=2000)
