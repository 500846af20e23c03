"""Progress on the plan's tasks (R18.2): who may report, re-reporting, overdue items across public holidays,
the change log, the command for cron."""

from __future__ import annotations

import datetime as dt
from io import StringIO

import pytest
from django.core.management import call_command
from django.db import connection

from ecredit import policy
from ecredit.audit.models import ChangeLogEntry
from ecredit.audit.services import verify
from ecredit.kit.errors import Forbidden, NotFound, ValidationFailed
from ecredit.policy.plan_rules import ReportingRule, TaskDepartments
from ecredit.supervision.models import PlanProgress
from ecredit.supervision.services import plan
from tests import factories as f

pytestmark = pytest.mark.django_db

REPORT = dict(period="2025Q3", status="in_progress", percent=40, summary="已制定工作方案，按季度推进。")


# ------------------------------------------------------------------------------------------------ rights


def test_a_department_reports_on_its_own_task(officer, department):
    result = plan.report_progress(officer, 5, **REPORT)       # task 5: 市工商局 leads
    assert result.outcome == "created"
    item = result.progress
    assert (item.task, item.department, item.period, item.percent) == (5, department, "2025Q3", 40)
    assert item.reported_by == "test:department_officer" and item.reported_org == "market_regulation"


def test_a_department_not_on_the_task_is_refused(postal_officer):
    with pytest.raises(Forbidden) as exc:                     # task 5 has no part for 市邮政管理局
        plan.report_progress(postal_officer, 5, **REPORT)
    assert exc.value.code == "not_on_task" and "市邮政管理局" in str(exc.value.message)
    assert not PlanProgress.objects.exists()


def test_a_department_cannot_report_for_another(officer, other_department):
    with pytest.raises(Forbidden) as exc:
        plan.report_progress(officer, 4, department="postal", **REPORT)
    assert exc.value.code == "not_own_department"


def test_the_credit_office_reports_on_a_departments_behalf(admin, department):
    result = plan.report_progress(admin, 5, department="market_regulation", **REPORT)
    assert result.progress.department == department and result.progress.reported_org == "credit_office"
    with pytest.raises(Forbidden):                            # still only for a department on the task
        plan.report_progress(admin, 4, department="market_regulation", **REPORT)


def test_a_platform_may_not_report(platform_org):
    with pytest.raises(Forbidden):
        plan.report_progress(f.principal("platform_client", platform_org), 11, **REPORT)


@pytest.mark.parametrize("change, field", [
    ({"period": "2099Q1"}, "period"), ({"period": "Q3 2025"}, "period"), ({"status": "done"}, "status"),
    ({"status": "completed", "percent": 80}, "percent"), ({"status": "blocked", "problems": ""}, "problems"),
    ({"summary": "  "}, "summary"), ({"percent": 101}, "percent"),
])
def test_invalid_reports_are_refused_naming_the_field(officer, department, change, field):
    with pytest.raises(ValidationFailed) as exc:
        plan.report_progress(officer, 5, **{**REPORT, **change})
    assert exc.value.field == field


def test_unknown_task_and_unknown_organisation(officer, admin):
    with pytest.raises(NotFound):
        plan.report_progress(officer, 19, **REPORT)
    with pytest.raises(NotFound):                             # 市公安局 leads task 1 but has no account here
        plan.report_progress(admin, 1, department="public_security", **REPORT)


# ------------------------------------------------------------------------------------------------ the log


def _entries():
    return ChangeLogEntry.objects.filter(model=plan.MODEL).count()


def test_re_reporting_is_idempotent_and_every_change_is_logged(officer, department):
    first = plan.report_progress(officer, 5, **REPORT)
    assert _entries() == 1
    again = plan.report_progress(officer, 5, **REPORT)
    assert again.outcome == "unchanged" and again.progress.pk == first.progress.pk and _entries() == 1
    changed = plan.report_progress(officer, 5, **{**REPORT, "percent": 60, "summary": "专项检查已完成"})
    assert changed.outcome == "updated" and changed.progress.pk == first.progress.pk and _entries() == 2
    assert PlanProgress.objects.count() == 1 and PlanProgress.objects.get().percent == 60
    assert changed.progress.log_seq == ChangeLogEntry.objects.filter(model=plan.MODEL).order_by("-seq")[0].seq
    assert verify().ok
    out = StringIO()
    call_command("verify-log", stdout=out)
    assert "intact" in out.getvalue()


def test_editing_a_report_behind_the_services_back_is_found(officer, department):
    item = plan.report_progress(officer, 5, **REPORT).progress
    with connection.cursor() as cursor:
        cursor.execute("UPDATE supervision_planprogress SET percent = 100 WHERE id = %s", [item.pk])
    result = verify()
    assert not result.ok and f"{plan.MODEL}:{item.pk}" in result.problem


def test_report_many_is_all_or_nothing(officer, postal_officer, department, other_department):
    good = plan.ProgressEntry(officer, 5, "2025Q3", "in_progress", 10, "推进中")
    bad = plan.ProgressEntry(postal_officer, 5, "2025Q3", "in_progress", 10, "推进中")
    with pytest.raises(Forbidden):
        plan.report_many([good, bad])
    assert not PlanProgress.objects.exists() and _entries() == 0
    results = plan.report_many([good, plan.ProgressEntry(postal_officer, 4, "2025Q3", "blocked", 0, "未启动",
                                                        problems="缺少经费")])
    assert [r.outcome for r in results] == ["created", "created"] and _entries() == 2 and verify().ok


