"""Credit reports: issuing a signed PDF of what the reader may see about one subject, withdrawing one, and
verifying one from its code or its file.

A report's `content` is a canonical JSON document built from `services.profile` (already restricted and
masked for the reader); its SM3 digest, the verification code and the issue time are signed together:

    ecredit-report:<code>:<sm3 hex of canonical content>:<issue time, UTC, YYYY-MM-DDTHH:MM:SSZ>

Signature algorithm: Ed25519 (RFC 8032), with the deployment's signing key that already signs the change
log, so there is one key to guard, back up and publish (/verify/key, /api/v1/reports/signing-key). SM2
(GB/T 32918) would do the job too; Ed25519 is chosen because it is a standard built into OpenSSL and into
`cryptography` (our crypto library, which does not expose SM2: Python would need gmssl, pure Python, measured
here at ~5 ms to sign and ~8.5 ms to verify against 40 µs and 65 µs for Ed25519); because it is deterministic
(SM2, like ECDSA, needs a fresh random nonce for every signature, and a weak one leaks the key); and because
anyone can check a report offline with stock tools and no conventions to agree on:

    openssl pkeyutl -verify -pubin -inkey key.pem -rawin -in message.txt -sigfile signature.bin

(SM2 verification also needs the signer's distinguishing ID agreed, a common interoperability trap.) Each
row records its `algorithm`, so SM2 can be added beside Ed25519 for a deployment that must use the national
algorithms, without touching reports already issued.
"""

from __future__ import annotations

import datetime as dt
import hashlib
import re
import secrets
from collections.abc import Iterator
from dataclasses import dataclass
from typing import Any

from django.conf import settings
from django.utils import timezone, translation
from django.utils.html import format_html
from django.utils.safestring import mark_safe
from django.utils.translation import gettext as _

from ecredit import policy
from ecredit.access.models import Organisation
from ecredit.access.principal import anonymous
from ecredit.archive.models import CreditRecord, RecordStatus
from ecredit.audit.services import ChainWriter, logged_write, record_access, state_text
from ecredit.kit.canonical import canonical_json, iso
from ecredit.kit.crypto import ed25519_public_hex, ed25519_sign, ed25519_verify, sm3_hex
from ecredit.kit.errors import Conflict, Forbidden, NotFound, ValidationFailed
from ecredit.registry.models import Subject, SubjectKind

from . import pdf, services
from .models import CreditReport, ReportScope, ReportStatus

MODEL = "portal.creditreport"
STATE_FIELDS = ("code", "subject_id", "scope", "language", "issued_at", "issued_on", "issued_to",
                "issued_to_org", "purpose", "content_digest", "record_ids", "algorithm", "signature",
                "signing_key", "pdf_sha256", "status", "withdrawn_reason")
FORMAT = "ecredit-report/1"
ALGORITHM = "ed25519"
CODE_ALPHABET = "0123456789ABCDEFGHJKMNPQRSTVWXYZ"   # Crockford's base32: no I, L, O, U
CODE_PREFIX = "ECR"
MAX_UPLOAD = 20 * 1024 * 1024
SECTIONS = ("licences", "lists", "records", "commitments")


def _state(values: dict[str, Any]) -> str:
    state = {k: values[k] for k in STATE_FIELDS}
    state["issued_at"] = utc_text(state["issued_at"])
    return state_text(state)


def iter_states() -> Iterator[tuple[int, str]]:
    """Every report's current state, for verification of the change log."""
    for row in CreditReport.objects.order_by("id").values("id", *STATE_FIELDS).iterator(chunk_size=2000):
        yield row["id"], _state(row)


def _model_state(report: CreditReport) -> str:
    return _state({k: getattr(report, k) for k in STATE_FIELDS})


# ------------------------------------------------------------------------------------------ codes, signing


def new_code() -> str:
    """A fresh verification code: 80 random bits in Crockford's base32, ECR-XXXX-XXXX-XXXX-XXXX."""
    value = secrets.randbits(80)
    chars = "".join(CODE_ALPHABET[(value >> (5 * i)) & 31] for i in range(16))
    return f"{CODE_PREFIX}-" + "-".join(chars[i:i + 4] for i in range(0, 16, 4))


def normalise_code(raw: Any) -> str | None:
    """A typed code in canonical form (case, spaces, dashes; I, L, O read as 1, 1, 0), or None."""
    text = re.sub(r"[\s\-_.]", "", str(raw or "")[:64]).upper()
    if len(text) == 19 and text.startswith(CODE_PREFIX):
        text = text[len(CODE_PREFIX):]
    text = text.translate(str.maketrans("ILO", "110"))
    if len(text) != 16 or any(c not in CODE_ALPHABET for c in text):
        return None
    return f"{CODE_PREFIX}-" + "-".join(text[i:i + 4] for i in range(0, 16, 4))


