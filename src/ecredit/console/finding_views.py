"""Console pages of findings (造假线索): what the detectors found in platform and logistics data, before an officer.

- the findings the user may see, counted by kind and status, filtered by kind, status, platform and subject,
  open ones first;
- one finding: summary, score and rank, its evidence as tables per kind (a ring also drawn as a graph), when it
  was first and last found, the officer's decision, and the forms to confirm it (it becomes a credit record,
  shown with its link) or dismiss it, a reason required either way;
- the detection runs with their figures and the review classifier's state, with "run now" and "retrain" for
  who may run detection.

Rights: `finding.view` to see (a department sees the kinds findings.yaml routes to it), `finding.review` to
decide, `finding.run` to run and retrain. Every write goes through findings.services / flows.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Case, Count, IntegerField, Q, Value, When
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import path
from django.utils.http import urlencode
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ecredit import policy
from ecredit.access.models import Organisation
from ecredit.archive.models import CreditRecord
from ecredit.archive.services import log_reads
from ecredit.audit.services import record_access
from ecredit.findings import flows, graph, services
from ecredit.findings.models import DetectionRun, Finding, FindingKind, FindingStatus, ReviewModel, RunStatus
from ecredit.kit.errors import DomainError, NotFound
from ecredit.registry.models import Subject

from .finding_evidence import evidence_context, figure_names, plain
from .views import console_principal

PAGE_SIZE = 50
RUNS_PAGE_SIZE = 30
# A run's figures per detector: these are what it did with the findings; the rest is what it read.
RUN_COUNTS = ("new", "refreshed", "reopened", "follow_ups", "unchanged", "findings", "seconds", "window")


def _principal(request):
    principal = console_principal(request)
    if not principal.can("finding.view"):
        raise PermissionDenied(_("您没有查看造假线索的权限"))
    return principal


def _tag(status: str) -> str:
    return {FindingStatus.OPEN: "warn", FindingStatus.CONFIRMED: "bad", FindingStatus.DISMISSED: ""}.get(status, "")


def role_names() -> dict[str, str]:
    """How a subject is involved in a finding (FindingSubject.role)."""
    return {"ring_shop": _("团伙网店"), "name_owner": _("被冒用名称的企业"), "operator": _("经营者"),
            "carrier": _("寄递企业"), "platform": _("平台"), "uses_channel": _("使用该渠道的网店")}


def graph_labels() -> dict[str, str]:
    """The ring graph's texts in the user's language (same keys and fields as graph.LABELS)."""
    return {"title": _("刷单团伙关系图"),
            "summary": _("买家 {buyers} 个 · 网店 {shops} 个（团伙网店 {ring} 个）· 订单 {orders} 笔"),
            "hidden": _("为保持可读，另有 {buyers} 个买家、{shops} 个网店（{orders} 笔订单）未画出"),
            "buyers": _("买家（平台化名）"), "shops": _("网店"), "ring_shop": _("团伙网店"),
            "other_shop": _("团伙外网店（伪装订单）"), "width": _("线宽：订单笔数"),
            "buyer_tip": _("买家 {id} · {orders} 笔订单"),
            "shop_tip": _("{kind} {name}（{id}）· 团伙买家订单 {orders} 笔"),
            "edge_tip": _("{buyer} → {shop} · {orders} 笔订单"), "empty": _("没有可画出的订单")}


@login_required
@require_GET
def findings_page(request):
    """The findings the user may see: counts by kind and status, filters, one page of findings."""
    principal = _principal(request)
    visible = Finding.objects.visible_to(principal)
    kind = request.GET.get("kind", "")
    kind = kind if kind in FindingKind.values else ""
    # Open findings by default: they are the work; "全部" sends an empty status.
    status = request.GET.get("status", FindingStatus.OPEN) if "status" in request.GET or not request.GET else ""
    status = status if status in FindingStatus.values else ""
    platform = request.GET.get("platform", "")
    platform = platform if platform.isdigit() else ""
    q = request.GET.get("q", "").strip()[:100]

    found = visible
    if kind:
        found = found.filter(kind=kind)
    if status:
        found = found.filter(status=status)
    if platform:
        found = found.filter(platform_id=int(platform))
    if q:
        match = (Q(subject__name__icontains=q) | Q(subject__shop_id=q) | Q(subject__uscc=q.upper())
                 | Q(title__icontains=q) | Q(involved__subject__name__icontains=q)
                 | Q(involved__subject__shop_id=q) | Q(involved__subject__uscc=q.upper()))
        if q.isdigit():
            match |= Q(pk=int(q)) | Q(subject_id=int(q))
        found = found.filter(match).distinct()
    found = (found.select_related("subject", "subject__platform", "platform")
             .annotate(open_first=Case(When(status=FindingStatus.OPEN, then=Value(0)), default=Value(1),
                                       output_field=IntegerField()),
                       kind_order=Case(*[When(kind=k, then=Value(i)) for i, k in enumerate(FindingKind.values)],
                                       default=Value(len(FindingKind.values)), output_field=IntegerField()))
             .order_by("open_first", "kind_order", "rank", "-last_seen", "id"))
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))

    counts: dict[str, dict[str, int]] = {}
    for row in visible.values("kind", "status").annotate(n=Count("id")):
        counts.setdefault(row["kind"], {})[row["status"]] = row["n"]
    table = [{"kind": value, "label": label, "cells": [(s, counts.get(value, {}).get(s, 0))
                                                        for s in FindingStatus.values],
              "total": sum(counts.get(value, {}).values())}
             for value, label in FindingKind.choices if value in counts or principal.city_wide]
    totals = [(s, sum(counts.get(k, {}).get(s, 0) for k in counts)) for s in FindingStatus.values]
    platforms = Subject.objects.filter(pk__in=visible.exclude(platform__isnull=True).values("platform_id")
                                       ).order_by("name").values_list("pk", "name")
    query = urlencode([(k, v) for k, v in (("kind", kind), ("status", status), ("platform", platform), ("q", q))
                       if v or k == "status"])
    rows = [{"f": f, "tag": _tag(f.status)} for f in page.object_list]
    return render(request, "console/findings/findings.html", dict(
        rows=rows, page=page, total=page.paginator.count, table=table, totals=totals,
        grand_total=sum(n for _s, n in totals), kind=kind, status=status, platform=platform, q=q,
        kinds=FindingKind.choices, statuses=FindingStatus.choices, platforms=platforms, query=query,
        can_run=principal.can("finding.run")))


def _finding_for(principal, finding_id: int) -> Finding:
    finding = (Finding.objects.visible_to(principal)
               .select_related("subject", "subject__platform", "subject__operator", "platform",
                               "first_run", "last_run")
               .filter(pk=finding_id).first())
    if finding is None:
        raise Http404
    return finding


def _records(finding: Finding, principal) -> list[dict]:
    """The credit records a confirmed finding wrote, as the viewer may see them."""
    ids = [int(i) for i in finding.record_ids or [] if str(i).isdigit()]
    if not ids:
        return []
    records = list(CreditRecord.objects.visible_to(principal).filter(pk__in=ids)
                   .select_related("record_type", "subject").order_by("id"))
    log_reads(principal, records, _("核查造假线索"), "console")
    return [{"record": r, "public": CreditRecord.objects.is_public(r)} for r in records]


@login_required
@require_GET
def finding_page(request, finding_id: int):
    """One finding: summary, evidence, history, decision and the forms to confirm or dismiss it."""
    principal = _principal(request)
    finding = _finding_for(principal, finding_id)
    # Evidence is platform data the public never sees (buyers, orders, waybills): its reading is logged.
    record_access(principal.actor, finding.subject_id, f"finding:{finding.pk}", _("核查造假线索"), "console")
    ring_svg = None
    if finding.kind == FindingKind.ORDER_RING:
        try:
            ring_svg = mark_safe(graph.ring_svg(services.ring_graph(finding), labels=graph_labels()))  # noqa: S308
        except (DomainError, KeyError, TypeError, ValueError):
            ring_svg = None
    roles = role_names()
    involved = list(finding.involved.select_related("subject", "subject__platform").order_by("role", "subject_id"))
    for item in involved:
        item.role_label = roles.get(item.role, item.role)
    reviewer_org = (Organisation.objects.filter(code=finding.reviewer_org).values_list("name", flat=True).first()
                    or finding.reviewer_org) if finding.reviewer_org else ""
    same_kind = Finding.objects.filter(kind=finding.kind, last_run=finding.last_run_id).count()
    return render(request, "console/findings/finding.html", dict(
        f=finding, tag=_tag(finding.status), ring_svg=ring_svg, involved=involved, same_kind=same_kind,
        reviewer_org=reviewer_org, reviewer=finding.reviewed_by.removeprefix("user:"),
        records=_records(finding, principal), evidence=evidence_context(finding, principal),
        can_review=principal.can("finding.review") and finding.status in FindingStatus.decidable(),
        becomes=_becomes(finding), operator_unidentified=flows.operator_unidentified(finding)))


def _becomes(finding: Finding) -> dict | None:
    """What confirming the finding does, as findings.yaml says: the record type written, or shielding."""
    try:
        outcome = flows.outcome_of(finding)
    except (KeyError, LookupError):
        return None
    rule = policy.current().record_types.get(outcome.record_type) if outcome.record_type else None
    return {"summary": str(outcome.summary), "record_type": rule, "shield": outcome.shield_ground is not None,
            "ring_shops": outcome.subjects == "ring_shops"}


@login_required
@require_POST
def finding_action(request, finding_id: int):
    """Confirm or dismiss a finding from its page; the reason is required either way."""
    principal = _principal(request)
    if not principal.can("finding.review"):
        raise PermissionDenied(_("您没有核查造假线索的权限"))
    action = request.POST.get("action", "")
    if action not in ("confirm", "dismiss"):
        return HttpResponseBadRequest(_("未知的操作"))
    reason = request.POST.get("reason", "").strip()
    if not reason:
        messages.error(request, _("请填写核查意见（确认或排除的理由）"))
        return redirect("console:finding", finding_id=finding_id)
    _finding_for(principal, finding_id)       # 404 for a finding the user may not see
    try:
        if action == "confirm":
            flows.confirm(finding_id, principal, reason=reason)
            messages.success(request, _("已确认该线索，信用记录已写入信用档案"))
        else:
            flows.dismiss(finding_id, principal, reason=reason)
            messages.success(request, _("已排除该线索"))
    except NotFound:
        raise Http404
    except DomainError as exc:
        messages.error(request, str(exc.message))
    return redirect("console:finding", finding_id=finding_id)


def _run_rows(runs) -> list[dict]:
    """Each run with its figures per detector as table rows."""
    out, labels = [], figure_names()
    for run in runs:
        figures = run.figures if isinstance(run.figures, dict) else {}
        detectors = []
        for name in run.detectors or figures.keys():
            values = figures.get(name) if isinstance(figures.get(name), dict) else {}
            read = [(labels.get(k, k), plain(v)) for k, v in values.items() if k not in RUN_COUNTS]
            detectors.append({"name": name, "label": _kind_label(name), "values": values, "read": read})
        seconds = (run.finished_at - run.started_at).total_seconds() if run.finished_at else None
        out.append({"run": run, "detectors": detectors, "seconds": seconds})
    return out


def _kind_label(value: str) -> str:
    try:
        return str(FindingKind(value).label)
    except ValueError:
        return value


@login_required
@require_GET
def runs_page(request):
    """Detection runs with their figures, and the review classifier's state."""
    principal = _principal(request)
    page = Paginator(DetectionRun.objects.order_by("-started_at", "-id"), RUNS_PAGE_SIZE).get_page(
        request.GET.get("page"))
    models = list(ReviewModel.objects.order_by("-trained_at", "-id")[:10])
    active = next((m for m in models if m.active), None) or ReviewModel.objects.filter(active=True).first()
    labelled = dict(Finding.objects.filter(kind=FindingKind.REVIEW_ACCOUNTS, label__isnull=False)
                    .values_list("label").annotate(n=Count("id")))
    return render(request, "console/findings/runs.html", dict(
        rows=_run_rows(page.object_list), page=page, models=models, active=active,
        positives=labelled.get(1, 0), negatives=labelled.get(0, 0),
        can_run=principal.can("finding.run")))


