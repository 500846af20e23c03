"""Payouts at the same moment, each in its own thread and database connection (PostgreSQL): the fund is never
overdrawn and a claim is never paid twice. On SQLite writers are serialised by the IMMEDIATE transaction and the
in-memory test database is not shared between connections, so the test is meaningless there and skipped."""

from __future__ import annotations

import threading

import pytest
from django.db import connection, connections

from ecredit.compensation import flows, ledger
from ecredit.compensation.models import ClaimStatus, CompensationClaim, LedgerTransaction, ProtectionFund
from ecredit.kit.errors import Conflict

pytestmark = [pytest.mark.django_db(transaction=True),
              pytest.mark.skipif(connection.vendor != "postgresql", reason="needs PostgreSQL row locks")]

THREADS = 6


def race(calls) -> tuple[list, list]:
    """Run the calls at once (a barrier releases them together); (results, errors)."""
    barrier = threading.Barrier(len(calls))
    results, errors = [], []

    def run(call):
        try:
            barrier.wait()
            results.append(call())
        except Exception as exc:  # collected and asserted on below
            errors.append(exc)
        finally:
            connections.close_all()

    threads = [threading.Thread(target=run, args=(call,)) for call in calls]
    for thread in threads:
        thread.start()
    for thread in threads:
        thread.join(60)
    return results, errors


def test_payouts_at_once_never_overdraw_the_fund(world):
    world.fund(deposit=25000)                      # enough for two of six claims of 100 yuan
    claims = [world.claim(amount_fen=10000) for _ in range(THREADS)]
    for claim in claims:
        flows.accept(claim.pk, world.platform)
    results, errors = race([lambda pk=c.pk: flows.pay(pk, world.platform, source="fund") for c in claims])
    assert len(results) == 2 and len(errors) == THREADS - 2
    assert all(isinstance(e, Conflict) and e.code == "fund_short" for e in errors), errors
    assert ProtectionFund.objects.get().balance_fen == 5000
    assert CompensationClaim.objects.filter(status=ClaimStatus.PAID).count() == 2
    assert ledger.problems() == []


def test_one_claim_paid_at_once_is_paid_once(world):
    world.fund(deposit=50000)
    claim = world.claim(amount_fen=10000)
    flows.accept(claim.pk, world.platform)
    results, errors = race([lambda: flows.pay(claim.pk, world.platform, source="auto")] * THREADS)
    assert len(results) == 1 and all(isinstance(e, Conflict) and e.code == "already_paid" for e in errors), errors
    assert LedgerTransaction.objects.filter(kind="payout").count() == 1
    assert ProtectionFund.objects.get().balance_fen == 40000
    assert ledger.problems() == []


def test_the_fund_row_lock_alone_prevents_overdraft(world):
    """Without the change log's lock taken first (every service takes it, which already queues writers), the
    fund's and the claim's row locks still keep two payouts from reading the same balance."""
    from django.db import transaction

    world.fund(deposit=15000)
    claims = [world.claim(amount_fen=10000) for _ in range(THREADS)]
    for claim in claims:
        flows.accept(claim.pk, world.platform)
    bare_pay = transaction.atomic(flows.pay.__wrapped__)
    results, errors = race([lambda pk=c.pk: bare_pay(pk, world.platform, source="fund") for c in claims])
    assert len(results) == 1 and all(isinstance(e, Conflict) and e.code == "fund_short" for e in errors), errors
    assert ProtectionFund.objects.get().balance_fen == 5000
    assert ledger.problems() == []
