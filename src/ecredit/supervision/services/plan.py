"""The plan's own tasks (R18.2): departments report progress per quarter; the credit office sees the table of
tasks × departments and who is overdue.

Who is on a task comes from departments.yaml (`leads`, `supports`), the tasks from plan.yaml, the reporting
interval and due date from plan.yaml's `reporting` rule. `overdue_items` is a pure function of those and of
the reports made, so it can be tested (and run by cron, `ecredit plan-overdue`) without pages or requests.
"""

from __future__ import annotations

import datetime as dt
from collections.abc import Iterable, Mapping
from dataclasses import dataclass, field
from typing import Any, Iterator

from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _

from ecredit import db, policy
from ecredit.access.models import Organisation, OrganisationKind
from ecredit.audit.services import ChainWriter, logged_write, state_text
from ecredit.evaluation.quarterly import Quarter
from ecredit.kit.errors import Forbidden, NotFound, ValidationFailed
from ecredit.kit.workdays import WorkingCalendar
from ecredit.policy.plan_rules import PlanTask, ReportingRule, TaskDepartments, task_departments

from ..models import PlanProgress, ProgressStatus

MODEL = "supervision.planprogress"
STATE_FIELDS = ("task", "department_id", "period", "status", "percent", "summary", "problems", "next_steps",
                "reported_by", "reported_org", "reported_at")
CONTENT_FIELDS = ("status", "percent", "summary", "problems", "next_steps")
TEXT_LIMIT = 4000


def _state(values: dict[str, Any]) -> str:
    out = {k: values[k] for k in STATE_FIELDS}
    at = out["reported_at"]
    out["reported_at"] = at.astimezone(dt.timezone.utc).isoformat() if at else None  # one form on every database
    return state_text(out)


def iter_states() -> Iterator[tuple[int, str]]:
    """Every progress report's current state, for verification of the change log."""
    for row in PlanProgress.objects.order_by("id").values("id", *STATE_FIELDS).iterator(chunk_size=5000):
        yield row["id"], _state(row)


def _model_state(item: PlanProgress) -> str:
    return _state({k: getattr(item, k) for k in STATE_FIELDS})


# ------------------------------------------------------------------------------------------------ the plan


def english() -> bool:
    """True when the active language is English."""
    return (get_language() or "").startswith("en")


def text(texts) -> str:
    """A policy text (zh/en) in the active language."""
    return str(texts) if texts is not None else ""


def department_name(code: str) -> str:
    """A department's name as the plan gives it (short form in Chinese)."""
    department = policy.current().department(code)
    if department is None:
        return code
    return department.name.en if english() else department.short


def assignments() -> dict[int, TaskDepartments]:
    """Every task number with its lead and cooperating department codes (departments.yaml)."""
    current = policy.current()
    return task_departments(current.plan, current.departments)


def reporting_rule(on: dt.date | None = None) -> ReportingRule:
    """The reporting rule in force on `on` (default today)."""
    return policy.in_force(policy.current().plan.reporting, on or timezone.localdate())


def parse_period(text: str) -> Quarter:
    """A reporting period written `2026Q3`; ValidationFailed naming the field `period` otherwise."""
    try:
        return Quarter.parse(text)
    except ValidationFailed:
        raise ValidationFailed(_("报告期格式应为“年份Q季度”，如 2026Q3"), field="period", code="bad_period") from None


def due_date(quarter: Quarter, rule: ReportingRule, calendar: WorkingCalendar):
    """When the report for `quarter` is due: `due_working_days` working days after the quarter ends
    (a workdays.Deadline: its `estimated` is true when a holiday schedule it rests on is not known yet)."""
    return calendar.add_working_days(quarter.last, rule.due_working_days)


def reference_quarter(today: dt.date, rule: ReportingRule, calendar: WorkingCalendar) -> Quarter:
    """The latest quarter whose report is past due on `today` (the quarter just ended, once its due date
    has passed; before that, the one before it)."""
    quarter = Quarter.of(today).previous()
    while due_date(quarter, rule, calendar).due >= today:
        quarter = quarter.previous()
    return quarter


# ------------------------------------------------------------------------------------------------ overdue


@dataclass(frozen=True)
class Report:
    """What the overdue check needs of a progress report."""

    task: int
    department: str
    period: str
    status: str