def utc_text(at: dt.datetime) -> str:
    """An issue time as the signature names it: UTC, whole seconds."""
    return at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def signed_message(code: str, digest: str, issued_at: dt.datetime) -> bytes:
    """The bytes a report's signature covers."""
    return f"ecredit-report:{code}:{digest}:{utc_text(issued_at)}".encode("ascii")


def content_digest(content: dict[str, Any]) -> str:
    """SM3 of the canonical JSON of a report's content."""
    return sm3_hex(canonical_json(content))


def trusted_keys() -> set[str]:
    """Public keys whose signatures are accepted: the current key and retired ones named in
    ECREDIT_TRUSTED_LOG_KEYS (the same list the change log trusts after a key rotation)."""
    import os

    retired = {k.strip() for k in os.environ.get("ECREDIT_TRUSTED_LOG_KEYS", "").split(",") if k.strip()}
    return {ed25519_public_hex(settings.KEYS.signing_key)} | retired


def public_key_pem() -> str:
    """The current signing key's public half, PEM (SubjectPublicKeyInfo), for `openssl pkeyutl`."""
    from cryptography.hazmat.primitives.asymmetric.ed25519 import Ed25519PrivateKey
    from cryptography.hazmat.primitives.serialization import Encoding, PublicFormat

    public = Ed25519PrivateKey.from_private_bytes(settings.KEYS.signing_key).public_key()
    return public.public_bytes(Encoding.PEM, PublicFormat.SubjectPublicKeyInfo).decode("ascii")


def signature_ok(report: CreditReport) -> bool:
    """The row is intact: its content hashes to its digest and the signature verifies under a trusted key."""
    if report.algorithm != ALGORITHM or report.signing_key not in trusted_keys():
        return False
    if content_digest(report.content) != report.content_digest:
        return False
    message = signed_message(report.code, report.content_digest, report.issued_at)
    return ed25519_verify(report.signing_key, message, report.signature)


# ------------------------------------------------------------------------------------------------ content


def _language() -> str:
    return "en" if services.english() else "zh-hans"


def _record_item(r: services.ShownRecord) -> dict[str, Any]:
    return {"id": r.id, "version": r.log_seq, "type": r.type_code, "type_name": r.type_name,
            "category": r.category, "polarity": r.polarity, "decided_on": iso(r.decided_on),
            "summary": r.summary, "source": r.source, "status": r.status, "status_label": str(r.status_label),
            "public_until": iso(r.public_until), "under_objection": r.under_objection}


def build_content(p: services.Profile, *, scope: str, purpose: str, issued_to: str) -> dict[str, Any]:
    """The report's content: plain JSON values only, so it hashes the same after a database round trip."""
    subject = p.subject
    return {
        "format": FORMAT, "scope": scope, "language": _language(), "as_of": iso(p.as_of), "purpose": purpose,
        "issued_to": issued_to, "policy_version": policy.current().version,
        "public_only": p.public_only, "complete": len(p.all_records) < services.PROFILE_RECORD_LIMIT,
        "subject": {
            "id": subject.pk, "kind": subject.kind, "kind_label": str(subject.get_kind_display()),
            "name": p.name, "key": p.key, "region": subject.region, "region_name": p.region,
            "verified": bool(p.verified), "identity_verified": bool(p.identity_verified),
            "legal_representative": p.legal_representative,
            "platform": p.platform.name if p.platform is not None else "", "operator": p.operator_name,
            "shop_count": p.shop_count,
        },
        "sections": {name: [_record_item(r) for r in getattr(p, name)] for name in SECTIONS},
        "counts": {k: int(v) for k, v in p.counts.items()},
        "evaluation": _evaluation_item(p.grade),
    }


def _evaluation_item(explanation) -> dict[str, Any] | None:
    """The current grade and its explanation as the report prints it (None before the subject is scored)."""
    if explanation is None:
        return None
    return {"grade": explanation.grade, "score": str(explanation.score), "base": str(explanation.base),
            "bound": str(explanation.bound), "model": explanation.model_name, "version": explanation.model_version,
            "as_of": iso(explanation.as_of),
            "lines": [{"code": line.code, "name": line.name, "value": line.value, "points": str(line.points),
                       "records": list(line.record_ids), "hidden": int(getattr(line, "hidden", 0))}
                      for line in explanation.lines]}


