"""Read-only queries and small wrappers the console and portal pages of complaints need beyond the services:
the inbox in deadline order with its counts, a case's deadlines with the working days left, the steps' names,
what a complainant may see when tracking a case, the departments of the online reporting centre (R10.4), the
hotlines an officer may upload files for, and the names of figure groups. Nothing here writes."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone
from django.utils.translation import get_language
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ecredit import policy
from ecredit.access.models import Organisation
from ecredit.kit.errors import Forbidden, NotFound
from ecredit.policy import in_force

from .. import rules
from ..models import OPEN, Channel, Complaint, Kind, Status
from .reading import cases, portal_status, require_handler

# What each step of a case is called on the console (the change log's action codes, flows and intake).
STEP_NAMES = {
    "receive": gettext_lazy("接收登记"), "receive_merged": gettext_lazy("接收（重复件并案）"),
    "merge": gettext_lazy("并入先收到的案件"), "unmerge": gettext_lazy("恢复单独办理"),
    "split": gettext_lazy("投诉与举报分别处理（第七条）"), "transfer": gettext_lazy("转办（第三十七条）"),
    "transfer_out": gettext_lazy("移送外地（第三十七条）"), "accept": gettext_lazy("受理"),
    "not_accept": gettext_lazy("不予受理"), "start_mediation": gettext_lazy("开始调解"),
    "pause": gettext_lazy("检测鉴定，调解期限暂停"), "resume": gettext_lazy("恢复调解期限"),
    "clue_found": gettext_lazy("发现违法线索"), "clue_extended": gettext_lazy("线索核查延期"),
    "clue_checked": gettext_lazy("线索核查完毕"), "mediated": gettext_lazy("达成调解协议"),
    "terminate": gettext_lazy("终止调解"), "termination_notified": gettext_lazy("告知终止调解"),
    "close": gettext_lazy("办结"), "file": gettext_lazy("举报立案"), "not_file": gettext_lazy("举报不予立案"),
    "extend_filing": gettext_lazy("立案核查延期"), "reporter_notified": gettext_lazy("告知举报人"),
    "link_respondent": gettext_lazy("确认被投诉主体"), "overdue": gettext_lazy("超期"),
    "escalate_1": gettext_lazy("超期督办（承办部门负责人）"), "escalate_2": gettext_lazy("超期督办（市信用办）"),
}

# What the complainant reads when tracking a case: only the steps that concern them, in plain words. Internal
# steps (escalation, clue checks, linking the respondent) are not shown.
PUBLIC_STEPS = {
    "receive": gettext_lazy("已收到，交{org}办理"),
    "receive_merged": gettext_lazy("已收到；您此前已反映过同一事项，合并办理"),
    "merge": gettext_lazy("与您此前反映的同一事项合并办理"),
    "unmerge": gettext_lazy("恢复单独办理"),
    "transfer": gettext_lazy("已转交有处理权限的部门办理"),
    "transfer_out": gettext_lazy("被投诉人不在本市，已移送有管辖权的外地部门"),
    "accept": gettext_lazy("已受理"),
    "not_accept": gettext_lazy("不予受理：{reason}"),
    "start_mediation": gettext_lazy("开始调解"),
    "pause": gettext_lazy("商品送检测、鉴定，所需时间不计入调解期限"),
    "resume": gettext_lazy("检测、鉴定结束，继续调解"),
    "mediated": gettext_lazy("双方达成调解协议"),
    "terminate": gettext_lazy("终止调解：{reason}"),
    "termination_notified": gettext_lazy("已告知终止调解"),
    "close": gettext_lazy("已办结"),
    "file": gettext_lazy("举报已立案"),
    "not_file": gettext_lazy("举报不予立案"),
    "extend_filing": gettext_lazy("核查期限依法延长"),
    "reporter_notified": gettext_lazy("已告知举报人处理情况"),
}

# The deadlines a case can have, in the order they arise, with the timestamp that says the step was done.
DEADLINES = (
    ("accept_due", "decided_at", gettext_lazy("受理决定（第十四条，7个工作日）"), Kind.COMPLAINT),
    ("mediation_due", "closed_at", gettext_lazy("调解期限（第二十一条，45个工作日）"), Kind.COMPLAINT),
    ("clue_check_due", "clue_result", gettext_lazy("违法线索核查（第二十三条）"), Kind.COMPLAINT),
    ("termination_notice_due", "termination_notified_at", gettext_lazy("告知终止调解（第二十一条第二款）"),
     Kind.COMPLAINT),
    ("filing_due", "decided_at", gettext_lazy("立案决定"), Kind.REPORT),
    ("reporter_notice_due", "reporter_notified_at", gettext_lazy("告知实名举报人（第三十一条第二款）"), Kind.REPORT),
)


def text(texts) -> str:
    """A policy name in the page's language."""
    return str(texts) if texts is not None else ""


