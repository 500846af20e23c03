"""Writing credit records: bulk intake, correction, revocation; the credit check; the catalog mirror.

Bulk intake is the hot path (ARCHITECTURE §8): it validates with compiled schemas, resolves subjects
with one query per kind, hashes each item once, and writes records and change-log entries with one
executemany each, inside one transaction that also holds the change log's lock.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass, field
from functools import lru_cache
from typing import Any, Iterator

import fastjsonschema
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy

from ecredit import db, policy
from ecredit.audit.services import Actor, ChainWriter, logged_write, state_text
from ecredit.kit.canonical import canonical_json
from ecredit.kit.crypto import sm3_hex
from ecredit.kit.errors import Conflict, Forbidden, NotFound, ValidationFailed
from ecredit.kit.masking import scrub
from ecredit.registry import services as registry

from . import publicity
from .models import CreditRecord, Disclosure, RecordStatus, RecordType
from .signals import records_written

MODEL = "archive.creditrecord"
SYSTEM_ACTOR = Actor("system:expiry")
MAX_BATCH = 10_000
# Every stored column that means something: the log keeps them, so editing any of them behind the archive's
# back is found by verification (timestamps and log_seq are bookkeeping).
STATE_FIELDS = ("record_type_id", "subject_id", "source_id", "source_record_id", "batch_id", "decided_on",
                "summary", "details", "legal_basis", "evidence", "status", "disclosure", "polarity", "public_from",
                "repair_from", "public_until", "publicity_basis", "policy_version", "content_hash")
_COLUMNS = ("id", "record_type_id", "subject_id", "source_id", "source_record_id", "batch_id", "decided_on",
            "summary", "details", "legal_basis", "evidence", "status", "disclosure", "polarity", "public_from",
            "repair_from", "public_until", "publicity_basis", "policy_version", "content_hash", "created_at",
            "updated_at", "log_seq")


def announce(subject_ids) -> None:
    """Tell derived apps (evaluation, lists) which subjects' records changed: the signal is sent inside the
    writing transaction, and receivers defer their work to its commit."""
    ids = frozenset(i for i in subject_ids if i is not None)
    if ids:
        records_written.send(sender=CreditRecord, subject_ids=ids)


def record_state(values: dict[str, Any]) -> str:
    """Canonical state of a record as the change log keeps it (from a row dict or a model)."""
    return state_text({k: values[k] for k in STATE_FIELDS})


def _model_state(record: CreditRecord) -> str:
    return record_state({k: getattr(record, k) for k in STATE_FIELDS})


def iter_record_states() -> Iterator[tuple[int, str]]:
    """Every record's current state, for verification of the change log."""
    for row in CreditRecord.objects.order_by("id").values("id", *STATE_FIELDS).iterator(chunk_size=5000):
        yield row["id"], record_state(row)


# ---------------------------------------------------------------------------------------------- catalog


def sync_record_types(using: str = "default") -> int:
    """Mirror the catalog into RecordType rows; types dropped from the catalog stay, marked out of it."""
    current = policy.current()
    codes = set()
    for rule in current.catalog.record_types:
        codes.add(rule.code)
        RecordType.objects.using(using).update_or_create(code=rule.code, defaults=dict(
            name=rule.name.zh, name_en=rule.name.en, category=rule.category, polarity=rule.polarity,
            severity=rule.severity, disclosure=rule.disclosure, publicity_rule=rule.publicity,
            legal_basis=rule.legal_basis, details_schema=rule.details_schema, in_catalog=True,
            policy_version=current.version))
    RecordType.objects.using(using).exclude(code__in=codes).update(in_catalog=False)
    return len(codes)


@lru_cache(maxsize=4096)
def _window_rule(pol_version: str, rule_name: str, on: dt.date):
    return policy.current().publicity_rule(rule_name, on)


def publicity_window(type_code: str, decided_on: dt.date, details: dict[str, Any]) -> publicity.PublicityWindow:
    """The publicity window of a record of `type_code` decided on `decided_on`, under the current policy."""
    current = policy.current()
    rule = current.record_types[type_code]
    return publicity.compute(_window_rule(current.version, rule.publicity, decided_on), decided_on, details,
                             rule.disclosure)


