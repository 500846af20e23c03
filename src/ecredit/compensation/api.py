"""先行赔付 API: a platform's protection fund and ledger, consumers' claims from filing to recovery, figures.

Platforms (compensation.pay) act on their own fund and claims; departments (compensation.view) read every
platform's, and forward a complaint as a claim (complaint.handle). Amounts are integer fen.
"""

from __future__ import annotations

import datetime as dt

from django.utils import timezone
from ninja import Router, Status

from ecredit import policy

from . import figures, flows, services
from .models import CompensationClaim, LedgerTransaction
from .schemas import (ClaimAcceptIn, ClaimDetailOut, ClaimIn, ClaimOut, ContactOut, DepositIn, FiguresOut, FundOut,
                      FundTermsIn, ClaimNoteIn, PayIn, RecoveryIn, RejectIn, RulesOut, TransactionOut, WithdrawalIn)

router = Router(tags=["compensation"])


def transaction_out(txn: LedgerTransaction) -> dict:
    """A ledger transaction with its postings."""
    return dict(id=txn.pk, kind=txn.kind, claim_id=txn.claim_id, reference=txn.reference, memo=txn.memo, at=txn.at,
                actor=txn.actor, postings=[dict(account=p.account, claim_id=p.claim_id, amount_fen=p.amount_fen)
                                           for p in txn.postings.all()])


def claim_out(claim: CompensationClaim, today: dt.date | None = None) -> dict:
    """A claim as the API lists it (the consumer masked)."""
    flags = flows.deadline_flags(claim, today)
    return dict(id=claim.pk, platform_id=claim.platform_id, platform_name=claim.platform.name,
                shop_id=claim.shop_id, shop_name=claim.shop.name if claim.shop else None, merchant_id=claim.merchant_id,
                merchant_name=claim.merchant.name if claim.merchant else None, origin=claim.origin,
                platform_claim_id=claim.platform_claim_id, order_no=claim.order_no, complaint_ref=claim.complaint_ref,
                consumer_name=claim.consumer_name_masked, consumer_phone=claim.consumer_phone_masked,
                basis=claim.basis, harms=claim.harms, claimed_fen=claim.claimed_fen, accepted_fen=claim.accepted_fen,
                status=claim.status, filed_at=claim.filed_at, decision_due=claim.decision_due,
                decided_at=claim.decided_at, rejection_reason=claim.rejection_reason,
                decision_text=claim.decision_text, pay_due=claim.pay_due, paid_at=claim.paid_at,
                paid_fen=claim.paid_fen, paid_from_fund_fen=claim.paid_from_fund_fen,
                paid_from_own_fen=claim.paid_from_own_fen, recovery_requested_at=claim.recovery_requested_at,
                recovery_due=claim.recovery_due, recovered_fen=claim.recovered_fen,
                written_off_fen=claim.written_off_fen, outstanding_fen=claim.outstanding_fen, **flags)


def _detail(claim_id: int, principal) -> dict:
    claim = services.claim_for(claim_id, principal)
    steps = [dict(action=s.action, status=s.status, at=s.at, actor=s.actor, organisation=s.organisation,
                  amount_fen=s.amount_fen, text=services.readable(s.text, principal))
             for s in claim.steps.order_by("at", "id")]
    txns = [transaction_out(t) for t in claim.transactions.prefetch_related("postings").order_by("at", "id")]
    return dict(claim_out(claim), facts=services.facts_for(claim, principal), steps=steps, transactions=txns)


def _fund_out(view: dict) -> dict:
    fund = view["fund"]
    terms = {} if fund is None else dict(
        agreement_no=fund.agreement_no, agreed_on=fund.agreed_on, agreed_minimum_fen=fund.agreed_minimum_fen,
        contribution_terms=fund.contribution_terms, management_terms=fund.management_terms,
        use_terms=fund.use_terms, refund_terms=fund.refund_terms, custodian=fund.custodian)
    return dict({k: v for k, v in view.items() if k != "fund"}, **terms)


# ---------------------------------------------------------------------------------------------- rules


@router.get("/compensation/rules", response=RulesOut, auth=None,
            summary="Claim bases, harms, rejection reasons, deadlines and fund rules in force, with sources")
def rules(request):
    today = timezone.localdate()
    rules = policy.current().compensation

    def codes(kind: str) -> list[dict]:
        out = []
        for code in getattr(rules, kind):
            rule = rules.named(kind, code, today)
            out.append(dict(code=code, name=rule.name.zh, name_en=rule.name.en, reference=rule.reference,
                            recoverable=getattr(rule, "recoverable", None)))
        return out

    procedure = rules.procedure_on(today)
    return dict(procedure=dict(procedure.model_dump(mode="json", exclude={"recovery_limitation"}),
                               recovery_limitation=str(procedure.recovery_limitation)),
                fund=rules.fund_on(today).model_dump(mode="json"), bases=codes("bases"), harms=codes("harms"),
                rejection_reasons=codes("rejection_reasons"))


# ---------------------------------------------------------------------------------------------- fund


@router.get("/compensation/fund", response=FundOut,
            summary="A platform's protection fund: terms, balance, reserved, minimum and flag")
def fund(request, platform_id: int | None = None):
    return _fund_out(services.fund_view(request.auth, platform_id))


@router.post("/compensation/fund", response=FundOut,
             summary="Record the platform's fund agreement (amount, management, use, refund: 电子商务法第五十八条)")
