"""What every parcel intake shares: who may send, the courier firm it reports for, batch ids and replay, the
batch's one change-log entry, row errors, the readers of the values rows carry, and the consignee's sealing."""

from __future__ import annotations

import datetime as dt
import json
import re
import unicodedata
from dataclasses import dataclass
from decimal import Decimal, InvalidOperation
from typing import Any, Callable, Iterator

from django.conf import settings
from django.db import connection
from django.utils import timezone
from django.utils.translation import gettext as _

from ecredit import batches as intake
from ecredit import policy
from ecredit.access.models import Organisation
from ecredit.audit.services import Actor, ChainWriter
from ecredit.batches import Outcome  # noqa: F401  (the parcel writers use it from here)
from ecredit.kit import crypto
from ecredit.kit.canonical import canonical_json
from ecredit.kit.errors import Forbidden, ValidationFailed
from ecredit.kit.masking import scrub
from ecredit.registry.models import Subject, SubjectKind

from ..models import BatchStatus, ParcelBatch

BATCH_MODEL = "logistics.parcelbatch"
SYSTEM_ACTOR = Actor("system:logistics", "")
MAX_BATCH = intake.MAX_BATCH
STATE_FIELDS = ("organisation_id", "carrier_id", "kind", "vocabulary", "client_batch_id", "content_hash", "channel",
                "atomic", "status", "received", "created", "updated", "unchanged", "rejected")
CLOCK_SKEW = dt.timedelta(minutes=10)      # a little ahead of our clock is the sender's clock, not the future
_REGION = re.compile(r"^\d{6}$")
_PHONE_DIGITS = re.compile(r"\D")


def rules():
    """logistics.yaml as loaded."""
    return policy.current().logistics


def city_of(region: str) -> str:
    """The prefecture (city) code of a 6-digit region code ("" for none)."""
    return region[:4] + "00" if region else ""


def route_of(origin: str, destination: str) -> str:
    """same_city or inter_city (unknown ends count as inter-city: the longer limit, never a false delay)."""
    return "same_city" if origin and destination and city_of(origin) == city_of(destination) else "inter_city"


# ------------------------------------------------------------------------------------------------ senders


def require_reporter(principal) -> None:
    """Only an organisation with the parcel-report right (a courier firm's client) sends waybills and scans."""
    principal.require("parcel.report")
    if principal.organisation_id is None:
        raise Forbidden(_("报送运单和轨迹须以寄递企业身份进行"), code="not_a_carrier")


def carrier_of(principal) -> Subject:
    """The registry entry of the courier firm the principal reports for (by the organisation's USCC)."""
    uscc = Organisation.objects.filter(pk=principal.organisation_id).values_list("uscc", flat=True).first()
    carrier = Subject.objects.filter(uscc=uscc, kind=SubjectKind.ORGANISATION).first() if uscc else None
    if carrier is None:
        raise Forbidden(_("本单位未登记为寄递企业（须有统一社会信用代码并已在信用主体库登记）"),
                        code="no_carrier_subject")
    return carrier


# ------------------------------------------------------------------------------------------------ reports


def row_id(raw: Any, key: str = "waybill_no") -> str:
    """The sender's id of a row, for error reports."""
    return intake.row_id(raw, key)


def digest(value: Any) -> str:
    """A keyed SM3 digest of a value's canonical JSON (rows carry personal data: no plain digest of them)."""
    return crypto.keyed_hash(settings.KEYS.lookup_key, "parcel:" + canonical_json(value).decode("utf-8"))


def run_batch(kind: str, rows: Any, principal, carrier: Subject, *, vocabulary: str, channel: str,
              client_batch_id: str | None, atomic: bool, filename: str,
              write: Callable[[list, ParcelBatch, ChainWriter, Outcome], None]) -> ParcelBatch:
    """Receive a batch of `kind` (ecredit.batches.receive): replay a known batch id, write the rows in one
    transaction with the change log's lock, one change-log entry (keyed digest and counts) for the batch.

    With `atomic`, a refused row refuses the batch: nothing but the batch (status 全部退回) is kept."""
    intake.check_rows(rows, kind)
    return intake.receive(ParcelBatch, BATCH_MODEL, STATE_FIELDS, kind=kind, rows=rows, principal=principal,
                          content=digest([vocabulary, rows]), client_batch_id=intake.clean_batch_id(client_batch_id),
                          channel=channel, atomic=atomic, filename=filename,
                          receipt={"carrier": carrier, "vocabulary": vocabulary}, statuses=BatchStatus, write=write)


