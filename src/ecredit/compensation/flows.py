"""The claim procedure: filed → accepted / rejected → paid → recovery requested → recovered, partly recovered or
written off.

Each step is one transaction: it locks the change log, then the platform's fund, then the claim (always in this
order, so two steps never deadlock), checks the claim's status and amounts, posts the ledger transaction, and
writes the claim, a ClaimStep and their change-log entries. Deadlines are working days (compensation.yaml) on the
policy's calendar. Two payouts at once cannot both see the money or the unpaid claim: the second waits for the
locks and then finds the fund lower or the claim paid.
"""

from __future__ import annotations

import datetime as dt
import re
from typing import Any

import orjson
from django.conf import settings
from django.utils import timezone
from django.utils.translation import gettext as _

from ecredit import policy
from ecredit.access.models import OrganisationKind
from ecredit.audit.services import Actor, ChainWriter, logged_write
from ecredit.kit import crypto
from ecredit.kit.canonical import canonical_json
from ecredit.kit.errors import Conflict, Forbidden, ValidationFailed
from ecredit.registry import services as registry
from ecredit.registry.models import Subject, SubjectKind

from . import ledger
from .models import (RECOVERING, Account, ClaimOrigin, ClaimStatus, ClaimStep, CompensationClaim,
                     LedgerTransaction, TransactionKind)
from .services import (CLAIM_FIELDS, CLAIM_MODEL, FUND_FIELDS, FUND_MODEL, STEP_FIELDS, STEP_MODEL, amount,
                       claim_for, consumer_aad, locked_fund, object_state, platform_of, reference, same_again,
                       money, save_logged, text, working_day_deadline, yuan)

PHONE = re.compile(r"^(?:\+?86)?(1[3-9]\d{9}|0\d{2,3}-?\d{7,8})$")
PAY_SOURCES = ("auto", "fund", "own")
# A department's claim is keyed by its complaint's number after this prefix; a platform's by its own id.
COMPLAINT_KEY = "complaint:"


def _require_status(claim: CompensationClaim, *allowed: str) -> None:
    if claim.status not in allowed:
        raise Conflict(_("当前状态（{status}）不能办理此步骤").format(status=claim.get_status_display()),
                       code="wrong_status")


def _step(claim: CompensationClaim, log: ChainWriter, actor: Actor, action: str, note: str = "",
          amount_fen: int | None = None, txn=None) -> None:
    """Save the claim and write the step, both into the change log."""
    save_logged(claim, log, actor, action, CLAIM_MODEL, CLAIM_FIELDS, note)
    step = ClaimStep.objects.create(claim=claim, action=action, status=claim.status, at=log.at, actor=actor.label,
                                    organisation=actor.organisation, amount_fen=amount_fen, text=note[:4000],
                                    transaction=txn)
    log.append(actor, action, STEP_MODEL, step.pk, object_state(step, STEP_FIELDS), note[:2000])


def _own_claim(claim_id: int, principal) -> CompensationClaim:
    """The claim, locked, if it is against the principal's own platform (the only one that may act on it)."""
    platform = platform_of(principal)
    claim = claim_for(claim_id, principal, lock=True)
    if claim.platform_id != platform.pk:  # visible_to already hides others' claims; said again for clarity
        raise Forbidden(_("只能办理本平台的先行赔付申请"))
    return claim


def _posted_before(claim: CompensationClaim, kind: str, ref: str, amount_fen: int | None = None,
                   account: str = Account.FUND) -> bool:
    """True when this claim already has the `kind` transaction with the platform's reference `ref` (the same
    step sent again); Conflict when the reference was used for another claim (or, with `amount_fen`, another
    amount). A reference is unique per platform and kind, so without this check the second use would fail
    in the database instead of telling the caller why."""
    if not ref:
        return False
    earlier = LedgerTransaction.objects.filter(platform_id=claim.platform_id, kind=kind,
                                               reference=ref).first()
    if earlier is None:
        return False
    if earlier.claim_id != claim.pk:
        raise Conflict(_("流水号 {ref} 已用于另一先行赔付申请").format(ref=ref), field="reference",
                       code="reference_reused")
    if amount_fen is not None:
        same_again(claim.platform_id, kind, ref, amount_fen, account)   # Conflict for another amount
    return True