def agree_fund(request, body: FundTermsIn):
    services.agree_fund(request.auth, **body.dict())
    return _fund_out(services.fund_view(request.auth))


@router.get("/compensation/fund/ledger", response=list[TransactionOut],
            summary="The platform's ledger: every transaction with its balanced postings, newest first")
def fund_ledger(request, platform_id: int | None = None, limit: int = 200):
    return [transaction_out(t) for t in services.ledger_of(request.auth, platform_id, limit)]


@router.post("/compensation/fund/deposits", response={200: TransactionOut, 201: TransactionOut},
             summary="Pay into the fund (idempotent by the platform's reference)")
def deposit(request, body: DepositIn):
    txn, created = services.deposit(request.auth, amount_fen=body.amount_fen, reference_no=body.reference,
                                    memo=body.memo, contributor_uscc=body.contributor_uscc)
    return Status(201 if created else 200, transaction_out(txn))


@router.post("/compensation/fund/withdrawals", response={200: TransactionOut, 201: TransactionOut},
             summary="Take money out under the agreement (never below the agreed minimum plus accepted claims)")
def withdraw(request, body: WithdrawalIn):
    txn, created = services.withdraw(request.auth, amount_fen=body.amount_fen, reference_no=body.reference,
                                     reason=body.reason)
    return Status(201 if created else 200, transaction_out(txn))


# ---------------------------------------------------------------------------------------------- claims


@router.post("/compensation/claims", response={200: ClaimDetailOut, 201: ClaimDetailOut},
             summary="File a consumer's claim (a platform for the consumer; a department forwarding a complaint); "
                     "re-sending the same claim id is idempotent")
def file_claim(request, body: ClaimIn):
    claim, created = flows.file_claim(request.auth, **body.dict())
    return Status(201 if created else 200, _detail(claim.pk, request.auth))


@router.get("/compensation/claims", response=list[ClaimOut], summary="Claims you may see, newest first")
def list_claims(request, status: str | None = None, platform_id: int | None = None, overdue: bool = False,
                limit: int = 100):
    today = timezone.localdate()
    found = services.claims(request.auth, status=status, platform_id=platform_id,
                            overdue_on=today if overdue else None)
    return [claim_out(c, today) for c in found[:max(1, min(limit, 500))]]


@router.get("/compensation/claims/{int:claim_id}", response=ClaimDetailOut,
            summary="A claim with its steps and ledger transactions")
def claim_detail(request, claim_id: int):
    return _detail(claim_id, request.auth)


@router.get("/compensation/claims/{int:claim_id}/consumer", response=ContactOut,
            summary="The consumer's contact in clear (the platform, or an officer who may see identities; logged)")
def consumer(request, claim_id: int, purpose: str = ""):
    claim = services.claim_for(claim_id, request.auth)
    return services.consumer_contact(claim, request.auth, purpose, "api")


@router.post("/compensation/claims/{int:claim_id}/acceptance", response=ClaimDetailOut,
             summary="The platform agrees to compensate (all or less than claimed)")
def accept(request, claim_id: int, body: ClaimAcceptIn):
    flows.accept(claim_id, request.auth, amount_fen=body.amount_fen, note=body.note)
    return _detail(claim_id, request.auth)


@router.post("/compensation/claims/{int:claim_id}/rejection", response=ClaimDetailOut,
             summary="The platform refuses the claim with a reason")
def reject(request, claim_id: int, body: RejectIn):
    flows.reject(claim_id, request.auth, reason=body.reason, note=body.note)
    return _detail(claim_id, request.auth)


@router.post("/compensation/claims/{int:claim_id}/payment", response=ClaimDetailOut,
             summary="Pay the accepted amount from the fund, own money, or both (auto)")
def pay(request, claim_id: int, body: PayIn):
    flows.pay(claim_id, request.auth, source=body.source, amount_fen=body.amount_fen, reference_no=body.reference)
    return _detail(claim_id, request.auth)


@router.post("/compensation/claims/{int:claim_id}/recovery-demand", response=ClaimDetailOut,
             summary="Demand repayment from the merchant (starts its repayment deadline)")
def demand_recovery(request, claim_id: int, body: ClaimNoteIn):
    flows.demand_recovery(claim_id, request.auth, note=body.note)
    return _detail(claim_id, request.auth)


@router.post("/compensation/claims/{int:claim_id}/recoveries", response=ClaimDetailOut,
             summary="Record money the merchant repaid (partial allowed; idempotent by reference)")
def record_recovery(request, claim_id: int, body: RecoveryIn):
    flows.record_recovery(claim_id, request.auth, amount_fen=body.amount_fen, reference_no=body.reference,
                          note=body.note)
    return _detail(claim_id, request.auth)


@router.post("/compensation/claims/{int:claim_id}/write-off", response=ClaimDetailOut,
             summary="Write off what cannot be recovered")
def write_off(request, claim_id: int, body: ClaimNoteIn):
    flows.write_off(claim_id, request.auth, note=body.note)
    return _detail(claim_id, request.auth)


# ---------------------------------------------------------------------------------------------- figures


@router.get("/compensation/figures", response=list[FiguresOut],
            summary="Per platform: claims decided, paid, on time, recovered, outstanding; fund vs minimum")
def platform_figures(request):
    return [f.as_dict() for f in figures.per_platform(request.auth)]
