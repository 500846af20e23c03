"""Handling a case, step by step, on the deadlines of Order 20.

Complaint: received → accepted (or not accepted, art. 15) within 7 working days (art. 14) → mediation, closed
within 45 working days of acceptance (art. 21(5)); time for testing or inspection does not count (art. 20(3):
`pause`/`resume` stop the clock) → agreement (mediated) or termination (art. 21, the parties told within 7
working days) → closed. A clue of a violation found in mediation is checked within 15 (+15) working days (art.
23). Report: received → filing decision within 15 (+15) working days → a real-name reporter told within 5
working days of it (art. 31(2)) → closed. Any department may pass a case on (art. 37).

Every step is one transaction: the case's new state into the change log, the step into its history, and the
step pushed to the channel the case came from (and to the channels of its merged repeats) in their words. An
upheld complaint becomes a `complaint_upheld` archive record from the handling department, without any of the
complainant's data. `advance` is the daily pass: it marks overdue cases and escalates them.
"""

from __future__ import annotations

import datetime as dt
from decimal import Decimal, InvalidOperation
from typing import Any

from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from ecredit import policy
from ecredit.access.models import Organisation
from ecredit.access.principal import Principal
from ecredit.archive import services as archive
from ecredit.archive.models import CreditRecord
from ecredit.audit.services import ChainWriter, logged_write
from ecredit.kit import crypto
from ecredit.kit.errors import Conflict, ValidationFailed
from ecredit.registry.models import Subject, SubjectKind

from . import rules
from .models import OPEN, Complaint, Kind, Outcome, Resolution, Status
from .services.common import SYSTEM_ACTOR, push, save_case, without_personal_data
from .services.reading import case_for, require_handler

NOTICE_CHANNELS = ("phone", "sms", "written", "in_person", "electronic")


def _text(value: str, field: str, minimum: int = 2, maximum: int = 4000) -> str:
    value = (value or "").strip()
    if len(value) < minimum:
        raise ValidationFailed(_("请填写{field}").format(field=field), field=field, code="required")
    return value[:maximum]


def _require(case: Complaint, *allowed: str, kind: str | None = None) -> None:
    if kind and case.kind != kind:
        raise Conflict(_("该步骤不适用于{kind}案件").format(kind=case.get_kind_display()), code="wrong_kind")
    if case.status not in allowed:
        raise Conflict(_("当前状态（{status}）不能办理此步骤").format(status=case.get_status_display()),
                       code="wrong_status")


def _handled(case_id: int, principal) -> Complaint:
    case = case_for(case_id, principal, permission="complaint.handle", lock=True)
    require_handler(case, principal)
    return case


def _step(case: Complaint, log: ChainWriter, principal, action: str, note: str = "", event: str | None = None,
          text: str = "") -> None:
    """Save the step; the channels of the case's merged repeats hear of it too."""
    actor = getattr(principal, "actor", principal)
    save_case(case, log, actor, action, note, event=event, text=text)
    if event and Complaint.objects.filter(merged_into_id=case.pk).exists():
        # A repeat may have come through another channel (a platform): it is told nothing of this case's complainant.
        words = _("（已并入{case_no}办理）").format(case_no=case.case_no) + without_personal_data(case, text or note)
        for repeat in case.repeats.select_related("handling_org", "channel_org"):
            push(repeat, log, actor, event, words)


def _today(now: dt.datetime) -> dt.date:
    return timezone.localdate(now)


def _money(value: Any, field: str) -> Decimal | None:
    if value in (None, ""):
        return None
    try:
        amount = Decimal(str(value)).quantize(Decimal("0.01"))
    except InvalidOperation:
        raise ValidationFailed(_("金额无效"), field=field, code="bad_number") from None
    if amount < 0 or amount >= Decimal(10) ** 12:
        raise ValidationFailed(_("金额超出范围"), field=field, code="bad_number")
    return amount


# ---------------------------------------------------------------------------------------------- acceptance


