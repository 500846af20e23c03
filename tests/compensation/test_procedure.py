"""A claim from filing to recovery, and every refusal a platform would meet on the way.

- The happy path: filed → accepted → paid (fund, then own money when the fund is short) → recovery demanded →
  partly recovered → recovered; another claim written off. Each step has its date and actor, and the change log
  verifies afterwards.
- Refusals: a step in the wrong status, another platform's claim (it does not exist for it), paying more than
  accepted or twice, accepting more than claimed, recovering more than owed, withdrawing below the agreement.
- Idempotency: the same claim id, deposit reference or repayment reference sent again changes nothing.
- Deadlines are working days and step over public holidays and onto make-up working days (调休).
- The consumer's name and phone are stored only encrypted; reading them in clear is logged.
"""

from __future__ import annotations

import datetime as dt

import pytest

from ecredit.audit.models import AccessLogEntry, ChangeLogEntry
from ecredit.audit.services import verify
from ecredit.compensation import flows, ledger, services
from ecredit.compensation.models import ClaimStatus, CompensationClaim, LedgerTransaction, ProtectionFund
from ecredit.kit.errors import Conflict, Forbidden, NotFound, ValidationFailed

from .conftest import MERCHANT_USCC, on_day

pytestmark = pytest.mark.django_db


def test_a_claim_from_filing_to_recovery(world):
    world.fund(deposit=30000)
    claim = world.claim(amount_fen=50000)
    assert claim.status == ClaimStatus.FILED and claim.merchant.uscc == MERCHANT_USCC and claim.shop.shop_id == "S1"
    flows.accept(claim.pk, world.platform, amount_fen=45000, note="按商品价款赔付")
    claim = flows.pay(claim.pk, world.platform, source="auto", reference_no="PAY1")
    # The fund held 300 yuan: it pays that, the platform's own money the other 150 yuan.
    assert (claim.status, claim.paid_fen, claim.paid_from_fund_fen, claim.paid_from_own_fen) == \
        (ClaimStatus.PAID, 45000, 30000, 15000)
    assert ProtectionFund.objects.get().balance_fen == 0
    flows.demand_recovery(claim.pk, world.platform, note="已书面通知商家")
    claim = flows.record_recovery(claim.pk, world.platform, amount_fen=20000, reference_no="REC1")
    assert claim.status == ClaimStatus.PARTLY_RECOVERED and claim.outstanding_fen == 25000
    # Recovered money refills the fund first (compensation.yaml: fund_first).
    assert ProtectionFund.objects.get().balance_fen == 20000
    claim = flows.record_recovery(claim.pk, world.platform, amount_fen=25000, reference_no="REC2")
    assert claim.status == ClaimStatus.RECOVERED and claim.outstanding_fen == 0 and claim.closed_at
    assert ProtectionFund.objects.get().balance_fen == 30000 and claim.recovered_to_fund_fen == 30000
    steps = list(claim.steps.values_list("action", "status", "actor"))
    assert [s[0] for s in steps] == ["file", "accept", "pay", "demand_recovery", "recover", "recover"]
    assert all(s[2] == "test:platform_client" for s in steps)
    assert ledger.problems() == []
    assert verify().ok


def test_write_off_closes_what_cannot_be_recovered(world):
    claim = world.claim(amount_fen=8000)
    flows.accept(claim.pk, world.platform)
    flows.pay(claim.pk, world.platform)          # no fund: all from the platform's own money
    flows.record_recovery(claim.pk, world.platform, amount_fen=3000)
    claim = flows.write_off(claim.pk, world.platform, note="商家已注销，无法追偿")
    assert (claim.status, claim.paid_from_own_fen, claim.recovered_fen, claim.written_off_fen) == \
        (ClaimStatus.WRITTEN_OFF, 8000, 3000, 5000)
    assert ledger.balances(claim_id=claim.pk)["merchant_receivable"] == 0
    with pytest.raises(Conflict):
        flows.record_recovery(claim.pk, world.platform, amount_fen=1)
    assert ledger.problems() == []


def test_rejection_needs_a_known_reason_and_an_explanation(world):
    claim = world.claim()
    with pytest.raises(ValidationFailed) as error:
        flows.reject(claim.pk, world.platform, reason="because", note="不符合条件的申请")
    assert error.value.field == "reason"
    with pytest.raises(ValidationFailed):
        flows.reject(claim.pk, world.platform, reason="seller_identified", note="")
    claim = flows.reject(claim.pk, world.platform, reason="seller_identified",
                         note="已向消费者提供商家名称、地址和电话")
    assert claim.status == ClaimStatus.REJECTED and claim.closed_at
    for step in (lambda: flows.accept(claim.pk, world.platform), lambda: flows.pay(claim.pk, world.platform)):
        with pytest.raises(Conflict) as error:
            step()
        assert error.value.code == "wrong_status"


