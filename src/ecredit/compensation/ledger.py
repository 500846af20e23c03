"""The double-entry ledger of funds and claims: posting balanced transactions, reading balances, checking.

Every money step of compensation.services / flows is one `post()`: it refuses postings that do not sum to zero,
writes the transaction and its postings, and appends the transaction's state (with its postings) to the change
log. Balances are sums over postings; the fund's `balance_fen` and a claim's paid / recovered / written-off
amounts are caches that `problems()` compares with the postings.
"""

from __future__ import annotations

import datetime as dt
from typing import Iterator

from django.db.models import Q, Sum

from ecredit.audit.services import Actor, ChainWriter, state_text

from .models import Account, CompensationClaim, LedgerPosting, LedgerTransaction, ProtectionFund, TransactionKind

TRANSACTION_MODEL = "compensation.ledgertransaction"
# Accounts kept per claim: their postings name the claim.
PER_CLAIM = {Account.COMPENSATION, Account.CONSUMER_PAYABLE, Account.MERCHANT_RECEIVABLE, Account.WRITTEN_OFF}


class Unbalanced(AssertionError):
    """Postings that do not sum to zero: a programming error, never a user's."""


def _iso(value: dt.datetime) -> str:
    return value.astimezone(dt.timezone.utc).strftime("%Y-%m-%dT%H:%M:%S.%fZ")


def transaction_state(txn: LedgerTransaction, postings: list[tuple[str, int | None, int]]) -> str:
    """Canonical state of a transaction with its postings (account, claim id, amount), as the log keeps it."""
    return state_text({"platform_id": txn.platform_id, "claim_id": txn.claim_id, "kind": txn.kind,
                       "reference": txn.reference, "memo": txn.memo, "at": _iso(txn.at), "actor": txn.actor,
                       "organisation": txn.organisation,
                       "postings": sorted([a, c, n] for a, c, n in postings)})


def iter_transaction_states() -> Iterator[tuple[int, str]]:
    """(id, state) of every transaction, for `ecredit verify-log`."""
    postings: dict[int, list[tuple[str, int | None, int]]] = {}
    for txn_id, account, claim_id, amount in LedgerPosting.objects.order_by("id").values_list(
            "transaction_id", "account", "claim_id", "amount_fen").iterator(chunk_size=5000):
        postings.setdefault(txn_id, []).append((account, claim_id, amount))
    for txn in LedgerTransaction.objects.order_by("id").iterator(chunk_size=2000):
        yield txn.pk, transaction_state(txn, postings.get(txn.pk, []))


def post(log: ChainWriter, actor: Actor, *, platform_id: int, kind: str, lines: list[tuple[str, int]],
         claim: CompensationClaim | None = None, reference: str = "", memo: str = "") -> LedgerTransaction:
    """Write one balanced transaction: `lines` are (account, signed fen); zero lines are left out. Accounts kept
    per claim carry `claim`. Raises Unbalanced unless the lines sum to zero."""
    lines = [(account, int(amount)) for account, amount in lines if amount]
    if not lines or sum(amount for _, amount in lines) != 0:
        raise Unbalanced(f"{kind}: postings {lines} do not balance")
    txn = LedgerTransaction.objects.create(platform_id=platform_id, claim=claim, kind=kind, reference=reference,
                                           memo=memo[:500], at=log.at, actor=actor.label,
                                           organisation=actor.organisation)
    rows = [(account, claim.pk if claim is not None and account in PER_CLAIM else None, amount)
            for account, amount in lines]
    LedgerPosting.objects.bulk_create(LedgerPosting(transaction=txn, platform_id=platform_id, claim_id=claim_id,
                                                    account=account, amount_fen=amount)
                                      for account, claim_id, amount in rows)
    txn.log_seq = log.append(actor, kind, TRANSACTION_MODEL, txn.pk, transaction_state(txn, rows), memo[:2000])
    txn.save(update_fields=["log_seq"])
    return txn


def balances(platform_id: int | None = None, claim_id: int | None = None) -> dict[str, int]:
    """Balance of each account (every account listed, zero if unused), for a platform or a claim."""
    postings = LedgerPosting.objects.all()
    if platform_id is not None:
        postings = postings.filter(platform_id=platform_id)
    if claim_id is not None:
        postings = postings.filter(Q(claim_id=claim_id) | Q(transaction__claim_id=claim_id))
    out = {account: 0 for account in Account.values}
    for row in postings.values("account").annotate(total=Sum("amount_fen")):
        out[row["account"]] = int(row["total"])
    return out


