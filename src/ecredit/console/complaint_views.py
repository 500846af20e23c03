"""Console pages of complaints and reports (投诉举报):

- the inbox: the cases the user may see (complaints.models.visible_to), filtered by status, channel, category,
  kind, overdue and escalated, with counts, the nearest deadline first;
- one case: the facts, the complainant masked (in full for the handling department, with a stated purpose,
  access-logged), the respondent and the registered subjects it was linked to, the category and how it was
  decided, the department and why, the deadlines with working days left, merged repeats, the steps, the
  updates pushed to the channel it came from, and a form for each step its status allows (complaints.flows);
- the escalation queue, the figures per channel, department and category, and the upload of a hotline's
  export file with a result per row.

Every write goes through complaints.flows / services; a refused step comes back as the domain's message.
"""

from __future__ import annotations

import datetime as dt

from django.contrib import messages
from django.contrib.auth.decorators import login_required
from django.core.exceptions import PermissionDenied
from django.core.paginator import Paginator
from django.http import Http404, HttpResponse, HttpResponseBadRequest
from django.shortcuts import redirect, render
from django.urls import path
from django.utils import timezone
from django.utils.http import urlencode
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy
from django.views.decorators.http import require_GET, require_http_methods, require_POST

from ecredit.complaints import flows, rules, services
from ecredit.complaints.classify import categories
from ecredit.complaints.models import Channel, Complaint, Kind, Outcome, Status
from ecredit.complaints.services import pages
from ecredit.kit.errors import DomainError, Forbidden, NotFound, ValidationFailed
from ecredit.registry.models import SubjectKind

from .views import console_principal

PAGE_SIZE = 50
NOTICE_CHANNEL_NAMES = {"phone": gettext_lazy("电话告知"), "sms": gettext_lazy("短信告知"),
                        "written": gettext_lazy("书面告知"), "in_person": gettext_lazy("当面告知"),
                        "electronic": gettext_lazy("电子送达")}

METHOD_NAMES = {"rule": gettext_lazy("规则匹配"), "keywords": gettext_lazy("关键词（分词）"),
                "default": gettext_lazy("未能识别（默认类别）")}


def _reader(request):
    """A console user who may read cases: a department or the credit office (complaint.handle), or a platform
    (complaint.intake: the complaints about its own shops, without the complainant)."""
    principal = console_principal(request)
    if not (principal.can("complaint.handle") or principal.can("complaint.intake")):
        raise PermissionDenied(_("您没有查看投诉举报的权限"))
    return principal


def _handler(request):
    principal = console_principal(request)
    if not principal.can("complaint.handle"):
        raise PermissionDenied(_("您没有办理投诉举报的权限"))
    return principal


def _flag(value: str) -> bool | None:
    return {"1": True, "0": False}.get(value)


def _deadline_cell(case: Complaint, today: dt.date) -> dict | None:
    if case.next_due is None or not case.is_open:
        return None
    left = pages.working_days_left(case.next_due, today)
    return {"due": case.next_due, "left": left, "late": -left if left is not None and left < 0 else 0,
            "overdue": case.next_due < today, "estimated": case.next_due_estimated}


# ---------------------------------------------------------------------------------------------- inbox


@login_required
@require_GET
def inbox(request):
    """The cases the user may see, nearest deadline first, with filters and counts."""
    principal = _reader(request)
    today = timezone.localdate()
    names = categories(on=today)
    get = request.GET
    status = get.get("status", "open")
    if status not in ("open", "finished", "all", *Status.values):
        status = "open"
    chosen = {"channel": get.get("channel", "") if get.get("channel") in Channel.values else "",
              "category": get.get("category", "") if get.get("category") in names else "",
              "kind": get.get("kind", "") if get.get("kind") in Kind.values else "",
              "overdue": get.get("overdue", "") if get.get("overdue") in ("1", "0") else "",
              "escalated": get.get("escalated", "") if get.get("escalated") in ("1", "0") else "",
              "q": get.get("q", "").strip()[:60]}
    found = pages.inbox(principal, today=today, status=None if status == "all" else status,
                        channel=chosen["channel"] or None, category=chosen["category"] or None,
                        kind=chosen["kind"] or None, overdue=_flag(chosen["overdue"]),
                        escalated=_flag(chosen["escalated"]), q=chosen["q"] or None)
    page = Paginator(found, PAGE_SIZE).get_page(get.get("page"))
    rows = [{"case": c, "category_name": names.get(c.category, c.category), "deadline": _deadline_cell(c, today)}
            for c in page.object_list]
    query = urlencode({k: v for k, v in {"status": status, **chosen}.items() if v})
    return render(request, "console/complaints/inbox.html", dict(
        rows=rows, page=page, total=page.paginator.count, today=today, status=status, chosen=chosen, query=query,
        counts=pages.inbox_counts(principal, today), statuses=Status.choices, channels=Channel.choices,
        kinds=Kind.choices, category_choices=sorted(names.items(), key=lambda kv: kv[1]),
        can_handle=principal.can("complaint.handle"), can_upload=bool(pages.hotlines_for(principal))))


