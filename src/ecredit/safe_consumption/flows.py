"""The 放心消费 procedure: review (approve / refuse), publication, suspension, reinstatement, revocation, expiry,
and the daily re-check of every title held.

Approval writes the honour record (safe_consumption.yaml `honour_record_type`) into the holder's credit archive,
valid until the title ends; suspension and revocation end it through the archive (`end_record`). Nobody can
approve or reinstate a subject that fails a criterion: the check is run again at the moment of the decision.
Archive writes come before the enrolment's own change-log block (each archive service appends to the change
log itself; two open writers in one transaction would both continue from the same head).
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Iterable

from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext as _

from ecredit import policy
from ecredit.access.models import Organisation
from ecredit.access.principal import Principal, system
from ecredit.archive import services as archive
from ecredit.archive.models import LIVE_STATUSES, CreditRecord, RecordStatus
from ecredit.audit.services import ChainWriter, logged_write
from ecredit.kit.errors import Conflict, DomainError, ValidationFailed
from ecredit.registry.models import Subject, SubjectKind

from . import criteria
from .models import HELD, PENDING, Enrolment, EnrolmentStatus
from .services import (SYSTEM_ACTOR, enrolment_for, require_reviewer, save_step, store_check)

ONE_DAY = dt.timedelta(days=1)


def _text(value: str, field: str, label: str, minimum: int = 2, maximum: int = 2000) -> str:
    value = (value or "").strip()
    if len(value) < minimum:
        raise ValidationFailed(_("请填写{label}").format(label=label), field=field, code="required")
    if len(value) > maximum:
        raise ValidationFailed(_("{label}不超过{n}字").format(label=label, n=maximum), field=field, code="too_long")
    return value


def _require_status(enrolment: Enrolment, *allowed: str) -> None:
    if enrolment.status not in allowed:
        raise Conflict(_("当前状态（{status}）不能办理此步骤").format(status=enrolment.get_status_display()),
                       code="wrong_status")


def _failing(result: criteria.CheckResult) -> Conflict:
    names = "、".join(item["name"] for item in result.items if not item["passed"])
    return Conflict(_("不符合以下条件，不能认定：{names}").format(names=names), code="criteria_not_met",
                    details={"failed": result.failed})


# ---------------------------------------------------------------------------------------------- honour record


def _source(label: str) -> Principal:
    """The awarding department as the archive's source of the honour record (whoever reviewed), so that any
    reviewer, and the system, can later end the record it filed."""
    code = criteria.scheme().source_department
    org = Organisation.objects.filter(code=code, active=True).first()
    if org is None:
        raise Conflict(_("荣誉记录报送部门“{code}”尚未开通").format(code=code), code="no_department")
    return Principal.build(label, "credit_office_admin" if org.kind == "credit_office" else "department_officer", org)


def honour_holder(subject: Subject) -> Subject:
    """Whom the honour record is about: the subject, or a shop's operator while the catalog's honour type is
    not about shops."""
    rule = policy.current().record_types[criteria.scheme().honour_record_type]
    if subject.kind in rule.subject_kinds:
        return subject
    operator = subject.operator if subject.kind == SubjectKind.SHOP else None
    if operator is not None and operator.kind in rule.subject_kinds:
        return operator
    raise Conflict(_("荣誉记录不适用于此主体"), code="no_honour_subject")


def _ref(subject: Subject) -> dict[str, Any]:
    if subject.kind == SubjectKind.SHOP:
        return {"platform_uscc": subject.platform.uscc, "shop_id": subject.shop_id, "name": subject.name}
    if subject.kind == SubjectKind.PERSON:
        from ecredit.registry.services import reveal_resident_id

        ric = reveal_resident_id(subject, system("safe_consumption"), "写入放心消费荣誉记录", "safe_consumption")
        return {"ric": ric, "name": subject.name}
    return {"uscc": subject.uscc, "name": subject.name}


def _write_honour(enrolment: Enrolment, label: str, source_record_id: str, today: dt.date) -> CreditRecord:
    """Write (or, for a renewal, update) the honour record of a title; its window ends with the title."""
    rules = criteria.scheme(today)
    subject = enrolment.subject
    holder = honour_holder(subject)
    name = rules.name.zh if holder.pk == subject.pk else f"{rules.name.zh}（{_('网店')}：{subject.name}）"
    rule = policy.current().record_types[rules.honour_record_type]
    known = set(rule.details_schema.get("properties") or {})
    details = {"honour_name": name[:200], "level": rules.honour_level, "awarded_by": rules.awarded_by.zh[:200],
               "document_no": enrolment.decision_no[:128], "valid_until": enrolment.valid_until.isoformat(),
               "description": _("依据{reference}，经审核符合放心消费单位条件（第{n}号申请）").format(
                   reference=rules.reference, n=enrolment.pk)[:1000]}
    report = archive.ingest([{
        "id": source_record_id, "type": rules.honour_record_type, "subject": _ref(holder),
        "decided_on": today.isoformat(), "summary": f"{name}（{enrolment.decision_no}）"[:500],
        "details": {k: v for k, v in details.items() if k in known and v},
        "evidence": [{"safe_consumption_enrolment": enrolment.pk}],
    }], _source(label), atomic=True)
    if report.errors:
        error = report.errors[0]
        raise ValidationFailed(_("荣誉记录写入失败：{message}").format(message=error.message), field=error.field,
                               code=error.code)
    return CreditRecord.objects.get(pk=report.record_ids[0])


def _end_honour(enrolment: Enrolment, label: str, reason: str) -> None:
    """End the title's honour record (it leaves public view today), unless it has already ended."""
    record = enrolment.honour_record
    if record is None:
        return
    record.refresh_from_db(fields=["status"])
    if record.status in LIVE_STATUSES:
        archive.end_record(record.pk, _source(label), status=RecordStatus.REVOKED, reason=reason)