def _coded(kind: str, code: str, field: str, on: dt.date):
    rule = policy.current().compensation.named(kind, code, on)
    if rule is None:
        known = "、".join(getattr(policy.current().compensation, kind))
        raise ValidationFailed(_("{field} 应为以下之一：{known}").format(field=field, known=known), field=field,
                               code="unknown_code")
    return rule


# ---------------------------------------------------------------------------------------------- filing


def _platform_for_filing(principal, platform_uscc: str) -> tuple[Subject, str]:
    """The platform the claim is against, and the claim's origin: a platform files against itself; a department
    forwarding a complaint names the platform by its USCC."""
    if principal.can("compensation.pay") and principal.organisation_kind == OrganisationKind.PLATFORM:
        return platform_of(principal), ClaimOrigin.PLATFORM
    if principal.can("complaint.handle") and principal.organisation_kind in (OrganisationKind.DEPARTMENT,
                                                                             OrganisationKind.CREDIT_OFFICE):
        code = registry.validated_uscc(platform_uscc, "platform_uscc")
        platform = Subject.objects.filter(kind=SubjectKind.ORGANISATION, uscc=code).first()
        if platform is None or not platform.roles.filter(role="platform").exists():
            raise ValidationFailed(_("统一社会信用代码 {code} 未登记为电子商务平台").format(code=code),
                                   field="platform_uscc", code="unknown_platform")
        return platform, ClaimOrigin.DEPARTMENT
    raise Forbidden(_("只有平台或办理投诉的部门可以提出先行赔付申请"), code="forbidden")


def _parties(platform: Subject, shop_id: str, merchant_uscc: str, actor: Actor, log: ChainWriter
             ) -> tuple[Subject | None, Subject | None]:
    """The shop (a shop of this platform, registered unverified if first seen) and the merchant running it."""
    refs = []
    if shop_id:
        refs.append(registry.SubjectRef(SubjectKind.SHOP, shop_id, "", platform.uscc))
    if merchant_uscc:
        refs.append(registry.SubjectRef(SubjectKind.ORGANISATION, merchant_uscc))
    found = registry.resolve(refs, actor, log) if refs else {}
    for value in found.values():
        if isinstance(value, ValidationFailed):
            raise value
    shop = Subject.objects.get(pk=found[refs[0].lookup]) if shop_id else None
    if merchant_uscc:
        return shop, Subject.objects.get(pk=found[refs[-1].lookup])
    merchant = shop.operator if shop else None
    return shop, merchant


