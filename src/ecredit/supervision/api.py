"""Supervision endpoints: the plan's tasks with each department's progress, reporting progress, overdue items
(R18.2), and platforms' compliance figures (R11.1)."""

from __future__ import annotations

from ninja import Router

from .schemas import ComplianceOut, OverdueOut, ProgressIn, ProgressOut, PlanTaskOut
from .services import compliance, plan

router = Router(tags=["supervision"])


@router.get("/plan/tasks", response=list[PlanTaskOut],
            summary="The plan's tasks with each lead and cooperating department's progress for a period")
def plan_tasks(request, period: str = ""):
    table = plan.progress_table(request.auth, period or None)
    out = []
    for row in table.rows:
        out.append({"number": row.number, "title": row.title, "section": row.section,
                    "requirements": row.requirements, "departments": [{
                        "code": c.code, "name": c.name, "role": c.role, "period": str(table.period),
                        "status": c.report.status if c.report else None,
                        "percent": c.report.percent if c.report else None,
                        "reported_at": c.report.reported_at if c.report else None, "overdue": c.overdue,
                        "latest_period": c.latest.period if c.latest else None,
                        "latest_status": c.latest.status if c.latest else None} for c in row.cells]})
    return out


@router.post("/plan/tasks/{int:number}/progress", response=ProgressOut,
             summary="Report a department's progress on a task for a quarter (re-sending the same is harmless)")
def report_progress(request, number: int, body: ProgressIn):
    result = plan.report_progress(request.auth, number, **body.model_dump())
    item = result.progress
    return {"id": item.pk, "task": item.task, "department": item.department.code, "period": item.period,
            "status": item.status, "percent": item.percent, "summary": item.summary, "problems": item.problems,
            "next_steps": item.next_steps, "reported_by": item.reported_by, "reported_at": item.reported_at,
            "outcome": result.outcome, "log_seq": item.log_seq}


@router.get("/plan/overdue", response=list[OverdueOut],
            summary="Reports past due and tasks reported blocked (all for the credit office, "
                    "own for a department)")
def plan_overdue(request):
    return [{"task": i.task, "department": i.department, "department_name": plan.department_name(i.department),
             "role": i.role, "period": i.period, "due": i.due, "due_estimated": i.estimated,
             "working_days_overdue": i.working_days_overdue, "reason": i.reason}
            for i in plan.overdue(request.auth)]


@router.get("/platforms/compliance", response=ComplianceOut,
            summary="Platforms' compliance figures: real-name verification, reporting timeliness, risk alerts, "
                    "complaints, interviews")
def platforms_compliance(request):
    report = compliance.platform_compliance(request.auth)
    return {"as_of": report.as_of, "since": report.since,
            "report_deadline_working_days": report.rule.report_deadline_working_days,
            "reference": report.rule.reference,
            "platforms": [{
                "subject_id": p.subject_id, "name": p.name, "uscc": p.uscc, "shops": p.shops,
                "verified_shops": p.verified_shops, "verification_rate": p.verification_rate,
                "stale_shops": p.stale_shops, "timely_shop_share": p.timely_shop_share, "reports": p.reports,
                "report_median_working_days": p.report_median_days,
                "reports_within_deadline": p.reports_within_deadline, "report_timely_share": p.report_timely_share,
                "risk_alerts": p.risk_alerts, "complaints": p.complaints,
                "complaints_per_1000_shops": p.complaints_per_1000_shops, "interviews": p.interviews,
                "last_interview": p.last_interview, "joint_action_response_rate": p.joint_action_response_rate,
            } for p in report.platforms]}
