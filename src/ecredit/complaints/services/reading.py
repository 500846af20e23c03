"""Reading cases as each principal may: lists and details with the complainant masked (and withheld from
platforms), the complainant in full for the handling department with a stated purpose (logged), the
supervision queue, the channels' update feeds, figures per channel, department and category."""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.db.models import Count, F, Q, QuerySet
from django.db.models.functions import TruncDate
from django.utils import timezone
from django.utils.translation import gettext as _

from ecredit.audit.services import ChainWriter, logged_write, record_access
from ecredit.kit.errors import Forbidden, NotFound, ValidationFailed

from ..models import FINISHED, OPEN, ChannelUpdate, Complaint, ComplaintStep, Kind, Status
from .. import rules
from .common import UPDATE_MODEL, masked_complainant, open_complainant, update_state, without_personal_data

READ_PERMISSIONS = ("complaint.handle", "complaint.intake")
FIGURE_GROUPS = ("channel", "department", "category")
DEADLINE_FIELDS = ("accept_due", "mediation_due", "termination_notice_due", "clue_check_due", "filing_due",
                   "reporter_notice_due")


def _require_reader(principal) -> None:
    if not any(principal.can(p) for p in READ_PERMISSIONS):
        principal.require("complaint.handle")


def case_for(case_id: int, principal, *, permission: str | None = None, lock: bool = False) -> Complaint:
    """The case if the principal may see it (and holds `permission`); NotFound otherwise."""
    if permission:
        principal.require(permission)
    else:
        _require_reader(principal)
    found = Complaint.objects.visible_to(principal).filter(pk=case_id)
    if lock:
        found = found.select_for_update(of=("self",))
    case = found.select_related("handling_org", "channel_org").first()
    if case is None:
        raise NotFound(_("案件不存在"))
    return case


def require_handler(case: Complaint, principal) -> None:
    """Only the handling department (or the credit office) takes a case's steps."""
    principal.require("complaint.handle")
    if not principal.city_wide and (case.handling_org_id is None or case.handling_org_id != principal.organisation_id):
        raise Forbidden(_("只有承办部门或信用办可以办理该案件"))


def may_see_complainant(case: Complaint, principal) -> bool:
    """Whether the principal sees the complainant at all (masked): never a platform (Order 20 art. 33)."""
    return principal.organisation_kind != "platform" or (case.channel == "platform"
                                                         and case.channel_org_id == principal.organisation_id)


def cases(principal, *, status: str | None = None, channel: str | None = None, category: str | None = None,
          department: str | None = None, kind: str | None = None, overdue: bool | None = None,
          escalated: bool | None = None, q: str | None = None, today: dt.date | None = None) -> QuerySet:
    """Cases the principal may see, newest first, filtered; status may also be 'open' or 'finished'."""
    _require_reader(principal)
    today = today or timezone.localdate()
    found = Complaint.objects.visible_to(principal).select_related("handling_org", "merged_into")
    if status == "open":
        found = found.filter(status__in=OPEN)
    elif status == "finished":
        found = found.filter(status__in=FINISHED)
    elif status:
        found = found.filter(status=status)
    for name, value in (("channel", channel), ("category", category), ("department", department), ("kind", kind)):
        if value:
            found = found.filter(**{name: value})
    if overdue is True:
        found = found.filter(status__in=OPEN, next_due__lt=today)
    elif overdue is False:
        found = found.exclude(status__in=OPEN, next_due__lt=today)
    if escalated is not None:
        found = found.filter(escalation_level__gt=0) if escalated else found.filter(escalation_level=0)
    if q:
        q = q.strip()[:60]
        found = found.filter(Q(case_no__icontains=q) | Q(channel_ticket__icontains=q) | Q(respondent_name__icontains=q)
                             | Q(shop_name__icontains=q) | Q(order_no=q))
    return found


def supervision_queue(principal, today: dt.date | None = None) -> QuerySet:
    """Escalated cases: a department's supervisor sees its own at level 1 and up; the credit office level 2 of
    every department (and, city-wide, every escalated case)."""
    principal.require("complaint.handle")
    found = cases(principal, escalated=True, today=today).filter(status__in=OPEN)
    return found.order_by("-escalation_level", "next_due", "id")