def batch_state(batch: ParcelBatch | dict) -> str:
    """The canonical state of a batch as the change log keeps it."""
    return intake.batch_state(batch, STATE_FIELDS)


def iter_batch_states() -> Iterator[tuple[int, str]]:
    """Every batch's current state, for verification of the change log."""
    return intake.iter_states(ParcelBatch, STATE_FIELDS)


def report(batch: ParcelBatch) -> dict[str, Any]:
    """A batch's answer as the API returns it."""
    return {"batch": batch.pk, "client_batch_id": batch.client_batch_id, "kind": batch.kind,
            "vocabulary": batch.vocabulary, "status": batch.status, "received": batch.received,
            "created": batch.created, "updated": batch.updated, "unchanged": batch.unchanged,
            "rejected": batch.rejected, "atomic": batch.atomic, "errors": batch.errors, "ids": batch.ids,
            "submitted_at": batch.submitted_at, "replayed": batch.replayed}


# ------------------------------------------------------------------------------------------------ values


def text(raw: dict, key: str, label: str, max_length: int, required: bool = False, fold: bool = False) -> str:
    """A trimmed text field; `fold` (identifiers) also folds full-width characters to half-width."""
    value = raw.get(key)
    if isinstance(value, (dict, list)):   # not stored as its Python spelling
        raise ValidationFailed(_("{field}应为文本").format(field=label), field=key, code="bad_type")
    out = "" if value is None else str(value).strip()
    if fold and out and not out.isascii():
        out = unicodedata.normalize("NFKC", out)
    if required and not out:
        raise ValidationFailed(_("{field}为必填项").format(field=label), field=key, code="required")
    if len(out) > max_length:
        raise ValidationFailed(_("{field}超过{n}个字符").format(field=label, n=max_length), field=key,
                               code="too_long")
    return out


def moment(raw: dict, key: str, label: str, now: dt.datetime, required: bool = True) -> dt.datetime | None:
    """An ISO 8601 time (a time without offset is Beijing time), not in the future."""
    value = raw.get(key)
    if value in (None, ""):
        if required:
            raise ValidationFailed(_("{field}为必填项").format(field=label), field=key, code="required")
        return None
    try:
        at = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(
            str(value).strip().replace("/", "-"))
    except ValueError:
        raise ValidationFailed(_("{field}不是有效时间（应为ISO 8601，如 2026-11-20T10:30:00+08:00）").format(
            field=label), field=key, code="bad_time") from None
    if at.tzinfo is None:
        at = timezone.make_aware(at)
    if at > now + CLOCK_SKEW:
        raise ValidationFailed(_("{field}晚于当前时间").format(field=label), field=key, code="future_time")
    if at.year < 2000:
        raise ValidationFailed(_("{field}早于2000年").format(field=label), field=key, code="bad_time")
    return at


def region(raw: dict, key: str, label: str) -> str:
    """A 6-digit region code, or "" when not given."""
    value = raw.get(key)
    code = "" if value in (None, "") else str(value).strip()
    if code and not _REGION.match(code):
        raise ValidationFailed(_("{field}应为6位行政区划代码").format(field=label), field=key, code="bad_region")
    return code


def weight(raw: dict, key: str, label: str) -> Decimal | None:
    """Kilograms, above 0 and below 100,000, at most 3 decimals (None when not given)."""
    value = raw.get(key)
    if value in (None, ""):
        return None
    try:
        kg = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValidationFailed(_("{field}不是有效数字").format(field=label), field=key, code="bad_weight") from None
    if not kg.is_finite() or kg <= 0 or kg >= 100_000:
        raise ValidationFailed(_("{field}应大于0、小于100000千克").format(field=label), field=key, code="bad_weight")
    return kg.quantize(Decimal("0.001"))


