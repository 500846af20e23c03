"""Commitment codes, the standard-format text, and the electronic signature over it.

Code: 6-digit region + 8-digit signing date (YYYYMMDD) + 6-digit serial, counted per region and date
(the national commitment record template, DOMAIN.md). The serial comes from a `CodeCounter` row locked for
the rest of the signing transaction, so concurrent signers queue on it; the unique code backs it up.

Signature: the same mechanism as the portal's credit reports (portal/reports.py): Ed25519 with the deployment's
signing key (settings.KEYS.signing_key, which also signs the change log), over

    ecredit-commitment:<code>:<SM3 of the canonical JSON of the signed content>:<signing time, UTC>

The platform signs, as a seal, what an authenticated account (the subject's own account, or a platform or
logistics client for itself or, for industry self-discipline, for its merchant) agreed to at that time: the
subject holds no certificate of its own (personal CA certificates are outside this system). Anyone can check
a commitment offline with the public key (/verify/key) and `openssl pkeyutl -verify -rawin`.
"""

from __future__ import annotations

import datetime as dt
import os
import re
from typing import Any

from django.conf import settings
from django.utils.translation import gettext as _

from ecredit import policy
from ecredit.kit.canonical import canonical_json
from ecredit.kit.crypto import ed25519_public_hex, ed25519_sign, ed25519_verify, sm3_hex
from ecredit.kit.errors import Conflict
from ecredit.policy.commitment_rules import CommitmentTypeVersion
from ecredit.registry.models import Subject, SubjectKind

from .models import CodeCounter, Commitment

FORMAT = "ecredit-commitment/1"
ALGORITHM = "ed25519"
CODE_RE = re.compile(r"^(?P<region>\d{6})(?P<day>\d{8})(?P<serial>\d{6})$")


# ---------------------------------------------------------------------------------------------- codes


def format_code(region: str, day: dt.date, serial: int) -> str:
    """The 20-digit code of the `serial`-th commitment signed in `region` on `day`."""
    if not (len(region) == 6 and region.isdigit()) or not 1 <= serial <= 999_999:
        raise ValueError(f"bad region {region!r} or serial {serial}")
    return f"{region}{day:%Y%m%d}{serial:06d}"


def parse_code(raw: Any) -> tuple[str, dt.date, int] | None:
    """(region, date, serial) of a well-formed code (spaces and dashes ignored), or None."""
    text = re.sub(r"[\s\-_.]", "", str(raw or "")[:40])
    match = CODE_RE.match(text)
    if not match:
        return None
    try:
        day = dt.datetime.strptime(match["day"], "%Y%m%d").date()
    except ValueError:
        return None
    serial = int(match["serial"])
    return (match["region"], day, serial) if serial else None


def normalise_code(raw: Any) -> str | None:
    """A typed code in canonical form, or None when it is not one."""
    parsed = parse_code(raw)
    return format_code(*parsed) if parsed else None


def regions() -> set[str]:
    """The region codes a code may carry: the city and its districts (regions.yaml)."""
    rules = policy.current().regions
    return {rules.city.code, *(d.code for d in rules.districts)}


def region_for(subject: Subject) -> str:
    """The code's region: the subject's district when it lies in this city, otherwise the city's code."""
    rules = policy.current().regions
    return subject.region if subject.region in regions() else rules.city.code


def allocate_serial(region: str, day: dt.date) -> int:
    """The next serial of `region` on `day`, under the counter row's lock (inside the caller's transaction)."""
    CodeCounter.objects.bulk_create([CodeCounter(region=region, day=day, last=0)], ignore_conflicts=True)
    counter = CodeCounter.objects.select_for_update().get(region=region, day=day)
    if counter.last >= 999_999:
        raise Conflict(_("当日承诺编码流水号已用尽"), code="serial_exhausted")
    counter.last += 1
    counter.save(update_fields=["last"])
    return counter.last


# ---------------------------------------------------------------------------------------------- text


