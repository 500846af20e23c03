"""Console pages of the lists (红黑名单) and of joint rewards and punishments (联合奖惩):

- the entries an officer or platform may see, with the form to propose a subject and the credit office's
  candidate scan;
- one entry: its grounds and evidence, the procedure as the change log tells it, its deadlines, its archive
  record and measure tasks, and the forms of the steps its current status allows;
- an implementer's measure tasks, with the forms to accept, report, decline or lift;
- the supervision dashboard: response and execution per implementer, entries per list type and status,
  overdue tasks and procedure steps past their deadline.

Every write goes through lists.services / flows / joint; a refused step comes back as the domain's message.
"""

from __future__ import annotations

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.db.models import Case, Count, IntegerField, Q, Value, When
from django.http import Http404, HttpResponseBadRequest
from django.shortcuts import get_object_or_404, redirect, render
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.views.decorators.http import require_GET, require_POST

from ecredit import policy
from ecredit.access.models import Organisation, OrganisationKind
from ecredit.archive.models import CreditRecord
from ecredit.archive.services import log_reads, present
from ecredit.kit.errors import DomainError, NotFound, ValidationFailed
from ecredit.lists import flows, joint, services
from ecredit.lists.models import OPEN, PENDING, TASK_OPEN, EntryStatus, ListEntry, MeasureTask, TaskStatus
from ecredit.registry import lookups

from .views import console_principal

PAGE_SIZE = 50
SCAN_SESSION_KEY = "console_lists_scan"

# The deadline that matters in each status: (field on ListEntry, whether passing it is a lateness).
NEXT_DEADLINE = {
    EntryStatus.PROPOSED: ("notice_due", True),
    EntryStatus.NOTIFIED: ("objection_due", True),
    EntryStatus.OBJECTED: ("decision_due", True),
    EntryStatus.AWAITING_DECISION: ("decision_due", True),
    EntryStatus.DECIDED: ("publication_due", True),
    EntryStatus.PUBLISHED: ("ends_on", False),
}


def _text(texts) -> str:
    """A policy name in the page's language (Chinese unless switched)."""
    if texts is None:
        return ""
    return texts.en if (get_language() or "").startswith("en") else texts.zh


def _notice_channels() -> list[tuple[str, str]]:
    names = {"written": _("书面送达"), "electronic": _("电子送达"), "in_system": _("系统内告知"),
             "public_announcement": _("公告送达")}
    return [(code, names.get(code, code)) for code in flows.NOTICE_CHANNELS]


def _step_names() -> dict[str, str]:
    """The change log's action codes of an entry, as the timeline names them."""
    return {"propose": _("提出列入建议"), "notify": _("告知当事人"), "objection_filed": _("提出异议（陈述申辩）"),
            "objection_upheld": _("异议成立，不予列入"), "objection_rejected": _("异议不成立"),
            "window_closed": _("异议期届满"), "decide_list": _("决定列入"), "decide_not_list": _("决定不予列入"),
            "publish": _("发布"), "expire": _("期满移出"), "repair": _("信用修复移出"), "revoke": _("撤销列入")}


def _status_tag(entry: ListEntry, polarities: dict[str, str]) -> str:
    """The tag colour of an entry's status: pending in amber, listed in red (green for a reward list)."""
    if entry.status == EntryStatus.PUBLISHED:
        return "ok" if polarities.get(entry.list_type) == "reward" else "bad"
    return "warn" if entry.status in OPEN else ""


def _polarities() -> dict[str, str]:
    current = policy.current()
    return {code: getattr(current.list_type(code), "polarity", "") for code in current.lists.list_types}


def _list_type_names(on=None) -> dict[str, str]:
    current = policy.current()
    names = {}
    for code in current.lists.list_types:
        rule = current.list_type(code, on)
        names[code] = _text(rule.name) if rule else code
    return names


