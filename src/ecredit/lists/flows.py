"""The list procedure: proposal → notice → objection window → decision → publication → measures → exit.

Every step is one transaction that changes the entry and appends its state to the change log with the actor,
time and reason. Deadlines are working days from the list type's `procedure` (lists.yaml). A subject is never
published without a notice on record (checked here and by a database constraint), and an entry leaves public
view with its archive record: the day after `ends_on`, or the day it is repaired or revoked.
"""

from __future__ import annotations

import datetime as dt
from typing import Iterable

from django.utils import timezone
from django.utils.translation import gettext as _

from ecredit import policy
from ecredit.access.principal import Principal, system
from ecredit.archive import services as archive
from ecredit.archive.models import CreditRecord, RecordStatus
from ecredit.audit.services import ChainWriter, logged_write
from ecredit.kit.errors import Conflict, Forbidden, ValidationFailed
from ecredit.registry.models import SubjectKind

from . import joint
from .models import PENDING, EntryStatus, ListEntry
from .services import (SYSTEM_ACTOR, entry_for, list_type_rule, require_decider, save_entry, subjects_on_ground,
                       working_day_deadline)

NOTICE_CHANNELS = ("written", "electronic", "in_system", "public_announcement")


def _text(value: str, field: str, minimum: int = 2, maximum: int = 4000) -> str:
    value = (value or "").strip()
    if len(value) < minimum:
        raise ValidationFailed(_("请填写{field}").format(field=field), field=field, code="required")
    return value[:maximum]


def _require_status(entry: ListEntry, *allowed: str) -> None:
    if entry.status not in allowed:
        raise Conflict(_("当前状态（{status}）不能办理此步骤").format(status=entry.get_status_display()),
                       code="wrong_status")


# ---------------------------------------------------------------------------------------------- notice


@logged_write
def notify(entry_id: int, principal, *, channel: str, reference: str, text: str = "",
           now: dt.datetime | None = None) -> ListEntry:
    """Record that the subject was told of the proposed listing, its facts, basis and right to object; the
    objection window opens today."""
    entry = entry_for(entry_id, principal, lock=True)
    require_decider(entry, principal)
    _require_status(entry, EntryStatus.PROPOSED)
    if channel not in NOTICE_CHANNELS:
        raise ValidationFailed(_("告知方式应为：{choices}").format(choices="、".join(NOTICE_CHANNELS)),
                               field="channel", code="bad_channel")
    rule = list_type_rule(entry.list_type)
    now = now or timezone.now()
    entry.status, entry.notified_at, entry.notice_channel = EntryStatus.NOTIFIED, now, channel
    entry.notice_reference = _text(reference, "reference", 1, 128)
    entry.objection_due = working_day_deadline(timezone.localdate(now), rule.procedure.objection_working_days)
    entry.decision_due = working_day_deadline(entry.objection_due, rule.procedure.decision_working_days)
    with ChainWriter(now) as log:
        save_entry(entry, log, principal.actor, "notify", (text or entry.notice_reference)[:2000])
    return entry


# ---------------------------------------------------------------------------------------------- objection


@logged_write
def file_objection(entry_id: int, principal, *, text: str, now: dt.datetime | None = None) -> ListEntry:
    """The subject objects (陈述申辩) inside the window: by its own account, or recorded by the department."""
    entry = entry_for(entry_id, principal, permission="objection.file", lock=True)
    if principal.acts_as_subject and principal.subject_id != entry.subject_id:
        raise Forbidden(_("只能对本人的名单条目提出异议"))
    if not principal.acts_as_subject:
        require_decider(entry, principal)
    _require_status(entry, EntryStatus.NOTIFIED)
    now = now or timezone.now()
    if entry.objection_due and timezone.localdate(now) > entry.objection_due:
        raise Conflict(_("异议期已于{date}届满").format(date=entry.objection_due), code="window_closed")
    entry.status, entry.objection_filed_at = EntryStatus.OBJECTED, now
    entry.objection_text = _text(text, "text", 5)
    rule = list_type_rule(entry.list_type)
    entry.decision_due = working_day_deadline(timezone.localdate(now), rule.procedure.decision_working_days)
    with ChainWriter(now) as log:
        save_entry(entry, log, principal.actor, "objection_filed", entry.objection_text)
    return entry