# ---------------------------------------------------------------------------------------------- one case


def _case(principal, case_id: int) -> Complaint:
    try:
        return services.case_for(case_id, principal)
    except NotFound:
        raise Http404 from None
    except Forbidden as exc:
        raise PermissionDenied(str(exc.message)) from None


def _allowed(case: Complaint) -> set[str]:
    """The steps whose forms the case page offers in the case's status (the flows check again)."""
    status, complaint = case.status, case.kind == Kind.COMPLAINT
    allowed: set[str] = set()
    if status == Status.RECEIVED:
        allowed.add("transfer")
        if complaint:
            allowed |= {"accept", "not_accept"}
        else:
            allowed.add("decide_filing")
            if not case.filing_extended:
                allowed.add("extend_filing")
    if complaint and status in (Status.ACCEPTED, Status.MEDIATING):
        if status == Status.ACCEPTED:
            allowed.add("start_mediation")
        allowed.add("resume" if case.paused_since else "pause")
        if case.clue_found_at is None:
            allowed.add("record_clue")
        allowed |= {"mediated", "terminate", "close"}
    if case.clue_found_at is not None and not case.clue_result:
        allowed.add("check_clue")
    if status == Status.TERMINATED:
        allowed.add("close" if case.termination_notified_at else "notify_termination")
    if status == Status.MEDIATED:
        allowed.add("close")
    if not complaint and status in (Status.FILED, Status.NOT_FILED):
        allowed.add("notify_reporter" if case.real_name and not case.reporter_notified_at else "close")
    if status != Status.MERGED and (case.is_open or (case.upheld and case.record_id is None)):
        allowed.add("link_respondent")
    return allowed


def _respondent_links(case: Complaint) -> list[dict]:
    """The registered subjects the case was linked to, with their public profile when they have one."""
    links = []
    for label, subject in ((_("被投诉主体"), case.subject), (_("网店"), case.shop), (_("平台"), case.platform)):
        if subject is not None:
            links.append({"label": label, "subject": subject,
                          "public": subject.kind in (SubjectKind.ORGANISATION, SubjectKind.SHOP)})
    return links


def _case_context(request, principal, case: Complaint, revealed: dict | None = None) -> dict:
    today = timezone.localdate()
    shown = services.present(case, principal, today)
    names = categories(on=today)
    handles = pages.may_handle(case, principal)
    step_rows, updates = services.history(case, principal)
    steps = [{"step": s, "name": pages.STEP_NAMES.get(s.action, s.action)} for s in step_rows]
    return dict(
        case=case, shown=shown, today=today, revealed=revealed, steps=steps,
        category_name=names.get(case.category, case.category), deadlines=pages.deadlines(case, today),
        next_left=pages.working_days_left(case.next_due, today) if case.is_open else None,
        repeats=pages.repeats(case, principal), sibling=pages.sibling(case, principal),
        updates=updates, links=_respondent_links(case), may_handle=handles,
        allowed=_allowed(case) if handles else set(), not_accepted_reasons=rules.not_accepted_reasons().items(),
        termination_reasons=rules.termination_reasons().items(), outcomes=Outcome.choices,
        notice_channels=[(c, NOTICE_CHANNEL_NAMES.get(c, c)) for c in flows.NOTICE_CHANNELS],
        transfer_targets=pages.transfer_targets(case) if handles else [],
        reason_name={**rules.not_accepted_reasons(), **rules.termination_reasons()}.get(case.reason_code, ""),
        method_name=METHOD_NAMES.get(case.category_method, case.category_method),
        confidence=round(case.category_confidence * 100), can_handle=principal.can("complaint.handle"),
        can_upload=bool(pages.hotlines_for(principal)))


@login_required
@require_GET
def case_page(request, case_id: int):
    principal = _reader(request)
    case = _case(principal, case_id)
    return render(request, "console/complaints/case.html", _case_context(request, principal, case))