# ---------------------------------------------------------------------------------------------- intake


@dataclass
class RowError:
    """Why one item of a batch was refused."""

    index: int
    source_record_id: str
    field: str
    code: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"index": self.index, "id": self.source_record_id, "field": self.field, "code": self.code,
                "message": self.message}


@dataclass
class IngestReport:
    """What a batch did: counts and the refused items. Nothing else was written."""

    received: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    atomic: bool = False
    record_ids: list[int] = field(default_factory=list)

    @property
    def rejected(self) -> int:
        return self.received - self.created - self.updated - self.unchanged

    def as_dict(self) -> dict[str, Any]:
        return {"received": self.received, "created": self.created, "updated": self.updated,
                "unchanged": self.unchanged, "rejected": self.rejected, "atomic": self.atomic,
                "errors": [e.as_dict() for e in self.errors]}


@dataclass
class _Item:
    index: int
    source_record_id: str
    type_code: str
    ref: registry.SubjectRef
    decided_on: dt.date
    summary: str
    details: dict[str, Any]
    legal_basis: str
    evidence: list[Any]
    content_hash: str


# How the fields of a record are named in messages (the API's `field` keeps the key).
FIELD_LABELS = {"id": gettext_lazy("记录编号"), "type": gettext_lazy("信用信息类型"),
                "decided_on": gettext_lazy("决定日期"), "summary": gettext_lazy("摘要"),
                "legal_basis": gettext_lazy("依据"), "reason": gettext_lazy("理由")}


def _label(field_name: str) -> str:
    return str(FIELD_LABELS.get(field_name, field_name))


def _text(value: Any, field_name: str, max_length: int, required: bool = True) -> str:
    if isinstance(value, (dict, list)):   # not stored as its Python spelling
        raise ValidationFailed(_("{field}应为文本").format(field=_label(field_name)), field=field_name,
                               code="bad_type")
    text = "" if value is None else str(value).strip()
    if required and not text:
        raise ValidationFailed(_("{field}为必填项").format(field=_label(field_name)), field=field_name,
                               code="required")
    if len(text) > max_length:
        raise ValidationFailed(_("{field}超过{n}个字符").format(field=_label(field_name), n=max_length),
                               field=field_name, code="too_long")
    return text


def _day(value: Any, field_name: str, today: dt.date) -> dt.date:
    label = _label(field_name)
    try:
        day = value if isinstance(value, dt.date) else dt.date.fromisoformat(str(value).strip())
    except (TypeError, ValueError):
        raise ValidationFailed(_("{field}不是有效日期（应为YYYY-MM-DD）").format(field=label),
                               field=field_name, code="bad_date") from None
    if day > today:
        raise ValidationFailed(_("{field}晚于今天").format(field=label), field=field_name, code="future_date")
    if day.year < 1949:
        raise ValidationFailed(_("{field}早于1949年").format(field=label), field=field_name, code="bad_date")
    return day


def validate_details(type_code: str, details: Any, current=None) -> dict[str, Any]:
    """`details` checked against the type's schema (defaults filled in), or ValidationFailed naming the path."""
    current = current or policy.current()
    try:
        return current.details_validator(type_code)(details)
    except fastjsonschema.JsonSchemaValueException as exc:
        where = exc.path[1:] if exc.path and exc.path[0] == "data" else exc.path
        raise ValidationFailed(_("明细不符合要求：{msg}").format(msg=exc.message.replace("data.", "details.")),
                               field="details" + "".join(f".{p}" for p in where or []), code="bad_details") from None


def may_submit(principal, type_code: str) -> bool:
    """True when the principal's organisation is among the record type's allowed sources."""
    rule = policy.current().record_types.get(type_code)
    if rule is None:
        return False
    if principal.can("record.submit_any"):
        return True
    return principal.organisation_kind in rule.sources or principal.organisation_code in rule.sources


