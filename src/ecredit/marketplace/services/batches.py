"""What every trade intake shares: who may send, the sender's platform, batch ids and replay, the batch's one
change-log entry, row errors, and the readers of the values rows carry."""

from __future__ import annotations

import datetime as dt
import re
import time
import unicodedata
from dataclasses import dataclass, field
from decimal import Decimal, InvalidOperation
from typing import Any, Callable, Iterator

from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _
from stdnum import ean

from ecredit import policy
from ecredit.access.models import Organisation
from ecredit.audit.services import ChainWriter, state_text
from ecredit.kit.canonical import canonical_json
from ecredit.kit.crypto import sm3_hex
from ecredit.kit.errors import Conflict, Forbidden, ValidationFailed
from ecredit.kit.identifiers import is_valid_ric
from ecredit.registry.models import Subject, SubjectKind

from ..models import BatchStatus, TradeBatch

MODEL = "marketplace.tradebatch"
MAX_BATCH = 10_000
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


@dataclass
class RowError:
    """Why one row of a batch was refused."""

    index: int
    id: str
    field: str
    code: str
    message: str

    def as_dict(self) -> dict[str, Any]:
        return {"index": self.index, "id": self.id, "field": self.field, "code": self.code,
                "message": self.message}


@dataclass
class Outcome:
    """What an intake did with a batch's rows; `ids[i]` is the object row i became (None: refused)."""

    received: int = 0
    created: int = 0
    updated: int = 0
    unchanged: int = 0
    errors: list[RowError] = field(default_factory=list)
    ids: list[int | None] = field(default_factory=list)

    @property
    def rejected(self) -> int:
        return self.received - self.created - self.updated - self.unchanged

    def refuse(self, index: int, row_id: str, exc: ValidationFailed) -> None:
        self.errors.append(RowError(index, row_id, exc.field or "", exc.code, str(exc.message)))


def row_id(raw: Any, key: str) -> str:
    """The sender's id of a row, for error reports."""
    return str(raw.get(key, ""))[:100] if isinstance(raw, dict) else ""


class _Rollback(Exception):
    pass


def run_batch(kind: str, rows: Any, principal, *, channel: str, client_batch_id: str | None, atomic: bool,
              filename: str, write: Callable[[list, TradeBatch, ChainWriter, Outcome], None],
              label: str) -> TradeBatch:
    """Receive a batch of `kind`: replay a known batch id, run `write` inside one transaction that holds the
    change log's lock, and append the batch's single change-log entry (content hash and counts).

    With `atomic`, a refused row refuses the batch: nothing but the batch (status 全部退回) is kept."""
    if not isinstance(rows, list):
        raise ValidationFailed(_("{name} 应为列表").format(name=label), field=label, code="not_a_list")
    if len(rows) > MAX_BATCH:
        raise ValidationFailed(_("每批最多{n}条").format(n=MAX_BATCH), field=label, code="batch_too_large")
    client_batch_id = (str(client_batch_id).strip()[:100] or None) if client_batch_id is not None else None
    digest = sm3_hex(canonical_json(rows))
    if client_batch_id:
        earlier = TradeBatch.objects.filter(organisation_id=principal.organisation_id, kind=kind,
                                            client_batch_id=client_batch_id).first()
        if earlier:
            return _replay(earlier, digest)
    started = time.perf_counter()
    try:
        with transaction.atomic(), ChainWriter() as log:
            batch = TradeBatch.objects.create(
                organisation_id=principal.organisation_id, kind=kind, client_batch_id=client_batch_id,
                content_hash=digest, channel=channel, submitted_by=principal.label[:120],
                submitted_at=log.at, filename=filename[:200], atomic=atomic, status=BatchStatus.REJECTED,
                received=len(rows))
            outcome = Outcome(received=len(rows))
            mark = (len(log.rows), log.seq, log.hash)
            try:
                with transaction.atomic():
                    write(rows, batch, log, outcome)
                    if atomic and outcome.errors:
                        raise _Rollback
            except _Rollback:
                # Nothing written stays, nor its log entries (shops first seen in this batch).
                outcome = Outcome(received=len(rows), errors=outcome.errors, ids=[None] * len(rows))
                log.rows, log.seq, log.hash = log.rows[:mark[0]], mark[1], mark[2]
            _finish(batch, outcome, started)
            batch.log_seq = log.append(principal.actor, "receive", MODEL, batch.pk, batch_state(batch),
                                       f"{kind}: {batch.created} new, {batch.updated} changed, "
                                       f"{batch.rejected} refused")
            batch.save()
    except IntegrityError:
        earlier = None
        if client_batch_id:
            earlier = TradeBatch.objects.filter(organisation_id=principal.organisation_id, kind=kind,
                                                client_batch_id=client_batch_id).first()
        if earlier is None:
            raise
        return _replay(earlier, digest)
    return batch


def _finish(batch: TradeBatch, outcome: Outcome, started: float) -> None:
    outcome.errors.sort(key=lambda e: e.index)
    batch.created, batch.updated, batch.unchanged = outcome.created, outcome.updated, outcome.unchanged
    batch.rejected = outcome.rejected
    batch.errors = [e.as_dict() for e in outcome.errors]
    batch.ids = outcome.ids
    accepted = outcome.created + outcome.updated + outcome.unchanged
    batch.status = (BatchStatus.ACCEPTED if not batch.rejected
                    else BatchStatus.PARTIAL if accepted else BatchStatus.REJECTED)
    batch.duration_ms = int((time.perf_counter() - started) * 1000)


def _replay(earlier: TradeBatch, digest: str) -> TradeBatch:
    if earlier.content_hash != digest:
        raise Conflict(_("批次号“{id}”已用于内容不同的另一批数据（第{batch}批）；重新报送原批次请发送相同的数据，"
                         "报送新数据请使用新的批次号").format(id=earlier.client_batch_id, batch=earlier.pk),
                       field="batch_id", code="batch_id_reused")
    earlier.replayed = True
    return earlier


def batch_state(batch: TradeBatch | dict) -> str:
    """The canonical state of a batch as the change log keeps it."""
    get = batch.get if isinstance(batch, dict) else lambda k: getattr(batch, k)
    return state_text({k: get(k) for k in STATE_FIELDS})


def iter_states() -> Iterator[tuple[int, str]]:
    """Every batch's current state, for verification of the change log."""
    for row in TradeBatch.objects.order_by("id").values("id", *STATE_FIELDS).iterator(chunk_size=5000):
        yield row["id"], batch_state(row)


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
