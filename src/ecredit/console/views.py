"""The officer's workbench: my organisation's batches and their errors, objections and repairs waiting on me."""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.db.models import Count, Sum
from django.http import HttpRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.utils import timezone
from django.utils.translation import gettext as _
from django.views.decorators.http import require_POST

from ecredit.access.principal import for_user
from ecredit.archive import flows
from ecredit.archive.services import log_reads
from ecredit.archive.models import Objection, ObjectionStatus, RepairApplication, RepairStatus
from ecredit.exchange.models import Batch
from ecredit.kit.errors import DomainError
from ecredit.registry import shops
from ecredit.supervision.services import plan as supervision_plan


def console_principal(request: HttpRequest):
    """The logged-in user's principal; 403 for anyone without the console right."""
    principal = for_user(request.user)
    if not principal.can("console.use"):
        raise PermissionDenied(_("您没有使用管理后台的权限"))
    return principal


@login_required
def workbench(request):
    principal = console_principal(request)
    today = timezone.localdate()
    batches = Batch.objects.visible_to(principal).select_related("organisation")
    since = timezone.now() - dt.timedelta(days=30)
    figures = batches.filter(submitted_at__gte=since).aggregate(
        batches=Count("id"), received=Sum("received"), created=Sum("created"), rejected=Sum("rejected"))
    objections = (Objection.objects.visible_to(principal).open().select_related("record__record_type",
                                                                              "record__subject")
                  .order_by("decide_due")) if principal.can("objection.handle") else Objection.objects.none()
    repairs = (RepairApplication.objects.visible_to(principal).filter(status=RepairStatus.APPLIED)
               .select_related("record__record_type", "record__subject").order_by("decide_due")
               ) if principal.can("repair.handle") else RepairApplication.objects.none()
    attention = (shops.shops_needing_attention(principal).count()
                 if principal.can("shop.view_stale") and shops.supervises_real_names(principal) else None)
    # The credit office is flagged when departments are late with their progress on the plan's tasks (R18.2).
    plan_overdue = (supervision_plan.overdue_count(principal, today)
                    if principal.city_wide and principal.can("supervision.view") else None)
    return render(request, "console/workbench.html", dict(
        today=today, figures=figures, batches=batches[:15], objections=objections[:100], repairs=repairs[:100],
        open_objections=objections.count(), open_repairs=repairs.count(), attention=attention,
        plan_overdue=plan_overdue))


@login_required
def batch_detail(request, batch_id: int):
    principal = console_principal(request)
    batch = get_object_or_404(Batch.objects.visible_to(principal).select_related("organisation"), pk=batch_id)
    return render(request, "console/batch.html", dict(batch=batch, errors=batch.errors[:500]))


@login_required
def objection_detail(request, objection_id: int):
    principal = console_principal(request)
    objection = get_object_or_404(Objection.objects.visible_to(principal).select_related(
        "record__record_type", "record__subject", "record__source"), pk=objection_id)
    log_reads(principal, [objection.record], _("办理异议"), "console")
    open_ = objection.status in (ObjectionStatus.FILED, ObjectionStatus.REVIEWING)
    return render(request, "console/objection.html", dict(
        objection=objection, record=objection.record, today=timezone.localdate(),
        can_handle=principal.can("objection.handle") and open_))


@login_required
@require_POST
def objection_action(request, objection_id: int):
    principal = console_principal(request)
    action, note = request.POST.get("action", ""), request.POST.get("note", "").strip()
    try:
        if action == "accept":
            flows.check_objection(objection_id, principal, accept=True, note=note)
        elif action == "refuse":
            flows.check_objection(objection_id, principal, accept=False, note=note)
        elif action == "reject":
            flows.decide_objection(objection_id, principal, upheld=False, decision=note)
        elif action == "revoke":
            flows.decide_objection(objection_id, principal, upheld=True, decision=note, revoke=True)
        elif action == "correct":
            flows.decide_objection(objection_id, principal, upheld=True, decision=note,
                                   correction={"summary": request.POST.get("summary", "")})
        else:
            raise PermissionDenied
        messages.success(request, _("已办理"))
    except DomainError as exc:
        messages.error(request, str(exc.message))
    return redirect("console:objection", objection_id=objection_id)


@login_required
def repair_detail(request, application_id: int):
    principal = console_principal(request)
    application = get_object_or_404(RepairApplication.objects.visible_to(principal).select_related(
        "record__record_type", "record__subject"), pk=application_id)
    log_reads(principal, [application.record], _("办理信用修复"), "console")
    return render(request, "console/repair.html", dict(
        application=application, record=application.record,
        can_handle=principal.can("repair.handle") and application.status == RepairStatus.APPLIED))


@login_required
@require_POST
def repair_action(request, application_id: int):
    principal = console_principal(request)
    try:
        flows.decide_repair(application_id, principal, approve=request.POST.get("action") == "approve",
                            decision=request.POST.get("note", "").strip())
        messages.success(request, _("已办理"))
    except DomainError as exc:
        messages.error(request, str(exc.message))
    return redirect("console:repair", application_id=application_id)