def _prepare(index: int, raw: Any, principal, current, today: dt.date, own_platform: str | None) -> _Item:
    if not isinstance(raw, dict):
        raise ValidationFailed(_("记录应为JSON对象"), field="", code="not_an_object")
    source_record_id = _text(raw.get("id"), "id", 100)
    type_code = _text(raw.get("type"), "type", 50)
    rule = current.record_types.get(type_code)
    if rule is None:
        raise ValidationFailed(_("未知的信用信息类型：{code}").format(code=type_code), field="type", code="unknown_type")
    if not may_submit(principal, type_code):
        raise ValidationFailed(_("本单位无权报送“{name}”").format(name=rule.name.zh), field="type",
                               code="source_not_allowed")
    ref = registry.parse_ref(raw.get("subject"))
    if own_platform and ref.kind == "shop" and ref.platform_uscc != own_platform:
        raise ValidationFailed(_("平台只能报送本平台网店的记录"), field="subject.platform_uscc", code="not_own_shop")
    if ref.kind not in rule.subject_kinds:
        raise ValidationFailed(_("“{name}”不适用于此类主体").format(name=rule.name.zh), field="subject",
                               code="subject_kind_not_allowed")
    decided_on = _day(raw.get("decided_on"), "decided_on", today)
    summary = _text(raw.get("summary"), "summary", 500)
    received_details = raw.get("details") or {}
    details = validate_details(type_code, received_details, current)
    received_basis = _text(raw.get("legal_basis"), "legal_basis", 2000, required=False)
    legal_basis = received_basis or rule.legal_basis
    evidence = raw.get("evidence") or []
    if not isinstance(evidence, list):
        raise ValidationFailed(_("证据应为列表"), field="evidence", code="bad_evidence")
    # What the source sent, before the catalog's defaults: a catalog edit must not make a re-send an update.
    content = canonical_json([type_code, ref.lookup, decided_on, summary, received_details, received_basis,
                              evidence])
    return _Item(index, source_record_id, type_code, ref, decided_on, summary, details, legal_basis, evidence,
                 sm3_hex(content))


def _platform_uscc(principal) -> str | None:
    """A platform may report about its own shops only: the USCC of the platform it acts for."""
    if principal.organisation_kind != "platform":
        return None
    from ecredit.access.models import Organisation

    return Organisation.objects.filter(pk=principal.organisation_id).values_list("uscc", flat=True).first() or "-"


class _Rollback(Exception):
    pass


def ingest(items: list[Any], principal, *, batch_id: int | None = None, atomic: bool = False) -> IngestReport:
    """Write a batch of records for the principal's organisation.

    Row by row by default: valid items are written, each refused item is reported with its index, field
    and reason. With `atomic=True` one refused item refuses the batch and nothing is written. Either way
    the written part is one transaction, and a record already received with the same id and content is
    left unchanged, so re-sending a batch is harmless. `content_hash` is the hash of what the source last
    sent: a correction made through the archive (objection, correction) does not change it, so a source that
    re-exports its old table does not undo the correction; new content from the source does update it.
    """
    principal.require("record.submit")
    if principal.organisation_id is None:
        raise Forbidden(_("报送记录须以单位身份进行"))
    if len(items) > MAX_BATCH:
        raise ValidationFailed(_("每批最多{n}条记录").format(n=MAX_BATCH), field="records", code="batch_too_large")
    current, today = policy.current(), timezone.localdate()
    report = IngestReport(received=len(items), atomic=atomic)
    own_platform = _platform_uscc(principal)
    prepared: dict[str, _Item] = {}
    for index, raw in enumerate(items):
        try:
            item = _prepare(index, raw, principal, current, today, own_platform)
        except ValidationFailed as exc:
            rid = str(raw.get("id", "")) if isinstance(raw, dict) else ""
            report.errors.append(RowError(index, rid, exc.field or "", exc.code, str(exc.message)))
            continue
        if item.source_record_id in prepared:
            report.errors.append(RowError(index, item.source_record_id, "id", "duplicate_in_batch",
                                          _("同一批次中记录编号重复（第{n}条已使用）").format(
                                              n=prepared[item.source_record_id].index + 1)))
            continue
        prepared[item.source_record_id] = item
    if atomic and report.errors:
        return report
    try:
        with transaction.atomic():
            _write(list(prepared.values()), principal, batch_id, current, report)
            if atomic and report.errors:
                raise _Rollback
    except _Rollback:
        report.created = report.updated = report.unchanged = 0
        report.record_ids = []
    report.errors.sort(key=lambda e: e.index)
    return report


