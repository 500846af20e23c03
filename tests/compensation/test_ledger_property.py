"""The ledger balances whatever a platform does, in any order (hypothesis, stateful).

Random sequences of deposits, withdrawals, claims accepted for random amounts, payouts from the fund, own money
or both, recovery demands, partial repayments and write-offs, checked after every step against a plain model:
- every transaction's postings sum to zero, and the cached fund balance and claim figures equal the postings;
- the fund's balance = deposits − withdrawals − payouts from the fund + repayments credited to the fund;
- per claim, paid = recovered + outstanding + written off;
- the balance is never negative (compensation.yaml forbids an overdraft);
- a step is refused exactly when the model says it must be (a short fund, money not owed, a withdrawal that
  would touch the agreed minimum or an accepted claim's reserve, a step in the wrong status).
"""

from __future__ import annotations

import pytest
from django.db import transaction
from hypothesis import HealthCheck, settings
from hypothesis import strategies as st
from hypothesis.stateful import RuleBasedStateMachine, invariant, precondition, rule, run_state_machine_as_test

from ecredit.compensation import flows, ledger, services
from ecredit.compensation.models import Account, ClaimStatus, CompensationClaim, ProtectionFund
from ecredit.kit.errors import Conflict

pytestmark = pytest.mark.django_db

MINIMUM = 2000
amounts = st.integers(1, 20000)


def test_the_ledger_always_balances(world):
    platform = world.platform

    class Platform(RuleBasedStateMachine):
        def __init__(self):
            super().__init__()
            self.atomic = transaction.atomic()
            self.atomic.__enter__()
            world.fund(minimum=MINIMUM)
            self.fund = ProtectionFund.objects.get(platform=world.platform_subject)
            self.balance = 0
            self.deposited = self.withdrawn = self.paid_from_fund = self.refilled = 0
            self.claims: list[int] = []
            self.n = 0

        def teardown(self):
            transaction.set_rollback(True)
            self.atomic.__exit__(None, None, None)

        def ref(self) -> str:
            self.n += 1
            return f"R{self.n}"

        def claim(self, index: int) -> CompensationClaim:
            return CompensationClaim.objects.get(pk=self.claims[index % len(self.claims)])

        def reserved(self) -> int:
            return sum(c.accepted_fen for c in CompensationClaim.objects.filter(pk__in=self.claims,
                                                                              status=ClaimStatus.ACCEPTED))

        @rule(amount=amounts)
        def deposit(self, amount):
            services.deposit(platform, amount_fen=amount, reference_no=self.ref())
            self.balance += amount
            self.deposited += amount

        @rule(amount=amounts)
        def withdraw(self, amount):
            allowed = self.balance - amount >= MINIMUM + self.reserved()
            try:
                services.withdraw(platform, amount_fen=amount, reference_no=self.ref(), reason="商家退出平台")
            except Conflict as error:
                assert not allowed and error.code == "below_agreed_minimum"
                return
            assert allowed
            self.balance -= amount
            self.withdrawn += amount

        @rule(amount=amounts, share=st.integers(1, 100))
        def file_and_accept(self, amount, share):
            claim = world.claim(amount_fen=amount)
            flows.accept(claim.pk, platform, amount_fen=max(1, amount * share // 100))
            self.claims.append(claim.pk)

        @rule(amount=amounts, source=st.sampled_from(flows.PAY_SOURCES))
        def file_accept_and_pay(self, amount, source):
            self.file_and_accept(amount, 100)
            self.pay(len(self.claims) - 1, source)

        @precondition(lambda self: self.claims)
        @rule(index=st.integers(0, 50), source=st.sampled_from(flows.PAY_SOURCES))
        def pay(self, index, source):
            claim = self.claim(index)
            due = (claim.accepted_fen or 0) - claim.paid_fen
            try:
                paid = flows.pay(claim.pk, platform, source=source)
            except Conflict as error:
                assert claim.status != ClaimStatus.ACCEPTED or (source == "fund" and self.balance < due), error.code
                return
            assert claim.status == ClaimStatus.ACCEPTED
            expected_fund = {"own": 0, "fund": due, "auto": min(due, self.balance)}[source]
            assert paid.paid_from_fund_fen == expected_fund
            self.balance -= expected_fund
            self.paid_from_fund += expected_fund

        @precondition(lambda self: self.claims)
        @rule(index=st.integers(0, 50))
        def demand(self, index):
            claim = self.claim(index)
            try:
                flows.demand_recovery(claim.pk, platform)
            except Conflict:
                assert claim.status != ClaimStatus.PAID
                return
            assert claim.status == ClaimStatus.PAID

        @precondition(lambda self: self.claims)
        @rule(index=st.integers(0, 50), amount=amounts)
        def recover(self, index, amount):
            claim = self.claim(index)
            recovering = claim.status in (ClaimStatus.PAID, ClaimStatus.RECOVERY_REQUESTED,
                                          ClaimStatus.PARTLY_RECOVERED)
            amount = min(amount, claim.outstanding_fen) if recovering and amount % 3 else amount
            try:
                after = flows.record_recovery(claim.pk, platform, amount_fen=amount, reference_no=self.ref())
            except Conflict:
                assert not recovering or amount > claim.outstanding_fen
                return
            assert recovering and amount <= claim.outstanding_fen
            to_fund = after.recovered_to_fund_fen - claim.recovered_to_fund_fen
            assert to_fund == min(amount, claim.paid_from_fund_fen - claim.recovered_to_fund_fen)
            self.balance += to_fund
            self.refilled += to_fund

        @precondition(lambda self: self.claims)
        @rule(index=st.integers(0, 50))
        def write_off(self, index):
            claim = self.claim(index)
            try:
                flows.write_off(claim.pk, platform, note="商家无力偿还")
            except Conflict:
                assert claim.status not in (ClaimStatus.PAID, ClaimStatus.RECOVERY_REQUESTED,
                                            ClaimStatus.PARTLY_RECOVERED)

        @invariant()
        def balanced(self):
            assert ledger.problems(world.platform_subject.pk) == []
            balance = ProtectionFund.objects.get(pk=self.fund.pk).balance_fen
            assert balance == self.balance == \
                self.deposited - self.withdrawn - self.paid_from_fund + self.refilled
            assert balance >= 0
            accounts = ledger.balances(platform_id=world.platform_subject.pk)
            assert accounts[Account.FUND] == balance
            assert sum(accounts.values()) == 0
            # problems() also checks, per claim, paid = recovered + outstanding + written off from the postings.

    run_state_machine_as_test(Platform, settings=settings(
        max_examples=12, stateful_step_count=20, deadline=None,
        suppress_health_check=[HealthCheck.too_slow, HealthCheck.function_scoped_fixture]))
