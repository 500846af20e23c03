"""What every trade intake shares: who may send, the sender's platform, batch ids and replay, the batch's one
change-log entry, row errors, and the readers of the values rows carry."""

from __future__ import annotations

import datetime as dt
import re
import unicodedata
from decimal import Decimal, InvalidOperation
from typing import Any, Callable, Iterator

from django.utils import timezone
from django.utils.translation import gettext as _
from stdnum import ean

from ecredit import batches as intake
from ecredit import policy
from ecredit.access.models import Organisation
from ecredit.audit.services import ChainWriter
from ecredit.batches import Outcome, row_id  # noqa: F401  (the trade writers use them from here)
from ecredit.kit.canonical import canonical_json
from ecredit.kit.crypto import sm3_hex
from ecredit.kit.errors import Forbidden, ValidationFailed
from ecredit.kit.identifiers import is_valid_ric
from ecredit.registry.models import Subject, SubjectKind

from ..models import BatchStatus, TradeBatch

MODEL = "marketplace.tradebatch"
MAX_BATCH = intake.MAX_BATCH
STATE_FIELDS = ("organisation_id", "kind", "client_batch_id", "content_hash", "channel", "atomic", "status",
                "received", "created", "updated", "unchanged", "rejected")
CLOCK_SKEW = dt.timedelta(minutes=10)      # a little ahead of our clock is the sender's clock, not the future


def rule(name: str, on: dt.date | None = None):
    """The version of marketplace rule `name` in force on `on` (default today)."""
    return policy.in_force(getattr(policy.current().marketplace, name), on or timezone.localdate())


# ------------------------------------------------------------------------------------------------ senders


def require_sender(principal) -> None:
    """Only the organisation kinds marketplace.yaml names send trades, and only with the right to submit."""
    principal.require("record.submit")
    if principal.organisation_kind not in rule("access").senders or principal.organisation_id is None:
        raise Forbidden(_("只有电子商务平台可以报送交易和评价数据"), code="not_a_sender")


def platform_of(principal) -> Subject:
    """The registry entry of the platform the principal acts for."""
    uscc = Organisation.objects.filter(pk=principal.organisation_id).values_list("uscc", flat=True).first()
    platform = Subject.objects.filter(uscc=uscc, kind=SubjectKind.ORGANISATION).first() if uscc else None
    if platform is None:
        raise Forbidden(_("本单位未登记为电子商务平台"), code="no_platform_subject")
    return platform


# ------------------------------------------------------------------------------------------------ reports


def run_batch(kind: str, rows: Any, principal, *, channel: str, client_batch_id: str | None, atomic: bool,
              filename: str, write: Callable[[list, TradeBatch, ChainWriter, Outcome], None],
              label: str) -> TradeBatch:
    """Receive a batch of `kind` (ecredit.batches.receive): replay a known batch id, write the rows in one
    transaction with the change log's lock, one change-log entry (content hash and counts) for the batch.

    With `atomic`, a refused row refuses the batch: nothing but the batch (status 全部退回) is kept."""
    intake.check_rows(rows, label)
    return intake.receive(TradeBatch, MODEL, STATE_FIELDS, kind=kind, rows=rows, principal=principal,
                          content=sm3_hex(canonical_json(rows)), client_batch_id=intake.clean_batch_id(client_batch_id),
                          channel=channel, atomic=atomic, filename=filename, receipt={}, statuses=BatchStatus,
                          write=write)


def batch_state(batch: TradeBatch | dict) -> str:
    """The canonical state of a batch as the change log keeps it."""
    return intake.batch_state(batch, STATE_FIELDS)


def iter_states() -> Iterator[tuple[int, str]]:
    """Every batch's current state, for verification of the change log."""
    return intake.iter_states(TradeBatch, STATE_FIELDS)


def report(batch: TradeBatch) -> dict[str, Any]:
    """A batch's answer as the API returns it."""
    return {"batch": batch.pk, "client_batch_id": batch.client_batch_id, "kind": batch.kind,
            "status": batch.status,
            "received": batch.received, "created": batch.created, "updated": batch.updated,
            "unchanged": batch.unchanged, "rejected": batch.rejected, "atomic": batch.atomic,
            "errors": batch.errors, "ids": batch.ids, "submitted_at": batch.submitted_at,
            "replayed": batch.replayed}


# ------------------------------------------------------------------------------------------------ values