def _write(items: list[_Item], principal, batch_id, current, report: IngestReport) -> None:
    actor = principal.actor
    with ChainWriter() as log:
        subjects = registry.resolve({item.ref for item in items}, actor, log)
        existing: dict[str, tuple[int, str]] = {}
        ids = [item.source_record_id for item in items]
        for start in range(0, len(ids), 900):
            existing.update((rid, (pk, digest)) for pk, rid, digest in CreditRecord.objects.filter(
                source_id=principal.organisation_id, source_record_id__in=ids[start:start + 900]
            ).values_list("id", "source_record_id", "content_hash"))
        now_db = connection.ops.adapt_datetimefield_value(log.at)
        rows, updates, new = [], [], []
        for item in items:
            subject_id = subjects[item.ref.lookup]
            if isinstance(subject_id, ValidationFailed):
                report.errors.append(RowError(item.index, item.source_record_id, subject_id.field or "subject",
                                              subject_id.code, str(subject_id.message)))
                continue
            known = existing.get(item.source_record_id)
            if known and known[1] == item.content_hash:
                report.unchanged += 1
                report.record_ids.append(known[0])
                continue
            rule = current.record_types[item.type_code]
            window = publicity_window(item.type_code, item.decided_on, item.details)
            values = dict(record_type_id=item.type_code, subject_id=subject_id, source_id=principal.organisation_id,
                          source_record_id=item.source_record_id, batch_id=batch_id, decided_on=item.decided_on,
                          summary=item.summary, details=item.details, legal_basis=item.legal_basis,
                          evidence=item.evidence, status=RecordStatus.ACTIVE, disclosure=rule.disclosure,
                          polarity=rule.polarity, public_from=window.public_from, repair_from=window.repair_from,
                          public_until=window.public_until, publicity_basis=window.basis,
                          policy_version=current.version, content_hash=item.content_hash)
            if known:
                updates.append((known[0], values, window, item.index))
                continue
            new.append((item, values))
        for (item, values), pk in zip(new, db.reserve_ids("archive_creditrecord", len(new))):
            seq = log.append(actor, "create", MODEL, pk, record_state(values))
            rows.append((pk, item.type_code, values["subject_id"], principal.organisation_id, item.source_record_id,
                         batch_id, _iso(item.decided_on), item.summary, _json(item.details), item.legal_basis,
                         _json(item.evidence), RecordStatus.ACTIVE, values["disclosure"], values["polarity"],
                         _iso(values["public_from"]), _iso(values["repair_from"]), _iso(values["public_until"]),
                         values["publicity_basis"], current.version, item.content_hash, now_db, now_db, seq))
            report.record_ids.append(pk)
        db.insert_rows("archive_creditrecord", _COLUMNS, rows)
        report.created = len(rows)
        for pk, values, window, index in updates:
            record = CreditRecord.objects.select_for_update().get(pk=pk)
            if record.status in (RecordStatus.REVOKED, RecordStatus.REPAIRED, RecordStatus.EXPIRED):
                report.errors.append(RowError(index, record.source_record_id, "id", "closed",
                                              _("该记录已撤销、修复或届满，不能再更新")))
                continue
            if record.status == RecordStatus.OBJECTED:
                values["status"] = RecordStatus.OBJECTED  # new content does not lift the objection's mark
            for key, value in values.items():
                setattr(record, key, value)
            record.publicity_basis, record.batch_id, record.policy_version = window.basis, batch_id, current.version
            save_logged(record, log, actor, "update", "re-sent with new content")
            report.updated += 1
            report.record_ids.append(pk)
        announce([values["subject_id"] for _item, values in new] + [v["subject_id"] for _pk, v, _w, _i in updates])


def _iso(value: dt.date | None) -> str | None:
    return value.isoformat() if value else None