@logged_write
def accept(case_id: int, principal, *, note: str = "", now: dt.datetime | None = None) -> Complaint:
    """Accept a complaint (art. 14); mediation is due 45 working days from today (art. 21(5))."""
    case = _handled(case_id, principal)
    _require(case, Status.RECEIVED, kind=Kind.COMPLAINT)
    now = now or timezone.now()
    case.status, case.accepted_at, case.decided_at = Status.ACCEPTED, now, now
    case.mediation_due = rules.due(_today(now), "mediation").due
    with ChainWriter(now) as log:
        _step(case, log, principal, "accept", note or _("决定受理"), event="accepted",
              text=_("已受理，调解期限至{date}").format(date=case.mediation_due))
    return case


@logged_write
def not_accept(case_id: int, principal, *, reason: str, note: str = "", now: dt.datetime | None = None) -> Complaint:
    """Decide not to accept a complaint on one of the grounds of art. 15, and say which."""
    case = _handled(case_id, principal)
    _require(case, Status.RECEIVED, kind=Kind.COMPLAINT)
    reasons = rules.not_accepted_reasons()
    if reason not in reasons:
        raise ValidationFailed(_("不予受理理由应为：{choices}").format(choices="、".join(reasons)), field="reason",
                               code="bad_reason")
    now = now or timezone.now()
    case.status, case.decided_at, case.closed_at, case.reason_code = Status.NOT_ACCEPTED, now, now, reason
    case.outcome_text = (note or "").strip()[:4000]
    with ChainWriter(now) as log:
        _step(case, log, principal, "not_accept", f"{reasons[reason]}。{case.outcome_text}".rstrip("。"),
              event="not_accepted", text=_("不予受理：{reason}").format(reason=reasons[reason]))
    return case


@logged_write
def transfer(case_id: int, principal, *, department: str = "", outside: str = "", note: str = "",
             now: dt.datetime | None = None) -> Complaint:
    """Pass a case not yet decided on to the department with the power to handle it (art. 37): another city
    department (its deadline counts from today, when it receives it), or a body outside the city (the case ends
    here)."""
    case = _handled(case_id, principal)
    _require(case, Status.RECEIVED)
    now = now or timezone.now()
    today = _today(now)
    if bool(department) == bool((outside or "").strip()):
        raise ValidationFailed(_("请指定接收的本市部门或外地机关之一"), field="department", code="required")
    with ChainWriter(now) as log:
        if department:
            target = Organisation.objects.filter(code=department, active=True,
                                                 kind__in=("department", "credit_office")).first()
            if target is None or policy.current().department(department) is None:
                raise ValidationFailed(_("没有这个部门：{code}").format(code=department), field="department",
                                       code="unknown_department")
            if target.pk == case.handling_org_id:
                raise Conflict(_("案件已由该部门承办"), code="same_department")
            case.department, case.handling_org = department, target
            case.routing_note = (_("由{source}转办（第三十七条）：").format(source=principal.label) + (note or ""))[:300]
            if case.kind == Kind.COMPLAINT:
                case.accept_due = rules.due(today, "accept").due
            else:
                case.filing_due = rules.due(today, "report_filing").due
            _step(case, log, principal, "transfer", case.routing_note, event="reassigned",
                  text=_("已转{name}办理").format(name=target.name))
        else:
            outside = _text(outside, "outside", 2, 200)
            case.status, case.closed_at = Status.TRANSFERRED, now
            case.routing_note = _("移送{body}（第三十七条）").format(body=outside)[:300]
            _step(case, log, principal, "transfer_out", f"{case.routing_note}。{note}".strip("。"),
                  event="transferred", text=case.routing_note)
    return case


# ---------------------------------------------------------------------------------------------- mediation


@logged_write
def start_mediation(case_id: int, principal, *, note: str = "", now: dt.datetime | None = None) -> Complaint:
    """Begin mediating an accepted complaint."""
    case = _handled(case_id, principal)
    _require(case, Status.ACCEPTED, kind=Kind.COMPLAINT)
    now = now or timezone.now()
    case.status, case.mediation_started_at = Status.MEDIATING, now
    with ChainWriter(now) as log:
        _step(case, log, principal, "start_mediation", note or _("组织调解"), event="mediating")
    return case


