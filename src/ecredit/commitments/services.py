"""Credit commitments: signing one in standard format, reading them per visibility, verifying them by code.

Who may sign (commitments.yaml `signers`): the subject's own account for itself or a shop it runs; a platform
or logistics client for its own organisation; a platform also for its own merchants (a shop on it, or the
company running one) when the type allows `platform_for_merchant` (industry self-discipline), and then it
accepts the commitment itself. Everything written is change-logged; reads of commitments the public does not
see are access-logged.
"""

from __future__ import annotations

import datetime as dt
from dataclasses import dataclass
from typing import Any, Iterable, Iterator

from django.db.models import Q, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy as _lazy

from ecredit import policy
from ecredit.access.models import Organisation, OrganisationKind
from ecredit.archive.models import CreditRecord, RepairApplication
from ecredit.audit.services import Actor, ChainWriter, logged_write, record_accesses, state_text
from ecredit.kit.errors import Conflict, Forbidden, NotFound, ValidationFailed
from ecredit.policy.commitment_rules import CommitmentTypeVersion
from ecredit.registry.models import Subject, SubjectKind
from ecredit.registry.services import display_name

from . import records, signing
from .models import VISIBILITY_ORDER, Commitment, CommitmentType, Status, Visibility

MODEL = "commitments.commitment"
SYSTEM_ACTOR = Actor("system:commitments", "credit_office")
STATE_FIELDS = ("code", "region", "signed_on", "serial", "commitment_type", "subject_id", "signed_by",
                "signed_by_org_id", "collected_by_id", "template_version", "policy_version", "title", "text", "matter",
                "accepted_by_id", "visibility", "signed_at", "content_digest", "algorithm", "signature",
                "signing_key", "valid_until", "assessment_due", "status", "status_reason", "accepted_at",
                "accepted_by_label", "published_on", "fulfilment", "assessed_at", "assessed_by", "assessed_by_org_id",
                "assessment_text", "record_id", "breach_record_id", "repaired_record_id", "repair_application_id",
                "restored_until")


# ---------------------------------------------------------------------------------------------- state


