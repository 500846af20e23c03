"""API input and output of supervision: the plan's tasks and progress, overdue items, platform compliance."""

from __future__ import annotations

import datetime as dt

from ninja import Schema
from pydantic import Field


class DepartmentProgressOut(Schema):
    code: str
    name: str
    role: str                               # lead / support
    period: str                             # the period shown
    status: str | None                      # its report for that period, None when it has not reported
    percent: int | None
    reported_at: dt.datetime | None
    overdue: bool                           # no report for that period and its due date has passed
    latest_period: str | None               # its latest report of any period
    latest_status: str | None


class PlanTaskOut(Schema):
    number: int
    title: str
    section: str
    requirements: list[str]
    departments: list[DepartmentProgressOut]


class ProgressIn(Schema):
    period: str = Field(description="Reporting period, e.g. 2026Q3")
    status: str = Field(description="not_started, in_progress, completed or blocked")
    percent: int = Field(0, ge=0, le=100)
    summary: str
    problems: str = ""
    next_steps: str = ""
    department: str | None = Field(None, description="Department code; the credit office reports on behalf of "
                                                      "a department, a department only for itself")


class ProgressOut(Schema):
    id: int
    task: int
    department: str
    period: str
    status: str
    percent: int
    summary: str
    problems: str
    next_steps: str
    reported_by: str
    reported_at: dt.datetime
    outcome: str                            # created / updated / unchanged
    log_seq: int


class OverdueOut(Schema):
    task: int
    department: str
    department_name: str
    role: str
    period: str
    due: dt.date
    due_estimated: bool
    working_days_overdue: int
    reason: str                             # missing / blocked


class PlatformComplianceOut(Schema):
    subject_id: int
    name: str
    uscc: str
    shops: int
    verified_shops: int
    verification_rate: float | None
    stale_shops: int
    timely_shop_share: float | None
    reports: int
    report_median_working_days: float | None
    reports_within_deadline: int
    report_timely_share: float | None
    risk_alerts: int
    complaints: int
    complaints_per_1000_shops: float | None
    interviews: int
    last_interview: dt.date | None
    joint_action_response_rate: float | None


class ComplianceOut(Schema):
    as_of: dt.date
    since: dt.date
    report_deadline_working_days: int
    reference: str
    platforms: list[PlatformComplianceOut]
