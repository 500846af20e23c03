"""The demo city's supervision side: departments' progress reports on the plan's tasks (R18.2) and two
regulators' interviews of platforms (R11.3), written through the supervision services.

Progress reports are for the latest quarter whose due date has passed *today* (overdue is counted from
today, not from the demo's anchor date): every department on every task reports, except a few that are
late, and one task is reported blocked, so the credit office's page and workbench have something to flag.
The interviews are dated from the anchor, like the demo's records, so they repeat exactly between runs.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone

from ecredit import policy
from ecredit.access.models import Organisation
from ecredit.access.principal import Principal
from ecredit.supervision.models import ProgressStatus
from ecredit.supervision.services import interviews, plan

from .world import ANCHOR

# Departments that have not reported for the quarter (whole departments, and one department on one task).
LATE_DEPARTMENTS = ("telecom", "civil_affairs", "statistics")
LATE_PAIRS = {(15, "cyberspace")}
BLOCKED = (8, "ciq", "跨境电商进口商品追溯数据与海关系统尚未对接，追溯信息无法共享。",
           "与海关、市场监管部门协商数据接口，争取下季度完成对接测试。")
COMPLETED_TASKS = {7, 16}
PHRASES = (
    "已制定本部门工作方案，明确责任处室和时间节点，按季度推进。",
    "已完成相关信用信息的梳理和归集，按目录向市公共信用信息平台报送。",
    "组织开展专项检查，督促重点电子商务平台落实主体责任。",
    "会同相关部门召开工作推进会，协调解决数据共享中的问题。",
    "开展诚信宣传进平台、进企业活动，发布典型案例。",
)
INTERVIEWS = (
    # (platform index, days before the anchor, measure, duties, failings, rectification, days to rectify)
    (0, 40, "interview", ["real_name", "reporting"],
     "平台内部分网店未按规定核验经营者身份信息，逾期未向市场监管部门报送平台内经营者身份信息。",
     "", 0),
    (2, 12, "rectification_order", ["complaint_handling", "risk_alert"],
     "平台对消费者集中投诉的网店未及时采取处置措施，未按要求发布风险提示。",
     "建立投诉集中网店的核查和处置机制，对相关网店发布风险提示，并报送整改情况。", 30),
)


def _principal(org: Organisation) -> Principal:
    role = "credit_office_admin" if org.kind == "credit_office" else "department_officer"
    return Principal.build(f"demo:{org.code}", role, org)


def progress(orgs: dict[str, Organisation], today: dt.date | None = None) -> int:
    """Progress reports for the latest quarter past due; returns how many were written."""
    today = today or timezone.localdate()
    current = policy.current()
    quarter = plan.reference_quarter(today, plan.reporting_rule(today), current.calendar)
    entries = []
    for number, on_task in sorted(plan.assignments().items()):
        title = current.plan.task(number).title.zh
        for index, code in enumerate(on_task.all):
            if code in LATE_DEPARTMENTS or (number, code) in LATE_PAIRS or code not in orgs:
                continue
            lead = on_task.role(code) == "lead"
            status, percent = ProgressStatus.IN_PROGRESS, 40 + (number * 7 + index * 11) % 55
            problems, next_steps = "", "按计划继续推进，下季度报告进展。"
            if number in COMPLETED_TASKS and lead:
                status, percent = ProgressStatus.COMPLETED, 100
            if (number, code) == BLOCKED[:2]:
                status, percent, problems, next_steps = ProgressStatus.BLOCKED, 20, BLOCKED[2], BLOCKED[3]
            summary = f"围绕任务{number}“{title}”，{'牵头' if lead else '配合'}开展工作：" \
                      f"{PHRASES[(number + index) % len(PHRASES)]}"
            entries.append(plan.ProgressEntry(_principal(orgs[code]), number, str(quarter), status, percent,
                                              summary, problems, next_steps))
    return len(plan.report_many(entries, today))


def platform_interviews(orgs: dict[str, Organisation]) -> int:
    """Interviews of two platforms by the market regulator; returns how many were written."""
    from ecredit.registry.models import Subject

    officer = _principal(orgs["market_regulation"])
    platforms = list(Organisation.objects.filter(kind="platform").order_by("code")
                     .values_list("uscc", flat=True))
    made = 0
    for serial, (index, days, measure, duties, failings, rectification, to_rectify) in enumerate(INTERVIEWS, 1):
        if index >= len(platforms):
            continue
        subject = Subject.objects.filter(uscc=platforms[index]).first()
        if subject is None:
            continue
        decided = ANCHOR - dt.timedelta(days=days)
        interviews.record_interview(
            officer, subject.pk, measure=measure, decided_on=decided, failings=failings, duties=duties,
            rectification=rectification, document_no=f"通市监约〔{decided.year}〕{serial}号",
            rectification_deadline=decided + dt.timedelta(days=to_rectify) if to_rectify else None,
            form_id=f"demo-{serial}")
        made += 1
    return made
