"""Lists: who is a candidate (grounds over records and grades), proposing entries, and reading them.

A ground is a set of conditions (lists.yaml); each condition is one query over subject ids, so finding the
candidates of a whole city is a handful of aggregate queries, not a loop over subjects.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Iterable, Iterator

from django.db.models import Count, Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from ecredit import policy
from ecredit.access.models import Organisation, OrganisationKind
from ecredit.archive.models import LIVE_STATUSES, CreditRecord, RecordStatus
from ecredit.audit.services import Actor, ChainWriter, logged_write, state_text
from ecredit.evaluation.models import CurrentScore
from ecredit.kit.errors import Conflict, Forbidden, NotFound, ValidationFailed
from ecredit.policy.list_rules import Condition, Ground, ListTypeVersion, RecordCondition
from ecredit.registry.models import Subject, SubjectKind

from .models import EXITED, OPEN, EntryOrigin, EntryStatus, ListEntry

ENTRY_MODEL = "lists.listentry"
SYSTEM_ACTOR = Actor("system:lists", "credit_office")
# Records that ground a listing: in force and not under objection (a contested record grounds nothing yet).
GROUNDING_STATUSES = (RecordStatus.ACTIVE, RecordStatus.CORRECTED)
STATE_FIELDS = ("list_type", "subject_id", "department_id", "status", "origin", "grounds", "reason", "evidence",
                "policy_version", "proposed_by", "proposed_by_org_id", "notice_due", "notified_at", "notice_channel",
                "notice_reference", "objection_due", "objection_text", "objection_filed_at", "objection_upheld",
                "objection_decision", "decision_due", "decided_at", "decided_by", "decision_no", "decision_text",
                "publication_due", "published_on", "record_id", "repair_from", "ends_on", "exited_on",
                "exit_reason")


# ---------------------------------------------------------------------------------------------- state


def _value(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def object_state(obj, fields: tuple[str, ...]) -> str:
    """Canonical state of an entry or a task (its `fields`) as the change log keeps it."""
    return state_text({name: _value(getattr(obj, name)) for name in fields})


def save_logged(obj, log: ChainWriter, actor: Actor, action: str, model: str, fields: tuple[str, ...],
                reason: str = "") -> None:
    """Save an entry or a task and append its new state to the change log with the actor, time and reason."""
    obj.updated_at = log.at
    if obj.pk is None:
        obj.save()
    obj.log_seq = log.append(actor, action, model, obj.pk, object_state(obj, fields), reason[:2000])
    obj.save()


def entry_state(entry: ListEntry) -> str:
    """Canonical state of an entry as the change log keeps it."""
    return object_state(entry, STATE_FIELDS)


def iter_entry_states() -> Iterator[tuple[int, str]]:
    """(id, state) of every entry, for `ecredit verify-log`."""
    for entry in ListEntry.objects.order_by("id").iterator(chunk_size=2000):
        yield entry.pk, entry_state(entry)


def save_entry(entry: ListEntry, log: ChainWriter, actor: Actor, action: str, reason: str = "") -> None:
    """Save an entry and append its new state to the change log: each step with its actor, time and reason."""
    save_logged(entry, log, actor, action, ENTRY_MODEL, STATE_FIELDS, reason)


# ---------------------------------------------------------------------------------------------- rules


def list_type_rule(code: str, on: dt.date | None = None) -> ListTypeVersion:
    """The list type in force, or ValidationFailed for an unknown code."""
    rule = policy.current().list_type(code, on)
    if rule is None:
        raise ValidationFailed(_("未知的名单类型：{code}").format(code=code), field="list_type", code="unknown_list")
    return rule


def department_of(rule: ListTypeVersion) -> Organisation:
    """The organisation that decides entries of this list type."""
    org = Organisation.objects.filter(code=rule.department, active=True).first()
    if org is None:
        raise Conflict(_("认定部门“{code}”尚未开通").format(code=rule.department), code="no_department")
    return org


def working_day_deadline(start: dt.date, days: int) -> dt.date:
    """`days` working days after `start` on the policy's calendar."""
    return policy.current().calendar.add_working_days(start, days).due