@logged_write
def decide_objection(entry_id: int, principal, *, upheld: bool, decision: str,
                     now: dt.datetime | None = None) -> ListEntry:
    """Decide an objection: upheld, the subject is not listed; rejected, the entry awaits the decision."""
    entry = entry_for(entry_id, principal, lock=True)
    require_decider(entry, principal)
    _require_status(entry, EntryStatus.OBJECTED)
    now = now or timezone.now()
    entry.objection_upheld, entry.objection_decision = upheld, _text(decision, "decision", 2)
    if upheld:
        entry.status, entry.decided_at, entry.decided_by = EntryStatus.NOT_LISTED, now, principal.label
        entry.decision_text = entry.objection_decision
        action = "objection_upheld"
    else:
        entry.status = EntryStatus.AWAITING_DECISION
        action = "objection_rejected"
    with ChainWriter(now) as log:
        save_entry(entry, log, principal.actor, action, entry.objection_decision)
    return entry


# ---------------------------------------------------------------------------------------------- decision


@logged_write
def decide(entry_id: int, principal, *, list_subject: bool, decision_no: str = "", text: str,
           now: dt.datetime | None = None) -> ListEntry:
    """Decide whether to list. Not listing is possible at any point before; listing only after the notice and
    once the objection window has closed without an open objection."""
    entry = entry_for(entry_id, principal, lock=True)
    require_decider(entry, principal)
    _require_status(entry, *PENDING)
    now = now or timezone.now()
    today = timezone.localdate(now)
    text = _text(text, "text", 2)
    if list_subject:
        if entry.notified_at is None:
            raise Conflict(_("尚未告知当事人，不能作出列入决定"), code="not_notified")
        if entry.status == EntryStatus.OBJECTED:
            raise Conflict(_("异议尚未处理，不能作出列入决定"), code="objection_open")
        if entry.status == EntryStatus.NOTIFIED and entry.objection_due and today <= entry.objection_due:
            raise Conflict(_("异议期至{date}届满，期满后方可决定").format(date=entry.objection_due),
                           code="window_open")
        rule = list_type_rule(entry.list_type)
        entry.status, entry.decision_no = EntryStatus.DECIDED, _text(decision_no, "decision_no", 1, 128)
        entry.publication_due = working_day_deadline(today, rule.procedure.publication_working_days)
    else:
        entry.status = EntryStatus.NOT_LISTED
    entry.decided_at, entry.decided_by, entry.decision_text = now, principal.label, text
    with ChainWriter(now) as log:
        save_entry(entry, log, principal.actor, "decide_list" if list_subject else "decide_not_list", text)
    return entry


# ---------------------------------------------------------------------------------------------- publication


def _subject_ref(entry: ListEntry) -> dict:
    subject = entry.subject
    if subject.kind == SubjectKind.SHOP:
        return {"kind": "shop", "platform_uscc": subject.platform.uscc, "shop_id": subject.shop_id,
                "name": subject.name}
    return {"kind": "organisation", "uscc": subject.uscc, "name": subject.name}


def _record_details(entry: ListEntry, record_type: str, extra: dict | None = None) -> dict:
    """Details for the list record, limited to the fields its type's schema has."""
    rule = policy.current().record_types[record_type]
    known = set((rule.details_schema.get("properties") or {}))
    details = {"decision_no": entry.decision_no, "reason": entry.reason[:1000],
               "basis": "；".join(g.get("name", "") for g in entry.grounds)[:1000] or entry.reason[:1000],
               "listed_by": entry.department.name[:200], **(extra or {})}
    return {k: v for k, v in details.items() if k in known and v not in ("", None)}