@dataclass(frozen=True)
class OverdueItem:
    """A department that owes a report on a task (`missing`), or whose latest report says it is `blocked`."""

    task: int
    department: str
    role: str                   # lead / support
    period: str
    due: dt.date
    working_days_overdue: int
    reason: str                 # missing / blocked
    estimated: bool = False     # the due date rests on a year whose holidays are not yet known

    @property
    def department_name(self) -> str:
        """The department's name in the active language."""
        return department_name(self.department)


def overdue_items(assigned: Mapping[int, TaskDepartments], reports: Iterable[Report], today: dt.date,
                  rule: ReportingRule, calendar: WorkingCalendar) -> list[OverdueItem]:
    """Pure: every department on a task with no report for the latest quarter past its due date, and every
    task-department whose latest report is blocked; most overdue first."""
    quarter = reference_quarter(today, rule, calendar)
    deadline = due_date(quarter, rule, calendar)
    reported, latest = set(), {}
    for report in reports:
        reported.add((report.task, report.department, report.period))
        key = (report.task, report.department)
        if key not in latest or report.period > latest[key].period:     # "2026Q3" sorts as time does
            latest[key] = report
    out = []
    for number, on_task in sorted(assigned.items()):
        for code in on_task.all:
            role = on_task.role(code)
            if (number, code, str(quarter)) not in reported:
                out.append(OverdueItem(number, code, role, str(quarter), deadline.due,
                                       calendar.working_days_between(deadline.due, today), "missing",
                                       deadline.estimated))
            last = latest.get((number, code))
            if last is not None and last.status == ProgressStatus.BLOCKED:
                blocked_due = due_date(Quarter.parse(last.period), rule, calendar)
                out.append(OverdueItem(number, code, role, last.period, blocked_due.due,
                                       calendar.working_days_between(blocked_due.due, today), "blocked",
                                       blocked_due.estimated))
    return sorted(out, key=lambda i: (-i.working_days_overdue, i.task, i.reason != "missing", i.department))


def _reports(codes: Iterable[str] | None = None) -> list[Report]:
    rows = PlanProgress.objects.all()
    if codes is not None:
        rows = rows.filter(department__code__in=list(codes))
    return [Report(*row) for row in rows.values_list("task", "department__code", "period", "status")]


def overdue(principal, today: dt.date | None = None) -> list[OverdueItem]:
    """The overdue items the principal may see: all for the credit office, its own department's otherwise."""
    principal.require("supervision.view")
    today = today or timezone.localdate()
    current = policy.current()
    assigned = assignments()
    if not principal.city_wide:
        own = principal.organisation_code
        assigned = {n: TaskDepartments(tuple(c for c in t.leads if c == own), tuple(c for c in t.supports
                                                                                    if c == own))
                    for n, t in assigned.items() if t.role(own)}
        reports = _reports([own])
    else:
        reports = _reports()
    return overdue_items(assigned, reports, today, reporting_rule(today), current.calendar)


def overdue_count(principal, today: dt.date | None = None) -> int:
    """How many overdue items the principal sees (the workbench's figure)."""
    return len(overdue(principal, today))


# ------------------------------------------------------------------------------------------------ reporting


@dataclass
class Reported:
    """The outcome of a report: the row, and whether it was created, updated or left unchanged."""

    progress: PlanProgress
    outcome: str


@dataclass
class ProgressEntry:
    """One progress report as a department (or the credit office on its behalf) sends it."""

    principal: Any
    task: int
    period: str
    status: str
    percent: Any = 0
    summary: str = ""
    problems: str = ""
    next_steps: str = ""
    department: str | None = None


def _task(number: int) -> PlanTask:
    task = policy.current().plan.task(number)
    if task is None:
        raise NotFound(_("实施方案中没有任务{n}").format(n=number), field="number")
    return task


def _department_code(principal, number: int, code: str | None, assigned: dict[int, TaskDepartments]) -> str:
    """The department the report is for: the principal's own, or any on the task for the credit office."""
    own = principal.organisation_code
    code = (code or own or "").strip()
    if code != own and not principal.city_wide:
        raise Forbidden(_("只能报告本部门承担任务的进展"), field="department", code="not_own_department")
    if assigned[number].role(code) is None:
        raise Forbidden(_("{dept}不是任务{n}的牵头或配合单位").format(dept=department_name(code) if code else
                                                                 _("本单位"), n=number),
                        field="department", code="not_on_task")
    return code


