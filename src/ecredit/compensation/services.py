"""Protection funds (消费者权益保证金): agreeing the terms, deposits and withdrawals; reading funds, ledgers, claims.

The claim procedure is in flows.py; the ledger in ledger.py; the supervision figures in figures.py.
"""

from __future__ import annotations

import datetime as dt
from typing import Any, Iterator

from django.conf import settings
from django.db.models import QuerySet, Sum
from django.utils import timezone
from django.utils.translation import gettext as _

from ecredit import policy
from ecredit.access.models import Organisation, OrganisationKind
from ecredit.audit.services import Actor, ChainWriter, logged_write, record_access, state_text
from ecredit.kit import crypto
from ecredit.kit.errors import Conflict, Forbidden, NotFound, ValidationFailed
from ecredit.kit.masking import scrub
from ecredit.registry.models import Subject, SubjectKind

from . import ledger
from .models import Account, ClaimStatus, CompensationClaim, LedgerTransaction, ProtectionFund, TransactionKind

FUND_MODEL = "compensation.protectionfund"
CLAIM_MODEL = "compensation.compensationclaim"
STEP_MODEL = "compensation.claimstep"
FUND_FIELDS = ("platform_id", "organisation_id", "agreement_no", "agreed_on", "agreed_minimum_fen",
               "contribution_terms", "management_terms", "use_terms", "refund_terms", "custodian", "balance_fen")
CLAIM_FIELDS = ("platform_id", "shop_id", "merchant_id", "origin", "source_key", "platform_claim_id", "order_no",
                "complaint_ref", "filed_by_org_id", "consumer_name_masked", "consumer_phone_masked", "basis", "harms",
                "facts", "claimed_fen", "accepted_fen", "status", "filed_digest", "policy_version", "filed_at",
                "decision_due", "decided_at", "decided_by", "rejection_reason", "decision_text", "pay_due",
                "paid_at", "paid_fen", "paid_from_fund_fen", "paid_from_own_fen", "payment_ref",
                "recovery_requested_at", "recovery_due", "recovered_fen", "recovered_to_fund_fen",
                "written_off_fen", "closed_at")
STEP_FIELDS = ("claim_id", "action", "status", "at", "actor", "organisation", "amount_fen", "text",
               "transaction_id")
MAX_FEN = 10**13   # 1,000 亿元: larger is an input error whatever the policy


# ---------------------------------------------------------------------------------------------- state


def _value(value: Any) -> Any:
    if isinstance(value, dt.datetime):
        return value.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")
    if isinstance(value, dt.date):
        return value.isoformat()
    if isinstance(value, (bytes, memoryview)):
        return crypto.sm3_hex(bytes(value))
    return value


def object_state(obj, fields: tuple[str, ...]) -> str:
    """Canonical state of a fund, claim or step (its `fields`) as the change log keeps it."""
    state = {name: _value(getattr(obj, name)) for name in fields}
    if isinstance(obj, CompensationClaim):
        # The consumer's data is in the log only as the digest of its ciphertext, never in clear.
        state["consumer_cipher"] = _value(obj.consumer_cipher)
    return state_text(state)


def save_logged(obj, log: ChainWriter, actor: Actor, action: str, model: str, fields: tuple[str, ...],
                reason: str = "") -> None:
    """Save a fund or claim and append its new state to the change log with the actor, time and reason."""
    obj.updated_at = log.at
    if obj.pk is None:
        obj.save()
    obj.log_seq = log.append(actor, action, model, obj.pk, object_state(obj, fields), reason[:2000])
    obj.save()


def _states(queryset: QuerySet, fields: tuple[str, ...]) -> Iterator[tuple[int, str]]:
    for obj in queryset.order_by("id").iterator(chunk_size=2000):
        yield obj.pk, object_state(obj, fields)


def iter_fund_states() -> Iterator[tuple[int, str]]:
    """(id, state) of every fund, for `ecredit verify-log`."""
    return _states(ProtectionFund.objects.all(), FUND_FIELDS)