@logged_write
def publish(entry_id: int, principal, *, now: dt.datetime | None = None) -> ListEntry:
    """Publish a decided entry: write its archive record (its publicity rule sets the period), then dispatch
    one measure task per measure and implementer."""
    entry = entry_for(entry_id, principal, lock=True)
    require_decider(entry, principal)
    _require_status(entry, EntryStatus.DECIDED)
    if entry.notified_at is None:  # also a database constraint; said here in words
        raise Conflict(_("尚未告知当事人，不能发布"), code="not_notified")
    rule = list_type_rule(entry.list_type)
    now = now or timezone.now()
    today = timezone.localdate(now)
    decided_on = timezone.localdate(entry.decided_at)
    # The record's source is the deciding department even when the credit office publishes for it, so that
    # the department can later end it (the archive lets a record's source, or the credit office, change it).
    source = Principal.build(principal.label, "credit_office_admin" if entry.department.kind == "credit_office"
                             else "department_officer", entry.department)
    report = archive.ingest([{
        "id": f"list-entry-{entry.pk}", "type": rule.record_type, "subject": _subject_ref(entry),
        "decided_on": decided_on.isoformat(), "summary": f"{rule.name.zh}：{entry.reason}"[:500],
        "details": _record_details(entry, rule.record_type),
        "evidence": [{"list_entry": entry.pk}],
    }], source, atomic=True)
    if report.errors:
        error = report.errors[0]
        raise ValidationFailed(_("名单记录写入失败：{message}").format(message=error.message), field=error.field,
                               code=error.code)
    record = CreditRecord.objects.get(pk=report.record_ids[0])
    entry.status, entry.published_on, entry.record = EntryStatus.PUBLISHED, today, record
    entry.repair_from, entry.ends_on = record.repair_from, record.public_until
    with ChainWriter(now) as log:
        save_entry(entry, log, principal.actor, "publish", f"record {record.pk}; until {record.public_until}")
        joint.dispatch(entry, rule, log, today)
    return entry


# ---------------------------------------------------------------------------------------------- exit


def _exit(entry: ListEntry, log: ChainWriter, actor, status: str, reason: str, today: dt.date) -> None:
    entry.status, entry.exit_reason = status, reason[:2000]
    entry.exited_on = today
    save_entry(entry, log, actor, {"expired": "expire", "repaired": "repair", "revoked": "revoke"}[status], reason)
    joint.on_exit(entry, log, today)


@logged_write
def remove(entry_id: int, principal, *, how: str, reason: str) -> ListEntry:
    """End a published entry early: `repair` (credit repair, from `repair_from`) or `revoke` (the listing
    was wrong or its ground fell away). It leaves public view today; measures are lifted."""
    entry = entry_for(entry_id, principal, lock=True)
    require_decider(entry, principal)
    _require_status(entry, EntryStatus.PUBLISHED)
    reason = _text(reason, "reason", 2)
    today = timezone.localdate()
    if how == "repair":
        if entry.repair_from and today < entry.repair_from:
            raise Conflict(_("{date}起方可因信用修复提前移出").format(date=entry.repair_from), code="minimum_period")
        status = RecordStatus.REPAIRED
    elif how == "revoke":
        status = RecordStatus.REVOKED
    else:
        raise ValidationFailed(_("移出方式应为 repair 或 revoke"), field="how", code="bad_how")
    if entry.record_id:
        archive.end_record(entry.record_id, principal, status=status, reason=reason, details={
            "removal_date": today.isoformat(), "removal_reason": reason[:1000],
            "removal_by": entry.department.name[:200]})
    with ChainWriter() as log:
        _exit(entry, log, principal.actor, EntryStatus.REPAIRED if how == "repair" else EntryStatus.REVOKED,
              reason, today)
    return entry


# ---------------------------------------------------------------------------------------------- daily


