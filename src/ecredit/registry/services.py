"""Registering and resolving market subjects; personal identifiers encrypted, hashed and masked."""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Iterable, Iterator

from django.conf import settings
from django.db import connection, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from ecredit import db, policy
from ecredit.audit.services import Actor, ChainWriter, record_access, state_text
from ecredit.kit import crypto
from ecredit.kit.errors import IdentifierError, NotFound, ValidationFailed
from ecredit.kit.identifiers import normalise_ric, normalise_uscc

from .models import Subject, SubjectKind, SubjectName, SubjectRole

MODEL = "registry.subject"


def identifier_message(exc: IdentifierError, field: str | None = None) -> str:
    """A sentence that names the field and why its value is refused."""
    label = field or (_("统一社会信用代码") if exc.scheme == "uscc" else _("身份证号码"))
    reasons = {
        "empty": _("{label}为空"),
        "bad_length": _("{label}长度错误：应为18位，实际为{length}位"),
        "bad_character": _("{label}含有不允许的字符"),
        "bad_check_digit": _("{label}校验位错误"),
        "bad_birth_date": _("{label}中的出生日期无效"),
        "bad_region": _("{label}中的行政区划代码无效"),
    }
    return reasons[exc.reason].format(label=label, length=len(exc.value))


def validated_uscc(value: Any, field: str = "uscc") -> str:
    """Canonical USCC or ValidationFailed naming `field`."""
    try:
        return normalise_uscc(value)
    except IdentifierError as exc:
        raise ValidationFailed(identifier_message(exc), field=field, code=exc.reason) from None


def validated_ric(value: Any, field: str = "ric") -> str:
    """Canonical resident ID or ValidationFailed naming `field`."""
    try:
        return normalise_ric(value)
    except IdentifierError as exc:
        raise ValidationFailed(identifier_message(exc), field=field, code=exc.reason) from None


def ric_lookup(ric: str) -> str:
    """The keyed hash under which a resident ID is found."""
    return crypto.keyed_hash(settings.KEYS.lookup_key, ric)


# What the change log keeps of a subject (last_reported_at and timestamps are bookkeeping, not identity).
SUBJECT_STATE_FIELDS = ("kind", "name", "uscc", "ric_lookup", "ric_cipher", "ric_masked", "platform_id", "shop_id",
                        "operator_id", "shop_url", "region", "address", "legal_representative", "verified")


def subject_state(subject: Subject | dict) -> str:
    """The canonical state of a subject as the change log keeps it."""
    get = subject.get if isinstance(subject, dict) else lambda k: getattr(subject, k)
    return state_text({k: get(k) for k in SUBJECT_STATE_FIELDS})


def iter_subject_states() -> Iterator[tuple[int, str]]:
    """Every subject's current state, for verification of the change log."""
    for row in Subject.objects.order_by("id").values("id", *SUBJECT_STATE_FIELDS).iterator(chunk_size=5000):
        yield row["id"], subject_state(row)


@dataclass(frozen=True)
class SubjectRef:
    """How a record or report names its subject, after validation."""

    kind: str
    key: str                  # uscc, resident ID, or shop id
    name: str = ""
    platform_uscc: str = ""   # shops only

    @property
    def lookup(self) -> tuple:
        if self.kind == SubjectKind.PERSON:
            return (self.kind, ric_lookup(self.key))
        if self.kind == SubjectKind.SHOP:
            return (self.kind, self.platform_uscc, self.key)
        return (self.kind, self.key)


def parse_ref(raw: dict[str, Any]) -> SubjectRef:
    """Validate a subject reference {kind?, uscc | ric | platform_uscc + shop_id, name}."""
    if not isinstance(raw, dict):
        raise ValidationFailed(_("缺少信用主体"), field="subject", code="required")
    for key in ("name", "shop_id"):   # not stored as their Python spelling
        if isinstance(raw.get(key), (dict, list, bool)):
            raise ValidationFailed(_("{key} 应为文本").format(key=key), field=f"subject.{key}", code="bad_type")
    name = str(raw.get("name") or "").strip()
    if raw.get("shop_id") or raw.get("kind") == SubjectKind.SHOP:
        shop_id = str(raw.get("shop_id") or "").strip()
        if not shop_id:
            raise ValidationFailed(_("网店编号为空"), field="subject.shop_id", code="required")
        return SubjectRef(SubjectKind.SHOP, shop_id, name,
                          validated_uscc(raw.get("platform_uscc"), "subject.platform_uscc"))
    if raw.get("ric") or raw.get("kind") == SubjectKind.PERSON:
        return SubjectRef(SubjectKind.PERSON, validated_ric(raw.get("ric"), "subject.ric"), name)
    if raw.get("uscc") or raw.get("kind") == SubjectKind.ORGANISATION:
        return SubjectRef(SubjectKind.ORGANISATION, validated_uscc(raw.get("uscc"), "subject.uscc"), name)
    raise ValidationFailed(_("无法识别信用主体：需提供统一社会信用代码、身份证号码或平台与网店编号"),
                           field="subject", code="unidentified")