def iter_claim_states() -> Iterator[tuple[int, str]]:
    """(id, state) of every claim, for `ecredit verify-log`."""
    return _states(CompensationClaim.objects.all(), CLAIM_FIELDS)


def iter_step_states() -> Iterator[tuple[int, str]]:
    """(id, state) of every claim step, for `ecredit verify-log`."""
    from .models import ClaimStep

    return _states(ClaimStep.objects.all(), STEP_FIELDS)


# ---------------------------------------------------------------------------------------------- input


def amount(value: Any, field: str, *, allow_zero: bool = False) -> int:
    """A positive whole number of fen, or ValidationFailed naming the field."""
    if isinstance(value, bool) or not isinstance(value, int):
        raise ValidationFailed(_("{field} 应为以分为单位的整数金额").format(field=field), field=field, code="bad_amount")
    if value < 0 or (value == 0 and not allow_zero) or value > MAX_FEN:
        raise ValidationFailed(_("{field} 应为大于零的金额（分）").format(field=field), field=field, code="bad_amount")
    return value


def text(value: Any, field: str, minimum: int = 2, maximum: int = 4000) -> str:
    """Stripped text of at least `minimum` characters (cut at `maximum`), or ValidationFailed naming the field."""
    value = str(value or "").strip()
    if len(value) < minimum:
        raise ValidationFailed(_("请填写{field}（至少{n}个字）").format(field=field, n=minimum), field=field,
                               code="required")
    return value[:maximum]


def reference(value: Any, field: str = "reference") -> str:
    """A platform's payment reference: up to 64 visible characters, or empty."""
    value = str(value or "").strip()
    if len(value) > 64 or any(c.isspace() for c in value):
        raise ValidationFailed(_("流水号应为不含空格的64个字符以内"), field=field, code="bad_reference")
    return value


def yuan(fen: int | None) -> str:
    """Fen as yuan with two decimals and thousands separators (¥1,234.50), for people to read."""
    if fen is None:
        return "—"
    sign = "-" if fen < 0 else ""
    whole, cents = divmod(abs(int(fen)), 100)
    return f"{sign}¥{whole:,}.{cents:02d}"


def money(fen: int) -> str:
    """An amount for an error message: yuan for the console, fen for the API caller (¥150.50，即 15050 分)."""
    return _("{yuan}，即 {fen} 分").format(yuan=yuan(fen), fen=fen)


def working_day_deadline(start: dt.date, days: int) -> dt.date:
    """`days` working days after `start` on the policy's calendar."""
    return policy.current().calendar.add_working_days(start, days).due


# ---------------------------------------------------------------------------------------------- platforms


def platform_of(principal) -> Subject:
    """The platform subject the principal acts for (a platform organisation registered by its USCC)."""
    principal.require("compensation.pay")
    if principal.organisation_kind != OrganisationKind.PLATFORM:
        raise Forbidden(_("只有电子商务平台可以办理先行赔付"))
    uscc = Organisation.objects.filter(pk=principal.organisation_id).values_list("uscc", flat=True).first()
    platform = Subject.objects.filter(kind=SubjectKind.ORGANISATION, uscc=uscc).first() if uscc else None
    if platform is None:
        raise Forbidden(_("本单位未登记为电子商务平台"), code="platform_unregistered")
    return platform


def may_view(principal) -> bool:
    """True for those who see compensation: departments (compensation.view) and platforms (their own)."""
    return principal.can("compensation.view") or principal.can("compensation.pay") or principal.city_wide


def require_view(principal) -> None:
    """Forbidden unless the principal sees compensation at all."""
    if not may_view(principal):
        principal.require("compensation.view")