def _json(value: Any) -> str:
    return canonical_json(value).decode("utf-8")


def save_logged(record: CreditRecord, log: ChainWriter, actor: Actor, action: str, reason: str) -> None:
    """Save a changed record and append its new state to the change log."""
    record.updated_at = log.at
    record.log_seq = log.append(actor, action, MODEL, record.pk, _model_state(record), reason)
    record.save()
    announce([record.subject_id])


# ---------------------------------------------------------------------------------------------- changes


def locked_record(record_id: int, principal) -> CreditRecord:
    """The record, locked for update, if the principal may see it; NotFound otherwise."""
    record = CreditRecord.objects.select_for_update().filter(pk=record_id).first()
    if record is None or not CreditRecord.objects.visible_to(principal).filter(pk=record_id).exists():
        raise NotFound(_("信用记录不存在"))
    return record


def require_source(record: CreditRecord, principal) -> None:
    """Only the organisation that submitted a record, or the credit office, may change or handle it."""
    if record.source_id != principal.organisation_id and not principal.city_wide:
        raise Forbidden(_("只有报送该记录的单位或信用办可以办理"))


def _own_record(record_id: int, principal, permission: str) -> CreditRecord:
    principal.require(permission)
    record = locked_record(record_id, principal)
    require_source(record, principal)
    if record.status == RecordStatus.OBJECTED:
        # An open objection decides the record's fate: correct or revoke it through the objection.
        raise Conflict(_("该记录有正在办理的异议，请在异议中更正或撤销"), code="objection_open")
    return record


@logged_write
def correct(record_id: int, principal, *, summary: str | None = None, details: dict | None = None,
            decided_on: dt.date | None = None, reason: str) -> CreditRecord:
    """Correct a record (by its source or the credit office); the window is recomputed."""
    record = _own_record(record_id, principal, "record.correct")
    if record.status in (RecordStatus.REVOKED, RecordStatus.REPAIRED, RecordStatus.EXPIRED):
        raise ValidationFailed(_("该记录已撤销、修复或届满，不能更正"), code="closed")
    _text(reason, "reason", 2000)
    if summary is None and details is None and decided_on is None:
        raise ValidationFailed(_("请提供更正的内容（摘要、明细或决定日期）"), field="summary", code="nothing_to_correct")
    apply_correction(record, summary=summary, details=details, decided_on=decided_on)
    with ChainWriter() as log:
        save_logged(record, log, principal.actor, "correct", reason)
    return record


def apply_correction(record: CreditRecord, *, summary=None, details=None, decided_on=None) -> None:
    """Change a record's content in memory (validated) and recompute its publicity window."""
    current = policy.current()
    if summary is not None:
        record.summary = _text(summary, "summary", 500)
    if details is not None:
        record.details = validate_details(record.record_type_id, details, current)
    if decided_on is not None:
        record.decided_on = _day(decided_on, "decided_on", timezone.localdate())
    window = publicity_window(record.record_type_id, record.decided_on, record.details)
    record.public_from, record.repair_from, record.public_until = window.public_from, window.repair_from, \
        window.public_until
    record.publicity_basis, record.policy_version = window.basis, current.version
    record.status = RecordStatus.CORRECTED


@logged_write
def revoke(record_id: int, principal, *, reason: str) -> CreditRecord:
    """Revoke a record (the decision behind it was revoked or found wrong); it leaves public view at once."""
    record = _own_record(record_id, principal, "record.revoke")
    _text(reason, "reason", 2000)
    if record.status == RecordStatus.REVOKED:
        return record
    record.status = RecordStatus.REVOKED
    with ChainWriter() as log:
        save_logged(record, log, principal.actor, "revoke", reason)
    return record