# ---------------------------------------------------------------------------------------------- review


@logged_write
def check_again(enrolment_id: int, principal, *, now: dt.datetime | None = None) -> Enrolment:
    """A reviewer runs the check of a pending enrolment again (records, lists or grades have changed)."""
    require_reviewer(principal)
    enrolment = enrolment_for(enrolment_id, principal, lock=True)
    _require_status(enrolment, *PENDING)
    now = now or timezone.now()
    with ChainWriter(now) as log:
        store_check(enrolment, criteria.check(enrolment.subject, timezone.localdate(now)), log, principal.actor, now)
    return enrolment


@logged_write
def review(enrolment_id: int, principal, *, approve: bool, reason: str, decision_no: str = "",
           publish: bool = False, now: dt.datetime | None = None) -> Enrolment:
    """Approve (the criteria are checked again now and must all pass; the honour record is written) or refuse,
    with the reviewer's reason; `publish` also puts an approved title on the public list at once."""
    require_reviewer(principal)
    enrolment = enrolment_for(enrolment_id, principal, lock=True)
    _require_status(enrolment, EnrolmentStatus.CHECKED)
    reason = _text(reason, "reason", _("审核意见"))
    now = now or timezone.now()
    today = timezone.localdate(now)
    before = enrolment.status
    org = Organisation.objects.filter(pk=principal.organisation_id).first() if principal.organisation_id else None
    enrolment.reviewer, enrolment.reviewer_org, enrolment.decided_on = principal.label, org, today
    enrolment.decision_text = reason
    if not approve:
        enrolment.status, enrolment.ended_on, enrolment.end_reason = EnrolmentStatus.REFUSED, today, reason
        with ChainWriter(now) as log:
            save_step(enrolment, log, principal.actor, "refuse", reason, before)
        return enrolment
    enrolment.decision_no = _text(decision_no, "decision_no", _("认定文号"), 1, 128)
    result = criteria.check(enrolment.subject, today)
    if not result.passed:
        raise _failing(result)
    rules = criteria.scheme(today)
    renews = None
    if enrolment.renews_id:
        renews = Enrolment.objects.select_for_update(of=("self",)).select_related("honour_record").get(
            pk=enrolment.renews_id)
        if renews.status == EnrolmentStatus.EXPIRED:
            renews = None               # the old title ran out while this waited: a new title, not a renewal
        elif renews.status not in (EnrolmentStatus.APPROVED, EnrolmentStatus.PUBLISHED):
            raise Conflict(_("原称号已暂停或终止，不能续期，请不予认定后重新申请"), code="renewed_title_not_held")
    enrolment.valid_from = max(today, renews.valid_until + ONE_DAY) if renews else today
    enrolment.valid_until = rules.valid_for.after(enrolment.valid_from) - ONE_DAY
    enrolment.results, enrolment.passed = result.as_dict(), True
    enrolment.checked_at, enrolment.policy_version = now, result.policy_version
    # A renewal extends the honour record the title already has (same source id: the archive updates it).
    renewed_record = renews.honour_record if renews and renews.honour_record else None
    source_id = renewed_record.source_record_id if renewed_record and renewed_record.status in LIVE_STATUSES \
        else f"safe-consumption-{enrolment.pk}"
    enrolment.honour_record = _write_honour(enrolment, principal.label, source_id, today)
    with ChainWriter(now) as log:
        if renews is not None:
            was = renews.status
            renews.status, renews.ended_on = EnrolmentStatus.EXPIRED, today
            renews.end_reason = _("由第{n}号申请续期").format(n=enrolment.pk)
            save_step(renews, log, principal.actor, "renewed", renews.end_reason, was)
        enrolment.status = EnrolmentStatus.APPROVED
        save_step(enrolment, log, principal.actor, "approve", f"{enrolment.decision_no} {reason}", before)
        if publish or (renews is not None and renews.published_on):
            _publish(enrolment, log, principal, today)
    return enrolment