def text(raw: dict, key: str, label: str, max_length: int, required: bool = True, fold: bool = False) -> str:
    """A trimmed text field; `fold` (identifiers) also folds full-width characters to half-width."""
    value = raw.get(key)
    if isinstance(value, (dict, list)):   # not stored as its Python spelling
        raise ValidationFailed(_("{field}应为文本").format(field=label), field=key, code="bad_type")
    out = "" if value is None else str(value).strip()
    if fold:
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
        at = value if isinstance(value, dt.datetime) else dt.datetime.fromisoformat(str(value).strip())
    except ValueError:
        raise ValidationFailed(_("{field}不是有效时间（应为ISO 8601，如 2026-11-20T10:30:00+08:00）").format(
            field=label), field=key, code="bad_time") from None
    if timezone.is_naive(at):
        at = timezone.make_aware(at)
    if at > now + CLOCK_SKEW:
        raise ValidationFailed(_("{field}晚于当前时间").format(field=label), field=key, code="future_time")
    if at.year < 2000:
        raise ValidationFailed(_("{field}早于2000年").format(field=label), field=key, code="bad_time")
    return at


def money(raw: dict, key: str, label: str, required: bool = True) -> Decimal | None:
    """A non-negative amount in yuan with at most 2 decimals."""
    value = raw.get(key)
    if value in (None, ""):
        if required:
            raise ValidationFailed(_("{field}为必填项").format(field=label), field=key, code="required")
        return None
    try:
        amount = Decimal(str(value).strip())
    except InvalidOperation:
        raise ValidationFailed(_("{field}不是有效金额").format(field=label), field=key, code="bad_amount") from None
    cents = Decimal("0.01")
    if not amount.is_finite() or amount < 0 or amount >= Decimal("1e12") or amount != amount.quantize(cents):
        raise ValidationFailed(_("{field}应为不小于0、最多两位小数的金额（元）").format(field=label), field=key,
                               code="bad_amount")
    return amount.quantize(Decimal("0.01"))


_DIGITS = re.compile(r"^\d+$")


def gtin(value: Any, key: str = "gtin") -> str:
    """A GTIN-8/12/13/14 with a valid check digit (GS1 mod 10), as digits."""
    code = unicodedata.normalize("NFKC", str(value if value is not None else "")).strip().replace(" ", "")
    if not code:
        raise ValidationFailed(_("商品条码为必填项"), field=key, code="required")
    if not _DIGITS.match(code) or len(code) not in (8, 12, 13, 14):
        raise ValidationFailed(_("商品条码应为8、12、13或14位数字"), field=key, code="bad_gtin")
    if not ean.is_valid(code):
        raise ValidationFailed(_("商品条码校验位错误"), field=key, code="bad_check_digit")
    return code


_MOBILE = re.compile(r"^(?:\+?86)?1[3-9]\d{9}$")


def buyer(value: Any, key: str = "buyer") -> str:
    """A buyer pseudonym: never what looks like a mobile number or a valid resident ID (personal data)."""
    if isinstance(value, (dict, list)):   # its Python spelling would slip a phone number past the checks
        raise ValidationFailed(_("买家标识应为文本"), field=key, code="bad_type")
    text_ = unicodedata.normalize("NFKC", str(value if value is not None else "")).strip()
    if not text_:
        raise ValidationFailed(_("买家标识为必填项"), field=key, code="required")
    if len(text_) > rule("buyer_id").max_length:
        raise ValidationFailed(_("买家标识超过{n}个字符").format(n=rule("buyer_id").max_length), field=key,
                               code="too_long")
    compact = re.sub(r"[\s\-]", "", text_)
    if _MOBILE.match(compact) or is_valid_ric(compact):
        raise ValidationFailed(_("买家标识应为平台生成的化名，不得使用手机号码或身份证号码"), field=key,
                               code="personal_data")
    return text_


def own_platform(raw: dict, platform: Subject) -> None:
    """A row naming a platform must name the sender's own."""
    named = str(raw.get("platform_uscc") or "").strip().upper()
    if named and named != platform.uscc:
        raise ValidationFailed(_("平台只能报送本平台网店的交易和评价"), field="platform_uscc", code="not_own_shop")


def content_hash(values: Any) -> str:
    """SM3 of a row's normalised content."""
    return sm3_hex(canonical_json(values))