@logged_write
def pause(case_id: int, principal, *, reason: str, now: dt.datetime | None = None) -> Complaint:
    """Stop the mediation clock while goods are tested, inspected or appraised (art. 20(3))."""
    case = _handled(case_id, principal)
    _require(case, Status.ACCEPTED, Status.MEDIATING, kind=Kind.COMPLAINT)
    if case.paused_since is not None:
        raise Conflict(_("调解期限已于{date}起暂停").format(date=case.paused_since), code="already_paused")
    now = now or timezone.now()
    case.paused_since = _today(now)
    with ChainWriter(now) as log:
        _step(case, log, principal, "pause", _text(reason, "reason"))
    return case


@logged_write
def resume(case_id: int, principal, *, note: str = "", now: dt.datetime | None = None) -> Complaint:
    """Restart the mediation clock: the working days of testing are added to the mediation deadline."""
    case = _handled(case_id, principal)
    if case.paused_since is None:
        raise Conflict(_("调解期限未暂停"), code="not_paused")
    now = now or timezone.now()
    days = rules.working_days_between(case.paused_since, _today(now))
    case.paused_working_days += days
    case.mediation_due = rules.add_working_days(case.mediation_due, days)
    case.paused_since = None
    with ChainWriter(now) as log:
        _step(case, log, principal, "resume", (note or "") + _("（检测鉴定{n}个工作日不计入，调解期限至{date}）").format(
            n=days, date=case.mediation_due))
    return case


@logged_write
def record_clue(case_id: int, principal, *, text: str, now: dt.datetime | None = None) -> Complaint:
    """A clue of a violation found in mediation: it is checked within 15 working days (art. 23)."""
    case = _handled(case_id, principal)
    _require(case, Status.ACCEPTED, Status.MEDIATING, kind=Kind.COMPLAINT)
    if case.clue_found_at is not None:
        raise Conflict(_("已记录违法线索"), code="clue_recorded")
    now = now or timezone.now()
    case.clue_found_at = now
    case.clue_check_due = rules.due(_today(now), "clue_check").due
    with ChainWriter(now) as log:
        _step(case, log, principal, "clue_found", _text(text, "text", 5))
    return case


@logged_write
def check_clue(case_id: int, principal, *, result: str = "", extend: bool = False,
               now: dt.datetime | None = None) -> Complaint:
    """Record the result of the clue check, or extend it once by 15 working days (art. 23)."""
    case = _handled(case_id, principal)
    if case.clue_found_at is None or case.clue_result:
        raise Conflict(_("没有待核查的违法线索"), code="no_clue")
    now = now or timezone.now()
    with ChainWriter(now) as log:
        if extend:
            if case.clue_extended:
                raise Conflict(_("核查时限只能延长一次"), code="already_extended")
            extra = rules.deadline("clue_check", timezone.localdate(case.clue_found_at)).extension_working_days
            case.clue_check_due, case.clue_extended = rules.add_working_days(case.clue_check_due, extra), True
            _step(case, log, principal, "clue_extended", _text(result, "result"))
        else:
            case.clue_result = _text(result, "result")
            _step(case, log, principal, "clue_checked", case.clue_result)
    return case


@logged_write
def mediated(case_id: int, principal, *, agreement: str, merchant_at_fault: bool, compensation: Any = None,
             decision_no: str = "", now: dt.datetime | None = None) -> Complaint:
    """The parties reached an agreement. With the merchant at fault the complaint is upheld and becomes a credit
    record."""
    case = _handled(case_id, principal)
    _require(case, Status.ACCEPTED, Status.MEDIATING, kind=Kind.COMPLAINT)
    now = now or timezone.now()
    case.status, case.outcome, case.outcome_text = Status.MEDIATED, Outcome.MEDIATED, _text(agreement, "agreement")
    case.compensation, case.decision_no = _money(compensation, "compensation"), (decision_no or "")[:128]
    case.upheld, case.paused_since = bool(merchant_at_fault), None
    note = _uphold(case, principal, now) if case.upheld else ""
    with ChainWriter(now) as log:
        _step(case, log, principal, "mediated", f"{case.outcome_text}{note}", event="mediated",
              text=_("双方达成调解协议"))
    return case


