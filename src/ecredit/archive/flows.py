"""Procedures with deadlines: objections (异议) and credit repair (信用修复).

Deadlines are counted in working days on the policy's calendar; a deadline that falls in a year whose
holiday schedule is not yet published is marked estimated (`due_estimated`).
"""

from __future__ import annotations

import datetime as dt
from typing import Any

from django.utils import timezone
from django.utils.translation import gettext as _

from ecredit import policy
from ecredit.audit.services import ChainWriter, logged_write
from ecredit.kit.errors import Conflict, Forbidden, NotFound, ValidationFailed

from . import services
from .models import (CreditRecord, Objection, ObjectionStatus, OPEN_OBJECTION, RecordStatus, RepairApplication,
                     RepairStatus)

CLOSED = (RecordStatus.REVOKED, RecordStatus.REPAIRED, RecordStatus.EXPIRED)


def _deadline(rules, start: dt.date):
    rule = policy.in_force(rules, start)
    return policy.current().calendar.add_working_days(start, rule.working_days)


def _handler_check(record: CreditRecord, principal, permission: str) -> None:
    principal.require(permission)
    services.require_source(record, principal)


# ---------------------------------------------------------------------------------------------- objection


@logged_write
def file_objection(record_id: int, principal, *, reason: str, contact: str = "",
                   evidence: list[Any] | None = None) -> Objection:
    """File an objection: the record is marked at once and deadlines for check and decision are set."""
    principal.require("objection.file")
    record = services.locked_record(record_id, principal)
    if principal.acts_as_subject and principal.subject_id != record.subject_id:
        raise Forbidden(_("只能对本人的记录提出异议"))
    if record.status in CLOSED:
        raise Conflict(_("该记录已撤销、修复或届满，无需提出异议"), code="closed")
    if Objection.objects.filter(record=record, status__in=OPEN_OBJECTION).exists():
        raise Conflict(_("该记录已有正在处理的异议"), code="objection_open")
    reason = (reason or "").strip()
    if len(reason) < 5:
        raise ValidationFailed(_("请写明异议理由（至少5个字）"), field="reason", code="required")
    now = timezone.now()
    today = timezone.localdate(now)
    deadlines = policy.current().deadlines.objection
    check, decide = _deadline(deadlines.check, today), _deadline(deadlines.decide, today)
    objection = Objection.objects.create(
        record=record, filed_by=principal.label, filed_by_org=principal.organisation_code, contact=contact[:100],
        reason=reason, evidence=evidence or [], filed_at=now, check_due=check.due, decide_due=decide.due,
        due_estimated=check.estimated or decide.estimated, status_before=record.status)
    record.status = RecordStatus.OBJECTED
    with ChainWriter(now) as log:
        services.save_logged(record, log, principal.actor, "objection_filed", f"objection {objection.pk}: {reason}")
    return objection


def _open_objection(objection_id: int, principal) -> Objection:
    principal.require("objection.handle")
    objection = Objection.objects.select_for_update().select_related("record").filter(pk=objection_id).first()
    if objection is None or not Objection.objects.visible_to(principal).filter(pk=objection_id).exists():
        raise NotFound(_("异议不存在"))
    _handler_check(objection.record, principal, "objection.handle")
    if objection.status not in OPEN_OBJECTION:
        raise Conflict(_("该异议已办结"), code="decided")
    return objection


@logged_write
def check_objection(objection_id: int, principal, *, accept: bool, note: str = "") -> Objection:
    """The first check: accept the objection for review, or refuse it (the record's mark is lifted)."""
    objection = _open_objection(objection_id, principal)
    if objection.status != ObjectionStatus.FILED:
        raise Conflict(_("该异议已核查"), code="checked")
    objection.checked_at = timezone.now()
    if accept:
        objection.status = ObjectionStatus.REVIEWING
        objection.save()
        return objection
    if not note.strip():
        raise ValidationFailed(_("不予受理须说明理由"), field="note", code="required")
    objection.status, objection.decision = ObjectionStatus.REFUSED, note
    objection.decided_at, objection.decided_by = objection.checked_at, principal.label
    objection.save()
    _restore(objection, principal, "objection_refused", note)
    return objection