@logged_write
def file_claim(principal, *, claim_id: str = "", platform_uscc: str = "", shop_id: str = "",
               merchant_uscc: str = "", order_no: str = "", complaint_ref: str = "", consumer_name: str = "", consumer_phone: str = "",
               amount_fen: int, basis: str, harms: list[str], facts: str,
               now: dt.datetime | None = None) -> tuple[CompensationClaim, bool]:
    """File a consumer's claim (the platform on the consumer's behalf, or a department forwarding a complaint).
    Returns the claim and whether it is new: the same claim id (the complaint reference, for a department) sent
    again with the same content is the same claim; with other content it is refused."""
    now = now or timezone.now()
    today = timezone.localdate(now)
    platform, origin = _platform_for_filing(principal, platform_uscc)
    rules = policy.current().compensation
    procedure = rules.procedure_on(today)
    claim_id, complaint_ref = str(claim_id or "").strip(), str(complaint_ref or "").strip()
    if origin == ClaimOrigin.PLATFORM:
        claim_id = text(claim_id, "claim_id", 1, 64)
        if claim_id.startswith(COMPLAINT_KEY):   # the keys of claims forwarded from complaints
            raise ValidationFailed(_("申请编号不能以“{prefix}”开头").format(prefix=COMPLAINT_KEY), field="claim_id",
                                   code="bad_claim_id")
        key = claim_id
    else:
        complaint_ref = text(complaint_ref, "complaint_ref", 1, 64)
        key = f"{COMPLAINT_KEY}{complaint_ref}"
    amount_fen = amount(amount_fen, "amount_fen")
    if amount_fen > procedure.max_claim_fen:
        raise ValidationFailed(_("请求金额超过 {most} 分，请核对金额单位（分）").format(most=procedure.max_claim_fen),
                               field="amount_fen", code="too_large")
    _coded("bases", basis, "basis", today)
    if not isinstance(harms, list) or not harms:
        raise ValidationFailed(_("请至少选择一种损害类型"), field="harms", code="required")
    harms = sorted({str(h) for h in harms})
    for harm in harms:
        _coded("harms", harm, "harms", today)
    facts = text(facts, "facts", 5)
    name = str(consumer_name or "").strip()[:64]
    phone = re.sub(r"[\s()]", "", str(consumer_phone or ""))
    if not PHONE.match(phone):
        raise ValidationFailed(_("消费者联系电话格式不正确"), field="consumer_phone", code="bad_phone")
    shop_id, merchant_uscc = str(shop_id or "").strip()[:64], str(merchant_uscc or "").strip()
    if merchant_uscc:
        merchant_uscc = registry.validated_uscc(merchant_uscc, "merchant_uscc")
    order_no = str(order_no or "").strip()[:64]
    content = {"platform": platform.pk, "key": key, "shop_id": shop_id, "merchant_uscc": merchant_uscc,
               "order_no": order_no, "complaint_ref": complaint_ref, "amount_fen": amount_fen, "basis": basis,
               "harms": harms, "facts": facts,
               "consumer": crypto.keyed_hash(settings.KEYS.lookup_key, f"{name}\n{phone}")}
    digest = crypto.sm3_hex(canonical_json(content))
    existing = CompensationClaim.objects.filter(platform=platform, source_key=key).first()
    if existing is not None:
        if existing.filed_digest != digest:
            raise Conflict(_("申请编号 {key} 已用于内容不同的另一申请").format(key=claim_id or complaint_ref),
                           field="claim_id" if origin == ClaimOrigin.PLATFORM else "complaint_ref",
                           code="claim_id_reused")
        return existing, False
    mask = policy.current().mask
    claim = CompensationClaim(
        platform=platform, origin=origin, source_key=key, platform_claim_id=claim_id, order_no=order_no,
        complaint_ref=complaint_ref, filed_by_org_id=principal.organisation_id,
        consumer_name_masked=mask("person_name", name) if name else "", consumer_phone_masked=mask("phone", phone),
        basis=basis, harms=harms, facts=facts, claimed_fen=amount_fen, filed_digest=digest,
        policy_version=policy.current().version, filed_at=now,
        decision_due=working_day_deadline(today, procedure.decide_working_days))
    contact = orjson.dumps({"name": name, "phone": phone}).decode()
    claim.consumer_cipher = crypto.encrypt(settings.KEYS.data_key, contact, consumer_aad(claim))
    with ChainWriter(now) as log:
        claim.shop, claim.merchant = _parties(platform, shop_id, merchant_uscc, principal.actor, log)
        _step(claim, log, principal.actor, "file", facts, amount_fen)
    return claim, True


# ---------------------------------------------------------------------------------------------- decision