# ---------------------------------------------------------------------------------------------- grounds


def _record_query(condition: RecordCondition, today: dt.date, negated: bool = False) -> QuerySet:
    # A record under objection grounds no listing, but it still keeps a subject off a red list.
    records = CreditRecord.objects.filter(status__in=LIVE_STATUSES if negated else GROUNDING_STATUSES)
    if condition.types:
        records = records.filter(record_type_id__in=condition.types)
    if condition.categories:
        records = records.filter(record_type__category__in=condition.categories)
    if condition.polarity:
        records = records.filter(polarity=condition.polarity)
    if condition.severity:
        records = records.filter(record_type__severity__in=condition.severity)
    if condition.within is not None:
        records = records.filter(decided_on__gte=condition.within.before(today))
    if condition.older_than is not None:
        records = records.filter(decided_on__lte=condition.older_than.before(today))
    return records.filter(decided_on__lte=today)


def _subjects_meeting(condition: Condition, today: dt.date) -> tuple[QuerySet, bool]:
    """Subject ids meeting the condition, and whether the condition is a negation (exclude them)."""
    if condition.grade is not None:
        return CurrentScore.objects.filter(in_force=True, grade__in=condition.grade).values("subject_id"), False
    if condition.roles is not None:
        from ecredit.registry.models import SubjectRole

        return SubjectRole.objects.filter(role__in=condition.roles).values("subject_id"), False
    rule = condition.records or condition.no_records
    ids = (_record_query(rule, today, negated=condition.no_records is not None).values("subject_id").annotate(n=Count("id")).filter(n__gte=rule.at_least)
           .values("subject_id"))
    return ids, condition.no_records is not None


def subjects_on_ground(ground: Ground, rule: ListTypeVersion, today: dt.date,
                       among: Iterable[int] | None = None) -> QuerySet:
    """Subjects of the list's kinds and roles for whom every condition of `ground` holds on `today`."""
    subjects = Subject.objects.filter(kind__in=rule.subject_kinds)
    if rule.roles:
        subjects = subjects.filter(roles__role__in=rule.roles)
    if among is not None:
        subjects = subjects.filter(pk__in=list(among))
    for condition in ground.conditions:
        ids, negated = _subjects_meeting(condition, today)
        subjects = subjects.exclude(pk__in=ids) if negated else subjects.filter(pk__in=ids)
    return subjects.values_list("id", flat=True).distinct()


def ground_evidence(ground: Ground, subject_id: int, today: dt.date) -> dict[str, Any]:
    """Why a subject meets a ground: the records and the grade behind each condition, as the entry keeps it."""
    evidence: dict[str, Any] = {"code": ground.code, "name": ground.name.zh, "records": [], "grade": None}
    for condition in ground.conditions:
        if condition.records is not None:
            evidence["records"] += list(_record_query(condition.records, today).filter(subject_id=subject_id)
                                        .order_by("-decided_on").values_list("id", flat=True)[:20])
        elif condition.grade is not None:
            evidence["grade"] = (CurrentScore.objects.filter(subject_id=subject_id, in_force=True)
                                 .values("grade", "score", "model_version").first())
            if evidence["grade"]:
                evidence["grade"]["score"] = str(evidence["grade"]["score"])
    return evidence


@dataclass
class ScanResult:
    """What a candidate scan did, per list type: subjects meeting a ground, and entries proposed."""

    found: dict[str, int]
    proposed: dict[str, int]

    def as_dict(self) -> dict[str, Any]:
        return {"found": self.found, "proposed": self.proposed}


def _recently_closed(list_type: str, rule: ListTypeVersion, today: dt.date) -> QuerySet:
    """Subjects not listed, or whose entry ended (repaired, revoked, expired), within `repropose_after`: the same
    ground is not proposed again at once (a repaired subject's penalty is still on record)."""
    since = rule.procedure.repropose_after.before(today)
    return ListEntry.objects.filter(list_type=list_type, status__in=(EntryStatus.NOT_LISTED,) + EXITED,
                                    updated_at__date__gte=since).values("subject_id")