@logged_write
def decide_objection(objection_id: int, principal, *, upheld: bool, decision: str,
                     correction: dict[str, Any] | None = None, revoke: bool = False) -> Objection:
    """Decide: an upheld objection corrects or revokes the record; a rejected one restores its status."""
    objection = _open_objection(objection_id, principal)
    if not (decision or "").strip():
        raise ValidationFailed(_("请填写处理意见"), field="decision", code="required")
    if upheld and not correction and not revoke:
        raise ValidationFailed(_("异议成立时须更正或撤销该记录"), field="correction", code="required")
    now = timezone.now()
    objection.status = ObjectionStatus.UPHELD if upheld else ObjectionStatus.REJECTED
    objection.decision, objection.decided_at, objection.decided_by = decision, now, principal.label
    objection.checked_at = objection.checked_at or now
    objection.save()
    record = objection.record
    if not upheld:
        _restore(objection, principal, "objection_rejected", decision)
        return objection
    if revoke:
        record.status = RecordStatus.REVOKED
        action = "objection_upheld_revoked"
    else:
        services.apply_correction(record, **{k: v for k, v in correction.items()
                                             if k in ("summary", "details", "decided_on")})
        action = "objection_upheld_corrected"
    with ChainWriter(now) as log:
        services.save_logged(record, log, principal.actor, action, f"objection {objection.pk}: {decision}")
    return objection


def _restore(objection: Objection, principal, action: str, note: str) -> None:
    record = objection.record
    if record.status != RecordStatus.OBJECTED:  # closed meanwhile by another procedure: leave it so
        return
    record.status = objection.status_before
    with ChainWriter() as log:
        services.save_logged(record, log, principal.actor, action, f"objection {objection.pk}: {note}")


# ---------------------------------------------------------------------------------------------- repair


def _minimum_period_elapsed(record: CreditRecord, today: dt.date) -> bool:
    return bool(record.repair_from and record.repair_from <= today)


def _no_repeat_offence(record: CreditRecord, today: dt.date) -> bool:
    """No later live record of the same category (and violation type, where given) about the subject."""
    later = CreditRecord.objects.live().filter(
        subject_id=record.subject_id, record_type__category=record.record_type.category,
        decided_on__gt=record.decided_on).exclude(pk=record.pk)
    violation = (record.details or {}).get("violation_type")
    if violation:
        later = later.filter(details__violation_type=violation)
    return not later.exists()


def _not_on_lists(record: CreditRecord, today: dt.date) -> bool:
    """Not on another negative list now (the record being repaired may itself be a list entry)."""
    return not CreditRecord.objects.live().filter(
        subject_id=record.subject_id, record_type__category=LIST_CATEGORY, polarity="negative",
        public_until__gte=today).exclude(pk=record.pk).exists()


# Conditions the system checks itself, by their code in deadlines.yaml (repair.conditions, checked_by: system).
SYSTEM_CHECKS = {"minimum_period_elapsed": _minimum_period_elapsed, "no_repeat_offence": _no_repeat_offence,
                 "not_on_lists": _not_on_lists}
LIST_CATEGORY = "list"  # the catalog category of list entries (catalog.yaml: categories)


def repair_checks(record: CreditRecord, today: dt.date | None = None) -> dict[str, bool]:
    """The repair conditions in force that the system checks itself, by condition code; a system condition
    without a checker here counts as not met, so a new rule never passes unchecked."""
    today = today or timezone.localdate()
    conditions = [c for c in policy.current().deadlines.repair.conditions
                  if c.checked_by == "system" and c.effective <= today]
    return {c.code: SYSTEM_CHECKS.get(c.code, lambda r, d: False)(record, today) for c in conditions}


@logged_write
def apply_for_repair(record_id: int, principal, *, statement: str, attested: list[str]) -> RepairApplication:
    """Apply for repair; refused unless the minimum period is over and the policy's conditions hold."""
    principal.require("repair.apply")
    record = services.locked_record(record_id, principal)
    if principal.acts_as_subject and principal.subject_id != record.subject_id:
        raise Forbidden(_("只能为本人的记录申请修复"))
    if record.polarity != "negative" or record.status in CLOSED:
        raise Conflict(_("该记录无需修复"), code="not_repairable")
    if record.status == RecordStatus.OBJECTED:
        raise Conflict(_("该记录有正在办理的异议，请先办结异议"), code="objection_open")
    if RepairApplication.objects.filter(record=record, status=RepairStatus.APPLIED).exists():
        raise Conflict(_("该记录已有正在办理的修复申请"), code="repair_open")
    today = timezone.localdate()
    checks = repair_checks(record, today)
    if not checks.get("minimum_period_elapsed", True):
        when = record.repair_from.isoformat() if record.repair_from else _("公示期满")
        raise ValidationFailed(_("最短公示期未满，{date}起方可申请修复").format(date=when),
                               field="record", code="minimum_period")
    failed = [code for code, ok in checks.items() if not ok]
    if failed:
        raise ValidationFailed(_("不符合修复条件：{codes}").format(codes="、".join(failed)), code="conditions")
    rules = policy.current().deadlines.repair
    required = {c.code for c in rules.conditions if c.checked_by == "applicant_attests" and c.effective <= today}
    missing = required - set(attested or [])
    if missing:
        raise ValidationFailed(_("须承诺：{codes}").format(codes="、".join(sorted(missing))), field="attested",
                               code="attestation_missing")
    due = _deadline(rules.decide, today)
    return RepairApplication.objects.create(record=record, applicant=principal.label, statement=statement,
                                            attested=sorted(set(attested)), checks=checks,
                                            applied_at=timezone.now(), decide_due=due.due,
                                            due_estimated=due.estimated)