# ------------------------------------------------------------------------------------------------ overdue

RULE = ReportingRule(effective=dt.date(2018, 1, 1), reference="测试规则 任务十八", period="quarter",
                     due_working_days=10)
ASSIGNED = {1: TaskDepartments(("lead_a",), ("support_b",)), 2: TaskDepartments(("support_b",), ())}
Q2 = [plan.Report(1, "lead_a", "2025Q2", "in_progress"), plan.Report(1, "support_b", "2025Q2", "in_progress"),
      plan.Report(2, "support_b", "2025Q2", "completed")]


def items(today, reports=Q2):
    return plan.overdue_items(ASSIGNED, reports, today, RULE, policy.current().calendar)


def test_due_date_counts_working_days_across_national_day():
    # 2025: 1-8 October are holidays (National Day with Mid-Autumn); Sunday 28 September and Saturday
    # 11 October are working days. Ten working days after 30 September: 9, 10, 11, 13, 14, 15, 16, 17, 20, 21.
    calendar = policy.current().calendar
    assert plan.due_date(plan.parse_period("2025Q3"), RULE, calendar).due == dt.date(2025, 10, 21)
    assert plan.due_date(plan.parse_period("2025Q2"), RULE, calendar).due == dt.date(2025, 7, 14)


def test_nothing_is_overdue_before_the_due_date_though_weekends_alone_would_say_so():
    # Counting weekends only, the Q3 report would have been due on 14 October.
    assert items(dt.date(2025, 10, 15)) == []
    assert items(dt.date(2025, 10, 21)) == []       # the due day itself is not late
    assert plan.reference_quarter(dt.date(2025, 10, 21), RULE, policy.current().calendar).number == 2


def test_missing_reports_are_overdue_the_day_after_the_due_date():
    late = items(dt.date(2025, 10, 22))
    assert {(i.task, i.department, i.role, i.period, i.reason) for i in late} == {
        (1, "lead_a", "lead", "2025Q3", "missing"), (1, "support_b", "support", "2025Q3", "missing"),
        (2, "support_b", "lead", "2025Q3", "missing")}
    assert {i.due for i in late} == {dt.date(2025, 10, 21)} and {i.working_days_overdue for i in late} == {1}
    # Monday 27 October: 22, 23, 24, 27 October are working days after the due date.
    assert {i.working_days_overdue for i in items(dt.date(2025, 10, 27))} == {4}


def test_reported_departments_are_not_overdue_and_blocked_reports_are_flagged():
    reports = Q2 + [plan.Report(1, "lead_a", "2025Q3", "in_progress"), plan.Report(2, "support_b", "2025Q3",
                                                                                    "completed"),
                    plan.Report(1, "support_b", "2025Q3", "blocked")]
    late = items(dt.date(2025, 10, 27), reports)
    assert [(i.task, i.department, i.reason, i.period, i.working_days_overdue) for i in late] == [
        (1, "support_b", "blocked", "2025Q3", 4)]


def test_before_the_quarters_due_date_the_previous_quarter_is_checked():
    late = items(dt.date(2025, 10, 15), reports=[])       # Q2 was never reported
    assert {i.period for i in late} == {"2025Q2"} and {i.due for i in late} == {dt.date(2025, 7, 14)}


def test_the_service_scopes_overdue_items(officer, admin, department, credit_office):
    today = dt.date(2025, 10, 22)
    everything = plan.overdue(admin, today)
    own = plan.overdue(officer, today)
    assert {i.department for i in own} == {"market_regulation"}
    assert len({(i.task, i.department) for i in everything}) == sum(len(t.all) for t in plan.assignments().values())
    plan.report_progress(officer, 5, **{**REPORT, "period": "2025Q3"}, today=today)
    assert (5, "market_regulation") not in {(i.task, i.department) for i in plan.overdue(officer, today)}
    assert plan.overdue_count(admin, today) == len(everything) - 1


def test_plan_overdue_command_prints_items_and_exits_0(officer, department):
    plan.report_progress(officer, 5, **{**REPORT, "status": "blocked", "problems": "数据接口未对接"})
    out = StringIO()
    call_command("plan-overdue", date="2025-10-22", stdout=out)       # returns normally: exit code 0
    text = out.getvalue()
    assert "as of 2025-10-22" in text and "market_regulation" in text and "blocked" in text and "missing" in text


def test_progress_table(officer, admin, department):
    plan.report_progress(officer, 5, **REPORT)
    table = plan.progress_table(admin, "2025Q3", today=dt.date(2025, 10, 22))
    assert [row.number for row in table.rows] == list(range(1, 19)) and table.due == dt.date(2025, 10, 21)
    cell = next(c for c in table.rows[4].cells if c.code == "market_regulation")
    assert cell.role == "lead" and cell.report.percent == 40 and not cell.overdue
    assert next(c for c in table.rows[4].cells if c.code == "commerce").overdue
    own = plan.progress_table(officer, "2025Q3", today=dt.date(2025, 10, 22))
    assert all([c.code for c in row.cells] == ["market_regulation"] for row in own.rows)
    assert {row.number for row in own.rows} == {5, 9, 11, 13, 15, 1, 2, 6, 7, 8, 10, 12, 14, 16, 17, 18}