def test_steps_in_the_wrong_order_are_refused(world):
    claim = world.claim()
    with pytest.raises(Conflict):
        flows.pay(claim.pk, world.platform)
    with pytest.raises(Conflict):
        flows.demand_recovery(claim.pk, world.platform)
    with pytest.raises(Conflict):
        flows.write_off(claim.pk, world.platform, note="无法追偿")
    flows.accept(claim.pk, world.platform)
    with pytest.raises(Conflict):
        flows.accept(claim.pk, world.platform)
    with pytest.raises(Conflict):
        flows.record_recovery(claim.pk, world.platform, amount_fen=100)


def test_amounts_beyond_what_is_due_are_refused(world):
    claim = world.claim(amount_fen=10000)
    with pytest.raises(ValidationFailed) as error:
        flows.accept(claim.pk, world.platform, amount_fen=10001)
    assert error.value.code == "over_claim"
    flows.accept(claim.pk, world.platform, amount_fen=6000)
    with pytest.raises(Conflict) as error:
        flows.pay(claim.pk, world.platform, amount_fen=6001)
    assert error.value.code == "over_payment"
    with pytest.raises(ValidationFailed) as error:
        flows.pay(claim.pk, world.platform, amount_fen=5000)
    assert error.value.code == "partial_payment"
    flows.pay(claim.pk, world.platform, amount_fen=6000)
    with pytest.raises(Conflict) as error:
        flows.pay(claim.pk, world.platform)
    assert error.value.code == "already_paid"
    with pytest.raises(Conflict) as error:
        flows.record_recovery(claim.pk, world.platform, amount_fen=6001)
    assert error.value.code == "over_recovery"
    assert CompensationClaim.objects.get(pk=claim.pk).paid_fen == 6000


def test_fund_only_payment_is_refused_when_the_fund_is_short(world):
    world.fund(deposit=5000)
    claim = world.claim(amount_fen=9000)
    flows.accept(claim.pk, world.platform)
    with pytest.raises(Conflict) as error:
        flows.pay(claim.pk, world.platform, source="fund")
    assert error.value.code == "fund_short"
    claim = flows.pay(claim.pk, world.platform, source="own")
    assert (claim.paid_from_fund_fen, claim.paid_from_own_fen) == (0, 9000)
    assert ProtectionFund.objects.get().balance_fen == 5000


def test_another_platforms_claim_does_not_exist_for_a_platform(world):
    claim = world.claim()
    for step in (lambda: flows.accept(claim.pk, world.other_platform),
                 lambda: flows.reject(claim.pk, world.other_platform, reason="not_covered", note="不属于赔付范围"),
                 lambda: services.claim_for(claim.pk, world.other_platform)):
        with pytest.raises(NotFound):
            step()
    assert not services.claims(world.other_platform).exists()
    # Departments read it, but only the platform decides and pays.
    assert services.claim_for(claim.pk, world.officer).pk == claim.pk
    with pytest.raises(Forbidden):
        flows.accept(claim.pk, world.officer)
    with pytest.raises(Forbidden):
        services.claims(world.agency)


def test_a_department_forwards_a_complaint_as_a_claim(world):
    claim, created = flows.file_claim(world.officer, platform_uscc=world.platform_subject.uscc, shop_id="S1",
                                      complaint_ref="12315-2026-000123", consumer_phone="0513-85551234",
                                      amount_fen=20000, basis="seller_unidentifiable", harms=["non_delivery"],
                                      facts="付款后商家失联，平台未能提供商家联系方式")
    assert created and claim.origin == "department" and claim.complaint_ref == "12315-2026-000123"
    assert services.claims(world.platform).filter(pk=claim.pk).exists()
    again, created = flows.file_claim(world.officer, platform_uscc=world.platform_subject.uscc, shop_id="S1",
                                      complaint_ref="12315-2026-000123", consumer_phone="0513-85551234",
                                      amount_fen=20000, basis="seller_unidentifiable", harms=["non_delivery"],
                                      facts="付款后商家失联，平台未能提供商家联系方式")
    assert (again.pk, created) == (claim.pk, False)
    with pytest.raises(ValidationFailed) as error:
        flows.file_claim(world.officer, platform_uscc=f"{MERCHANT_USCC}", complaint_ref="X1",
                         consumer_phone="13812345678", amount_fen=100, basis="platform_promise",
                         harms=["quality_defect"], facts="商品有质量问题")
    assert error.value.field == "platform_uscc"
    with pytest.raises(Forbidden):
        flows.file_claim(world.agency, complaint_ref="X2", consumer_phone="13812345678", amount_fen=100,
                         basis="platform_promise", harms=["quality_defect"], facts="商品有质量问题")


