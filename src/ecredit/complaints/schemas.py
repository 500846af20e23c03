"""API shapes of the complaints: intake batches and their reports, cases, handling steps, feeds, figures."""

from __future__ import annotations

import datetime as dt
from decimal import Decimal
from typing import Any, Literal

from ninja import Schema
from pydantic import Field

from .flows import NOTICE_CHANNELS


class HotlineItemsIn(Schema):
    items: list[dict[str, Any]] = Field(max_length=5000)
    atomic: bool = False


class CanonicalItem(Schema):
    """A complaint or report in our own layout (platforms forward these; departments record walk-ins)."""

    ticket: str = Field(default="", max_length=64)
    received_at: str = Field(default="", description="YYYY-MM-DD HH:MM:SS (Beijing time) or ISO 8601")
    kind: Literal["complaint", "report", "both"] = "complaint"
    complainant_name: str = Field(default="", max_length=60)
    complainant_phone: str = Field(default="", max_length=30)
    complainant_address: str = Field(default="", max_length=300)
    respondent_name: str = Field(default="", max_length=200)
    respondent_uscc: str = Field(default="", max_length=18)
    respondent_address: str = Field(default="", max_length=300)
    shop_name: str = Field(default="", max_length=200)
    shop_id: str = Field(default="", max_length=64)
    platform_name: str = Field(default="", max_length=200)
    platform_uscc: str = Field(default="", max_length=18)
    order_no: str = Field(default="", max_length=64)
    waybill_no: str = Field(default="", max_length=64)
    content: str = Field(max_length=8000)
    claim: str = Field(default="", max_length=4000)
    amount: Decimal | None = None
    aware_on: dt.date | None = None
    region: str = Field(default="", max_length=20)


class PlatformItemsIn(Schema):
    items: list[CanonicalItem] = Field(max_length=5000)
    atomic: bool = False


class RowOut(Schema):
    index: int
    row: int | None
    ticket: str
    outcome: str
    outcome_label: str
    cases: list[str]
    merged_into: list[str]
    column: str
    field: str
    code: str
    message: str
    warnings: list[str]


class IntakeOut(Schema):
    channel: str
    received: int
    atomic: bool
    accepted: int
    merged: int
    duplicate: int
    rejected: int
    rows: list[RowOut]


class FieldOut(Schema):
    field: str | None
    columns: list[str]
    read: str
    formats: list[str]
    values: dict[str, str]
    unit: str
    prefix: str
    pattern: str | None


class HotlineOut(Schema):
    number: str
    name: str
    operator: str
    department: str
    organisation: str
    default_kind: str
    fields: list[FieldOut]
    statuses: dict[str, dict[str, str]]
    effective: dt.date
    reference: str


class PersonOut(Schema):
    name: str
    phone: str
    address: str


class RespondentOut(Schema):
    name: str
    uscc: str
    address: str
    shop_name: str
    shop_id: str
    platform_name: str
    platform_uscc: str
    subject_id: int | None
    shop_subject_id: int | None
    platform_subject_id: int | None
    resolved_by: str


class CaseOut(Schema):
    id: int
    case_no: str
    kind: str
    kind_label: str
    channel: str
    channel_label: str
    channel_ticket: str
    received_at: dt.datetime
    complainant: PersonOut | None
    real_name: bool
    respondent: RespondentOut
    order_no: str
    waybill_no: str
    content: str
    claim: str
    amount: Decimal | None
    aware_on: dt.date | None
    time_barred: bool
    category: str
    category_method: str
    category_confidence: float
    department: str
    handling_org: str
    handling_region: str
    out_of_area: bool
    routing_note: str
    status: str
    status_label: str
    accept_due: dt.date | None
    mediation_due: dt.date | None
    paused_since: dt.date | None
    paused_working_days: int
    termination_notice_due: dt.date | None
    clue_check_due: dt.date | None
    filing_due: dt.date | None
    reporter_notice_due: dt.date | None
    next_due: dt.date | None
    next_due_estimated: bool
    provisional: list[str]
    overdue: bool
    escalation_level: int
    reason_code: str
    outcome: str
    outcome_text: str
    compensation: Decimal | None
    upheld: bool | None
    record_id: int | None
    merged_into: str | None
    accepted_at: dt.datetime | None
    decided_at: dt.datetime | None
    closed_at: dt.datetime | None


class ComplaintStepOut(Schema):
    at: dt.datetime
    action: str
    actor: str
    organisation: str
    status: str
    note: str


class UpdateBrief(Schema):
    id: int
    event: str
    status_code: str
    status_label: str
    at: dt.datetime
    acknowledged_at: dt.datetime | None


class CaseDetailOut(CaseOut):
    steps: list[ComplaintStepOut]
    repeats: list[str]
    sibling: str | None
    updates: list[UpdateBrief]


class ComplaintNoteIn(Schema):
    note: str = Field(default="", max_length=4000)


class AcceptanceIn(Schema):
    accept: bool
    reason: str = Field(default="", max_length=30, description="art. 15 reason code when not accepting")
    note: str = Field(default="", max_length=4000)


class ComplaintReasonIn(Schema):
    reason: str = Field(max_length=4000)


class MediatedIn(Schema):
    agreement: str = Field(max_length=4000)
    merchant_at_fault: bool
    compensation: Decimal | None = None
    decision_no: str = Field(default="", max_length=128)


class TerminationIn(Schema):
    reason: str = Field(max_length=30, description="art. 21 reason code")
    note: str = Field(default="", max_length=4000)


class TerminationNoticeIn(Schema):
    channel: Literal[NOTICE_CHANNELS]  # type: ignore[valid-type]
    note: str = Field(default="", max_length=2000)


class ClueIn(Schema):
    text: str = Field(max_length=4000)


class ClueCheckIn(Schema):
    result: str = Field(max_length=4000)
    extend: bool = False


class ClosureIn(Schema):
    outcome: Literal["mediated", "claim_supported", "compensated", "not_upheld", "other"]
    text: str = Field(max_length=4000)
    compensation: Decimal | None = None


class TransferIn(Schema):
    department: str = Field(default="", max_length=32)
    outside: str = Field(default="", max_length=200)
    note: str = Field(default="", max_length=2000)


class FilingIn(Schema):
    file: bool
    decision_no: str = Field(default="", max_length=128)
    note: str = Field(max_length=4000)


class RespondentIn(Schema):
    subject_id: int


class UpdateOut(Schema):
    id: int
    case_no: str
    kind: str
    channel: str
    channel_ticket: str
    event: str
    status_code: str
    status_label: str
    text: str
    at: dt.datetime
    acknowledged_at: dt.datetime | None


class AckIn(Schema):
    ids: list[int] = Field(max_length=1000)


class AckOut(Schema):
    acknowledged: int
    already: int
    unknown: int


class FigureOut(Schema):
    group: str
    received: int
    merged: int
    decided: int
    decided_on_time: int
    accepted: int
    closed: int
    closed_on_time: int
    overdue: int
    escalated: int
    upheld: int
    accepted_on_time_rate: float | None
    closed_on_time_rate: float | None


class DailyOut(Schema):
    overdue: int
    level_1: int
    level_2: int