# ---------------------------------------------------------------------------------------------- console


def inbox(principal, *, today: dt.date | None = None, **filters: Any) -> QuerySet:
    """`services.cases` with the same filters, the nearest deadline first (cases waiting on none last)."""
    return cases(principal, today=today, **filters).order_by(F("next_due").asc(nulls_last=True), "received_at", "id")


def inbox_counts(principal, today: dt.date | None = None) -> dict[str, int]:
    """Counts over every case the principal sees: open, waiting for a decision, due within three working
    days, overdue, escalated."""
    today = today or timezone.localdate()
    soon = rules.add_working_days(today, 3)
    found = cases(principal, today=today)
    return found.aggregate(
        open=Count("id", filter=Q(status__in=OPEN)),
        waiting=Count("id", filter=Q(status=Status.RECEIVED)),
        due_soon=Count("id", filter=Q(status__in=OPEN, next_due__gte=today, next_due__lte=soon)),
        overdue=Count("id", filter=Q(status__in=OPEN, next_due__lt=today)),
        escalated=Count("id", filter=Q(status__in=OPEN, escalation_level__gt=0)))


def may_handle(case: Complaint, principal) -> bool:
    """Whether the principal takes this case's steps (and may read the complainant in full)."""
    try:
        require_handler(case, principal)
    except Forbidden:
        return False
    return True


def working_days_left(due: dt.date | None, today: dt.date) -> int | None:
    """Working days from today to `due` (0 when due today, negative when passed)."""
    if due is None:
        return None
    if due >= today:
        return rules.working_days_between(today, due)
    return -rules.working_days_between(due, today)


def deadlines(case: Complaint, today: dt.date | None = None) -> list[dict[str, Any]]:
    """Every deadline the case has: when it falls, when the step was done, whether the case waits on it now,
    working days left, and whether it has passed without the step."""
    today = today or timezone.localdate()
    out = []
    for name, done_field, label, kind in DEADLINES:
        due = getattr(case, name)
        if case.kind != kind or due is None:
            continue
        done = getattr(case, done_field)
        if name == "mediation_due" and not done and case.status in (Status.MEDIATED, Status.TERMINATED):
            done = True             # mediation has ended: agreement or termination (closure comes after)
        current = case.next_due == due and case.status in OPEN and not done
        out.append({"name": name, "label": label, "due": due, "done": done, "current": current,
                    "left": working_days_left(due, today) if current else None,
                    "overdue": current and due < today, "estimated": current and case.next_due_estimated})
    return out


def repeats(case: Complaint, principal) -> list[Complaint]:
    """The repeats merged into a case that the principal may see, oldest first."""
    return list(Complaint.objects.visible_to(principal).filter(merged_into=case).order_by("received_at", "id"))


def sibling(case: Complaint, principal) -> Complaint | None:
    """The other case made from the same submission (complaint and report, Order 20 art. 7), if visible."""
    if not case.sibling_id:
        return None
    return Complaint.objects.visible_to(principal).filter(pk=case.sibling_id).first()


def transfer_targets(case: Complaint) -> list[tuple[str, str]]:
    """City departments (active, in departments.yaml) a case may be passed to: (code, name)."""
    current = policy.current()
    codes = [d.code for d in current.departments.departments]
    orgs = {o.code: o.name for o in Organisation.objects.filter(code__in=codes, active=True,
                                                                kind__in=("department", "credit_office"))}
    return [(code, orgs[code]) for code in codes if code in orgs and code != getattr(case.handling_org, "code", "")]


def hotlines_for(principal, on: dt.date | None = None) -> list[tuple[str, str]]:
    """The hotlines whose export files the principal may upload: (number, name). Mirrors
    `require_hotline_sender` so the page offers only what the service accepts."""
    if not principal.can("complaint.intake"):
        return []
    out = []
    for number in rules.hotline_numbers():
        line = rules.hotline(number, on)
        if principal.city_wide or principal.organisation_code in (line.organisation, line.department):
            out.append((number, line.name.zh if not (get_language() or "").startswith("en") else line.name.en))
    return out