def visible_platform(principal, platform_id: int | None) -> Subject:
    """The platform whose fund or figures are asked for: a platform's own (it may omit the id); any platform for
    departments. Another platform's id is NotFound for a platform."""
    require_view(principal)
    if principal.can("compensation.pay") and principal.organisation_kind == OrganisationKind.PLATFORM:
        own = platform_of(principal)
        if platform_id not in (None, own.pk):
            raise NotFound(_("平台不存在"))
        return own
    if platform_id is None:
        raise ValidationFailed(_("请指定平台（platform_id）"), field="platform_id", code="required")
    platform = Subject.objects.filter(pk=platform_id, kind=SubjectKind.ORGANISATION).first()
    if platform is None:
        raise NotFound(_("平台不存在"))
    return platform


# ---------------------------------------------------------------------------------------------- funds


def required_minimum(fund: ProtectionFund | None, on: dt.date | None = None) -> int:
    """The balance below which a platform is flagged: the policy's floor or the agreed minimum, the higher."""
    rule = policy.current().compensation.fund_on(on or timezone.localdate())
    return max(rule.minimum_balance_fen, fund.agreed_minimum_fen if fund else 0)


def reserved_fen(platform_id: int) -> int:
    """What accepted, unpaid claims of the platform keep reserved in its fund."""
    return int(CompensationClaim.objects.filter(platform_id=platform_id, status=ClaimStatus.ACCEPTED)
               .aggregate(n=Sum("accepted_fen"))["n"] or 0)


def locked_fund(platform_id: int) -> ProtectionFund | None:
    """The platform's fund, locked for the rest of the transaction (None if it has none)."""
    return ProtectionFund.objects.select_for_update().filter(platform_id=platform_id).first()


@logged_write
def agree_fund(principal, *, agreement_no: str, agreed_on: dt.date, agreed_minimum_fen: int,
               contribution_terms: str, management_terms: str, use_terms: str, refund_terms: str, custodian: str = "",
               now: dt.datetime | None = None) -> ProtectionFund:
    """Set up the platform's fund, or record its agreement's new terms (电子商务法第五十八条: amount, management,
    use and refund must be agreed clearly)."""
    platform = platform_of(principal)
    fund = locked_fund(platform.pk)
    created = fund is None
    now = now or timezone.now()
    if created:
        fund = ProtectionFund(platform=platform, organisation_id=principal.organisation_id, created_at=now)
    before = None if created else object_state(fund, FUND_FIELDS)
    fund.agreement_no = text(agreement_no, "agreement_no", 1, 64)
    if not isinstance(agreed_on, dt.date) or agreed_on > timezone.localdate(now):
        raise ValidationFailed(_("协议签订日期不能晚于今天"), field="agreed_on", code="bad_date")
    fund.agreed_on = agreed_on
    fund.agreed_minimum_fen = amount(agreed_minimum_fen, "agreed_minimum_fen", allow_zero=True)
    fund.contribution_terms = text(contribution_terms, "contribution_terms", 4)
    fund.management_terms = text(management_terms, "management_terms", 4)
    fund.use_terms = text(use_terms, "use_terms", 4)
    fund.refund_terms = text(refund_terms, "refund_terms", 4)
    fund.custodian = str(custodian or "").strip()[:200]
    if before == object_state(fund, FUND_FIELDS):
        return fund                          # the same terms sent again: nothing to record
    with ChainWriter(now) as log:
        save_logged(fund, log, principal.actor, "establish" if created else "amend_terms", FUND_MODEL, FUND_FIELDS,
                    fund.agreement_no)
    return fund


def same_again(platform_id: int, kind: str, ref: str, amount_fen: int, account: str = Account.FUND
               ) -> LedgerTransaction | None:
    """The transaction already posted under this reference (idempotent re-sending), or None. The same reference
    with another amount is a conflict."""
    if not ref:
        return None
    txn = LedgerTransaction.objects.filter(platform_id=platform_id, kind=kind, reference=ref).first()
    if txn is None:
        return None
    posted = int(txn.postings.filter(account=account).aggregate(n=Sum("amount_fen"))["n"] or 0)
    if abs(posted) != amount_fen:
        raise Conflict(_("流水号 {ref} 已用于另一笔金额").format(ref=ref), field="reference", code="reference_reused")
    return txn