def _implementer_name(implementer) -> str:
    """Who carries out a measure: a department's name, or the kind of organisation ("every platform")."""
    current = policy.current()
    if implementer.department:
        department = current.department(implementer.department)
        org = Organisation.objects.filter(code=implementer.department).values_list("name", flat=True).first()
        return org or (_text(department.name) if department else implementer.department)
    kind = current.access.organisation_kinds.get(implementer.organisation_kind)
    return _("各%(kind)s") % {"kind": _text(kind) if kind else implementer.organisation_kind}


def _measure_name(code: str) -> str:
    try:
        return _text(policy.current().measure(code).name)
    except Exception:  # a measure withdrawn from the policy: its code still names it
        return code


def _deadline(entry: ListEntry, today) -> dict | None:
    """The next deadline of an entry in its status: label, date, and whether it has passed."""
    spec = NEXT_DEADLINE.get(entry.status)
    if spec is None:
        return None
    field, counts = spec
    due = getattr(entry, field)
    if due is None:
        return None
    return {"label": ListEntry._meta.get_field(field).verbose_name, "date": due,
            "overdue": counts and due < today}


def _may_decide(entry: ListEntry, principal) -> bool:
    return principal.can("list.handle") and (principal.city_wide
                                              or entry.department_id == principal.organisation_id)


def _list_principal(request):
    principal = console_principal(request)
    if not (principal.can("list.handle") or principal.can("list.propose")):
        raise PermissionDenied(_("您没有办理红黑名单的权限"))
    return principal


def _proposable_types(principal) -> list[tuple[str, str]]:
    """List types the principal may propose a subject for (a platform: punishment lists only)."""
    current = policy.current()
    types = []
    for code in current.lists.list_types:
        rule = current.list_type(code)
        if rule is None:
            continue
        if principal.organisation_kind == OrganisationKind.PLATFORM and rule.polarity != "punishment":
            continue
        types.append((code, _text(rule.name)))
    return types


def _may_propose(principal) -> bool:
    kinds = (OrganisationKind.DEPARTMENT, OrganisationKind.CREDIT_OFFICE, OrganisationKind.PLATFORM)
    return (principal.can("list.propose") and principal.organisation_id is not None
            and principal.organisation_kind in kinds)


# ---------------------------------------------------------------------------------------------- entries


@login_required
@require_GET
def entries_page(request):
    """The entries the user may see, filtered by status and list type, with the proposal form and (for the
    credit office) the candidate scan."""
    principal = _list_principal(request)
    today = timezone.localdate()
    status = request.GET.get("status", "")
    if status not in ("open", *EntryStatus.values):
        status = ""
    list_type = request.GET.get("list_type", "")
    type_names = _list_type_names()
    if list_type not in type_names:
        list_type = ""
    found = services.entries(principal, status=status or None, list_type=list_type or None)
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    polarities = _polarities()
    rows = [{"entry": e, "type_name": type_names.get(e.list_type, e.list_type),
             "deadline": _deadline(e, today), "tag": _status_tag(e, polarities)} for e in page.object_list]
    scan = request.session.pop(SCAN_SESSION_KEY, None)
    scan_rows = ([{"name": type_names.get(code, code), "found": n, "proposed": scan["proposed"].get(code, 0)}
                  for code, n in scan["found"].items()] if scan else [])
    query = "&".join(f"{k}={v}" for k, v in (("status", status), ("list_type", list_type)) if v)
    return render(request, "console/lists/entries.html", dict(
        today=today, rows=rows, page=page, total=page.paginator.count, status=status, list_type=list_type,
        statuses=[("open", _("办理中及在列")), *EntryStatus.choices], list_types=sorted(type_names.items()),
        query=query, can_propose=_may_propose(principal), proposable=_proposable_types(principal),
        can_scan=principal.city_wide and principal.can("list.handle"), scan_rows=scan_rows))