@logged_write
def terminate(case_id: int, principal, *, reason: str, note: str = "", now: dt.datetime | None = None) -> Complaint:
    """End mediation on a ground of art. 21; the parties must be told within 7 working days."""
    case = _handled(case_id, principal)
    _require(case, Status.ACCEPTED, Status.MEDIATING, kind=Kind.COMPLAINT)
    reasons = rules.termination_reasons()
    if reason not in reasons:
        raise ValidationFailed(_("终止调解理由应为：{choices}").format(choices="、".join(reasons)), field="reason",
                               code="bad_reason")
    now = now or timezone.now()
    case.status, case.reason_code, case.paused_since = Status.TERMINATED, reason, None
    case.termination_notice_due = rules.due(_today(now), "termination_notice").due
    case.outcome_text = (note or "").strip()[:4000]
    with ChainWriter(now) as log:
        _step(case, log, principal, "terminate", f"{reasons[reason]}。{case.outcome_text}".rstrip("。"),
              event="terminated", text=_("终止调解：{reason}").format(reason=reasons[reason]))
    return case


@logged_write
def notify_termination(case_id: int, principal, *, channel: str, note: str = "",
                       now: dt.datetime | None = None) -> Complaint:
    """Record that both parties were told of the termination (art. 21(2))."""
    case = _handled(case_id, principal)
    _require(case, Status.TERMINATED, kind=Kind.COMPLAINT)
    if case.termination_notified_at is not None:
        raise Conflict(_("已告知终止调解"), code="already_notified")
    if channel not in NOTICE_CHANNELS:
        raise ValidationFailed(_("告知方式应为：{choices}").format(choices="、".join(NOTICE_CHANNELS)),
                               field="channel", code="bad_channel")
    now = now or timezone.now()
    case.termination_notified_at = now
    with ChainWriter(now) as log:
        _step(case, log, principal, "termination_notified", f"{channel}：{note}".rstrip("："))
    return case


@logged_write
def close(case_id: int, principal, *, outcome: str, text: str, compensation: Any = None,
          now: dt.datetime | None = None) -> Complaint:
    """Close a case (办结). A complaint whose claim was supported or compensated is upheld and becomes a credit
    record; a report closes after its filing decision (and the notice to a real-name reporter)."""
    case = _handled(case_id, principal)
    if outcome not in Outcome.values:
        raise ValidationFailed(_("处理结果应为：{choices}").format(choices="、".join(Outcome.values)), field="outcome",
                               code="bad_outcome")
    if case.kind == Kind.COMPLAINT:
        _require(case, Status.ACCEPTED, Status.MEDIATING, Status.MEDIATED, Status.TERMINATED)
        if case.status == Status.TERMINATED and case.termination_notified_at is None:
            raise Conflict(_("终止调解尚未告知双方（第二十一条第二款）"), code="not_notified")
        if case.clue_found_at is not None and not case.clue_result:
            # Closing would drop the check's deadline from every queue (art. 23).
            raise Conflict(_("违法线索尚未核查完毕（第二十三条），请先记录核查结果"), code="clue_pending")
        if case.upheld and outcome == Outcome.NOT_UPHELD:
            raise Conflict(_("调解协议已认定经营者责任，不能以“投诉不成立”办结"), code="already_upheld")
    else:
        _require(case, Status.FILED, Status.NOT_FILED)
        if case.real_name and case.reporter_notified_at is None:
            raise Conflict(_("实名举报须先告知举报人（第三十一条第二款）"), code="not_notified")
    now = now or timezone.now()
    text = _text(text, "text")
    if case.status != Status.MEDIATED or outcome != Outcome.MEDIATED:
        case.outcome, case.outcome_text = outcome, text
    case.compensation = _money(compensation, "compensation") if compensation not in (None, "") else case.compensation
    if case.kind == Kind.COMPLAINT and outcome in (Outcome.CLAIM_SUPPORTED, Outcome.COMPENSATED):
        case.upheld = True
    elif case.upheld is None:
        case.upheld = False
    case.status, case.closed_at, case.paused_since = Status.CLOSED, now, None
    note = _uphold(case, principal, now) if case.upheld and case.record_id is None else ""
    with ChainWriter(now) as log:
        _step(case, log, principal, "close", f"{text}{note}", event="closed", text=_("已办结"))
    return case