def phone_digits(value: Any) -> str:
    """A phone number as its digits (a leading +86 / 86 of a mobile dropped)."""
    digits = _PHONE_DIGITS.sub("", str(value or ""))
    if len(digits) == 13 and digits.startswith("86"):
        digits = digits[2:]
    return digits


def scrubbed(value: str, masks: tuple | None = None) -> str:
    """Free text with what looks like a phone number or a resident ID masked (`masks`: the resident ID and
    phone patterns, for a caller scrubbing many)."""
    if not value:
        return value
    if masks is None:
        current = policy.current()
        masks = current.mask_pattern("resident_id"), current.mask_pattern("phone")
    return scrub(value, *masks)


def time_writer() -> Callable[[dt.datetime | None], Any]:
    """A function turning aware datetimes into what this database stores. On SQLite that is the UTC text Django
    writes, made here without Django's per-value checks (a tenth of the cost, which counts over 10^5 scans);
    elsewhere Django's own adapter."""
    if connection.vendor == "sqlite" and settings.USE_TZ and connection.timezone_name == "UTC":
        utc = dt.timezone.utc
        return lambda value: None if value is None else str(value.astimezone(utc).replace(tzinfo=None))
    return connection.ops.adapt_datetimefield_value


def stored_time(column: str) -> str:
    """SQL reading a datetime column as the database stores it (SQLite: its text, compared and written back as
    is, without Django's conversion to datetime objects)."""
    return f"CAST({column} AS TEXT)" if connection.vendor == "sqlite" else column


# ------------------------------------------------------------------------------------------------ consignee


def _associated(carrier_id: int, waybill_no: str) -> bytes:
    return f"waybill:{carrier_id}:{waybill_no}".encode()


def tail_digest(carrier_id: int, waybill_no: str, tail: str) -> str:
    """The keyed hash under which a waybill keeps its consignee's phone's last four digits."""
    return crypto.keyed_hash(settings.KEYS.lookup_key, f"parcel-tail:{carrier_id}:{waybill_no}:{tail}")


@dataclass(frozen=True)
class Sealed:
    """A consignee as a waybill keeps it: the cipher, the masked forms, the phone tail's digest."""

    cipher: bytes | None
    name_masked: str
    phone_masked: str
    address_masked: str
    tail_digest: str


def seal_consignee(carrier_id: int, waybill_no: str, name: str, phone: str, address: str,
                   masks: tuple | None = None) -> Sealed:
    """Encrypt a consignee (bound to the carrier and the waybill number) and mask it; `masks` (name pattern,
    phone pattern, address characters kept) may be passed in by a caller sealing many."""
    if masks is None:
        masks = consignee_masks()
    name_mask, phone_mask, keep = masks
    cipher = None
    if name or phone or address:
        blob = json.dumps({"name": name, "phone": phone, "address": address}, ensure_ascii=False)
        cipher = crypto.encrypt(settings.KEYS.data_key, blob, _associated(carrier_id, waybill_no))
    digits = phone_digits(phone)
    return Sealed(cipher, name_mask.apply(name)[:40], phone_mask.apply(phone)[:24],
                  (address[:keep] + "****" if len(address) > keep else address)[:40],
                  tail_digest(carrier_id, waybill_no, digits[-4:]) if len(digits) >= 4 else "")


def consignee_masks() -> tuple:
    """The masking in force for consignees: name and phone patterns (masking.yaml), and how many characters of
    the address stay (logistics.yaml public_query)."""
    current = policy.current()
    return (current.mask_pattern("person_name"), current.mask_pattern("phone"),
            current.logistics.query_limits().address_keep_head)


def open_consignee(waybill) -> dict[str, str]:
    """The consignee's name, phone and address in clear (callers check the right and log the read)."""
    if not waybill.consignee_cipher:
        return {"name": "", "phone": "", "address": ""}
    blob = crypto.decrypt(settings.KEYS.data_key, bytes(waybill.consignee_cipher),
                          _associated(waybill.carrier_id, waybill.waybill_no))
    return json.loads(blob)
