"""API shapes of the lists: list types and measures, entries and their procedure, measure tasks, figures."""

from __future__ import annotations

import datetime as dt
from typing import Any, Literal

from ninja import Schema
from pydantic import Field

from .flows import NOTICE_CHANNELS


class MeasureOut(Schema):
    code: str
    name: str
    kind: str
    content: str
    implementer: str
    legal_basis: str
    accept_working_days: int
    report_working_days: int


class ListTypeOut(Schema):
    code: str
    name: str
    name_en: str
    polarity: str
    record_type: str
    department: str
    subject_kinds: list[str]
    roles: list[str]
    grounds: list[dict[str, Any]]
    exit_grounds: list[dict[str, Any]]
    procedure: dict[str, Any]
    measures: list[MeasureOut]
    effective: dt.date
    reference: str


class ProposeIn(Schema):
    list_type: str = Field(max_length=40)
    subject_id: int
    reason: str = Field(max_length=4000)
    evidence: list[Any] = []


class ListNoticeIn(Schema):
    channel: Literal[NOTICE_CHANNELS]  # type: ignore[valid-type]
    reference: str = Field(max_length=128)
    text: str = Field(default="", max_length=2000)


class TextIn(Schema):
    text: str = Field(max_length=4000)


class ListObjectionDecisionIn(Schema):
    upheld: bool
    decision: str = Field(max_length=4000)


class DecisionIn(Schema):
    list_subject: bool
    decision_no: str = Field(default="", max_length=128)
    text: str = Field(max_length=4000)


class RemovalIn(Schema):
    how: Literal["repair", "revoke"]
    reason: str = Field(max_length=4000)


class ScanIn(Schema):
    list_types: list[str] | None = None


class ListStepOut(Schema):
    seq: int
    at: dt.datetime
    actor: str
    organisation: str
    action: str
    reason: str


class MeasureTaskOut(Schema):
    id: int
    entry_id: int
    list_type: str
    subject_id: int
    subject_name: str
    measure: str
    measure_name: str
    kind: str
    implementer: str
    status: str
    accept_due: dt.date
    report_due: dt.date
    lift_due: dt.date | None
    accepted_at: dt.datetime | None
    reported_at: dt.datetime | None
    lifted_at: dt.datetime | None
    result: str
    overdue: bool
    escalated: bool


class EntryOut(Schema):
    id: int
    list_type: str
    list_name: str
    subject_id: int
    subject_name: str
    department: str
    status: str
    origin: str
    grounds: list[dict[str, Any]]
    reason: str
    proposed_at: dt.datetime
    notice_due: dt.date
    notified_at: dt.datetime | None
    objection_due: dt.date | None
    objection_text: str
    objection_upheld: bool | None
    decision_due: dt.date | None
    decided_at: dt.datetime | None
    decision_no: str
    publication_due: dt.date | None
    published_on: dt.date | None
    record_id: int | None
    repair_from: dt.date | None
    ends_on: dt.date | None
    exited_on: dt.date | None
    exit_reason: str


class EntryDetailOut(EntryOut):
    steps: list[ListStepOut]
    tasks: list[MeasureTaskOut]


class RespondIn(Schema):
    action: Literal["accept", "report", "decline", "lift"]
    text: str = Field(default="", max_length=4000)


class ImplementerOut(Schema):
    organisation: str
    name: str
    kind: str
    dispatched: int
    accepted_on_time: int
    executed: int
    declined: int
    open: int
    overdue: int
    escalated: int
    execution_rate: float | None
    response_rate: float | None