# ---------------------------------------------------------------------------------------------- reports


@logged_write
def decide_filing(case_id: int, principal, *, file: bool, decision_no: str = "", note: str = "",
                  now: dt.datetime | None = None) -> Complaint:
    """Decide whether to file a case on a report; a real-name reporter must be told within 5 working days."""
    case = _handled(case_id, principal)
    _require(case, Status.RECEIVED, kind=Kind.REPORT)
    now = now or timezone.now()
    case.status = Status.FILED if file else Status.NOT_FILED
    case.decided_at, case.decision_no = now, (decision_no or "")[:128]
    case.outcome_text = _text(note, "note")
    if case.real_name:
        case.reporter_notice_due = rules.due(_today(now), "reporter_notice").due
    with ChainWriter(now) as log:
        _step(case, log, principal, "file" if file else "not_file", case.outcome_text,
              event="filed" if file else "not_filed", text=_("已立案") if file else _("不予立案"))
    return case


@logged_write
def extend_filing(case_id: int, principal, *, reason: str, now: dt.datetime | None = None) -> Complaint:
    """Extend the check of a report once by 15 working days (special circumstances)."""
    case = _handled(case_id, principal)
    _require(case, Status.RECEIVED, kind=Kind.REPORT)
    if case.filing_extended:
        raise Conflict(_("核查时限只能延长一次"), code="already_extended")
    extra = rules.deadline("report_filing", timezone.localdate(case.received_at)).extension_working_days
    case.filing_due, case.filing_extended = rules.add_working_days(case.filing_due, extra), True
    with ChainWriter(now) as log:
        _step(case, log, principal, "extend_filing", _text(reason, "reason"))
    return case


@logged_write
def notify_reporter(case_id: int, principal, *, note: str = "", now: dt.datetime | None = None) -> Complaint:
    """Record that the real-name reporter was told of the filing decision (art. 31(2))."""
    case = _handled(case_id, principal)
    _require(case, Status.FILED, Status.NOT_FILED, kind=Kind.REPORT)
    if case.reporter_notified_at is not None:
        raise Conflict(_("已告知举报人"), code="already_notified")
    now = now or timezone.now()
    case.reporter_notified_at = now
    with ChainWriter(now) as log:
        _step(case, log, principal, "reporter_notified", note or _("已告知举报人是否立案"), event="reporter_notified")
    return case


# ---------------------------------------------------------------------------------------------- the respondent


@logged_write
def link_respondent(case_id: int, principal, *, subject_id: int, now: dt.datetime | None = None) -> Complaint:
    """The officer confirms which registered subject (organisation, person or shop) the case is about; an upheld
    complaint waiting for it becomes its record now."""
    case = _handled(case_id, principal)
    if case.record_id is not None:
        # The record names the subject already: moving the case alone would leave the two apart.
        raise Conflict(_("已生成信用记录，被投诉主体有误须通过信用记录异议或更正程序处理"), code="record_written")
    subject = Subject.objects.select_related("platform", "operator").filter(pk=subject_id).first()
    if subject is None:
        raise ValidationFailed(_("信用主体不存在"), field="subject_id", code="unknown_subject")
    if subject.kind == SubjectKind.SHOP:
        case.shop, case.platform, case.subject = subject, subject.platform, subject.operator
    else:
        case.subject, case.shop = subject, None
    case.resolved_by = Resolution.OFFICER
    now = now or timezone.now()
    note = _uphold(case, principal, now) if case.upheld and case.record_id is None and \
        case.status in (Status.MEDIATED, Status.CLOSED) else ""
    with ChainWriter(now) as log:
        _step(case, log, principal, "link_respondent", _("确认被投诉主体：{name}").format(name=subject.name) + note)
    return case


# ---------------------------------------------------------------------------------------------- the record