def _clean_text(value: Any, field_name: str, label: str, required: bool = False) -> str:
    value = str(value or "").strip()
    if required and not value:
        raise ValidationFailed(_("{field}为必填项").format(field=label), field=field_name, code="required")
    if len(value) > TEXT_LIMIT:
        raise ValidationFailed(_("{field}超过{n}个字符").format(field=label, n=TEXT_LIMIT), field=field_name,
                               code="too_long")
    return value


def _content(status: str, percent: Any, summary: str, problems: str, next_steps: str) -> dict[str, Any]:
    if status not in ProgressStatus.values:
        raise ValidationFailed(_("进展状态应为：{values}").format(values="、".join(ProgressStatus.values)),
                               field="status", code="bad_status")
    try:
        percent = int(percent)
    except (TypeError, ValueError):
        raise ValidationFailed(_("完成进度应为0到100之间的整数"), field="percent", code="bad_percent") from None
    if not 0 <= percent <= 100:
        raise ValidationFailed(_("完成进度应为0到100之间的整数"), field="percent", code="bad_percent")
    if status == ProgressStatus.COMPLETED and percent != 100:
        raise ValidationFailed(_("已完成的任务进度应为100%"), field="percent", code="completed_not_100")
    content = {"status": status, "percent": percent,
               "summary": _clean_text(summary, "summary", _("工作进展"), required=True),
               "problems": _clean_text(problems, "problems", _("存在问题")),
               "next_steps": _clean_text(next_steps, "next_steps", _("下一步计划"))}
    if status == ProgressStatus.BLOCKED and not content["problems"]:
        raise ValidationFailed(_("任务受阻的，须说明存在的问题"), field="problems", code="required")
    return content


def _write(entries: list[ProgressEntry], today: dt.date) -> list[Reported]:
    """Validate every entry (the first refusal refuses all), then write the changed ones with one change-log
    writer: a few queries for the whole batch, not per report."""
    assigned = assignments()
    checked = []
    for entry in entries:
        entry.principal.require("plan.report")
        _task(entry.task)
        code = _department_code(entry.principal, entry.task, entry.department, assigned)
        quarter = parse_period(entry.period)
        if quarter.first > today:
            raise ValidationFailed(_("不能报告尚未开始的季度"), field="period", code="future_period")
        checked.append((entry, code, str(quarter), _content(entry.status, entry.percent, entry.summary,
                                                            entry.problems, entry.next_steps)))
    codes = {code for _e, code, _p, _c in checked}
    organisations = {o.code: o for o in Organisation.objects.filter(
        code__in=codes, kind__in=(OrganisationKind.DEPARTMENT, OrganisationKind.CREDIT_OFFICE))}
    for _entry, code, _period, _content_ in checked:
        if code not in organisations:
            raise NotFound(_("{dept}尚未在系统中开通").format(dept=department_name(code)), field="department")
    existing = {(p.task, p.department_id, p.period): p for p in PlanProgress.objects.select_for_update().filter(
        department__in=list(organisations.values()), period__in={p for _e, _c, p, _x in checked},
        task__in={e.task for e, _c, _p, _x in checked})}
    out, new, changed, seen = [], [], [], set()
    with ChainWriter() as log:
        for entry, code, period, content in checked:
            organisation = organisations[code]
            key = (entry.task, organisation.pk, period)
            if key in seen:
                raise ValidationFailed(_("同一批次中任务{n}的{period}进展重复").format(n=entry.task, period=period),
                                       field="task", code="duplicate_in_batch")
            seen.add(key)
            item = existing.get(key)
            if item is not None and all(getattr(item, k) == v for k, v in content.items()):
                out.append(Reported(item, "unchanged"))
                continue
            outcome = "updated" if item is not None else "created"
            item = item or PlanProgress(task=entry.task, department=organisation, period=period)
            for name, value in content.items():
                setattr(item, name, value)
            item.reported_by, item.reported_org = entry.principal.label, entry.principal.organisation_code
            item.reported_at = log.at
            (changed if outcome == "updated" else new).append((item, entry.principal))
            out.append(Reported(item, outcome))
        for (item, _principal), pk in zip(new, db.reserve_ids(PlanProgress._meta.db_table, len(new))):
            item.pk = pk
        for item, principal, action in [(*n, "report") for n in new] + [(*c, "update") for c in changed]:
            item.log_seq = log.append(principal.actor, action, MODEL, item.pk, _model_state(item),
                                      f"task {item.task} {item.period}")
        PlanProgress.objects.bulk_create([item for item, _p in new], batch_size=500)
        PlanProgress.objects.bulk_update([item for item, _p in changed], [*CONTENT_FIELDS, "reported_by",
                                                                        "reported_org", "reported_at", "log_seq"],
                                         batch_size=500)
    return out