@logged_write
def accept(claim_id: int, principal, *, amount_fen: int | None = None, note: str = "",
           now: dt.datetime | None = None) -> CompensationClaim:
    """The platform agrees to compensate (all that was claimed, or less): the amount becomes payable to the
    consumer and the payment deadline starts."""
    claim = _own_claim(claim_id, principal)
    _require_status(claim, ClaimStatus.FILED)
    agreed = claim.claimed_fen if amount_fen is None else amount(amount_fen, "amount_fen")
    if agreed > claim.claimed_fen:
        raise ValidationFailed(_("同意金额不能超过请求金额（{claimed}）").format(claimed=money(claim.claimed_fen)),
                               field="amount_fen", code="over_claim")
    now = now or timezone.now()
    procedure = policy.current().compensation.procedure_on(timezone.localdate(now))
    claim.status, claim.accepted_fen, claim.decided_at, claim.decided_by = ClaimStatus.ACCEPTED, agreed, now, \
        principal.label
    claim.decision_text = str(note or "").strip()[:4000]
    claim.pay_due = working_day_deadline(timezone.localdate(now), procedure.pay_working_days)
    with ChainWriter(now) as log:
        txn = ledger.post(log, principal.actor, platform_id=claim.platform_id, kind=TransactionKind.ACCEPTANCE,
                          claim=claim,
                          lines=[(Account.COMPENSATION, agreed), (Account.CONSUMER_PAYABLE, -agreed)],
                          memo=f"claim {claim.pk} accepted")
        _step(claim, log, principal.actor, "accept", claim.decision_text, agreed, txn)
    return claim


@logged_write
def reject(claim_id: int, principal, *, reason: str, note: str,
           now: dt.datetime | None = None) -> CompensationClaim:
    """The platform refuses the claim, with one of the policy's reasons and its own explanation."""
    claim = _own_claim(claim_id, principal)
    _require_status(claim, ClaimStatus.FILED)
    now = now or timezone.now()
    _coded("rejection_reasons", reason, "reason", timezone.localdate(now))
    claim.status, claim.rejection_reason = ClaimStatus.REJECTED, reason
    claim.decision_text = text(note, "note", 5)
    claim.decided_at = claim.closed_at = now
    claim.decided_by = principal.label
    with ChainWriter(now) as log:
        _step(claim, log, principal.actor, "reject", f"{reason}: {claim.decision_text}")
    return claim


# ---------------------------------------------------------------------------------------------- payment


@logged_write
def pay(claim_id: int, principal, *, source: str = "auto", amount_fen: int | None = None, reference_no: str = "",
        now: dt.datetime | None = None) -> CompensationClaim:
    """Pay the consumer the accepted amount, in full: from the fund (`fund`), from the platform's own money
    (`own`), or the fund as far as it goes and the rest from own money (`auto`). The payment becomes the
    merchant's debt to the platform (消费者权益保护法第四十四条: 赔偿后有权追偿). The same payment reference sent
    again is the same payment."""
    if source not in PAY_SOURCES:
        raise ValidationFailed(_("支付来源应为 auto、fund 或 own"), field="source", code="bad_source")
    platform = platform_of(principal)
    fund = locked_fund(platform.pk)          # the fund before the claim: the lock order of every money step
    claim = _own_claim(claim_id, principal)
    ref = reference(reference_no, "reference")
    if _posted_before(claim, TransactionKind.PAYOUT, ref):
        return claim                         # the same payment sent again
    if claim.status in RECOVERING or claim.status in (ClaimStatus.RECOVERED, ClaimStatus.WRITTEN_OFF):
        raise Conflict(_("该申请已赔付，不能重复赔付"), code="already_paid")
    _require_status(claim, ClaimStatus.ACCEPTED)
    due = claim.accepted_fen - claim.paid_fen
    if amount_fen is not None:
        amount_fen = amount(amount_fen, "amount_fen")
        if amount_fen > due:
            raise Conflict(_("赔付金额超过同意金额（{due}）").format(due=money(due)), field="amount_fen",
                           code="over_payment")
        if amount_fen < due:
            raise ValidationFailed(_("应一次足额赔付同意金额（{due}）；如只赔部分，请按较低金额同意").format(due=money(due)),
                                   field="amount_fen", code="partial_payment")
    now = now or timezone.now()
    rule = policy.current().compensation.fund_on(timezone.localdate(now))
    balance = fund.balance_fen if fund else 0
    if source == "own":
        from_fund = 0
    elif fund is None:
        if source == "fund":
            raise Conflict(_("本平台尚未设立消费者权益保证金"), code="no_fund")
        from_fund = 0
    elif source == "fund":
        if balance < due and not rule.allow_overdraft:
            raise Conflict(_("保证金余额（{balance}）不足以支付 {due}").format(balance=yuan(balance), due=yuan(due)),
                           field="source", code="fund_short")
        from_fund = due
    else:
        from_fund = due if rule.allow_overdraft else max(0, min(balance, due))
    from_own = due - from_fund
    claim.status, claim.paid_at, claim.payment_ref = ClaimStatus.PAID, now, ref
    claim.paid_fen += due
    claim.paid_from_fund_fen += from_fund
    claim.paid_from_own_fen += from_own
    with ChainWriter(now) as log:
        txn = ledger.post(log, principal.actor, platform_id=claim.platform_id, kind=TransactionKind.PAYOUT,
                          claim=claim,
                          lines=[(Account.CONSUMER_PAYABLE, due), (Account.FUND, -from_fund),
                                 (Account.PLATFORM_OWN, -from_own),
                                 (Account.MERCHANT_RECEIVABLE, due), (Account.COMPENSATION, -due)],
                          reference=ref, memo=f"claim {claim.pk}: fund {from_fund}, own {from_own}")
        if from_fund:
            fund.balance_fen -= from_fund
            save_logged(fund, log, principal.actor, "payout", FUND_MODEL, FUND_FIELDS,
                        f"claim {claim.pk} -{from_fund}")
        note = _("保证金支付 {f}，平台自有资金 {o}").format(f=yuan(from_fund), o=yuan(from_own))
        _step(claim, log, principal.actor, "pay", note, due, txn)
    return claim