def _value(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if isinstance(value, dt.date):
        return value.isoformat()
    return value


def commitment_state(c: Commitment | dict) -> str:
    """Canonical state of a commitment as the change log keeps it."""
    get = c.get if isinstance(c, dict) else lambda k: getattr(c, k)
    state = {k: _value(get(k)) for k in STATE_FIELDS}
    if get("client_ref"):    # only when given, so the states logged before the field existed still verify
        state["client_ref"] = get("client_ref")
    return state_text(state)


def iter_states() -> Iterator[tuple[int, str]]:
    """(id, state) of every commitment, for `ecredit verify-log`."""
    rows = Commitment.objects.order_by("id").values("id", "client_ref", *STATE_FIELDS)
    for row in rows.iterator(chunk_size=2000):
        yield row["id"], commitment_state(row)


def save_logged(c: Commitment, log: ChainWriter, actor: Actor, action: str, reason: str = "") -> None:
    """Save a commitment and append its new state to the change log with the actor, time and reason."""
    c.updated_at = log.at
    if c.pk is None:
        c.save()
    c.log_seq = log.append(actor, action, MODEL, c.pk, commitment_state(c), reason[:2000])
    c.save()


# ---------------------------------------------------------------------------------------------- rules


def type_rule(code: str, on: dt.date | None = None) -> CommitmentTypeVersion:
    """The commitment type in force, or ValidationFailed for an unknown code."""
    rule = policy.current().commitments.type_rule(code, on)
    if rule is None:
        raise ValidationFailed(_("未知的承诺类型：{code}").format(code=code), field="commitment_type",
                               code="unknown_type")
    return rule


def template_version(code: str, rule: CommitmentTypeVersion) -> str:
    """The template's name: its type and the date its version took effect."""
    return f"{code}@{rule.effective.isoformat()}"


def type_name(code: str) -> str:
    """A type's Chinese name."""
    rule = policy.current().commitments.type_rule(code)
    return rule.name.zh if rule else code


def visibility_text(value: str) -> str:
    """A visibility as the text and the pages say it."""
    return str(Visibility(value).label)


# How fields are named in messages (the API's `field` keeps the key).
FIELD_LABELS = {"matter": _lazy("承诺事项"), "reason": _lazy("理由"), "text": _lazy("认定意见")}


def required_text(value: str, field: str, minimum: int = 2, maximum: int = 4000) -> str:
    """`value` stripped, or ValidationFailed naming the field in words when it is too short or too long."""
    value = (value or "").strip()
    label = str(FIELD_LABELS.get(field, field))
    if len(value) < minimum:
        raise ValidationFailed(_("请填写{field}（至少{n}个字）").format(field=label, n=minimum), field=field,
                               code="required")
    if len(value) > maximum:
        raise ValidationFailed(_("{field}超过{n}个字符").format(field=label, n=maximum), field=field,
                               code="too_long")
    return value


# ---------------------------------------------------------------------------------------------- signing


def _organisation_subject(principal) -> Subject:
    uscc = Organisation.objects.filter(pk=principal.organisation_id).values_list("uscc", flat=True).first()
    subject = Subject.objects.filter(uscc=uscc).first() if uscc else None
    if subject is None:
        raise ValidationFailed(_("本单位尚未登记为信用主体（统一社会信用代码），不能签署信用承诺"),
                               field="subject_id", code="not_registered")
    return subject


def signer_subject(principal, rule: CommitmentTypeVersion, subject_id: int | None) -> tuple[Subject, bool]:
    """The subject the principal signs for, and whether a platform collects it from its merchant."""
    if principal.acts_as_subject:
        if not principal.subject_id:
            raise Forbidden(_("本人账号未关联信用主体"))
        own = principal.subject_id
        subject = Subject.objects.filter(pk=subject_id or own).select_related("platform").first()
        if subject is None or (subject.pk != own and subject.operator_id != own):
            raise Forbidden(_("只能为本主体或本主体经营的网店签署信用承诺"))
        return subject, False
    if principal.organisation_kind not in (OrganisationKind.PLATFORM, OrganisationKind.LOGISTICS):
        raise Forbidden(_("只有信用主体本人、平台和寄递物流企业可以签署信用承诺"))
    own = _organisation_subject(principal)
    if not subject_id or subject_id == own.pk:
        return own, False
    subject = Subject.objects.filter(pk=subject_id).select_related("platform").first()
    if subject is None:
        raise NotFound(_("信用主体不存在"))
    own_shops = Subject.objects.filter(kind=SubjectKind.SHOP, platform=own)
    ours = (principal.organisation_kind == OrganisationKind.PLATFORM
            and (own_shops.filter(pk=subject.pk).exists() or own_shops.filter(operator=subject).exists()))
    if not ours:
        raise Forbidden(_("平台只能代为收集本平台商家的信用承诺"))
    if "platform_for_merchant" not in rule.signers.by:
        raise Forbidden(_("该类型的信用承诺须由商家本人签署"))
    return subject, True


def check_signer(subject: Subject, rule: CommitmentTypeVersion) -> None:
    """The subject is of a kind, and plays a role, the type allows (a shop, or the company or person running one,
    counts as a merchant)."""
    if subject.kind not in rule.signers.kinds:
        raise ValidationFailed(_("该类型的信用承诺不适用于此类主体"), field="subject_id", code="kind_not_allowed")
    if not rule.signers.roles:
        return
    roles = set(subject.roles.values_list("role", flat=True))
    if subject.kind == SubjectKind.SHOP or subject.operated_shops.exists():
        roles.add("merchant")
    if not roles & set(rule.signers.roles):
        names = policy.current().subject_roles.roles
        allowed = "、".join(names[r].zh for r in rule.signers.roles if r in names)
        raise ValidationFailed(_("该类型的信用承诺只能由{roles}签署").format(roles=allowed), field="subject_id",
                               code="role_not_allowed")


def _trades_on(subject: Subject, platform_org: Organisation) -> bool:
    """Whether the subject is a shop on this platform, or runs one there."""
    if not platform_org.uscc:
        return False
    shops = Subject.objects.filter(kind=SubjectKind.SHOP, platform__uscc=platform_org.uscc)
    return shops.filter(Q(pk=subject.pk) | Q(operator=subject)).exists()


def _acceptor(rule: CommitmentTypeVersion, code: str, collector, repaired: CreditRecord | None,
              subject: Subject):
    """The organisation that accepts: the collecting platform; a repaired record's source (or the credit office);
    otherwise the one the signer names, of a kind the type allows (a platform only for its own merchants)."""
    if not rule.needs_acceptance:
        return None
    if collector is not None:
        return collector
    if repaired is not None:
        source = repaired.source
        return source if source.kind in rule.acceptors else records.credit_office()
    code = (code or "").strip()
    if not code:
        raise ValidationFailed(_("请选择承诺受理单位"), field="accepted_by", code="required")
    org = Organisation.objects.filter(code=code, active=True).first()
    if org is None or org.kind not in rule.acceptors:
        raise ValidationFailed(_("“{code}”不能受理此类信用承诺").format(code=code), field="accepted_by",
                               code="bad_acceptor")
    if org.kind == OrganisationKind.PLATFORM and not _trades_on(subject, org):
        raise ValidationFailed(_("平台只受理在本平台经营的商家的信用承诺"), field="accepted_by", code="not_on_platform")
    return org


def _repaired_record(record_id: int | None, subject: Subject, application_id: int | None):
    if not record_id:
        raise ValidationFailed(_("信用修复承诺须指明所修复的信用记录"), field="record_id", code="required")
    record = CreditRecord.objects.select_related("source", "record_type").filter(pk=record_id).first()
    if record is None or record.subject_id != subject.pk:
        raise NotFound(_("信用记录不存在或不属于承诺主体"))
    if record.polarity != "negative":
        raise ValidationFailed(_("只有失信信息需要信用修复"), field="record_id", code="not_negative")
    application = None
    if application_id:
        application = RepairApplication.objects.filter(pk=application_id, record=record).first()
        if application is None:
            raise NotFound(_("该记录的信用修复申请不存在"))
    return record, application


def _visibility(rule: CommitmentTypeVersion, asked: str | None, subject: Subject, today: dt.date) -> str:
    """The type's visibility, narrowed by the signer if asked, and at most restricted for a person."""
    chosen = rule.visibility
    if asked:
        if asked not in Visibility.values:
            raise ValidationFailed(_("公开类型应为 public、restricted 或 not_public"), field="visibility",
                                   code="bad_visibility")
        if VISIBILITY_ORDER.index(asked) < VISIBILITY_ORDER.index(chosen):
            raise ValidationFailed(_("不能扩大此类承诺的公开范围（默认：{v}）").format(v=visibility_text(chosen)),
                                   field="visibility", code="wider_than_type")
        chosen = asked
    if subject.kind == SubjectKind.PERSON:
        cap = policy.current().commitments.person_cap(today)
        if VISIBILITY_ORDER.index(chosen) < VISIBILITY_ORDER.index(cap):
            chosen = cap
    return chosen


def _valid_until(rule: CommitmentTypeVersion, asked: dt.date | None, today: dt.date) -> dt.date:
    longest = rule.valid_for.after(today)
    if asked is None:
        return longest
    if asked < today or asked > longest:
        raise ValidationFailed(_("有效期应在{today}至{end}之间").format(today=today, end=longest),
                               field="valid_until", code="bad_valid_until")
    return asked


def chinese_date(day: dt.date) -> str:
    """A date as a Chinese document writes it: 2027年9月30日."""
    return f"{day.year}年{day.month}月{day.day}日"


def assessment_due(rule: CommitmentTypeVersion, valid_until: dt.date) -> dt.date:
    """When fulfilment must be assessed: working days after the commitment's validity ends."""
    return policy.current().calendar.add_working_days(valid_until, rule.assess_within_working_days).due


def client_reference(value: Any) -> str:
    """A signing request's id as its sender gave it (up to 64 visible characters), or empty."""
    value = str(value or "").strip()
    if len(value) > 64 or any(ch.isspace() for ch in value):
        raise ValidationFailed(_("请求编号应为不含空格的64个字符以内"), field="client_ref", code="bad_client_ref")
    return value


def _same_request(c: Commitment, request: dict[str, Any]) -> bool:
    """Whether a request names nothing that differs from the commitment already signed under its id (what it
    leaves out was filled in by the defaults the first time)."""
    given = {"commitment_type": c.commitment_type, "subject_id": c.subject_id, "matter": c.matter,
             "accepted_by": c.accepted_by.code if c.accepted_by_id else "", "valid_until": c.valid_until,
             "visibility": c.visibility, "record_id": c.repaired_record_id,
             "repair_application_id": c.repair_application_id}
    asked = {name: value.strip() if isinstance(value, str) else value for name, value in request.items()}
    return all(value in (None, "") or value == given[name] for name, value in asked.items() if name in given)


@logged_write
def sign_once(principal, *, client_ref: str = "", now: dt.datetime | None = None,
              **request: Any) -> tuple[Commitment, bool]:
    """`sign`, idempotent by the signer's own request id: the same id sent again with the same request
    returns the commitment already signed (and False); with another request it is refused. No id: `sign`."""
    principal.require("commitment.sign")
    ref = client_reference(client_ref)
    if ref:
        existing = Commitment.objects.select_related("accepted_by").filter(signed_by=principal.label,
                                                                           client_ref=ref).first()
        if existing is not None:
            if not _same_request(existing, request):
                raise Conflict(_("请求编号 {ref} 已用于另一份信用承诺（{code}）").format(ref=ref, code=existing.code),
                               field="client_ref", code="client_ref_reused")
            return existing, False
    return sign(principal, client_ref=ref, now=now, **request), True


@logged_write
def sign(principal, *, commitment_type: str, subject_id: int | None = None, matter: str = "",
         accepted_by: str = "", valid_until: dt.date | None = None, visibility: str | None = None,
         record_id: int | None = None, repair_application_id: int | None = None, client_ref: str = "",
         now: dt.datetime | None = None) -> Commitment:
    """Sign a commitment in the type's standard format: allocate its code, render and sign its text. One that
    needs no acceptance, or that a platform collects from its merchant, takes effect and is published at once.
    (Callers that may send a request twice use `sign_once` with their request id.)"""
    principal.require("commitment.sign")
    now = now or timezone.now()
    today = timezone.localdate(now)
    rule = type_rule(commitment_type, today)
    subject, collected = signer_subject(principal, rule, subject_id)
    check_signer(subject, rule)
    repaired = application = None
    if commitment_type == CommitmentType.CREDIT_REPAIR:
        repaired, application = _repaired_record(record_id, subject, repair_application_id)
        name = policy.current().record_types.get(repaired.record_type_id)
        matter = matter or _("修复“{type}”信用记录（{id}）").format(
            type=name.name.zh if name else repaired.record_type_id, id=repaired.source_record_id)
    matter = required_text(matter, "matter", 2, 200) if rule.matter_required else (matter or "").strip()[:200] \
        or rule.default_matter
    own_org = Organisation.objects.filter(pk=principal.organisation_id).first()
    collector = own_org if collected else None
    acceptor = _acceptor(rule, accepted_by, collector, repaired, subject)
    c = Commitment(commitment_type=commitment_type, subject=subject, signed_by=principal.label,
                   signed_by_org=own_org, collected_by=collector, template_version=template_version(
                       commitment_type, rule), policy_version=policy.current().version, matter=matter,
                   accepted_by=acceptor, visibility=_visibility(rule, visibility, subject, today), signed_at=now,
                   signed_on=today, valid_until=_valid_until(rule, valid_until, today), repaired_record=repaired,
                   repair_application=application, client_ref=client_reference(client_ref))
    c.assessment_due = assessment_due(rule, c.valid_until)
    c.region = signing.region_for(subject)
    c.serial = signing.allocate_serial(c.region, today)
    c.code = signing.format_code(c.region, today, c.serial)
    c.title, c.text = signing.render(rule, {
        "code": c.code, "type_name": rule.name.zh, "subject_name": subject.name, "id_label": signing.id_label(subject),
        "uscc": signing.identifier(subject), "matter": matter, "accepted_by": acceptor.name if acceptor else "",
        "valid_until": chinese_date(c.valid_until), "signed_on": chinese_date(today),
        "visibility_text": visibility_text(c.visibility)})
    signing.seal(c)
    with ChainWriter(now) as log:
        save_logged(c, log, principal.actor, "sign", f"{rule.name.zh}：{matter}")
    if acceptor is None or collected:
        take_effect(c, principal, principal.label if collected else "", now)
    return c


def take_effect(c: Commitment, principal, accepted_by_label: str, now: dt.datetime) -> None:
    """Put a commitment in force and publish it: the credit_commitment record is written (by the accepting
    organisation, or the credit office when nobody accepts) and the portal shows it per its visibility.
    (The archive writes its record with a change-log writer of its own, so this opens ours after it.)"""
    c.status, c.published_on = Status.IN_FORCE, timezone.localdate(now)
    if c.accepted_by_id:
        c.accepted_at, c.accepted_by_label = now, accepted_by_label
    c.record = records.write_commitment_record(c, principal.label)
    with ChainWriter(now) as log:
        save_logged(c, log, principal.actor, "accept" if c.accepted_by_id else "in_force",
                    f"record {c.record_id}")


# ---------------------------------------------------------------------------------------------- reading


def commitment_for(code: Any, principal, lock: bool = False) -> Commitment:
    """The commitment with this code if the principal may see it; NotFound otherwise."""
    normal = signing.normalise_code(code)
    found = Commitment.objects.visible_to(principal).filter(code=normal) if normal else Commitment.objects.none()
    if lock:
        found = found.select_for_update(of=("self",))
    c = found.select_related("subject", "accepted_by", "signed_by_org", "collected_by").first()
    if c is None:
        raise NotFound(_("信用承诺不存在"))
    return c


def search(principal, *, q: str = "", commitment_type: str = "", status: str = "", fulfilment: str = "",
           subject_id: int | None = None) -> QuerySet:
    """Commitments the principal may see, newest first: by name, USCC or code (part), type, status, fulfilment."""
    found = Commitment.objects.visible_to(principal).select_related("subject", "accepted_by")
    q = (q or "").strip()[:60]
    if q:
        digits = q.replace(" ", "")
        match = Q(subject__name__icontains=q) | Q(matter__icontains=q)
        if digits.isdigit():
            match |= Q(code__startswith=digits) | Q(code=digits)
        if len(digits) == 18:
            match |= Q(subject__uscc=digits.upper())
        found = found.filter(match)
    if commitment_type:
        found = found.filter(commitment_type=commitment_type)
    if status:
        found = found.filter(status=status)
    if fulfilment:
        found = found.filter(fulfilment=fulfilment)
    if subject_id:
        found = found.filter(subject_id=subject_id)
    return found


def is_public(c: Commitment) -> bool:
    """True when everyone may read it (no access-log entry needed)."""
    return (c.visibility == Visibility.PUBLIC and c.status in (Status.IN_FORCE, Status.EXPIRED)
            and c.published_on is not None)


def log_reads(principal, items: Iterable[Commitment], purpose: str, channel: str) -> None:
    """Access-log the commitments the public would not see, one entry per subject (the subject's own reads are
    not logged)."""
    subjects = {c.subject_id for c in items if not is_public(c) and c.subject_id != principal.subject_id}
    if subjects:
        record_accesses(principal.actor, sorted(subjects), "credit_commitments", purpose or "查阅信用承诺", channel)


def shown_name(c: Commitment, principal) -> str:
    """The signer's name as this reader may see it (a person's masked)."""
    return display_name(c.subject, principal)


# ---------------------------------------------------------------------------------------------- verification


@dataclass
class Verification:
    """What anyone holding a code learns: whether the commitment exists, is intact and signed, still stands,
    and (`shown`) its text when its visibility lets this reader see it."""

    verdict: str                      # valid | withdrawn | altered | mismatch | unknown
    code: str = ""
    reason: str = ""
    commitment: Commitment | None = None
    shown: bool = False

    def as_dict(self, principal=None) -> dict[str, Any]:
        """The answer as the API gives it."""
        c = self.commitment
        out: dict[str, Any] = {"verdict": self.verdict, "code": self.code, "reason": self.reason,
                               "shown": self.shown, "commitment_type": "", "type_name": "", "status": "",
                               "signed_on": None, "visibility": "", "subject_name": "", "title": "", "text": "",
                               "content_digest": "", "signature": "", "signing_key": "", "signed_message": ""}
        if c is None:
            return out
        out.update(commitment_type=c.commitment_type, type_name=type_name(c.commitment_type), status=c.status,
                   signed_on=c.signed_on, visibility=c.visibility, content_digest=c.content_digest,
                   signature=c.signature, signing_key=c.signing_key,
                   signed_message=signing.signed_message(c.code, c.content_digest, c.signed_at).decode("ascii"))
        if self.shown:
            from ecredit.access.principal import anonymous

            out.update(subject_name=shown_name(c, principal or anonymous()), title=c.title, text=c.text)
        return out


def verify(code: Any, principal, *, text: str | None = None, channel: str = "api") -> Verification:
    """Whether the commitment with this code is intact and signed, and still stands; with `text`, whether that
    copy is the signed text. Anyone may ask; the text is shown only to those its visibility allows (logged)."""
    normal = signing.normalise_code(code)
    if normal is None:
        return Verification("unknown", str(code or "")[:40], _("承诺编码应为20位数字（6位区划+8位日期+6位流水号）"))
    c = Commitment.objects.select_related("subject", "accepted_by").filter(code=normal).first()
    if c is None:
        return Verification("unknown", normal, _("未找到该编码对应的信用承诺"))
    shown = Commitment.objects.visible_to(principal).filter(pk=c.pk).exists()
    if shown:
        log_reads(principal, [c], "核验信用承诺", channel)
    if not signing.signature_ok(c):
        return Verification("altered", normal, _("承诺书存档的签名校验失败，内容可能被篡改，请联系承诺受理单位"), c, shown)
    if text is not None and signing.text_digest(text) != signing.text_digest(c.text):
        return Verification("mismatch", normal, _("所提交的文本与签署的承诺书不一致"), c, shown)
    if c.status in (Status.WITHDRAWN, Status.REFUSED):
        return Verification("withdrawn", normal, _("该承诺状态为“{status}”，不再有效").format(
            status=c.get_status_display()), c, shown)
    if c.status == Status.SIGNED:
        return Verification("valid", normal, _("承诺书真实完整，已电子签名，尚待受理单位受理"), c, shown)
    return Verification("valid", normal, _("承诺书真实完整，已电子签名（{status}）").format(
        status=c.get_status_display()), c, shown)