@logged_write
def end_record(record_id: int, principal, *, status: str, reason: str, details: dict | None = None) -> CreditRecord:
    """End a record early (a list entry removed by repair or revocation): it leaves public view today, its new
    status and any removal details (validated against its type) are logged."""
    if status not in (RecordStatus.REPAIRED, RecordStatus.REVOKED):
        raise ValueError(f"a record ends as repaired or revoked, not {status!r}")
    record = _own_record(record_id, principal, "record.revoke")
    _text(reason, "reason", 2000)
    if record.status in (RecordStatus.REVOKED, RecordStatus.REPAIRED, RecordStatus.EXPIRED):
        return record
    if details:
        record.details = validate_details(record.record_type_id, {**(record.details or {}), **details})
    record.status = status
    yesterday = timezone.localdate() - dt.timedelta(days=1)
    if record.public_until is None or record.public_until > yesterday:
        record.public_until = max(yesterday, record.public_from or record.decided_on)
    with ChainWriter() as log:
        # The same actions as the archive's own revocation and repair, so feeds read them alike.
        save_logged(record, log, principal.actor, "revoke" if status == RecordStatus.REVOKED else "repaired", reason)
    return record


@logged_write
def expire_due(today: dt.date | None = None, limit: int = 50_000) -> int:
    """Mark records whose publicity ended as expired (run daily): they have already left public view by
    date; the status makes it explicit and logged. Records under objection wait for the decision."""
    today = today or timezone.localdate()
    due = list(CreditRecord.objects.select_for_update().filter(
        public_until__lt=today, status__in=(RecordStatus.ACTIVE, RecordStatus.CORRECTED)).order_by("id")[:limit])
    if not due:
        return 0
    with ChainWriter() as log:
        for record in due:
            record.status, record.updated_at = RecordStatus.EXPIRED, log.at
            record.log_seq = log.append(SYSTEM_ACTOR, "expire", MODEL, record.pk, _model_state(record),
                                        f"publicity ended {record.public_until}")
        CreditRecord.objects.bulk_update(due, ["status", "updated_at", "log_seq"], batch_size=500)
    announce([record.subject_id for record in due])
    return len(due)


# ---------------------------------------------------------------------------------------------- reading


def present(record: CreditRecord, principal) -> tuple[str, dict[str, Any]]:
    """A record's summary and details as `principal` may see them: for anyone without the right to see
    identities, a person's name in fields the catalog marks `x-personal` is masked, and anything in free text
    that looks like a resident ID or a mobile number is masked too."""
    if principal.can("subject.read_identity") or principal.subject_id == record.subject_id:
        return record.summary, record.details
    current = policy.current()
    ric, phone = current.mask_pattern("resident_id"), current.mask_pattern("phone")
    rule = current.record_types.get(record.record_type_id)
    properties = (rule.details_schema.get("properties", {}) if rule else {})
    is_person = record.subject.kind == "person"
    details = {}
    for name, value in (record.details or {}).items():
        kind = properties.get(name, {}).get("x-personal")
        if kind and is_person and isinstance(value, str):
            value = current.mask(kind, value)
        details[name] = scrub(value, ric, phone)
    return scrub(record.summary, ric, phone), details


def log_reads(principal, records, purpose: str, channel: str) -> None:
    """Access-log the records among `records` that the public would not see (one entry per subject)."""
    from ecredit.audit.services import record_accesses

    subjects = {r.subject_id for r in records if not CreditRecord.objects.is_public(r)}
    if subjects:
        record_accesses(principal.actor, sorted(subjects), "credit_records", purpose or "查阅记录", channel)


def credit_summary(subject, principal, *, purpose: str, channel: str) -> dict[str, Any]:
    """A subject's credit summary for a credit check (R9.2): what the principal may read, logged."""
    from ecredit.audit.services import record_access

    principal.require("credit.check")
    if not (purpose or "").strip():
        raise ValidationFailed(_("信用核查须说明用途"), field="purpose", code="required")
    records = list(CreditRecord.objects.visible_to(principal).filter(subject=subject).live()
                   .select_related("record_type").order_by("-decided_on")[:500])
    record_access(principal.actor, subject.pk, "credit_summary", purpose, channel)
    counts: dict[str, int] = {}
    for record in records:
        counts[record.polarity] = counts.get(record.polarity, 0) + 1
    return {"subject": subject, "records": records, "counts": counts, "checked_at": timezone.now(),
            "public_only": principal.reads <= {Disclosure.PUBLIC}}