def _find_subject(principal, value: str):
    """A subject by its number in the archive or its unified social credit code."""
    value = (value or "").strip()
    if not value:
        raise ValidationFailed(_("请填写主体编号或统一社会信用代码"), field="subject")
    if value.isdigit() and len(value) < 18:
        return lookups.find(principal, subject_id=int(value))
    return lookups.find(principal, uscc=value.upper())


def _evidence_ids(value: str) -> list[int]:
    parts = [p for p in value.replace("，", ",").replace(" ", ",").split(",") if p.strip()]
    if not all(p.strip().isdigit() for p in parts):
        raise ValidationFailed(_("证据记录编号应为数字，以逗号分隔"), field="evidence")
    return [int(p) for p in parts]


@login_required
@require_POST
def propose(request):
    """Propose a subject for a list (departments, the credit office; a platform reports its own merchants)."""
    principal = _list_principal(request)
    if not _may_propose(principal):
        raise PermissionDenied(_("只有部门和平台可以提出列入名单"))
    try:
        subject = _find_subject(principal, request.POST.get("subject", ""))
        evidence = _evidence_ids(request.POST.get("evidence", ""))
        if evidence:
            visible = set(CreditRecord.objects.visible_to(principal).filter(pk__in=evidence, subject=subject)
                          .values_list("pk", flat=True))
            missing = [str(pk) for pk in evidence if pk not in visible]
            if missing:
                raise NotFound(_("以下证据记录不存在或不属于该主体：%(ids)s") % {"ids": "、".join(missing)})
        entry = services.propose(principal, list_type=request.POST.get("list_type", ""),
                                 subject_id=subject.pk, reason=request.POST.get("reason", ""),
                                 evidence=evidence)
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return redirect("console:lists")
    messages.success(request, _("已提出列入建议，等待认定部门告知当事人"))
    return redirect("console:list_entry", entry_id=entry.pk)


@login_required
@require_POST
def scan(request):
    """The credit office runs the candidate scan now (it also runs daily); the counts are shown once."""
    principal = _list_principal(request)
    if not (principal.city_wide and principal.can("list.handle")):
        raise PermissionDenied(_("只有市信用办可以运行候选名单扫描"))
    try:
        result = services.scan()
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return redirect("console:lists")
    request.session[SCAN_SESSION_KEY] = result.as_dict()
    messages.success(request, _("候选名单扫描完成：符合认定标准的主体 %(found)s 个，新提出 %(proposed)s 条") % {
        "found": sum(result.found.values()), "proposed": sum(result.proposed.values())})
    return redirect("console:lists")


# ---------------------------------------------------------------------------------------------- one entry


def _entry(request, entry_id: int):
    principal = _list_principal(request)
    permission = "list.handle" if principal.can("list.handle") else "list.propose"
    try:
        return principal, services.entry_for(entry_id, principal, permission=permission)
    except NotFound:
        raise Http404
    except DomainError as exc:
        raise PermissionDenied(str(exc.message))


def _grounds(entry: ListEntry, principal) -> tuple[list[dict], list[CreditRecord]]:
    """The entry's grounds with their records as the viewer may see them (a record it may not read is named
    by its number only)."""
    ids = {int(pk) for g in entry.grounds for pk in (g.get("records") or []) if str(pk).isdigit()}
    records = {r.pk: r for r in CreditRecord.objects.visible_to(principal).filter(pk__in=ids)
               .select_related("record_type", "subject")}
    grounds = []
    for ground in entry.grounds:
        items = []
        for pk in ground.get("records") or []:
            record = records.get(int(pk)) if str(pk).isdigit() else None
            items.append({"id": pk, "record": record,
                          "summary": present(record, principal)[0] if record else "",
                          "public": bool(record) and CreditRecord.objects.is_public(record)})
        grounds.append({"code": ground.get("code", ""), "name": ground.get("name", ""), "records": items,
                        "grade": ground.get("grade")})
    return grounds, list(records.values())