def _record_ids(content: dict[str, Any]) -> list[int]:
    return sorted(item["id"] for name in SECTIONS for item in content["sections"].get(name, []))


# ------------------------------------------------------------------------------------------------ issuing


def _scope_for(subject: Subject, principal, scope: str | None) -> str:
    own = principal.subject_id is not None and principal.subject_id == subject.pk
    scope = scope or (ReportScope.OWN if own else ReportScope.CHECK if principal.can("credit.check")
                      else ReportScope.PUBLIC)
    if scope not in ReportScope.values:
        raise ValidationFailed(_("未知的报告版本：{scope}").format(scope=scope), field="scope", code="unknown_scope")
    if subject.kind == SubjectKind.PERSON and scope != ReportScope.OWN:
        raise Forbidden(_("自然人的信用报告只向本人出具，请本人登录后下载"), code="own_report_only")
    if scope == ReportScope.OWN and not own:
        raise Forbidden(_("本人版信用报告只向信用主体本人出具"), code="not_own")
    if scope == ReportScope.CHECK:
        principal.require("credit.check")
    return scope


def _issued_to(principal, scope: str, p: services.Profile) -> tuple[str, str]:
    """(who the report names as its recipient, the recipient organisation's code)."""
    if scope == ReportScope.PUBLIC:
        return _("社会公众"), ""
    if scope == ReportScope.OWN:
        return p.name, ""
    name = Organisation.objects.filter(pk=principal.organisation_id).values_list("name", flat=True).first() \
        if principal.organisation_id else ""
    return (f"{name}（{principal.label}）" if name else principal.label)[:120], principal.organisation_code[:64]


def issue_report(subject_id: int, principal, *, scope: str | None = None, purpose: str = "",
                 channel: str = "portal") -> CreditReport:
    """Issue a signed PDF report of `subject_id` for `principal`: own (the subject's own account), check
    (credit check, R9.2: purpose logged, and required of the organisation kinds the policy names) or public.
    A person's report goes only to the person's own login. A public report with the same content as one
    issued the same day is that report (policy: reuse_same_day)."""
    subject = Subject.objects.visible_to(principal).filter(pk=subject_id).only("id", "kind").first()
    if subject is None:
        raise NotFound(_("未找到该信用主体"))
    scope = _scope_for(subject, principal, scope)
    today = timezone.localdate()
    rule = policy.in_force(policy.current().disclosure.reports, today)
    purpose = " ".join(str(purpose or "").split())[:200]
    needs_purpose = principal.organisation_kind in rule.purpose_required_for
    if scope == ReportScope.CHECK and needs_purpose and not purpose:
        raise ValidationFailed(_("信用核查须说明用途（办理的行政事项）"), field="purpose", code="required")
    if scope != ReportScope.CHECK:
        purpose = ""
    reader = anonymous() if scope == ReportScope.PUBLIC else principal
    default_purpose = "本人查询" if scope == ReportScope.OWN else "信用核查"   # access-log data, not page text
    p = services.profile(subject.pk, reader, purpose=purpose or default_purpose, channel=channel, today=today)
    if scope == ReportScope.CHECK:
        # A credit check is logged even when everything it showed is public (R9.2: who checked whom, why).
        record_access(principal.actor, subject.pk, "credit_report", purpose or default_purpose, channel)
    issued_to, issued_to_org = _issued_to(principal, scope, p)
    content = build_content(p, scope=scope, purpose=purpose, issued_to=issued_to)
    digest = content_digest(content)
    reuse = scope == ReportScope.PUBLIC and rule.reuse_same_day
    if reuse:
        existing = _reusable(subject.pk, content["language"], today, digest)
        if existing is not None:
            return existing
    code = new_code()
    while CreditReport.objects.filter(code=code).exists():  # 80 random bits: practically never
        code = new_code()
    issued_at = timezone.now().replace(microsecond=0)
    key = settings.KEYS.signing_key
    public_hex = ed25519_public_hex(key)
    signature = ed25519_sign(key, signed_message(code, digest, issued_at))
    document = render_pdf(code=code, content=content, digest=digest, issued_at=issued_at, signature=signature,
                          public_hex=public_hex)
    report = CreditReport(
        code=code, subject_id=subject.pk, scope=scope, language=content["language"], issued_at=issued_at,
        issued_on=today, issued_to=issued_to[:120], issued_to_org=issued_to_org, purpose=purpose,
        content=content, content_digest=digest, record_ids=_record_ids(content), algorithm=ALGORITHM,
        signature=signature, signing_key=public_hex, pdf=document,
        pdf_sha256=hashlib.sha256(document).hexdigest(), log_seq=0)
    return _store(report, principal, reuse)