def _publish(enrolment: Enrolment, log: ChainWriter, principal, today: dt.date) -> None:
    enrolment.status, enrolment.published_on = EnrolmentStatus.PUBLISHED, today
    save_step(enrolment, log, principal.actor, "publish", _("在门户放心消费单位名单中发布"), EnrolmentStatus.APPROVED)


@logged_write
def publish(enrolment_id: int, principal, *, now: dt.datetime | None = None) -> Enrolment:
    """Put an approved title on the portal's public list."""
    require_reviewer(principal)
    enrolment = enrolment_for(enrolment_id, principal, lock=True)
    _require_status(enrolment, EnrolmentStatus.APPROVED)
    now = now or timezone.now()
    with ChainWriter(now) as log:
        _publish(enrolment, log, principal, timezone.localdate(now))
    return enrolment


# ---------------------------------------------------------------------------------------------- removal


def _suspend(enrolment: Enrolment, actor, label: str, reason: str, today: dt.date,
             result: criteria.CheckResult | None = None) -> None:
    _end_honour(enrolment, label, reason)
    before = enrolment.status
    enrolment.status, enrolment.suspended_on, enrolment.end_reason = EnrolmentStatus.SUSPENDED, today, reason
    if result is not None:
        enrolment.recheck = result.as_dict()
    with ChainWriter() as log:
        save_step(enrolment, log, actor, "suspend", reason, before, result.failed if result else ())


def _end(enrolment: Enrolment, status: str, actor, label: str, reason: str, today: dt.date,
         result: criteria.CheckResult | None = None) -> None:
    if status == EnrolmentStatus.REVOKED:
        # An expired title's honour record leaves public view by itself (its window ends with the title) and the
        # archive marks it expired; only a revocation ends it early.
        _end_honour(enrolment, label, reason)
    before = enrolment.status
    enrolment.status, enrolment.ended_on, enrolment.end_reason = status, today, reason
    if result is not None:
        enrolment.recheck = result.as_dict()
    with ChainWriter() as log:
        save_step(enrolment, log, actor, {"revoked": "revoke", "expired": "expire"}[status], reason, before,
                  result.failed if result else ())


@logged_write
def suspend(enrolment_id: int, principal, *, reason: str) -> Enrolment:
    """A reviewer suspends a title (e.g. while a serious complaint is investigated); the honour record ends."""
    require_reviewer(principal)
    enrolment = enrolment_for(enrolment_id, principal, lock=True)
    _require_status(enrolment, EnrolmentStatus.APPROVED, EnrolmentStatus.PUBLISHED)
    _suspend(enrolment, principal.actor, principal.label, _text(reason, "reason", _("暂停原因")), timezone.localdate())
    return enrolment


@logged_write
def reinstate(enrolment_id: int, principal, *, reason: str) -> Enrolment:
    """A reviewer reinstates a suspended title once every criterion passes again; a new honour record is
    written for the rest of its validity."""
    require_reviewer(principal)
    enrolment = enrolment_for(enrolment_id, principal, lock=True)
    _require_status(enrolment, EnrolmentStatus.SUSPENDED)
    reason = _text(reason, "reason", _("恢复理由"))
    now = timezone.now()
    today = timezone.localdate(now)
    if enrolment.valid_until < today:
        raise Conflict(_("称号已于{date}届满，不能恢复").format(date=enrolment.valid_until), code="expired")
    result = criteria.check(enrolment.subject, today)
    if not result.passed:
        raise _failing(result)
    times = enrolment.steps.filter(action="reinstate").count() + 1
    enrolment.honour_record = _write_honour(enrolment, principal.label, f"safe-consumption-{enrolment.pk}-r{times}",
                                            today)
    enrolment.results, enrolment.passed, enrolment.checked_at = result.as_dict(), True, now
    enrolment.policy_version = result.policy_version
    enrolment.status = EnrolmentStatus.PUBLISHED if enrolment.published_on else EnrolmentStatus.APPROVED
    enrolment.suspended_on, enrolment.end_reason = None, ""
    with ChainWriter(now) as log:
        save_step(enrolment, log, principal.actor, "reinstate", reason, EnrolmentStatus.SUSPENDED)
    return enrolment