def _new_subject(ref: SubjectRef, platform_id: int | None, verified: bool, region: str = "") -> Subject:
    subject = Subject(kind=ref.kind, verified=verified, region=region)
    subject.rename(ref.name or ref.key)
    if ref.kind == SubjectKind.ORGANISATION:
        subject.uscc = ref.key
        subject.region = region or ref.key[2:8]
    elif ref.kind == SubjectKind.PERSON:
        subject.ric_lookup = ric_lookup(ref.key)
        # The lookup hash is bound in as associated data: a cipher moved to another person's row fails.
        subject.ric_cipher = crypto.encrypt(settings.KEYS.data_key, ref.key, subject.ric_lookup.encode())
        subject.ric_masked = policy.current().mask("resident_id", ref.key)
        subject.region = region or ref.key[:6]
        subject.rename(ref.name or subject.ric_masked)
    else:
        subject.platform_id, subject.shop_id = platform_id, ref.key
    if verified:
        subject.verified_at = timezone.now()
    return subject


def resolve(refs: Iterable[SubjectRef], actor: Actor, log: ChainWriter, create: bool = True
            ) -> dict[tuple, int | ValidationFailed]:
    """Subject ids for `refs` (one query per kind); unknown organisations and persons are created
    unverified, unknown shops of a known platform too; a shop of an unknown platform is an error."""
    refs = {ref.lookup: ref for ref in refs}
    found: dict[tuple, int | ValidationFailed] = {}
    orgs = [r.key for r in refs.values() if r.kind == SubjectKind.ORGANISATION]
    persons = [r.lookup[1] for r in refs.values() if r.kind == SubjectKind.PERSON]
    platforms = {r.platform_uscc for r in refs.values() if r.kind == SubjectKind.SHOP}
    for chunk in _chunks(orgs):
        found.update(((SubjectKind.ORGANISATION, u), i) for i, u in
                     Subject.objects.filter(uscc__in=chunk).values_list("id", "uscc"))
    for chunk in _chunks(persons):
        found.update(((SubjectKind.PERSON, h), i) for i, h in
                     Subject.objects.filter(ric_lookup__in=chunk).values_list("id", "ric_lookup"))
    platform_ids = dict(Subject.objects.filter(uscc__in=platforms).values_list("uscc", "id"))
    shop_refs = [r for r in refs.values() if r.kind == SubjectKind.SHOP]
    by_platform: dict[int, list[str]] = {}
    for ref in shop_refs:
        pid = platform_ids.get(ref.platform_uscc)
        if pid is None:
            found[ref.lookup] = ValidationFailed(_("平台（统一社会信用代码 {code}）未登记").format(
                code=ref.platform_uscc), field="subject.platform_uscc", code="unknown_platform")
        else:
            by_platform.setdefault(pid, []).append(ref.key)
    uscc_of = {v: k for k, v in platform_ids.items()}
    for pid, shop_ids in by_platform.items():
        for chunk in _chunks(shop_ids):
            found.update(((SubjectKind.SHOP, uscc_of[pid], s), i) for i, s in
                         Subject.objects.filter(platform_id=pid, shop_id__in=chunk).values_list("id", "shop_id"))
    missing = [ref for key, ref in refs.items() if key not in found]
    if missing and create:
        new = [_new_subject(ref, platform_ids.get(ref.platform_uscc), verified=False) for ref in missing]
        insert_subjects(new, log)
        for ref, subject in zip(missing, new):
            log.append(actor, "create", MODEL, subject.pk, subject_state(subject), "first seen in a record")
            found[ref.lookup] = subject.pk
    return found


_SUBJECT_COLUMNS = ("id", "kind", "name", "name_initials", "uscc", "ric_lookup", "ric_cipher", "ric_masked", "platform_id", "shop_id",
                    "operator_id", "shop_url", "region", "address", "legal_representative", "verified", "verified_at",
                    "last_reported_at", "created_at", "updated_at")


def insert_subjects(subjects: list[Subject], log: ChainWriter) -> None:
    """Insert new subjects with one executemany (ids reserved under the change log's lock); the caller
    appends their change-log entries."""
    rows = []
    for subject, pk in zip(subjects, db.reserve_ids("registry_subject", len(subjects))):
        subject.pk = pk
        subject.created_at = subject.updated_at = log.at
        rows.append(tuple(log.at_db if c in ("created_at", "updated_at") else
                          connection.ops.adapt_datetimefield_value(subject.verified_at) if c == "verified_at" else
                          getattr(subject, c) for c in _SUBJECT_COLUMNS))
    db.insert_rows("registry_subject", _SUBJECT_COLUMNS, rows)