def _reusable(subject_id: int, language: str, today: dt.date, digest: str) -> CreditReport | None:
    return CreditReport.objects.filter(subject_id=subject_id, scope=ReportScope.PUBLIC, issued_on=today,
                                       content_digest=digest, language=language,
                                       status=ReportStatus.ISSUED).order_by("issued_at").first()


@logged_write
def _store(report: CreditReport, principal, reuse: bool) -> CreditReport:
    """Write the issued report and its change-log entry (rendering happened before, outside the lock)."""
    if reuse:  # a concurrent request may have issued the same report while this one rendered
        existing = _reusable(report.subject_id, report.language, report.issued_on, report.content_digest)
        if existing is not None:
            return existing
    with ChainWriter() as log:
        report.save()
        reason = report.scope + (f": {report.purpose}" if report.purpose else "")
        report.log_seq = log.append(principal.actor, "issue", MODEL, report.pk, _model_state(report), reason)
        CreditReport.objects.filter(pk=report.pk).update(log_seq=report.log_seq)
    return report


@logged_write
def withdraw_report(code: str, principal, reason: str) -> CreditReport:
    """Withdraw an issued report (credit office): /verify answers `withdrawn`, with the reason, from now."""
    if not principal.city_wide:
        raise Forbidden(_("只有信用办可以撤回信用报告"), code="forbidden")
    report = CreditReport.objects.select_for_update().filter(code=normalise_code(code) or "").first()
    if report is None:
        raise NotFound(_("未找到该信用报告"), field="code")
    if report.status == ReportStatus.WITHDRAWN:
        raise Conflict(_("该信用报告已撤回"), code="already_withdrawn")
    reason = " ".join(str(reason or "").split())[:300]
    if not reason:
        raise ValidationFailed(_("撤回须说明原因"), field="reason", code="required")
    with ChainWriter() as log:
        report.status, report.withdrawn_reason, report.withdrawn_at = ReportStatus.WITHDRAWN, reason, log.at
        report.log_seq = log.append(principal.actor, "withdraw", MODEL, report.pk, _model_state(report),
                                    reason)
        report.save(update_fields=["status", "withdrawn_reason", "withdrawn_at", "log_seq"])
    return report


# ------------------------------------------------------------------------------------------------ the PDF


def verify_url(code: str) -> str:
    """Where the QR code leads: the portal's verification page of this code."""
    return f"{settings.PUBLIC_URL}/verify/{code}"


def attachment_bytes(*, code: str, content: dict, digest: str, issued_at: dt.datetime, signature: str,
                     public_hex: str) -> bytes:
    """The ecredit-report.json embedded in the PDF: everything needed to check the report offline."""
    return canonical_json({
        "format": FORMAT, "code": code, "issued_at": utc_text(issued_at), "content": content,
        "digest_algorithm": "sm3", "content_digest": digest, "algorithm": ALGORITHM, "public_key": public_hex,
        "signed_message": signed_message(code, digest, issued_at).decode("ascii"), "signature": signature,
        "verify_url": verify_url(code)})


def render_pdf(*, code: str, content: dict, digest: str, issued_at: dt.datetime, signature: str,
               public_hex: str) -> bytes:
    """Render the report's PDF in the content's language."""
    language = content["language"]
    with translation.override(language):
        scope_label = str(ReportScope(content["scope"]).label)
        titles = {"licences": _("行政许可与资质"), "lists": _("名单信息"), "records": _("信用记录"),
                  "commitments": _("信用承诺")}
        mark = mark_safe('<span class="page"></span>')  # fixed markup, no input
        page_label = format_html(_("第 {page} 页，共 {pages} 页"), page=mark,
                                 pages=mark_safe('<span class="pages"></span>'))
    context = {
        "c": content, "code": code, "issued_at": timezone.localtime(issued_at),
        "issued_at_utc": utc_text(issued_at), "scope_label": scope_label,
        "sections": [(name, titles[name], content["sections"][name]) for name in SECTIONS],
        "verify_url": verify_url(code), "qr": pdf.qr_data_uri(verify_url(code)), "digest": digest,
        "signature": signature, "public_key": public_hex, "fingerprint": pdf.key_fingerprint(public_hex),
        "algorithm": "Ed25519", "page_label": page_label,
        "lang_attr": "en" if language == "en" else "zh-Hans",
        "lp": " (" if language == "en" else "（", "rp": ")" if language == "en" else "）",
    }
    attachment = attachment_bytes(code=code, content=content, digest=digest, issued_at=issued_at,
                                  signature=signature, public_hex=public_hex)
    return pdf.render(context, code=code, language=language, attachment=attachment)