def _figures(totals: dict[tuple[str, str], int], receivable: int) -> dict[str, int]:
    """Claim figures from its postings summed by (transaction kind, account), and its receivable balance."""
    paid_fund = -totals.get((TransactionKind.PAYOUT, Account.FUND), 0)
    paid_own = -totals.get((TransactionKind.PAYOUT, Account.PLATFORM_OWN), 0)
    return {"paid": paid_fund + paid_own, "paid_from_fund": paid_fund, "paid_from_own": paid_own,
            "recovered": -totals.get((TransactionKind.RECOVERY, Account.MERCHANT_RECEIVABLE), 0),
            "recovered_to_fund": totals.get((TransactionKind.RECOVERY, Account.FUND), 0),
            "written_off": totals.get((TransactionKind.WRITE_OFF, Account.WRITTEN_OFF), 0),
            "outstanding": receivable}


def _claim_totals(claims) -> dict[int, dict[str, int]]:
    """Figures of every claim in the queryset `claims`, from two grouped queries over the postings."""
    totals: dict[int, dict[tuple[str, str], int]] = {}
    by_kind = LedgerPosting.objects.filter(transaction__claim__in=claims).values(
        "transaction__claim_id", "transaction__kind", "account").annotate(total=Sum("amount_fen"))
    for row in by_kind:
        totals.setdefault(row["transaction__claim_id"], {})[(row["transaction__kind"], row["account"])] = \
            int(row["total"])
    receivable = dict(LedgerPosting.objects.filter(claim__in=claims, account=Account.MERCHANT_RECEIVABLE)
                      .values("claim_id").annotate(total=Sum("amount_fen")).values_list("claim_id", "total"))
    return {cid: _figures(t, int(receivable.get(cid) or 0)) for cid, t in totals.items()}


def claim_figures(claim_id: int) -> dict[str, int]:
    """A claim's money as its postings say: paid (from the fund, from own money), recovered (to the fund),
    written off and outstanding."""
    return _claim_totals(CompensationClaim.objects.filter(pk=claim_id)).get(claim_id) or _figures({}, 0)


def problems(platform_id: int | None = None) -> list[str]:
    """What is wrong with the ledger (empty when all is well): unbalanced transactions, fund balances or
    claim figures that differ from their postings, a claim whose payment is not recovered + outstanding +
    written off."""
    found = []
    txns = LedgerTransaction.objects.all()
    claims = CompensationClaim.objects.all()
    funds = ProtectionFund.objects.all()
    if platform_id is not None:
        txns, claims, funds = (q.filter(platform_id=platform_id) for q in (txns, claims, funds))
    for row in txns.values("id").annotate(total=Sum("postings__amount_fen")).exclude(total=0):
        found.append(f"transaction #{row['id']} does not balance ({row['total']})")
    fund_sums = dict(LedgerPosting.objects.filter(account=Account.FUND).values("platform_id")
                     .annotate(total=Sum("amount_fen")).values_list("platform_id", "total"))
    for fund in funds:
        if fund.balance_fen != int(fund_sums.get(fund.platform_id) or 0):
            found.append(f"fund of platform {fund.platform_id}: balance {fund.balance_fen} but postings say "
                         f"{fund_sums.get(fund.platform_id) or 0}")
    empty = _figures({}, 0)
    by_claim = _claim_totals(claims)
    for claim in claims.only("id", "paid_fen", "paid_from_fund_fen", "paid_from_own_fen", "recovered_fen",
                             "recovered_to_fund_fen", "written_off_fen").iterator(chunk_size=5000):
        ledger = by_claim.get(claim.pk, empty)
        cached = {"paid": claim.paid_fen, "paid_from_fund": claim.paid_from_fund_fen,
                  "paid_from_own": claim.paid_from_own_fen, "recovered": claim.recovered_fen,
                  "recovered_to_fund": claim.recovered_to_fund_fen, "written_off": claim.written_off_fen,
                  "outstanding": claim.outstanding_fen}
        for name, value in cached.items():
            if ledger[name] != value:
                found.append(f"claim #{claim.pk}: {name} {value} but postings say {ledger[name]}")
        if ledger["paid"] != ledger["recovered"] + ledger["outstanding"] + ledger["written_off"]:
            found.append(f"claim #{claim.pk}: paid is not recovered + outstanding + written off")
        if ledger["outstanding"] < 0:
            found.append(f"claim #{claim.pk}: more recovered and written off than paid")
    return found