def _measures(code: str) -> list[dict]:
    rule = policy.current().list_type(code)
    if rule is None:
        return []
    out = []
    current = policy.current()
    for measure_code in rule.measures:
        measure = current.measure(measure_code)
        out.append({"code": measure_code, "name": _text(measure.name), "kind": measure.kind,
                    "content": measure.content, "implementer": _implementer_name(measure.implementer),
                    "legal_basis": measure.legal_basis, "accept_days": measure.accept_working_days,
                    "report_days": measure.report_working_days})
    return out


def _timeline(entry: ListEntry) -> list[dict]:
    steps = services.steps(entry)
    orgs = dict(Organisation.objects.filter(code__in={s["organisation"] for s in steps if s["organisation"]})
                .values_list("code", "name"))
    names = _step_names()
    return [{**s, "action_name": names.get(s["action"], s["action"]),
             "organisation_name": orgs.get(s["organisation"], s["organisation"])} for s in steps]


def _deadlines(entry: ListEntry, today) -> list[dict]:
    """Every deadline of the procedure with when the step was done; a deadline passed without the step is
    marked."""
    rows = [("notice_due", entry.notified_at, entry.status == EntryStatus.PROPOSED),
            ("objection_due", entry.objection_filed_at, entry.status == EntryStatus.NOTIFIED),
            ("decision_due", entry.decided_at,
             entry.status in (EntryStatus.OBJECTED, EntryStatus.AWAITING_DECISION)),
            ("publication_due", entry.published_on, entry.status == EntryStatus.DECIDED)]
    out = []
    for field, done, current in rows:
        due = getattr(entry, field)
        out.append({"label": ListEntry._meta.get_field(field).verbose_name, "due": due, "done": done,
                    "current": current, "overdue": current and due is not None and due < today})
    return out


@login_required
@require_GET
def entry_page(request, entry_id: int):
    principal, entry = _entry(request, entry_id)
    today = timezone.localdate()
    rule = policy.current().list_type(entry.list_type)
    grounds, records = _grounds(entry, principal)
    if entry.record_id:
        records.append(entry.record)
    log_reads(principal, records, _("办理名单"), "console")
    record_type = policy.current().record_types.get(rule.record_type) if rule else None
    tasks = (MeasureTask.objects.visible_to(principal).filter(entry=entry).select_related("implementer")
             .annotate(is_overdue=joint.overdue_flag(today)).order_by("measure", "implementer__code"))
    may_decide = _may_decide(entry, principal)
    return render(request, "console/lists/entry.html", dict(
        entry=entry, rule=rule, tag=_status_tag(entry, _polarities()),
        type_name=_text(rule.name) if rule else entry.list_type, department_name=entry.department.name,
        record_type_name=_text(record_type.name) if record_type else "",
        measures=_measures(entry.list_type), grounds=grounds, timeline=_timeline(entry),
        deadlines=_deadlines(entry, today), record=entry.record, today=today,
        tasks=[{"task": t, "measure_name": _measure_name(t.measure)} for t in tasks],
        proposer_org=(Organisation.objects.filter(pk=entry.proposed_by_org_id).values_list("name", flat=True)
                      .first()),
        may_decide=may_decide, channels=_notice_channels(),
        notice_channel_name=dict(_notice_channels()).get(entry.notice_channel, entry.notice_channel),
        can_notify=may_decide and entry.status == EntryStatus.PROPOSED,
        can_object=may_decide and entry.status == EntryStatus.NOTIFIED,
        can_decide_objection=may_decide and entry.status == EntryStatus.OBJECTED,
        can_decide=may_decide and entry.status in PENDING,
        can_publish=may_decide and entry.status == EntryStatus.DECIDED,
        can_remove=may_decide and entry.status == EntryStatus.PUBLISHED,
        is_open=entry.status in OPEN))