# ------------------------------------------------------------------------------------------- verification


@dataclass
class Verification:
    """The answer of /verify: valid | altered | withdrawn | unknown, and what the report is."""

    verdict: str
    code: str = ""
    subject_name: str = ""
    scope: str = ""
    scope_label: str = ""
    issued_at: dt.datetime | None = None
    reason: str = ""

    def as_dict(self) -> dict[str, Any]:
        """The answer as the API gives it."""
        return {"verdict": self.verdict, "code": self.code, "subject_name": self.subject_name,
                "scope": self.scope, "scope_label": self.scope_label, "issued_at": self.issued_at,
                "reason": self.reason}


def _described(report: CreditReport, verdict: str, reason: str) -> Verification:
    subject = report.content.get("subject", {}) if isinstance(report.content, dict) else {}
    name = str(subject.get("name", ""))
    if subject.get("kind") == SubjectKind.PERSON:
        name = policy.current().mask("person_name", name)  # whoever holds the code need not learn the name
    return Verification(verdict, report.code, name, report.scope, str(ReportScope(report.scope).label),
                        report.issued_at, reason)


def _changed_records(report: CreditReport) -> list[tuple[int, str]]:
    """Records listed in the report that were revoked or corrected after it was issued: (id, status)."""
    versions = {item["id"]: item.get("version") for name in SECTIONS
                for item in report.content.get("sections", {}).get(name, [])}
    rows = CreditRecord.objects.filter(pk__in=report.record_ids or [-1],
                                       status__in=(RecordStatus.REVOKED, RecordStatus.CORRECTED)) \
        .values_list("id", "status", "log_seq")
    return sorted((rid, status) for rid, status, seq in rows if versions.get(rid) != seq)


def _judge(report: CreditReport) -> Verification:
    """The verdict on an issued report (the caller already matched the file or the code)."""
    if not signature_ok(report):
        return _described(report, "altered", _("报告存档的签名校验失败，报告内容可能被篡改，请联系出具机构"))
    if report.status == ReportStatus.WITHDRAWN:
        return _described(report, "withdrawn", _("报告已被撤回：{reason}").format(reason=report.withdrawn_reason))
    changed = _changed_records(report)
    if changed:
        labels = {RecordStatus.REVOKED: _("已撤销"), RecordStatus.CORRECTED: _("已更正")}
        items = "；".join(f"#{rid} {labels.get(status, status)}" for rid, status in changed)
        return _described(report, "withdrawn", _("报告出具后，其中的信用记录已被撤销或更正（{items}），报告不再有效，"
                                                  "请重新获取").format(items=items))
    return _described(report, "valid", _("报告真实有效，与出具时的文件一致"))


def verify_code(code: Any) -> Verification:
    """What the report with this verification code is, and whether it still stands."""
    normal = normalise_code(code)
    if normal is None:
        return Verification("unknown", str(code or "")[:40], reason=_("验证码格式不正确"))
    report = CreditReport.objects.filter(code=normal).defer("pdf").first()
    if report is None:
        return Verification("unknown", normal, reason=_("未找到该验证码对应的信用报告"))
    return _judge(report)


def verify_pdf(data: bytes) -> Verification:
    """Whether an uploaded file is a report exactly as issued (valid or withdrawn), a changed copy of one
    (altered), or nothing issued here (unknown). Any bytes are accepted; nothing in them is trusted."""
    data = bytes(data or b"")
    if len(data) > MAX_UPLOAD:
        raise ValidationFailed(_("文件过大（不超过20MB）"), field="file", code="too_large")
    if not data:
        return Verification("unknown", reason=_("文件为空"))
    report = CreditReport.objects.filter(pdf_sha256=hashlib.sha256(data).hexdigest()).defer("pdf").first()
    if report is not None:
        return _judge(report)
    for code in pdf.codes_in(data):
        report = CreditReport.objects.filter(code=code).defer("pdf").first()
        if report is not None:
            return _described(report, "altered", _("文件与出具的报告不一致，已被修改，不能作为有效报告使用"))
    return Verification("unknown", reason=_("文件不是本平台出具的信用报告，或无法识别"))