@logged_write
def advance(today: dt.date | None = None) -> dict[str, int]:
    """The daily pass: close objection windows that ran out, expire entries whose period ended (they left
    public view the day after `ends_on`), and escalate overdue measure tasks."""
    today = today or timezone.localdate()
    counts = {"windows_closed": 0, "expired": 0}
    with ChainWriter() as log:
        for entry in ListEntry.objects.select_for_update().filter(status=EntryStatus.NOTIFIED,
                                                                  objection_due__lt=today):
            rule = list_type_rule(entry.list_type, today)
            entry.status = EntryStatus.AWAITING_DECISION
            entry.decision_due = working_day_deadline(entry.objection_due, rule.procedure.decision_working_days)
            save_entry(entry, log, SYSTEM_ACTOR, "window_closed", f"objection window ended {entry.objection_due}")
            counts["windows_closed"] += 1
        for entry in ListEntry.objects.select_for_update().select_related("department").filter(
                status=EntryStatus.PUBLISHED, ends_on__lt=today):
            _exit(entry, log, SYSTEM_ACTOR, EntryStatus.EXPIRED, f"period ended {entry.ends_on}", today)
            counts["expired"] += 1
        counts["escalated"] = joint.escalate_overdue(log, today)
    return counts


@logged_write
def follow_records(subject_ids: Iterable[int], today: dt.date | None = None) -> dict[str, int]:
    """After records about these subjects changed: an entry whose archive record was repaired, revoked or
    expired through the archive (a repair application, an upheld objection) exits the same way; a reward
    entry whose subject now meets an exit ground is revoked."""
    today = today or timezone.localdate()
    ids = list(subject_ids)
    counts = {"followed": 0, "revoked": 0}
    closing = {RecordStatus.REPAIRED: EntryStatus.REPAIRED, RecordStatus.REVOKED: EntryStatus.REVOKED,
               RecordStatus.EXPIRED: EntryStatus.EXPIRED}
    with ChainWriter() as log:
        # `of`: PostgreSQL locks no nullable side of an outer join (the record).
        for entry in ListEntry.objects.select_for_update(of=("self",)).select_related("record", "department").filter(
                subject_id__in=ids, status=EntryStatus.PUBLISHED):
            record = entry.record
            if record is None:
                continue
            if record.status in closing:
                _exit(entry, log, SYSTEM_ACTOR, closing[record.status], f"archive record {record.pk} {record.status}",
                      today)
                counts["followed"] += 1
            elif (entry.ends_on, entry.repair_from) != (record.public_until, record.repair_from):
                # The record was corrected (an upheld objection): the entry keeps the dates the public sees.
                entry.ends_on, entry.repair_from = record.public_until, record.repair_from
                save_entry(entry, log, SYSTEM_ACTOR, "follow_record",
                           f"archive record {record.pk} corrected: until {record.public_until}")
                counts["followed"] += 1
    counts["revoked"] = revoke_on_exit_grounds(ids, today)
    return counts


def revoke_on_exit_grounds(subject_ids: Iterable[int] | None = None, today: dt.date | None = None) -> int:
    """Revoke published entries whose subject meets one of the list type's exit grounds (a red-list subject
    with a new negative record, or whose grade fell)."""
    today = today or timezone.localdate()
    actor = system("lists")
    revoked = 0
    for code in policy.current().lists.list_types:
        rule = list_type_rule(code, today)
        if not rule.exit_grounds:
            continue
        listed = ListEntry.objects.filter(list_type=code, status=EntryStatus.PUBLISHED)
        if subject_ids is not None:
            listed = listed.filter(subject_id__in=list(subject_ids))
        listed_ids = dict(listed.values_list("subject_id", "id"))
        if not listed_ids:
            continue
        for ground in rule.exit_grounds:
            for subject_id in list(subjects_on_ground(ground, rule, today, listed_ids)):
                entry_id = listed_ids.get(subject_id)
                if entry_id is None or not _after_listing(entry_id, ground, today):
                    continue
                remove(entry_id, actor, how="revoke", reason=f"{ground.name.zh}（{ground.code}）")
                del listed_ids[subject_id]
                revoked += 1
    return revoked


def _after_listing(entry_id: int, ground, today: dt.date) -> bool:
    """A record-based exit ground counts only records decided on or after the listing (the grounds of the
    listing itself were checked then)."""
    entry = ListEntry.objects.get(pk=entry_id)
    conditions = [c.records for c in ground.conditions if c.records is not None]
    if not conditions:
        return True
    from .services import _record_query

    return all(_record_query(c, today).filter(subject_id=entry.subject_id,
                                              decided_on__gte=entry.published_on or today).exists()
               for c in conditions)