def test_filing_is_idempotent_by_the_platforms_claim_id(world):
    first = world.claim(claim_id="P-1")
    again, created = flows.file_claim(world.platform, claim_id="P-1", shop_id="S1", order_no=first.order_no,
                                      consumer_name="王小红", consumer_phone="13812345678", amount_fen=10000,
                                      basis="platform_promise", harms=["quality_defect"],
                                      facts="收到的电水壶漏电，商家拒绝退货")
    assert (again.pk, created) == (first.pk, False)
    with pytest.raises(Conflict) as error:
        world.claim(claim_id="P-1", amount_fen=10001)
    assert error.value.code == "claim_id_reused"
    # Another platform may use the same id of its own.
    assert world.claim(by=world.other_platform, claim_id="P-1").platform_id == world.other_platform_subject.pk
    assert CompensationClaim.objects.count() == 2


@pytest.mark.parametrize("field, value", [("amount_fen", 0), ("amount_fen", -5), ("amount_fen", 10**9),
                                          ("amount_fen", 12.5), ("basis", "unknown"), ("harms", []),
                                          ("harms", ["nonsense"]), ("consumer_phone", "12345"), ("facts", "坏"),
                                          ("claim_id", ""), ("claim_id", "complaint:12315-2026-1"),
                                          ("merchant_uscc", "91320600ABC")])
def test_bad_claims_are_refused_naming_the_field(world, field, value):
    with pytest.raises(ValidationFailed) as error:
        world.claim(**{field: value})
    assert error.value.field == field


def test_deposits_and_withdrawals_keep_to_the_agreement(world):
    with pytest.raises(Conflict) as error:
        services.deposit(world.platform, amount_fen=100, reference_no="D0")
    assert error.value.code == "no_fund"
    world.fund(minimum=10000)
    services.deposit(world.platform, amount_fen=50000, reference_no="D1")
    txn, created = services.deposit(world.platform, amount_fen=50000, reference_no="D1")
    assert not created and ProtectionFund.objects.get().balance_fen == 50000
    with pytest.raises(Conflict) as error:
        services.deposit(world.platform, amount_fen=40000, reference_no="D1")
    assert error.value.code == "reference_reused"
    claim = world.claim(amount_fen=30000)
    flows.accept(claim.pk, world.platform)
    # 500 yuan held, 100 agreed minimum, 300 reserved for the accepted claim: at most 100 may go.
    with pytest.raises(Conflict) as error:
        services.withdraw(world.platform, amount_fen=10001, reference_no="W1", reason="商家退出平台")
    assert error.value.code == "below_agreed_minimum"
    services.withdraw(world.platform, amount_fen=10000, reference_no="W1", reason="商家退出平台")
    assert ProtectionFund.objects.get().balance_fen == 40000
    with pytest.raises(Forbidden):
        services.deposit(world.officer, amount_fen=100, reference_no="D9")
    assert ledger.problems() == []


def test_repayments_are_idempotent_by_reference(world):
    world.fund(deposit=10000)
    claim = world.claim(amount_fen=10000)
    flows.accept(claim.pk, world.platform)
    flows.pay(claim.pk, world.platform)
    flows.record_recovery(claim.pk, world.platform, amount_fen=4000, reference_no="R1")
    claim = flows.record_recovery(claim.pk, world.platform, amount_fen=4000, reference_no="R1")
    assert claim.recovered_fen == 4000
    assert LedgerTransaction.objects.filter(kind="recovery").count() == 1


def test_a_claim_with_no_known_merchant_cannot_be_recovered_only_written_off(world):
    claim = world.claim(shop_id="")
    assert claim.merchant is None
    flows.accept(claim.pk, world.platform)
    flows.pay(claim.pk, world.platform)
    with pytest.raises(Conflict) as error:
        flows.demand_recovery(claim.pk, world.platform)
    assert error.value.code == "no_merchant"
    assert flows.write_off(claim.pk, world.platform, note="商家身份无法查明").status == ClaimStatus.WRITTEN_OFF


def test_deadlines_count_working_days_across_national_day(world):
    # Filed Tuesday 30 September 2025: 1-8 October is the National Day and Mid-Autumn holiday, Saturday
    # 11 October a make-up working day. Seven working days: 9, 10, 11, 13, 14, 15, 16 October.
    with on_day(dt.date(2025, 9, 30)):
        claim = world.claim()
    assert claim.decision_due == dt.date(2025, 10, 16)
    assert not flows.deadline_flags(claim, dt.date(2025, 10, 16))["overdue"]
    assert flows.deadline_flags(claim, dt.date(2025, 10, 17))["overdue"]
    assert CompensationClaim.objects.overdue(dt.date(2025, 10, 17)).filter(pk=claim.pk).exists()
    # Accepted Friday 13 February 2026, the eve of the Spring Festival holiday (15-23 February). Five working
    # days: 14 February (a Saturday made a working day), then 24, 25, 26 and 27 February.
    with on_day(dt.date(2026, 2, 13)):
        claim = flows.accept(claim.pk, world.platform)
    assert claim.pay_due == dt.date(2026, 2, 27)
    with on_day(dt.date(2026, 2, 26)):
        claim = flows.pay(claim.pk, world.platform)
    assert flows.paid_on_time(claim) is False   # decided after the 16 October deadline