@login_required
@require_POST
def reveal(request, case_id: int):
    """The complainant in full for the handling department, with the purpose stated (access-logged). Shown on
    this response only, never stored."""
    principal = _handler(request)
    case = _case(principal, case_id)
    try:
        person = services.reveal_complainant(case.pk, principal, purpose=request.POST.get("purpose", ""),
                                             channel="console")
    except Forbidden as exc:
        raise PermissionDenied(str(exc.message)) from None
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return redirect("console:complaint", case_id=case.pk)
    response = render(request, "console/complaints/case.html", _case_context(request, principal, case, person))
    response["Cache-Control"] = "no-store"
    return response


def _run(action: str, case: Complaint, principal, post) -> str:
    """Call the flow of `action` with the form's values; the message to show when it went through."""
    pk = case.pk
    if action == "accept":
        flows.accept(pk, principal, note=post.get("note", ""))
        return _("已受理")
    if action == "not_accept":
        flows.not_accept(pk, principal, reason=post.get("reason", ""), note=post.get("note", ""))
        return _("已决定不予受理")
    if action == "transfer":
        flows.transfer(pk, principal, department=post.get("department", ""), outside=post.get("outside", ""),
                       note=post.get("note", ""))
        return _("已转办")
    if action == "start_mediation":
        flows.start_mediation(pk, principal, note=post.get("note", ""))
        return _("已开始调解")
    if action == "pause":
        flows.pause(pk, principal, reason=post.get("reason", ""))
        return _("调解期限已暂停")
    if action == "resume":
        flows.resume(pk, principal, note=post.get("note", ""))
        return _("调解期限已恢复计算")
    if action == "record_clue":
        flows.record_clue(pk, principal, text=post.get("text", ""))
        return _("已记录违法线索")
    if action == "check_clue":
        flows.check_clue(pk, principal, result=post.get("result", ""), extend=post.get("extend") == "1")
        return _("已记录线索核查")
    if action == "mediated":
        if post.get("merchant_at_fault") not in ("yes", "no"):
            raise ValidationFailed(_("请选择经营者是否存在过错"), field="merchant_at_fault")
        flows.mediated(pk, principal, agreement=post.get("agreement", ""),
                       merchant_at_fault=post.get("merchant_at_fault") == "yes",
                       compensation=post.get("compensation", ""), decision_no=post.get("decision_no", ""))
        return _("已记录调解协议")
    if action == "terminate":
        flows.terminate(pk, principal, reason=post.get("reason", ""), note=post.get("note", ""))
        return _("已终止调解，请在期限内告知双方")
    if action == "notify_termination":
        flows.notify_termination(pk, principal, channel=post.get("channel", ""), note=post.get("note", ""))
        return _("已记录告知")
    if action == "close":
        flows.close(pk, principal, outcome=post.get("outcome", ""), text=post.get("text", ""),
                    compensation=post.get("compensation", ""))
        return _("已办结")
    if action == "decide_filing":
        if post.get("file") not in ("yes", "no"):
            raise ValidationFailed(_("请选择立案或不予立案"), field="file")
        flows.decide_filing(pk, principal, file=post.get("file") == "yes", decision_no=post.get("decision_no", ""),
                            note=post.get("note", ""))
        return _("已记录立案决定")
    if action == "extend_filing":
        flows.extend_filing(pk, principal, reason=post.get("reason", ""))
        return _("核查期限已延长")
    if action == "notify_reporter":
        flows.notify_reporter(pk, principal, note=post.get("note", ""))
        return _("已记录告知举报人")
    value = (post.get("subject_id") or "").strip()
    if not value.isdigit():
        raise ValidationFailed(_("请填写信用主体编号（数字）"), field="subject_id")
    flows.link_respondent(pk, principal, subject_id=int(value))
    return _("已确认被投诉主体")


ACTIONS = ("accept", "not_accept", "transfer", "start_mediation", "pause", "resume", "record_clue", "check_clue",
           "mediated", "terminate", "notify_termination", "close", "decide_filing", "extend_filing",
           "notify_reporter", "link_respondent")


@login_required
@require_POST
def case_action(request, case_id: int):
    """One step of the case from its page."""
    principal = _handler(request)
    case = _case(principal, case_id)
    action = request.POST.get("action", "")
    if action not in ACTIONS:
        return HttpResponseBadRequest(_("未知的操作"))
    if not pages.may_handle(case, principal):
        raise PermissionDenied(_("只有承办部门或信用办可以办理该案件"))
    try:
        done = _run(action, case, principal, request.POST)
    except DomainError as exc:
        messages.error(request, str(exc.message))
        return redirect("console:complaint", case_id=case.pk)
    messages.success(request, done)
    if not Complaint.objects.visible_to(principal).filter(pk=case.pk).exists():
        return redirect("console:complaints")       # passed to another department
    return redirect("console:complaint", case_id=case.pk)