@login_required
@require_POST
def entry_action(request, entry_id: int):
    """One step of the procedure from the entry page; the domain refuses what the status does not allow."""
    principal, entry = _entry(request, entry_id)
    if not _may_decide(entry, principal):
        raise PermissionDenied(_("只有认定部门或信用办可以办理"))
    post = request.POST
    action = post.get("action", "")
    done = {"notify": _("已记录告知"), "objection": _("已记录异议"), "decide_objection": _("已处理异议"),
            "decide": _("已作出决定"), "publish": _("已发布，联合奖惩措施已推送"), "remove": _("已移出名单")}
    if action not in done:
        return HttpResponseBadRequest(_("未知的操作"))
    try:
        if action == "notify":
            flows.notify(entry.pk, principal, channel=post.get("channel", ""),
                         reference=post.get("reference", ""), text=post.get("text", ""))
        elif action == "objection":
            flows.file_objection(entry.pk, principal, text=post.get("text", ""))
        elif action == "decide_objection":
            if post.get("upheld") not in ("yes", "no"):
                raise ValidationFailed(_("请选择异议是否成立"), field="upheld")
            flows.decide_objection(entry.pk, principal, upheld=post.get("upheld") == "yes",
                                   decision=post.get("text", ""))
        elif action == "decide":
            if post.get("decision") not in ("list", "not_list"):
                raise ValidationFailed(_("请选择列入或不予列入"), field="decision")
            flows.decide(entry.pk, principal, list_subject=post.get("decision") == "list",
                         decision_no=post.get("decision_no", ""), text=post.get("text", ""))
        elif action == "publish":
            flows.publish(entry.pk, principal)
        else:
            flows.remove(entry.pk, principal, how=post.get("how", ""), reason=post.get("reason", ""))
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, done[action])
    return redirect("console:list_entry", entry_id=entry.pk)


# ---------------------------------------------------------------------------------------------- tasks


def _task_principal(request):
    principal = console_principal(request)
    if not principal.can("measure.respond") or principal.organisation_id is None:
        raise PermissionDenied(_("您没有接收联合奖惩措施的权限"))
    return principal


@login_required
@require_GET
def tasks_page(request):
    """The measure tasks dispatched to the user's organisation: open ones first, overdue ones marked."""
    principal = _task_principal(request)
    today = timezone.localdate()
    status = request.GET.get("status", "")
    if status not in ("open", *TaskStatus.values):
        status = ""
    found = (joint.tasks_of(principal, status=status or None, today=today)
             .filter(implementer_id=principal.organisation_id)
             .annotate(is_open=Case(When(status__in=TASK_OPEN, then=Value(0)), default=Value(1),
                                    output_field=IntegerField()))
             .order_by("is_open", "-is_overdue", "accept_due", "id"))
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    type_names = _list_type_names()
    rows = [{"task": t, "measure_name": _measure_name(t.measure), "type_name": type_names.get(
        t.entry.list_type, t.entry.list_type), "content": _measure_content(t.measure),
        "can_accept": t.status == TaskStatus.DISPATCHED,
        "can_report": t.status in (TaskStatus.DISPATCHED, TaskStatus.ACCEPTED),
        "can_lift": t.status == TaskStatus.TO_LIFT} for t in page.object_list]
    counts = dict(MeasureTask.objects.filter(implementer_id=principal.organisation_id)
                  .aggregate(open=Count("id", filter=Q(status__in=TASK_OPEN)),
                             overdue=Count("id", filter=joint.overdue_q(today))))
    return render(request, "console/lists/tasks.html", dict(
        rows=rows, page=page, total=page.paginator.count, status=status, today=today, counts=counts,
        statuses=[("open", _("待办（待接收、实施中、待解除）")), *TaskStatus.choices],
        query=f"status={status}" if status else ""))


def _measure_content(code: str) -> str:
    try:
        return policy.current().measure(code).content
    except Exception:
        return ""