@logged_write
def report_progress(principal, number: int, *, period: str, status: str, percent: Any = 0, summary: str = "",
                    problems: str = "", next_steps: str = "", department: str | None = None,
                    today: dt.date | None = None) -> Reported:
    """Record a department's progress on task `number` for `period` (by the department itself, or by the
    credit office on its behalf). Reporting the same content again changes nothing; new content updates the
    period's report. Either change is a change-log entry."""
    entry = ProgressEntry(principal, number, period, status, percent, summary, problems, next_steps, department)
    return _write([entry], today or timezone.localdate())[0]


@logged_write
def report_many(entries: list[ProgressEntry], today: dt.date | None = None) -> list[Reported]:
    """Several reports at once, all or nothing (the demo, a spreadsheet of a department's quarter)."""
    return _write(entries, today or timezone.localdate())


# ------------------------------------------------------------------------------------------------ the table


@dataclass
class Cell:
    """One department on one task: its report for the period shown, and its latest report of any period."""

    code: str
    name: str
    role: str
    report: PlanProgress | None = None
    latest: PlanProgress | None = None
    overdue: bool = False


@dataclass
class TaskRow:
    """One task with its departments."""

    number: int
    title: str
    section: str
    requirements: list[str]
    cells: list[Cell] = field(default_factory=list)

    @property
    def reported(self) -> int:
        """How many departments on the task reported for the period."""
        return sum(1 for c in self.cells if c.report is not None)


@dataclass
class ProgressTable:
    """The table of tasks × departments for one period, with the reporting rule that applies."""

    period: Quarter
    due: dt.date
    due_estimated: bool
    rule: ReportingRule
    rows: list[TaskRow]
    overdue: list[OverdueItem]


def progress_table(principal, period: str | None = None, today: dt.date | None = None) -> ProgressTable:
    """Tasks × departments with each one's report for `period` (default: the latest quarter past due) and its
    latest report; the credit office sees every task, a department the tasks it is on."""
    principal.require("supervision.view")
    today = today or timezone.localdate()
    current, rule = policy.current(), reporting_rule(today)
    quarter = parse_period(period) if period else reference_quarter(today, rule, current.calendar)
    deadline = due_date(quarter, rule, current.calendar)
    assigned = assignments()
    own = None if principal.city_wide else principal.organisation_code
    reports = PlanProgress.objects.select_related("department").order_by("period", "id")
    if own is not None:
        reports = reports.filter(department__code=own)
    in_period, latest = {}, {}
    for report in reports:
        key = (report.task, report.department.code)
        latest[key] = report
        if report.period == str(quarter):
            in_period[key] = report
    items = overdue(principal, today)
    late = {(i.task, i.department) for i in items if i.reason == "missing" and i.period == str(quarter)}
    sections = current.plan.sections
    rows = []
    for task in current.plan.tasks:
        on_task = assigned[task.number]
        codes = [c for c in on_task.all if own is None or c == own]
        if not codes:
            continue
        row = TaskRow(task.number, text(task.title), text(sections[task.section]), list(task.requirements))
        for code in codes:
            key = (task.number, code)
            row.cells.append(Cell(code, department_name(code), on_task.role(code), in_period.get(key),
                                  latest.get(key), key in late))
        rows.append(row)
    return ProgressTable(quarter, deadline.due, deadline.estimated, rule, rows, items)


def reportable_periods(today: dt.date | None = None, count: int = 4) -> list[Quarter]:
    """Periods a department may report on: the quarter under way and the `count` before it, newest first."""
    quarter = Quarter.of(today or timezone.localdate())
    out = [quarter]
    for _i in range(count):
        quarter = quarter.previous()
        out.append(quarter)
    return out