def group_names(by: str, on: dt.date | None = None) -> dict[str, str]:
    """Names of the groups of `services.figures(by=...)`: channels, departments or categories."""
    from ..classify import categories

    if by == "channel":
        return {c.value: str(c.label) for c in Channel}
    if by == "category":
        return categories(on=on)
    current = policy.current()
    names = {d.code: text(d.name) for d in current.departments.departments}
    names.update(Organisation.objects.filter(code__in=list(names)).values_list("code", "name"))
    return names


# ---------------------------------------------------------------------------------------------- portal


def _public_steps(case: Complaint) -> list[dict[str, Any]]:
    reasons = {**rules.not_accepted_reasons(), **rules.termination_reasons()}
    org = case.handling_org.name if case.handling_org_id else _("承办部门")
    out = []
    for step in case.steps.order_by("at", "id"):
        words = PUBLIC_STEPS.get(step.action)
        if words is None:
            continue
        out.append({"at": step.at, "text": str(words).format(org=org, reason=reasons.get(case.reason_code, "")),
                    "status": step.get_status_display()})
    return out


def _public_case(case: Complaint, today: dt.date) -> dict[str, Any]:
    due = [d for d in deadlines(case, today) if d["name"] in ("accept_due", "mediation_due", "filing_due")]
    return {"case_no": case.case_no, "kind": case.get_kind_display(), "is_complaint": case.kind == Kind.COMPLAINT,
            "status": case.status, "status_label": case.get_status_display(), "received_at": case.received_at,
            "handling_org": case.handling_org.name if case.handling_org_id else "", "deadlines": due,
            "accepted_at": case.accepted_at, "closed_at": case.closed_at, "open": case.status in OPEN,
            "steps": _public_steps(case)}


def track(case_no: str, phone: str, today: dt.date | None = None) -> dict[str, Any]:
    """What the complainant sees of their case, given its number and the phone they left: status in plain
    words, the steps that concern them, and the deadlines; a repeat shows the case it was merged into as well
    (the same phone made both). NotFound for a wrong number or phone (`services.portal_status` checks both)."""
    today = today or timezone.localdate()
    portal_status(case_no, phone)
    case = Complaint.objects.select_related("handling_org", "merged_into__handling_org").get(
        case_no=(case_no or "").strip())
    shown = _public_case(case, today)
    shown["merged_into"] = _public_case(case.merged_into, today) if case.merged_into_id else None
    return shown


def reporting_departments(on: dt.date | None = None) -> list[dict[str, Any]]:
    """The departments that take complaints and reports (those the categories and hotlines route to), each with
    what it handles (its categories and duties), its hotlines, and its organisation when it takes reports
    online (None: the department has no account yet and is reached by its hotline)."""
    from ..classify import categories

    day = on or timezone.localdate()
    current = policy.current()
    handled: dict[str, list[str]] = {}
    names = categories(on=day)
    for code, versions in current.complaint_categories.categories.items():
        department = in_force(versions, day).department
        if code != current.complaint_categories.default:
            handled.setdefault(department, []).append(names[code])
    lines: dict[str, list[dict[str, str]]] = {}
    for number in rules.hotline_numbers():
        line = rules.hotline(number, day)
        lines.setdefault(line.department, []).append({"number": number, "name": text(line.name)})
    codes = [d.code for d in current.departments.departments if d.code in handled or d.code in lines]
    orgs = {o.code: o for o in Organisation.objects.filter(code__in=codes, active=True,
                                                          kind__in=("department", "credit_office"))}
    out = []
    for code in codes:
        department = current.department(code)
        org = orgs.get(code)
        out.append({"code": code, "name": org.name if org else text(department.name), "short": department.short,
                    "categories": handled.get(code, []), "duties": department.duties, "hotlines": lines.get(code, []),
                    "organisation": org})
    return out


def reporting_department(code: str, on: dt.date | None = None) -> dict[str, Any]:
    """One department of the reporting centre that takes reports online; NotFound otherwise."""
    for department in reporting_departments(on):
        if department["code"] == code and department["organisation"] is not None:
            return department
    raise NotFound(_("该部门暂未开通网上举报"), field="department", code="unknown_department")