def _chunks(items: list, size: int = 900) -> Iterator[list]:
    for start in range(0, len(items), size):
        yield items[start:start + size]


@transaction.atomic
def register(raw: dict[str, Any], actor: Actor, *, roles: Iterable[str] = (), verified: bool = True,
             region: str = "", address: str = "", legal_representative: str = "") -> Subject:
    """Register (or confirm) a subject from an authoritative source; renames keep the old name."""
    ref = parse_ref(raw)
    known_roles = policy.current().subject_roles.roles
    for role in roles:
        if role not in known_roles:
            raise ValidationFailed(_("未知的主体角色：{role}").format(role=role), field="roles", code="unknown_role")
    with ChainWriter() as log:
        subject_id = resolve([ref], actor, log)[ref.lookup]
        if isinstance(subject_id, ValidationFailed):
            raise subject_id
        subject = Subject.objects.select_for_update().get(pk=subject_id)
        before = subject_state(subject)
        if ref.name and subject.name != ref.name:
            SubjectName.objects.filter(subject=subject, valid_to__isnull=True).update(valid_to=timezone.now())
            SubjectName.objects.create(subject=subject, name=ref.name, source=actor.organisation)
            subject.rename(ref.name)
        elif not subject.names.exists():
            SubjectName.objects.create(subject=subject, name=subject.name, source=actor.organisation)
        if verified and not subject.verified:
            subject.verified, subject.verified_at = True, timezone.now()
        subject.region = region or subject.region
        subject.address = address or subject.address
        subject.legal_representative = legal_representative or subject.legal_representative
        subject.save()
        for role in roles:
            SubjectRole.objects.get_or_create(subject=subject, role=role)
        if subject_state(subject) != before:
            log.append(actor, "update", MODEL, subject.pk, subject_state(subject), "registered")
    return subject


@transaction.atomic
def register_many(entries: list[dict[str, Any]], actor: Actor) -> list[Subject]:
    """Register many subjects not yet known, verified (initial loads, the demo city): one executemany,
    one change-log entry each. Each entry: {"subject": {uscc | ric, name}, "roles", "region", "address",
    "legal_representative"}."""
    known_roles = policy.current().subject_roles.roles
    subjects, roles = [], []
    for entry in entries:
        subject = _new_subject(parse_ref(entry["subject"]), None, verified=True, region=entry.get("region", ""))
        subject.address = entry.get("address", "")
        subject.legal_representative = entry.get("legal_representative", "")
        subjects.append(subject)
        for role in entry.get("roles", ()):
            if role not in known_roles:
                raise ValidationFailed(_("未知的主体角色：{role}").format(role=role), field="roles",
                                       code="unknown_role")
            roles.append((subject, role))
    with ChainWriter() as log:
        insert_subjects(subjects, log)
        SubjectName.objects.bulk_create([SubjectName(subject=s, name=s.name, source=actor.organisation)
                                         for s in subjects], batch_size=500)
        SubjectRole.objects.bulk_create([SubjectRole(subject=s, role=r) for s, r in roles], batch_size=500)
        for subject in subjects:
            log.append(actor, "create", MODEL, subject.pk, subject_state(subject), "registered")
    return subjects


def reveal_resident_id(subject: Subject, principal, purpose: str, channel: str) -> str:
    """The full resident ID for a principal with the right (logged), the masked one for anyone else."""
    if subject.kind != SubjectKind.PERSON:
        raise NotFound(_("该主体不是自然人"))
    if not principal.can("subject.read_identity"):
        return subject.ric_masked
    if not purpose.strip():
        raise ValidationFailed(_("查看完整身份证号码须说明用途"), field="purpose", code="required")
    record_access(principal.actor, subject.pk, "resident_id", purpose, channel)
    return crypto.decrypt(settings.KEYS.data_key, subject.ric_cipher, subject.ric_lookup.encode())


def display_name(subject: Subject, principal) -> str:
    """A person's name is masked for anyone who may not see identities; others' names are public."""
    if subject.kind == SubjectKind.PERSON and not principal.can("subject.read_identity") \
            and principal.subject_id != subject.pk:
        return policy.current().mask("person_name", subject.name)
    return subject.name


def shop_report_due(now: dt.datetime | None = None) -> dt.datetime:
    """Shops last reported before this moment are stale (policy: shop_report_interval)."""
    now = now or timezone.now()
    rule = policy.in_force(policy.current().deadlines.shop_report_interval, now.date())
    return timezone.make_aware(dt.datetime.combine(rule.period.before(timezone.localdate(now)), dt.time.min))