@logged_write
def deposit(principal, *, amount_fen: int, reference_no: str, memo: str = "", contributor_uscc: str = "",
            now: dt.datetime | None = None) -> tuple[LedgerTransaction, bool]:
    """Pay money into the platform's fund (by the platform, or collected from a merchant under the agreement).
    Re-sending the same reference is the same deposit."""
    platform = platform_of(principal)
    amount_fen = amount(amount_fen, "amount_fen")
    ref = reference(reference_no, "reference")
    if not ref:
        raise ValidationFailed(_("请填写缴存流水号"), field="reference", code="required")
    fund = locked_fund(platform.pk)
    if fund is None:
        raise Conflict(_("尚未登记消费者权益保证金协议，请先登记协议"), code="no_fund")
    again = same_again(platform.pk, TransactionKind.DEPOSIT, ref, amount_fen)
    if again is not None:
        return again, False
    note = str(memo or "").strip()[:300]
    if contributor_uscc:
        from ecredit.registry.services import validated_uscc

        contributed_by = _("商家缴存")
        note = f"{contributed_by} {validated_uscc(contributor_uscc, 'contributor_uscc')} {note}".strip()
    with ChainWriter(now) as log:
        txn = ledger.post(log, principal.actor, platform_id=platform.pk, kind=TransactionKind.DEPOSIT,
                          lines=[(Account.FUND, amount_fen), (Account.CONTRIBUTIONS, -amount_fen)],
                          reference=ref, memo=note)
        fund.balance_fen += amount_fen
        save_logged(fund, log, principal.actor, "deposit", FUND_MODEL, FUND_FIELDS, f"{ref} +{amount_fen}")
    return txn, True


@logged_write
def withdraw(principal, *, amount_fen: int, reference_no: str, reason: str,
             now: dt.datetime | None = None) -> tuple[LedgerTransaction, bool]:
    """Take money out of the fund under the agreement's refund terms: never below the agreed minimum plus what
    accepted, unpaid claims keep reserved."""
    platform = platform_of(principal)
    amount_fen = amount(amount_fen, "amount_fen")
    ref = reference(reference_no, "reference")
    if not ref:
        raise ValidationFailed(_("请填写退还流水号"), field="reference", code="required")
    reason = text(reason, "reason", 4, 500)
    fund = locked_fund(platform.pk)
    if fund is None:
        raise Conflict(_("尚未登记消费者权益保证金协议"), code="no_fund")
    again = same_again(platform.pk, TransactionKind.WITHDRAWAL, ref, amount_fen)
    if again is not None:
        return again, False
    rule = policy.current().compensation.fund_on(timezone.localdate(now or timezone.now()))
    keep = fund.agreed_minimum_fen + (reserved_fen(platform.pk) if rule.reserve_accepted_claims else 0)
    if fund.balance_fen - amount_fen < keep:
        raise Conflict(_("退还后余额将低于协议约定的最低余额与待赔付金额之和（{keep}），最多可退还 {most}")
                       .format(keep=money(keep), most=money(max(0, fund.balance_fen - keep))), field="amount_fen",
                       code="below_agreed_minimum")
    with ChainWriter(now) as log:
        txn = ledger.post(log, principal.actor, platform_id=platform.pk, kind=TransactionKind.WITHDRAWAL,
                          lines=[(Account.FUND, -amount_fen), (Account.CONTRIBUTIONS, amount_fen)],
                          reference=ref, memo=reason)
        fund.balance_fen -= amount_fen
        save_logged(fund, log, principal.actor, "withdraw", FUND_MODEL, FUND_FIELDS,
                    f"{ref} -{amount_fen}: {reason}")
    return txn, True


def fund_view(principal, platform_id: int | None = None) -> dict[str, Any]:
    """A platform's fund as its owner and the departments see it: terms, balance, reserved, minimum, flag."""
    platform = visible_platform(principal, platform_id)
    fund = ProtectionFund.objects.filter(platform=platform).first()
    minimum = required_minimum(fund)
    balance = fund.balance_fen if fund else 0
    return {"platform_id": platform.pk, "platform_name": platform.name, "established": fund is not None,
            "fund": fund, "balance_fen": balance, "reserved_fen": reserved_fen(platform.pk),
            "required_minimum_fen": minimum, "below_minimum": balance < minimum,
            "accounts": ledger.balances(platform_id=platform.pk)}