@logged_write
def decide_repair(application_id: int, principal, *, approve: bool, decision: str) -> RepairApplication:
    """Decide a repair application; approval ends the record's publicity today."""
    principal.require("repair.handle")
    application = RepairApplication.objects.select_for_update().select_related("record").filter(
        pk=application_id).first()
    if application is None or not RepairApplication.objects.visible_to(principal).filter(pk=application_id).exists():
        raise NotFound(_("修复申请不存在"))
    _handler_check(application.record, principal, "repair.handle")
    if application.status != RepairStatus.APPLIED:
        raise Conflict(_("该申请已办结"), code="decided")
    if not (decision or "").strip():
        raise ValidationFailed(_("请填写处理意见"), field="decision", code="required")
    now = timezone.now()
    application.status = RepairStatus.APPROVED if approve else RepairStatus.REFUSED
    application.decision, application.decided_at, application.decided_by = decision, now, principal.label
    application.save()
    if approve:
        record = CreditRecord.objects.select_for_update().get(pk=application.record_id)
        if record.status == RecordStatus.OBJECTED:
            raise Conflict(_("该记录有正在办理的异议，请先办结异议"), code="objection_open")
        if record.status in CLOSED:
            raise Conflict(_("该记录已撤销、修复或届满"), code="closed")
        failed = [code for code, ok in repair_checks(record).items() if not ok]
        if failed:  # something changed since the application (a new penalty, a listing)
            raise ValidationFailed(_("不符合修复条件：{codes}").format(codes="、".join(failed)), code="conditions")
        if broke_repair_commitment(record.subject_id, since=timezone.localdate(application.applied_at)):
            raise Conflict(_("申请人自申请以来违背了信用修复承诺，不予修复"), code="repair_commitment_broken")
        # Repaired today: yesterday was the last day shown.
        record.status = RecordStatus.REPAIRED
        record.public_until = max(timezone.localdate(now) - dt.timedelta(days=1), record.public_from or record.decided_on)
        with ChainWriter(now) as log:
            services.save_logged(record, log, principal.actor, "repaired", f"repair {application.pk}: {decision}")
    return application


def broke_repair_commitment(subject_id: int, *, since: dt.date) -> bool:
    """Whether the subject has a live breach of a credit-repair commitment decided on or after `since`: a repair
    that rests on that commitment cannot be granted (the commitments app writes such breaches as records)."""
    return CreditRecord.objects.filter(subject_id=subject_id, record_type_id="commitment_breach",
                                       details__repair_commitment=True, decided_on__gte=since) \
        .exclude(status__in=(RecordStatus.REVOKED, RecordStatus.EXPIRED)).exists()


@logged_write
def restore_for_maximum_period(record_id: int, principal, *, reason: str) -> CreditRecord | None:
    """A credit-repair commitment was broken: put the repaired record back in public view until the end of its
    maximum publicity period, with no early repair again (the national commitment record template, DOMAIN.md).
    By the record's source or the credit office. None when that period is already over (nothing to restore)."""
    principal.require("repair.handle")
    record = services.locked_record(record_id, principal)
    services.require_source(record, principal)
    if record.status != RecordStatus.REPAIRED:
        raise Conflict(_("该记录未经信用修复，无需恢复公示"), code="not_repaired")
    if not (reason or "").strip():
        raise ValidationFailed(_("请说明恢复公示的理由"), field="reason", code="required")
    # The longest window of the record as decided, ignoring an early removal that the repair brought.
    details = {k: v for k, v in (record.details or {}).items() if not k.startswith("removal_")}
    window = services.publicity_window(record.record_type_id, record.decided_on, details)
    today = timezone.localdate()
    if window.public_until is None or window.public_until < today:
        return None
    record.status = RecordStatus.ACTIVE
    record.public_from, record.public_until = window.public_from, window.public_until
    record.repair_from = window.public_until
    record.publicity_basis = (_("违背信用修复承诺，按最长期限恢复公示，不得提前修复；") + window.basis)[:300]
    with ChainWriter() as log:
        services.save_logged(record, log, principal.actor, "repair_revoked", reason[:2000])
    return record