def _subject_ref(case: Complaint) -> dict | None:
    if case.shop_id:
        shop = case.shop
        return {"kind": "shop", "platform_uscc": shop.platform.uscc, "shop_id": shop.shop_id, "name": shop.name}
    subject = case.subject
    if subject is None:
        return None
    if subject.kind == SubjectKind.ORGANISATION:
        return {"uscc": subject.uscc, "name": subject.name}
    ric = crypto.decrypt(settings.KEYS.data_key, bytes(subject.ric_cipher), subject.ric_lookup.encode())
    return {"ric": ric, "name": subject.name}


def _uphold(case: Complaint, principal, now: dt.datetime) -> str:
    """Write the upheld complaint's record (idempotent: its id is the case number); returns a note for the step."""
    from .classify import categories

    ref = _subject_ref(case)
    if ref is None:
        return _("；被投诉人尚未确认为已登记主体，信用记录待确认后生成")
    today = _today(now)
    rule = rules.upheld_record(today)
    schema = policy.current().record_types[rule.type].details_schema.get("properties") or {}
    org = case.handling_org
    details = {
        "complaint_no": case.case_no, "channel": rule.channels.get(case.channel, "other"),
        "received_date": timezone.localdate(case.received_at).isoformat(),
        "accepted_date": timezone.localdate(case.accepted_at).isoformat() if case.accepted_at else None,
        "category": categories(on=today).get(case.category, case.category)[:100],
        "subject_matter": without_personal_data(case, case.outcome_text or case.claim or case.category)[:2000],
        "result": case.outcome if case.outcome in ("mediated", "claim_supported", "compensated") else "other",
        "compensation_amount_wan": float(case.compensation / 10000) if case.compensation else None,
        "handled_by": (org.name if org else case.department)[:200], "handled_date": today.isoformat()}
    details = {k: v for k, v in details.items() if k in schema and v not in (None, "")}
    role = "credit_office_admin" if org is not None and org.kind == "credit_office" else "department_officer"
    source = Principal.build(principal.label, role, org)
    name = categories(on=today).get(case.category, case.category)
    report = archive.ingest([{
        "id": f"complaint-{case.case_no}", "type": rule.type, "subject": ref, "decided_on": today.isoformat(),
        "summary": _("消费投诉成立（{category}）：{name}").format(category=name, name=ref.get("name", ""))[:500],
        "details": details}], source, atomic=True)
    if report.errors:
        error = report.errors[0]
        raise ValidationFailed(_("信用记录写入失败：{message}").format(message=error.message), field=error.field,
                               code=error.code)
    case.record = CreditRecord.objects.get(pk=report.record_ids[0])
    return _("；已生成信用记录{id}").format(id=case.record.pk)


# ---------------------------------------------------------------------------------------------- daily


@logged_write
def advance(today: dt.date | None = None, *, now: dt.datetime | None = None) -> dict[str, int]:
    """The daily pass: mark open cases whose deadline has passed as overdue and escalate them (level 1: the
    handling department's supervisor; level 2: the credit office), per complaints.yaml. Running it twice on the
    same day changes nothing."""
    now = now or timezone.now()
    today = today or _today(now)
    rule = rules.escalation(today)
    counts = {"overdue": 0, "level_1": 0, "level_2": 0}
    with ChainWriter(now) as log:
        for case in Complaint.objects.select_for_update(of=("self",)).select_related("handling_org", "channel_org") \
                .filter(status__in=OPEN, next_due__lt=today).order_by("id"):
            late = rules.working_days_between(case.next_due, today)
            wanted = 2 if late >= rule.level_1_after_working_days + rule.level_2_after_working_days else \
                1 if late >= rule.level_1_after_working_days else 0
            if wanted <= case.escalation_level and case.was_overdue:
                continue
            notes = []
            if not case.was_overdue:
                case.was_overdue = True
                counts["overdue"] += 1
                notes.append(_("已超过期限{date}").format(date=case.next_due))
            if wanted > case.escalation_level:
                case.escalation_level, case.escalated_at = wanted, now
                counts[f"level_{wanted}"] += 1
                notes.append(_("超期{n}个工作日，提交{queue}督办").format(
                    n=late, queue=_("承办部门负责人") if wanted == 1 else _("市信用办")))
            save_case(case, log, SYSTEM_ACTOR, f"escalate_{case.escalation_level}" if wanted else "overdue",
                      "；".join(notes))
    return counts