# ---------------------------------------------------------------------------------------------- queues, figures


@login_required
@require_GET
def escalated(request):
    """Overdue cases escalated to a department's supervisor (level 1) or the credit office (level 2)."""
    principal = _handler(request)
    today = timezone.localdate()
    names = categories(on=today)
    found = services.supervision_queue(principal, today)
    page = Paginator(found, PAGE_SIZE).get_page(request.GET.get("page"))
    rows = [{"case": c, "category_name": names.get(c.category, c.category), "deadline": _deadline_cell(c, today)}
            for c in page.object_list]
    return render(request, "console/complaints/escalated.html", dict(
        rows=rows, page=page, total=page.paginator.count, today=today, can_handle=True,
        can_upload=bool(pages.hotlines_for(principal))))


def _date(value: str) -> dt.date | None:
    try:
        return dt.date.fromisoformat(value) if value else None
    except ValueError:
        return None


@login_required
@require_GET
def figures(request):
    """Received, decided and closed on time, overdue and upheld per channel, department and category (Order 20
    art. 34)."""
    principal = _handler(request)
    today = timezone.localdate()
    since, until = _date(request.GET.get("since", "")), _date(request.GET.get("until", ""))
    tables = []
    for by, title in (("channel", _("按来源渠道")), ("department", _("按承办部门")), ("category", _("按问题类别"))):
        names = pages.group_names(by, today)
        rows = services.figures(principal, by=by, since=since, until=until, today=today)
        for row in rows:
            row["name"] = names.get(row["group"], row["group"])
        totals = {k: sum(r[k] for r in rows) for k in ("received", "merged", "decided", "decided_on_time", "closed",
                                                       "closed_on_time", "overdue", "escalated", "upheld")}
        tables.append({"by": by, "title": title, "rows": rows, "totals": totals})
    return render(request, "console/complaints/figures.html", dict(
        tables=tables, since=since, until=until, can_handle=True, can_upload=bool(pages.hotlines_for(principal))))


# ---------------------------------------------------------------------------------------------- hotline files


@login_required
@require_http_methods(["GET", "POST"])
def upload(request):
    """Upload a hotline's export file (xlsx/xls/csv in its own layout); the result names each row."""
    principal = console_principal(request)
    lines = pages.hotlines_for(principal)
    if not lines:
        raise PermissionDenied(_("您没有报送热线来件的权限"))
    report, chosen = None, request.POST.get("hotline", "")
    if request.method == "POST":
        upload_file = request.FILES.get("file")
        try:
            if chosen not in dict(lines):
                raise ValidationFailed(_("请选择热线"), field="hotline")
            if upload_file is None:
                raise ValidationFailed(_("请选择要上传的文件"), field="file")
            report = services.intake_hotline_file(chosen, upload_file.read(), upload_file.name, principal,
                                                  atomic=request.POST.get("atomic") == "1")
        except Forbidden as exc:
            raise PermissionDenied(str(exc.message)) from None
        except DomainError as exc:
            messages.error(request, str(exc.message))
    return render(request, "console/complaints/upload.html", dict(
        lines=lines, chosen=chosen, report=report.as_dict() if report else None,
        can_handle=principal.can("complaint.handle"), can_upload=True))


@login_required
@require_GET
def upload_template(request, hotline: str):
    """An empty CSV with the hotline's header row."""
    principal = console_principal(request)
    lines = dict(pages.hotlines_for(principal))
    if not lines:
        raise PermissionDenied(_("您没有报送热线来件的权限"))
    if hotline not in lines:
        raise Http404
    response = HttpResponse(services.template(hotline), content_type="text/csv; charset=utf-8")
    response["Content-Disposition"] = f'attachment; filename="hotline-{hotline}.csv"'
    return response


urlpatterns = [
    path("complaints/", inbox, name="complaints"),
    path("complaints/escalated/", escalated, name="complaints_escalated"),
    path("complaints/figures/", figures, name="complaint_figures"),
    path("complaints/upload/", upload, name="complaint_upload"),
    path("complaints/upload/<str:hotline>.csv", upload_template, name="complaint_upload_template"),
    path("complaints/<int:case_id>/", case_page, name="complaint"),
    path("complaints/<int:case_id>/complainant", reveal, name="complaint_reveal"),
    path("complaints/<int:case_id>/action", case_action, name="complaint_action"),
]