# ---------------------------------------------------------------------------------------------- recovery


@logged_write
def demand_recovery(claim_id: int, principal, *, note: str = "",
                    now: dt.datetime | None = None) -> CompensationClaim:
    """Demand that the merchant repay what the platform paid; the merchant's repayment deadline starts."""
    claim = _own_claim(claim_id, principal)
    _require_status(claim, ClaimStatus.PAID)
    now = now or timezone.now()
    today = timezone.localdate(now)
    basis = _coded("bases", claim.basis, "basis", today)
    if not basis.recoverable:
        raise Conflict(_("该赔付依据下平台无权向商家追偿，可核销"), code="not_recoverable")
    if claim.merchant_id is None and claim.shop_id is None:
        raise Conflict(_("未能确定平台内经营者，无法追偿，可核销"), code="no_merchant")
    procedure = policy.current().compensation.procedure_on(today)
    claim.status, claim.recovery_requested_at = ClaimStatus.RECOVERY_REQUESTED, now
    claim.recovery_due = working_day_deadline(today, procedure.repay_working_days)
    with ChainWriter(now) as log:
        _step(claim, log, principal.actor, "demand_recovery", str(note or "").strip(), claim.outstanding_fen)
    return claim


@logged_write
def record_recovery(claim_id: int, principal, *, amount_fen: int, reference_no: str = "", note: str = "",
                    now: dt.datetime | None = None) -> CompensationClaim:
    """Record money the merchant repaid (all or part). It refills the fund first, up to what the fund paid (or
    the platform first, as compensation.yaml says). The same reference sent again is the same repayment."""
    platform = platform_of(principal)
    fund = locked_fund(platform.pk)
    claim = _own_claim(claim_id, principal)
    amount_fen = amount(amount_fen, "amount_fen")
    ref = reference(reference_no, "reference")
    if _posted_before(claim, TransactionKind.RECOVERY, ref, amount_fen, Account.MERCHANT_RECEIVABLE):
        return claim                         # the same repayment sent again
    _require_status(claim, *RECOVERING)
    if amount_fen > claim.outstanding_fen:
        raise Conflict(_("追回金额超过未追回金额（{left}）").format(left=money(claim.outstanding_fen)), field="amount_fen",
                       code="over_recovery")
    now = now or timezone.now()
    rule = policy.current().compensation.fund_on(timezone.localdate(now))
    fund_gap = claim.paid_from_fund_fen - claim.recovered_to_fund_fen
    own_gap = claim.paid_from_own_fen - (claim.recovered_fen - claim.recovered_to_fund_fen)
    if rule.recovery_order == "fund_first":
        to_fund = min(amount_fen, fund_gap)
    else:
        to_fund = max(0, amount_fen - max(0, own_gap))
    to_own = amount_fen - to_fund
    claim.recovered_fen += amount_fen
    claim.recovered_to_fund_fen += to_fund
    done = claim.outstanding_fen == 0
    claim.status = ClaimStatus.RECOVERED if done else ClaimStatus.PARTLY_RECOVERED
    claim.closed_at = now if done else None
    with ChainWriter(now) as log:
        txn = ledger.post(log, principal.actor, platform_id=claim.platform_id, kind=TransactionKind.RECOVERY,
                          claim=claim,
                          lines=[(Account.FUND, to_fund), (Account.PLATFORM_OWN, to_own),
                                 (Account.MERCHANT_RECEIVABLE, -amount_fen)],
                          reference=ref, memo=f"claim {claim.pk}: fund {to_fund}, own {to_own}")
        if to_fund:
            fund.balance_fen += to_fund
            save_logged(fund, log, principal.actor, "recovery", FUND_MODEL, FUND_FIELDS,
                        f"claim {claim.pk} +{to_fund}")
        _step(claim, log, principal.actor, "recover", str(note or "").strip() or ref, amount_fen, txn)
    return claim