@logged_write
def scan(today: dt.date | None = None, subject_ids: Iterable[int] | None = None,
         list_types: Iterable[str] | None = None, *, now: dt.datetime | None = None) -> ScanResult:
    """Find subjects meeting a list's grounds and propose them to the deciding department (one entry per
    subject and list: a subject already on the list or under procedure, or not listed lately, is skipped)."""
    now = now or timezone.now()
    today = today or timezone.localdate(now)
    current = policy.current()
    among = set(subject_ids) if subject_ids is not None else None
    result = ScanResult({}, {})
    with ChainWriter(now) as log:
        for code in list_types or current.lists.list_types:
            rule = current.list_type(code, today)
            if not rule.grounds:
                continue
            matched: dict[int, list[Ground]] = {}
            for ground in rule.grounds:
                for subject_id in subjects_on_ground(ground, rule, today, among):
                    matched.setdefault(subject_id, []).append(ground)
            result.found[code] = len(matched)
            skip = set(ListEntry.objects.filter(list_type=code, status__in=OPEN, subject_id__in=list(matched))
                       .values_list("subject_id", flat=True)) if len(matched) < 900 else set(
                ListEntry.objects.filter(list_type=code, status__in=OPEN).values_list("subject_id", flat=True))
            skip |= set(_recently_closed(code, rule, today).values_list("subject_id", flat=True))
            todo = sorted(set(matched) - skip)
            if not todo:
                result.proposed[code] = 0
                continue
            department = department_of(rule)
            for subject_id in todo:
                grounds = [ground_evidence(g, subject_id, today) for g in matched[subject_id]]
                _new_entry(log, SYSTEM_ACTOR, code, rule, subject_id, department, EntryOrigin.SCAN, grounds,
                           "；".join(g["name"] for g in grounds), [], proposer_label=SYSTEM_ACTOR.label,
                           proposer_org=None, today=today)
            result.proposed[code] = len(todo)
    return result


def _new_entry(log: ChainWriter, actor: Actor, code: str, rule: ListTypeVersion, subject_id: int,
               department: Organisation, origin: str, grounds: list[dict], reason: str, evidence: list,
               *, proposer_label: str, proposer_org: Organisation | None, today: dt.date) -> ListEntry:
    entry = ListEntry(list_type=code, subject_id=subject_id, department=department, origin=origin, grounds=grounds,
                      reason=reason[:4000], evidence=evidence, policy_version=policy.current().version,
                      proposed_by=proposer_label, proposed_by_org=proposer_org, proposed_at=log.at,
                      notice_due=working_day_deadline(today, rule.procedure.notice_working_days))
    save_entry(entry, log, actor, "propose", reason)
    return entry


def _subject_for(rule: ListTypeVersion, subject_id: int) -> Subject:
    subject = Subject.objects.filter(pk=subject_id).first()
    if subject is None:
        raise NotFound(_("信用主体不存在"))
    if subject.kind not in rule.subject_kinds:
        raise ValidationFailed(_("该名单不适用于此类主体"), field="subject_id", code="subject_kind_not_allowed")
    if rule.roles and not subject.roles.filter(role__in=rule.roles).exists():
        raise ValidationFailed(_("该名单只适用于具有相应角色的主体"), field="subject_id", code="role_not_allowed")
    return subject