def present(case: Complaint, principal, today: dt.date | None = None) -> dict[str, Any]:
    """A case as lists and details show it: the complainant masked (absent for platforms), deadlines and whether
    the case is overdue, the respondent as named and as resolved."""
    today = today or timezone.localdate()
    show = may_see_complainant(case, principal)
    clean = (lambda text: text) if show else (lambda text: without_personal_data(case, text))  # noqa: E731
    dues = {name: getattr(case, name) for name in DEADLINE_FIELDS}
    return dict(
        id=case.pk, case_no=case.case_no, kind=case.kind, kind_label=case.get_kind_display(), channel=case.channel,
        channel_label=case.get_channel_display(), channel_ticket=case.channel_ticket, received_at=case.received_at,
        complainant=masked_complainant(case) if show else None, real_name=case.real_name,
        respondent=dict(name=case.respondent_name, uscc=case.respondent_uscc, address=case.respondent_address,
                        shop_name=case.shop_name, shop_id=case.shop_no, platform_name=case.platform_name,
                        platform_uscc=case.platform_uscc, subject_id=case.subject_id, shop_subject_id=case.shop_id,
                        platform_subject_id=case.platform_id, resolved_by=case.resolved_by),
        order_no=case.order_no, waybill_no=case.waybill_no, content=clean(case.content), claim=clean(case.claim),
        amount=case.amount, aware_on=case.aware_on, time_barred=case.time_barred, category=case.category,
        category_method=case.category_method, category_confidence=case.category_confidence,
        department=case.department, handling_org=case.handling_org.name if case.handling_org_id else "",
        handling_region=case.handling_region, out_of_area=case.out_of_area, routing_note=case.routing_note,
        status=case.status, status_label=case.get_status_display(), accept_due=case.accept_due,
        mediation_due=case.mediation_due, paused_since=case.paused_since,
        paused_working_days=case.paused_working_days, termination_notice_due=case.termination_notice_due,
        clue_check_due=case.clue_check_due, filing_due=case.filing_due, reporter_notice_due=case.reporter_notice_due,
        next_due=case.next_due, next_due_estimated=case.next_due_estimated,
        provisional=[name for name, day in dues.items() if rules.estimated(day)],
        overdue=bool(case.next_due and case.status in OPEN and case.next_due < today),
        escalation_level=case.escalation_level, reason_code=case.reason_code, outcome=case.outcome,
        outcome_text=clean(case.outcome_text), compensation=case.compensation, upheld=case.upheld, record_id=case.record_id,
        merged_into=case.merged_into.case_no if case.merged_into_id else None,
        accepted_at=case.accepted_at, decided_at=case.decided_at, closed_at=case.closed_at)


def detail(case_id: int, principal) -> dict[str, Any]:
    """A case with its steps, repeats, sibling and channel updates."""
    case = case_for(case_id, principal)
    out = present(case, principal)
    out["steps"] = list(case.steps.order_by("at", "id").values("at", "action", "actor", "organisation", "status",
                                                                 "note"))
    if not may_see_complainant(case, principal):
        for step in out["steps"]:
            step["note"] = without_personal_data(case, step["note"])
    out["repeats"] = list(case.repeats.order_by("received_at").values_list("case_no", flat=True))
    out["sibling"] = case.sibling.case_no if case.sibling_id else None
    out["updates"] = list(case.updates.order_by("id").values("id", "event", "status_code", "status_label", "at",
                                                             "acknowledged_at"))
    return out


def history(case: Complaint, principal) -> tuple[list[ComplaintStep], list[ChannelUpdate]]:
    """The case's steps and channel updates as the principal may read them: for a principal who may not see the
    complainant (a platform), the officers' notes and the texts pushed back without the complainant's data."""
    steps = list(case.steps.order_by("at", "id"))
    updates = list(case.updates.order_by("id"))
    if not may_see_complainant(case, principal):
        for step in steps:          # shown only, never saved
            step.note = without_personal_data(case, step.note)
        for update in updates:
            update.text = without_personal_data(case, update.text)
    return steps, updates


def reveal_complainant(case_id: int, principal, *, purpose: str, channel: str) -> dict[str, str]:
    """The complainant's name, phone and address in full, for the handling department only, with a stated
    purpose; the read is access-logged (reporters' identity is confidential, Order 20 art. 33)."""
    case = case_for(case_id, principal, permission="complaint.handle")
    require_handler(case, principal)
    if not (purpose or "").strip():
        raise ValidationFailed(_("查看投诉（举报）人完整信息须说明用途"), field="purpose", code="required")
    record_access(principal.actor, case.subject_id, f"complainant:{case.case_no}", purpose.strip(), channel)
    return open_complainant(case)


def portal_status(case_no: str, phone: str) -> dict[str, Any]:
    """What the portal shows someone who gives a case number and the phone they gave: status and steps' dates."""
    from ..layouts import normalise_phone
    from .common import phone_lookup

    case = Complaint.objects.filter(case_no=(case_no or "").strip()).first()
    if case is None or not phone or case.phone_lookup != phone_lookup(normalise_phone(phone)):
        raise NotFound(_("未找到该案件，请核对案件编号和联系电话"))
    return dict(case_no=case.case_no, kind=case.get_kind_display(), status=case.get_status_display(),
                received_at=case.received_at, handling_org=case.handling_org.name if case.handling_org_id else "",
                merged_into=case.merged_into.case_no if case.merged_into_id else None,
                steps=[dict(at=s.at, status=s.get_status_display()) for s in case.steps.order_by("at", "id")
                       if s.action not in ("split",)])