def ledger_of(principal, platform_id: int | None = None, limit: int = 200) -> list[LedgerTransaction]:
    """The platform's ledger transactions, newest first, with their postings."""
    platform = visible_platform(principal, platform_id)
    return list(LedgerTransaction.objects.filter(platform=platform).prefetch_related("postings")
                .order_by("-at", "-id")[:max(1, min(limit, 1000))])


# ---------------------------------------------------------------------------------------------- claims (reading)


def claims(principal, *, status: str | None = None, platform_id: int | None = None,
           overdue_on: dt.date | None = None) -> QuerySet:
    """Claims the principal may see, newest first; by status (or 'open'), platform, or overdue on a day."""
    require_view(principal)
    found = CompensationClaim.objects.visible_to(principal).select_related("platform", "shop", "merchant")
    if status == "open":
        from .models import CLOSED

        found = found.exclude(status__in=CLOSED)
    elif status:
        found = found.filter(status=status)
    if platform_id:
        found = found.filter(platform_id=platform_id)
    if overdue_on:
        found = found.overdue(overdue_on)
    return found


def claim_for(claim_id: int, principal, lock: bool = False) -> CompensationClaim:
    """The claim if the principal may see it; NotFound otherwise (another platform's claim does not exist)."""
    require_view(principal)
    found = CompensationClaim.objects.visible_to(principal).filter(pk=claim_id)
    if lock:
        found = found.select_for_update(of=("self",))
    claim = found.select_related("platform", "shop", "merchant", "filed_by_org").first()
    if claim is None:
        raise NotFound(_("先行赔付申请不存在"))
    return claim


def consumer_contact(claim: CompensationClaim, principal, purpose: str, channel: str) -> dict[str, str]:
    """The consumer's name and phone in clear, for the platform handling the claim or an officer who may see
    identities; logged with its purpose. Anyone else gets the masked values."""
    own = principal.can("compensation.pay") and principal.organisation_kind == OrganisationKind.PLATFORM
    if not (own or (principal.can("compensation.view") and principal.can("subject.read_identity"))):
        return {"name": claim.consumer_name_masked, "phone": claim.consumer_phone_masked, "masked": True}
    if not (purpose or "").strip():
        raise ValidationFailed(_("查看消费者联系方式须说明用途"), field="purpose", code="required")
    import orjson

    clear = orjson.loads(crypto.decrypt(settings.KEYS.data_key, claim.consumer_cipher, consumer_aad(claim)))
    record_access(principal.actor, claim.merchant_id or claim.platform_id, f"compensation_consumer:{claim.pk}",
                  purpose, channel)
    return {"name": clear.get("name", ""), "phone": clear.get("phone", ""), "masked": False}


def consumer_aad(claim: CompensationClaim) -> bytes:
    """Associated data binding the consumer's ciphertext to its claim (a cipher moved to another row fails)."""
    return f"compensation:{claim.platform_id}:{claim.source_key}".encode()


def readable(text: str, principal) -> str:
    """A claim's free text (its facts, a step's note) as `principal` may read it: in full for the platform that
    handles the claim (it took them from the consumer) and for those who may see identities; for other officers,
    resident IDs and mobile numbers in the text are masked, as in record summaries."""
    # A platform reaches only its own claims (claim_for), so a platform reading this one handles it.
    if principal.can("subject.read_identity") or principal.organisation_kind == OrganisationKind.PLATFORM:
        return text
    current = policy.current()
    return scrub(text, current.mask_pattern("resident_id"), current.mask_pattern("phone"))


def facts_for(claim: CompensationClaim, principal) -> str:
    """The claim's facts as `principal` may read them (see `readable`)."""
    return readable(claim.facts, principal)