@login_required
@require_POST
def run_now(request):
    """Start a detection run over the data up to today (who may run detection)."""
    principal = _principal(request)
    if not principal.can("finding.run"):
        raise PermissionDenied(_("您没有运行造假检测的权限"))
    try:
        run = services.run_detection(principal)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        if run.status == RunStatus.FINISHED:
            messages.success(request, _("检测已运行完毕（第 {n} 次运行）").format(n=run.pk))
        else:
            messages.error(request, _("检测运行失败（第 {n} 次运行）：{error}").format(n=run.pk, error=run.error[:300]))
    return redirect("console:finding_runs")


@login_required
@require_POST
def retrain(request):
    """Retrain the review classifier from the reviewed findings (who may run detection)."""
    principal = _principal(request)
    if not principal.can("finding.run"):
        raise PermissionDenied(_("您没有运行造假检测的权限"))
    try:
        model = flows.retrain(principal)
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, _("评价识别模型已重新训练（正样本 {p} 个，负样本 {n} 个）").format(
            p=model.positives, n=model.negatives))
    return redirect("console:finding_runs")


urlpatterns: list = [
    path("findings/", findings_page, name="findings"),
    path("findings/runs/", runs_page, name="finding_runs"),
    path("findings/runs/run", run_now, name="finding_run_now"),
    path("findings/runs/retrain", retrain, name="finding_retrain"),
    path("findings/<int:finding_id>/", finding_page, name="finding"),
    path("findings/<int:finding_id>/action", finding_action, name="finding_action"),
]