@login_required
@require_POST
def task_action(request, task_id: int):
    """Accept, report, decline or lift one task."""
    principal = _task_principal(request)
    action = request.POST.get("action", "")
    done = {"accept": _("已接收"), "report": _("已反馈实施情况"), "decline": _("已说明不适用理由"),
            "lift": _("已解除措施")}
    if action not in done:
        return HttpResponseBadRequest(_("未知的操作"))
    get_object_or_404(MeasureTask.objects.filter(implementer_id=principal.organisation_id), pk=task_id)
    try:
        joint.respond(task_id, principal, action=action, text=request.POST.get("text", ""))
    except DomainError as exc:
        messages.error(request, str(exc.message))
    else:
        messages.success(request, done[action])
    return redirect(reverse("console:list_tasks") + f"#task-{task_id}")


# ---------------------------------------------------------------------------------------------- supervision


def _rate(value: float | None) -> str:
    return "—" if value is None else f"{value * 100:.1f}%"


@login_required
@require_GET
def supervision_page(request):
    """Joint action under supervision: each implementer's response and execution, the entries per list type
    and status, tasks overdue or escalated, and procedure steps past their deadline."""
    principal = console_principal(request)
    if not principal.can("supervision.view"):
        raise PermissionDenied(_("您没有查看督查督办信息的权限"))
    today = timezone.localdate()
    kinds = policy.current().access.organisation_kinds
    groups: dict[str, dict] = {}
    for figures in joint.implementer_figures(principal, today):
        group_kind = (OrganisationKind.DEPARTMENT if figures.kind == OrganisationKind.CREDIT_OFFICE
                      else figures.kind)
        group = groups.setdefault(group_kind, {"name": _text(kinds.get(group_kind)) or group_kind,
                                               "rows": []})
        group["rows"].append({"f": figures, "execution": _rate(figures.execution_rate),
                              "response": _rate(figures.response_rate)})
    order = [OrganisationKind.DEPARTMENT, OrganisationKind.PLATFORM, OrganisationKind.BANK]
    implementer_groups = sorted(groups.items(), key=lambda kv: order.index(kv[0]) if kv[0] in order else 9)

    type_names = _list_type_names()
    visible = ListEntry.objects.visible_to(principal)
    counts: dict[str, dict[str, int]] = {}
    for row in visible.values("list_type", "status").annotate(n=Count("id")):
        counts.setdefault(row["list_type"], {})[row["status"]] = row["n"]
    statuses = EntryStatus.choices
    entry_rows = [{"name": type_names.get(code, code), "code": code,
                   "cells": [by_status.get(value, 0) for value, _label in statuses],
                   "total": sum(by_status.values())} for code, by_status in sorted(counts.items())]

    late_tasks = []
    if principal.city_wide:
        late_tasks = [{"task": t, "measure_name": _measure_name(t.measure),
                       "type_name": type_names.get(t.entry.list_type, t.entry.list_type)}
                      for t in MeasureTask.objects.filter(joint.overdue_q(today) | Q(
                          escalated_at__isnull=False, status__in=TASK_OPEN))
                      .select_related("entry", "entry__subject", "implementer")
                      .annotate(is_overdue=joint.overdue_flag(today))
                      .order_by("accept_due", "id")[:200]]
    deciding = (EntryStatus.OBJECTED, EntryStatus.AWAITING_DECISION)
    late = visible.filter(Q(status=EntryStatus.PROPOSED, notice_due__lt=today)
                          | Q(status__in=deciding, decision_due__lt=today)
                          | Q(status=EntryStatus.DECIDED, publication_due__lt=today))
    late_entries = [{"entry": e, "type_name": type_names.get(e.list_type, e.list_type),
                     "deadline": _deadline(e, today)}
                    for e in late.select_related("subject", "department").order_by("proposed_at", "id")[:200]]
    return render(request, "console/lists/supervision.html", dict(
        today=today, implementer_groups=implementer_groups, statuses=statuses, entry_rows=entry_rows,
        late_tasks=late_tasks, late_entries=late_entries, city_wide=principal.city_wide,
        unstaffed=joint.unstaffed_measures(today) if principal.city_wide else []))
