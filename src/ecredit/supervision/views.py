"""Console pages of supervision: the plan's tasks and progress (R18.2), platforms' compliance (R11.1), and the
form by which a department records an interview or notice to a platform (R11.3)."""

from __future__ import annotations

import uuid

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.http import Http404
from django.shortcuts import redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_http_methods, require_POST

from ecredit.console.views import console_principal
from ecredit.evaluation.quarterly import Quarter
from ecredit.kit.errors import DomainError, NotFound

from .models import ProgressStatus
from .services import compliance, interviews, plan


def supervisor(request):
    """The console principal, if it may see supervision pages (credit office, department officers)."""
    principal = console_principal(request)
    if not principal.can("supervision.view"):
        raise PermissionDenied(_("您没有查看督查督办信息的权限"))
    return principal


@login_required
def plan_page(request):
    """The plan's tasks: for the credit office every task with overdue items first; for a department its own
    tasks, each with a form to report progress."""
    principal = supervisor(request)
    try:
        table = plan.progress_table(principal, request.GET.get("period") or None)
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return redirect("console:plan")
    today = timezone.localdate()
    periods = plan.reportable_periods(today)
    default_period = Quarter.of(today).previous()
    can_report = principal.can("plan.report") and principal.organisation_id is not None
    own_rows = [] if principal.city_wide else table.rows
    departments = sorted({(c.code, c.name) for row in table.rows for c in row.cells}) if principal.city_wide \
        else []
    return render(request, "supervision/plan.html", dict(
        table=table, overdue=table.overdue, periods=periods, default_period=default_period,
        statuses=ProgressStatus.choices, can_report=can_report, own_rows=own_rows, departments=departments,
        tasks=[(row.number, row.title) for row in table.rows], city_wide=principal.city_wide))


@login_required
@require_POST
def plan_report(request):
    """Submit a progress report from the plan page."""
    principal = supervisor(request)
    post = request.POST
    try:
        number = int(post.get("task", ""))
    except ValueError:
        raise Http404 from None
    try:
        result = plan.report_progress(
            principal, number, period=post.get("period", ""), status=post.get("status", ""),
            percent=post.get("percent") or 0, summary=post.get("summary", ""), problems=post.get("problems", ""),
            next_steps=post.get("next_steps", ""), department=post.get("department") or None)
        words = {"created": _("已报告"), "updated": _("已更新"), "unchanged": _("内容未变化")}
        messages.success(request, _("任务{n}（{period}）：{outcome}").format(
            n=number, period=result.progress.period, outcome=words[result.outcome]))
    except DomainError as exc:
        messages.error(request, _("任务{n}：{message}").format(n=number, message=exc.message))
    return redirect(reverse("console:plan") + f"#task-{number}")


@login_required
def platforms_page(request):
    """Every platform's compliance figures."""
    principal = supervisor(request)
    report = compliance.platform_compliance(principal)
    return render(request, "supervision/platforms.html", dict(
        report=report, can_record=principal.can("record.submit") and principal.organisation_kind in
        ("department", "credit_office")))


@login_required
@require_http_methods(["GET", "POST"])
def interview_form(request, subject_id: int):
    """A department records an interview, notice or rectification order to a platform; it becomes a public
    credit record, shown on the platform's portal profile."""
    principal = supervisor(request)
    if not principal.can("record.submit") or principal.organisation_kind not in ("department", "credit_office"):
        raise PermissionDenied(_("只有行业主管、监管部门或信用办可以记录约谈、通报"))
    try:
        subject = interviews.platform(subject_id)
    except NotFound:
        raise Http404 from None
    values = {"measure": "interview", "decided_on": timezone.localdate().isoformat(),
              "form_id": uuid.uuid4().hex, "duties": []}
    error = None
    if request.method == "POST":
        post = request.POST
        values = {key: post.get(key, "").strip() for key in ("measure", "decided_on", "document_no", "failings",
                                                              "rectification", "rectification_deadline",
                                                              "authority", "form_id")}
        values["duties"] = post.getlist("duties")
        try:
            record = interviews.record_interview(
                principal, subject.pk, measure=values["measure"], decided_on=values["decided_on"],
                failings=values["failings"], rectification=values["rectification"],
                rectification_deadline=values["rectification_deadline"], document_no=values["document_no"],
                duties=values["duties"], authority=values["authority"], form_id=values["form_id"])
        except DomainError as exc:
            error = exc
        else:
            messages.success(request, _("已记录“{name}”的{measure}，并在公示门户向社会公开（记录编号 {id}）").format(
                name=subject.name, measure=interviews.MEASURES[record.details["measure"]], id=record.pk))
            return redirect("console:platforms")
    return render(request, "supervision/interview.html", dict(
        subject=subject, values=values, error=error, measures=list(interviews.MEASURES.items()),
        duties=list(interviews.DUTIES.items())), status=422 if error else 200)