def id_label(subject: Subject) -> str:
    """What the identifier in the text is."""
    return {SubjectKind.ORGANISATION: _("统一社会信用代码"), SubjectKind.PERSON: _("身份证号码"),
            SubjectKind.SHOP: _("网店编号")}[subject.kind]


def identifier(subject: Subject) -> str:
    """The identifier the text shows: the USCC, a person's masked ID number, a shop's id on its platform."""
    if subject.kind == SubjectKind.ORGANISATION:
        return subject.uscc or ""
    if subject.kind == SubjectKind.PERSON:
        return subject.ric_masked
    return f"{subject.platform.name} {subject.shop_id}" if subject.platform_id else str(subject.shop_id)


def render(rule: CommitmentTypeVersion, values: dict[str, str]) -> tuple[str, str]:
    """(title, text) of a template filled with `values`: the opening paragraphs, the numbered promises under
    their names, the closing, one paragraph per line."""
    promises = policy.current().commitments.promises
    lines = [line.format(**values) for line in rule.template.opening]
    for number, code in enumerate(rule.template.promises, start=1):
        promise = promises[code]
        lines.append(f"{number}. {promise.name.zh}：{promise.text.format(**values)}")
    lines += [line.format(**values) for line in rule.template.closing]
    return rule.template.title.format(**values), "\n".join(lines)


# ---------------------------------------------------------------------------------------------- signature


def utc_text(at: dt.datetime) -> str:
    """A signing time as the signature names it: UTC, whole seconds."""
    return at.astimezone(dt.UTC).strftime("%Y-%m-%dT%H:%M:%SZ")


def signed_content(c: Commitment) -> dict[str, Any]:
    """What the signature covers, as plain JSON values."""
    return {"format": FORMAT, "code": c.code, "type": c.commitment_type, "template_version": c.template_version,
            "title": c.title, "text": c.text, "subject_id": c.subject_id, "matter": c.matter,
            "accepted_by_id": c.accepted_by_id, "valid_until": c.valid_until.isoformat(),
            "visibility": c.visibility, "signed_by": c.signed_by, "collected_by_id": c.collected_by_id}


def text_digest(text: str) -> str:
    """SM3 of a commitment's text alone (to compare a copy someone holds)."""
    return sm3_hex(text.replace("\r\n", "\n").strip().encode("utf-8"))


def content_digest(c: Commitment) -> str:
    """SM3 of the canonical JSON of the signed content."""
    return sm3_hex(canonical_json(signed_content(c)))


def signed_message(code: str, digest: str, signed_at: dt.datetime) -> bytes:
    """The bytes a commitment's signature covers."""
    return f"ecredit-commitment:{code}:{digest}:{utc_text(signed_at)}".encode("ascii")


def seal(c: Commitment) -> None:
    """Digest and sign a commitment in memory (before it is saved)."""
    key = settings.KEYS.signing_key
    c.signed_at = c.signed_at.replace(microsecond=0)  # the message names whole seconds; the row keeps the same
    c.content_digest = content_digest(c)
    c.algorithm, c.signing_key = ALGORITHM, ed25519_public_hex(key)
    c.signature = ed25519_sign(key, signed_message(c.code, c.content_digest, c.signed_at))


def trusted_keys() -> set[str]:
    """Public keys whose signatures are accepted: the current key and retired ones in ECREDIT_TRUSTED_LOG_KEYS
    (the list the change log and the reports trust after a key rotation)."""
    retired = {k.strip() for k in os.environ.get("ECREDIT_TRUSTED_LOG_KEYS", "").split(",") if k.strip()}
    return {ed25519_public_hex(settings.KEYS.signing_key)} | retired


def signature_ok(c: Commitment) -> bool:
    """The row is intact: its content hashes to its digest and the signature verifies under a trusted key."""
    if c.algorithm != ALGORITHM or c.signing_key not in trusted_keys():
        return False
    if content_digest(c) != c.content_digest:
        return False
    return ed25519_verify(c.signing_key, signed_message(c.code, c.content_digest, c.signed_at), c.signature)