@logged_write
def propose(principal, *, list_type: str, subject_id: int, reason: str, evidence: list | None = None,
            now: dt.datetime | None = None) -> ListEntry:
    """An officer proposes a subject for a list; a platform reports a seriously dishonest merchant on it (R11.2).

    A platform may only report shops on its own platform, or the companies running them."""
    principal.require("list.propose")
    now = now or timezone.now()
    today = timezone.localdate(now)
    rule = list_type_rule(list_type, today)
    subject = _subject_for(rule, subject_id)
    reason = (reason or "").strip()
    if len(reason) < 5:
        raise ValidationFailed(_("请写明提出列入的事实和理由（至少5个字）"), field="reason", code="required")
    evidence = evidence or []
    if not isinstance(evidence, list) or len(evidence) > 50:
        raise ValidationFailed(_("证据应为不超过50项的列表"), field="evidence", code="bad_evidence")
    if principal.organisation_kind == OrganisationKind.PLATFORM:
        if rule.polarity != "punishment":
            raise Forbidden(_("平台只能报送失信主体"))
        _require_own_merchant(principal, subject)
        origin = EntryOrigin.PLATFORM
    elif principal.organisation_kind in (OrganisationKind.DEPARTMENT, OrganisationKind.CREDIT_OFFICE):
        origin = EntryOrigin.OFFICER
    else:
        raise Forbidden(_("只有部门和平台可以提出列入名单"))
    if ListEntry.objects.filter(list_type=list_type, subject=subject, status__in=OPEN).exists():
        raise Conflict(_("该主体已在此名单中或正在办理列入程序"), code="already_open")
    proposer = Organisation.objects.get(pk=principal.organisation_id)
    with ChainWriter(now) as log:
        return _new_entry(log, principal.actor, list_type, rule, subject.pk, department_of(rule), origin,
                          [{"code": "reported" if origin == EntryOrigin.PLATFORM else "officer",
                            "name": _("平台报送") if origin == EntryOrigin.PLATFORM else _("部门提出"),
                            "records": [int(e) for e in evidence if isinstance(e, int)], "grade": None}],
                          reason, evidence, proposer_label=principal.label, proposer_org=proposer, today=today)


def _require_own_merchant(principal, subject: Subject) -> None:
    platform_uscc = Organisation.objects.filter(pk=principal.organisation_id).values_list("uscc", flat=True).first()
    own_shops = Subject.objects.filter(kind=SubjectKind.SHOP, platform__uscc=platform_uscc)
    if subject.kind == SubjectKind.SHOP and own_shops.filter(pk=subject.pk).exists():
        return
    if subject.kind != SubjectKind.SHOP and own_shops.filter(operator=subject).exists():
        return
    raise Forbidden(_("平台只能报送本平台网店或其经营者"))


# ---------------------------------------------------------------------------------------------- reading


def entry_for(entry_id: int, principal, permission: str = "list.handle", lock: bool = False) -> ListEntry:
    """The entry if the principal may see it (and holds `permission`); NotFound otherwise."""
    principal.require(permission)
    entries = ListEntry.objects.visible_to(principal).filter(pk=entry_id)
    if lock:
        entries = entries.select_for_update()
    entry = entries.select_related("subject", "department").first()
    if entry is None:
        raise NotFound(_("名单条目不存在"))
    return entry


def require_decider(entry: ListEntry, principal) -> None:
    """Only the deciding department (or the credit office) handles an entry's procedure."""
    principal.require("list.handle")
    if entry.department_id != principal.organisation_id and not principal.city_wide:
        raise Forbidden(_("只有认定部门或信用办可以办理"))


def entries(principal, *, status: str | None = None, list_type: str | None = None) -> QuerySet:
    """Entries the principal may see, newest first, optionally by status (or 'open', 'pending') and list type."""
    if not any(principal.can(p) for p in ("list.handle", "list.propose", "objection.file")):
        raise Forbidden(_("您没有查看名单条目的权限"))
    found = ListEntry.objects.visible_to(principal).select_related("subject", "department")
    if status == "open":
        found = found.filter(status__in=OPEN)
    elif status:
        found = found.filter(status=status)
    if list_type:
        found = found.filter(list_type=list_type)
    return found


def steps(entry: ListEntry) -> list[dict[str, Any]]:
    """The entry's procedure as the change log tells it: action, actor, organisation, time and reason."""
    from ecredit.audit.models import ChangeLogEntry

    return list(ChangeLogEntry.objects.filter(model=ENTRY_MODEL, object_id=entry.pk).order_by("seq")
                .values("seq", "at", "actor", "organisation", "action", "reason"))


def published_on(subject_id: int, today: dt.date | None = None) -> QuerySet:
    """A subject's entries in force today."""
    today = today or timezone.localdate()
    return ListEntry.objects.filter(subject_id=subject_id, status=EntryStatus.PUBLISHED).filter(
        Q(ends_on__gte=today) | Q(ends_on__isnull=True))