@logged_write
def revoke(enrolment_id: int, principal, *, reason: str) -> Enrolment:
    """A reviewer revokes a title (a ground for removal, or the title was wrongly given); the honour record ends."""
    require_reviewer(principal)
    enrolment = enrolment_for(enrolment_id, principal, lock=True)
    _require_status(enrolment, *HELD)
    _end(enrolment, EnrolmentStatus.REVOKED, principal.actor, principal.label, _text(reason, "reason", _("撤销原因")),
         timezone.localdate())
    return enrolment


# ---------------------------------------------------------------------------------------------- daily


def _reason(result: criteria.CheckResult, codes: list[str]) -> str:
    return _("复核不符合：{items}").format(items="；".join(
        f"{item['name']}（{criteria.explain(item)}）" for item in result.items if item["code"] in codes))


@logged_write
def recheck_one(enrolment_id: int, today: dt.date | None = None) -> str | None:
    """Re-check one held title: expire it past its end, revoke it when suspended too long or when a criterion
    whose ground is revocation fails, suspend it when another fails. Returns what it did (None: nothing)."""
    today = today or timezone.localdate()
    enrolment = (Enrolment.objects.select_for_update(of=("self",))
                 .select_related("subject", "subject__operator", "subject__platform", "honour_record")
                 .filter(pk=enrolment_id, status__in=HELD).first())
    if enrolment is None:
        return None
    label = SYSTEM_ACTOR.label
    if enrolment.valid_until < today:
        _end(enrolment, EnrolmentStatus.EXPIRED, SYSTEM_ACTOR, label,
             _("有效期于{date}届满").format(date=enrolment.valid_until), today)
        return "expired"
    rules = criteria.scheme(today)
    suspended_on = enrolment.suspended_on
    if enrolment.status == EnrolmentStatus.SUSPENDED and today >= rules.suspension_limit.after(suspended_on):
        _end(enrolment, EnrolmentStatus.REVOKED, SYSTEM_ACTOR, label,
             _("暂停后{span}内未恢复").format(span=criteria.period_text(str(rules.suspension_limit))), today)
        return "revoked"
    result = criteria.check(enrolment.subject, today, holding=True)
    failed = {item["code"]: item.get("while_held") for item in result.items if not item["passed"]}
    revoking = [code for code, ground in failed.items() if ground == "revoke"]
    if revoking:
        _end(enrolment, EnrolmentStatus.REVOKED, SYSTEM_ACTOR, label, _reason(result, revoking), today, result)
        return "revoked"
    suspending = [code for code, ground in failed.items() if ground == "suspend"]
    if suspending and enrolment.status != EnrolmentStatus.SUSPENDED:
        _suspend(enrolment, SYSTEM_ACTOR, label, _reason(result, suspending), today, result)
        return "suspended"
    return None


def held_about(subject_ids: Iterable[int]) -> list[int]:
    """Held titles whose check reads these subjects' records (the subject, a shop's operator, an operator's
    shops)."""
    ids = list(subject_ids)
    return list(Enrolment.objects.filter(status__in=HELD).filter(
        Q(subject_id__in=ids) | Q(subject__operator_id__in=ids)
        | Q(subject_id__in=Subject.objects.filter(pk__in=ids, kind=SubjectKind.SHOP).values("operator_id"))
    ).order_by("id").values_list("id", flat=True))


def recheck(today: dt.date | None = None, subject_ids: Iterable[int] | None = None) -> dict[str, int]:
    """The daily re-check of every held title (or of those about `subject_ids`), one transaction per title.
    Idempotent: a title that still meets the criteria, or is already suspended for the same reason, is left
    as it is."""
    today = today or timezone.localdate()
    ids = held_about(subject_ids) if subject_ids is not None else \
        list(Enrolment.objects.filter(status__in=HELD).order_by("id").values_list("id", flat=True))
    counts = {"checked": 0, "suspended": 0, "revoked": 0, "expired": 0, "errors": 0}
    for enrolment_id in ids:
        try:
            outcome = recheck_one(enrolment_id, today)
        except DomainError:
            counts["errors"] += 1
            continue
        counts["checked"] += 1
        if outcome:
            counts[outcome] += 1
    return counts