@logged_write
def write_off(claim_id: int, principal, *, note: str, now: dt.datetime | None = None) -> CompensationClaim:
    """Give up recovering the rest (merchant gone, not recoverable, time-barred): the platform bears it."""
    claim = _own_claim(claim_id, principal)
    _require_status(claim, *RECOVERING)
    note = text(note, "note", 4)
    left = claim.outstanding_fen
    now = now or timezone.now()
    claim.written_off_fen += left
    claim.status, claim.closed_at = ClaimStatus.WRITTEN_OFF, now
    with ChainWriter(now) as log:
        txn = ledger.post(log, principal.actor, platform_id=claim.platform_id, kind=TransactionKind.WRITE_OFF,
                          claim=claim, lines=[(Account.WRITTEN_OFF, left), (Account.MERCHANT_RECEIVABLE, -left)],
                          memo=f"claim {claim.pk}: {note}"[:500]) if left else None
        _step(claim, log, principal.actor, "write_off", note, left, txn)
    return claim


# ---------------------------------------------------------------------------------------------- deadlines


def deadline_flags(claim: CompensationClaim, today: dt.date | None = None) -> dict[str, Any]:
    """Which deadline applies now, whether it has passed, and whether the receivable is time-barred."""
    today = today or timezone.localdate()
    due = {ClaimStatus.FILED: claim.decision_due, ClaimStatus.ACCEPTED: claim.pay_due,
           ClaimStatus.RECOVERY_REQUESTED: claim.recovery_due,
           ClaimStatus.PARTLY_RECOVERED: claim.recovery_due}.get(claim.status)
    barred = False
    if claim.paid_at and claim.outstanding_fen > 0:
        limitation = policy.current().compensation.procedure_on(today).recovery_limitation
        barred = limitation.after(timezone.localdate(claim.paid_at)) < today
    return {"next_due": due, "overdue": bool(due and today > due), "time_barred": barred}


def paid_on_time(claim: CompensationClaim) -> bool | None:
    """Whether a paid claim was decided and paid within their deadlines (None while unpaid)."""
    if claim.paid_at is None:
        return None
    decided = timezone.localdate(claim.decided_at) if claim.decided_at else None
    return bool(decided and decided <= claim.decision_due and claim.pay_due
                and timezone.localdate(claim.paid_at) <= claim.pay_due)