def test_the_consumer_is_stored_encrypted_and_read_with_a_logged_purpose(world):
    claim = world.claim(consumer_name="王小红", consumer_phone="13812345678")
    stored = CompensationClaim.objects.get(pk=claim.pk)
    assert b"13812345678" not in bytes(stored.consumer_cipher)
    assert (stored.consumer_name_masked, stored.consumer_phone_masked) == ("王**", "138****5678")
    assert "13812345678" not in "".join(ChangeLogEntry.objects.values_list("state", flat=True))
    assert services.consumer_contact(stored, world.officer, "", "api")["masked"]
    with pytest.raises(ValidationFailed):
        services.consumer_contact(stored, world.investigator, "", "api")
    clear = services.consumer_contact(stored, world.investigator, "核实赔付情况", "api")
    assert (clear["name"], clear["phone"], clear["masked"]) == ("王小红", "13812345678", False)
    assert AccessLogEntry.objects.filter(data=f"compensation_consumer:{claim.pk}", purpose="核实赔付情况").exists()


def test_a_tampered_ledger_is_found(world):
    from django.core.management import CommandError, call_command

    from ecredit.compensation.models import LedgerPosting

    world.fund(deposit=10000)
    claim = world.claim(amount_fen=10000)
    flows.accept(claim.pk, world.platform)
    flows.pay(claim.pk, world.platform)
    call_command("compensation-daily")                      # all well: no error
    LedgerPosting.objects.filter(account="fund", amount_fen=-10000).update(amount_fen=-9000)
    found = ledger.problems()
    assert any("does not balance" in p for p in found) and any("fund of platform" in p for p in found)
    assert any(f"claim #{claim.pk}: paid_from_fund" in p for p in found)
    assert not verify().ok
    with pytest.raises(CommandError):
        call_command("compensation-daily")


def test_a_payment_reference_is_one_payment(world):
    world.fund(deposit=100000)
    first, second = world.claim(amount_fen=1000), world.claim(amount_fen=2000)
    for claim in (first, second):
        flows.accept(claim.pk, world.platform)
    flows.pay(first.pk, world.platform, reference_no="PAY-1")
    # Sent again, it is the same payment (not "already paid"); on another claim it is refused, saying why.
    assert flows.pay(first.pk, world.platform, reference_no="PAY-1").paid_fen == 1000
    with pytest.raises(Conflict) as error:
        flows.pay(second.pk, world.platform, reference_no="PAY-1")
    assert (error.value.code, error.value.field) == ("reference_reused", "reference")
    assert CompensationClaim.objects.get(pk=second.pk).status == ClaimStatus.ACCEPTED
    assert LedgerTransaction.objects.filter(kind="payout").count() == 1
    assert ProtectionFund.objects.get().balance_fen == 99000


def test_a_repayment_reference_of_another_claim_is_refused_not_ignored(world):
    first, second = world.claim(amount_fen=1000), world.claim(amount_fen=1000)
    for claim in (first, second):
        flows.accept(claim.pk, world.platform)
        flows.pay(claim.pk, world.platform)
    flows.record_recovery(first.pk, world.platform, amount_fen=500, reference_no="R1")
    with pytest.raises(Conflict) as error:
        flows.record_recovery(second.pk, world.platform, amount_fen=500, reference_no="R1")
    assert error.value.code == "reference_reused"
    with pytest.raises(Conflict):               # the same reference with another amount
        flows.record_recovery(first.pk, world.platform, amount_fen=400, reference_no="R1")
    assert CompensationClaim.objects.get(pk=second.pk).recovered_fen == 0
    assert ledger.problems() == []


def test_the_same_fund_terms_sent_again_record_nothing_new(world):
    world.fund(minimum=10000)
    entries = ChangeLogEntry.objects.count()
    world.fund(minimum=10000)
    assert ChangeLogEntry.objects.count() == entries
    world.fund(minimum=20000)                                       # an amendment is recorded
    assert ChangeLogEntry.objects.filter(action="amend_terms").count() == 1
    assert ProtectionFund.objects.get().agreed_minimum_fen == 20000