# ---------------------------------------------------------------------------------------------- channel feeds


def updates_feed(principal, *, cursor: int = 0, limit: int = 100, pending_only: bool = False) -> list[ChannelUpdate]:
    """Updates addressed to the caller's organisation (a hotline's client, a platform) after `cursor`, oldest
    first; the credit office sees every channel's."""
    principal.require("complaint.intake")
    found = ChannelUpdate.objects.filter(id__gt=max(0, int(cursor)))
    if not principal.city_wide:
        found = found.filter(recipient=principal.organisation_code or "-")
    if pending_only:
        found = found.filter(acknowledged_at__isnull=True)
    return list(found.select_related("complaint").order_by("id")[:max(1, min(int(limit), 1000))])


@logged_write
def acknowledge(principal, ids: list[int], *, now: dt.datetime | None = None) -> dict[str, int]:
    """The caller confirms it received these updates (its own only); acknowledging twice changes nothing."""
    principal.require("complaint.intake")
    if not isinstance(ids, list) or len(ids) > 1000:
        raise ValidationFailed(_("ids 应为不超过1000个的列表"), field="ids", code="bad_ids")
    # An id no row can have (beyond 64 bits, or not positive) is simply unknown, never a database error.
    wanted = [int(i) for i in ids if isinstance(i, int) and 0 < i < 2**63]
    found = ChannelUpdate.objects.select_for_update().filter(id__in=wanted)
    if not principal.city_wide:
        found = found.filter(recipient=principal.organisation_code or "-")
    counts = {"acknowledged": 0, "already": 0, "unknown": 0}
    mine = list(found.order_by("id"))
    counts["unknown"] = len(set(ids)) - len(mine)
    with ChainWriter(now) as log:
        for update in mine:
            if update.acknowledged_at is not None:
                counts["already"] += 1
                continue
            update.acknowledged_at, update.acknowledged_by = log.at, principal.label[:120]
            update.log_seq = log.append(principal.actor, "acknowledge", UPDATE_MODEL, update.pk,
                                        update_state(update))
            update.save(update_fields=["acknowledged_at", "acknowledged_by", "log_seq"])
            counts["acknowledged"] += 1
    return counts


# ---------------------------------------------------------------------------------------------- figures


def figures(principal, *, by: str = "channel", since: dt.date | None = None, until: dt.date | None = None,
            today: dt.date | None = None) -> list[dict[str, Any]]:
    """Per channel, department or category: cases received (and merged), decided on time (acceptance, or a
    report's filing decision), closed, closed without ever being overdue, overdue now, upheld (Order 20 art. 34)."""
    principal.require("complaint.handle")
    if by not in FIGURE_GROUPS:
        raise ValidationFailed(_("by 应为：{choices}").format(choices="、".join(FIGURE_GROUPS)), field="by",
                               code="bad_group")
    today = today or timezone.localdate()
    found = Complaint.objects.visible_to(principal)
    if since:
        found = found.filter(received_at__date__gte=since)
    if until:
        found = found.filter(received_at__date__lte=until)
    found = found.annotate(decided_on=TruncDate("decided_at"))
    on_time = (Q(kind=Kind.COMPLAINT, decided_on__lte=F("accept_due"))
               | Q(kind=Kind.REPORT, decided_on__lte=F("filing_due")))
    rows = found.values(by).annotate(
        received=Count("id"), merged=Count("id", filter=Q(status=Status.MERGED)),
        decided=Count("id", filter=Q(decided_at__isnull=False)),
        decided_on_time=Count("id", filter=Q(decided_at__isnull=False) & on_time),
        accepted=Count("id", filter=Q(accepted_at__isnull=False)),
        closed=Count("id", filter=Q(status=Status.CLOSED)),
        closed_on_time=Count("id", filter=Q(status=Status.CLOSED, was_overdue=False)),
        overdue=Count("id", filter=Q(status__in=OPEN, next_due__lt=today)),
        escalated=Count("id", filter=Q(status__in=OPEN, escalation_level__gt=0)),
        upheld=Count("id", filter=Q(upheld=True)),
    ).order_by(by)
    out = []
    for row in rows:
        rate = lambda part, whole: round(100.0 * part / whole, 1) if whole else None  # noqa: E731
        out.append(dict(group=row[by], **{k: row[k] for k in ("received", "merged", "decided", "decided_on_time",
                                                               "accepted", "closed", "closed_on_time", "overdue",
                                                               "escalated", "upheld")},
                        accepted_on_time_rate=rate(row["decided_on_time"], row["decided"]),
                        closed_on_time_rate=rate(row["closed_on_time"], row["closed"])))
    return out
