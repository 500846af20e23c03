"""Platforms' consumer-protection funds and advance compensation (先行赔付): claims, payments, recovery,
and a balanced ledger.

Money is integer fen (分) everywhere. The ledger is double-entry: every LedgerTransaction's postings sum to zero,
and the cached figures on a fund (its balance) and a claim (paid, recovered, written off) are what its postings
say (`ledger.problems()` checks both). Claims and funds change only through compensation.services / flows, each
write in the change log.
"""

from __future__ import annotations

from django.db import models
from django.db.models import F, Q
from django.utils.translation import gettext_lazy as _


class ClaimStatus(models.TextChoices):
    """Where a claim is: filed → accepted / rejected → paid → recovery requested → recovered, partly recovered or
    written off."""

    FILED = "filed", _("已申请（待平台决定）")
    ACCEPTED = "accepted", _("已同意（待赔付）")
    REJECTED = "rejected", _("不予赔付")
    PAID = "paid", _("已先行赔付")
    RECOVERY_REQUESTED = "recovery_requested", _("已向商家追偿")
    PARTLY_RECOVERED = "partly_recovered", _("部分追回")
    RECOVERED = "recovered", _("已全部追回")
    WRITTEN_OFF = "written_off", _("已核销")


# Paid and still owed by the merchant (recovery may be recorded, or the rest written off).
RECOVERING = (ClaimStatus.PAID, ClaimStatus.RECOVERY_REQUESTED, ClaimStatus.PARTLY_RECOVERED)
PAID_STATUSES = RECOVERING + (ClaimStatus.RECOVERED, ClaimStatus.WRITTEN_OFF)
CLOSED = (ClaimStatus.REJECTED, ClaimStatus.RECOVERED, ClaimStatus.WRITTEN_OFF)


class ClaimOrigin(models.TextChoices):
    """Who brought the claim into the system."""

    PLATFORM = "platform", _("平台代消费者报送")
    DEPARTMENT = "department", _("部门转送投诉")


class Account(models.TextChoices):
    """Ledger accounts. Debits are positive: the fund and receivables hold positive balances, what was contributed,
    owed to consumers or paid from the platform's own money negative ones."""

    FUND = "fund", _("消费者权益保证金")
    CONTRIBUTIONS = "contributions", _("保证金缴存")
    COMPENSATION = "compensation", _("先行赔付支出")
    CONSUMER_PAYABLE = "consumer_payable", _("应付消费者赔付款")
    PLATFORM_OWN = "platform_own", _("平台自有资金")
    MERCHANT_RECEIVABLE = "merchant_receivable", _("应收商家追偿款")
    WRITTEN_OFF = "written_off", _("追偿核销")


class TransactionKind(models.TextChoices):
    """What moved money (or an obligation) in the ledger."""

    DEPOSIT = "deposit", _("缴存保证金")
    WITHDRAWAL = "withdrawal", _("退还保证金")
    ACCEPTANCE = "acceptance", _("同意赔付（确认应付）")
    PAYOUT = "payout", _("先行赔付")
    RECOVERY = "recovery", _("追回")
    WRITE_OFF = "write_off", _("核销")


def _own_platform(principal) -> Q:
    """Rows of the platform the principal acts for (its organisation's USCC is the platform subject's)."""
    from ecredit.access.models import Organisation

    return Q(platform__uscc__in=Organisation.objects.filter(pk=principal.organisation_id, kind="platform")
             .exclude(uscc="").values("uscc"))


class FundQuerySet(models.QuerySet):
    """Protection funds, scoped to who may see them."""

    def visible_to(self, principal) -> "FundQuerySet":
        """Departments and the credit office (compensation.view) see every fund; a platform its own."""
        if principal.can("compensation.view") or principal.city_wide:
            return self.all()
        if principal.can("compensation.pay") and principal.organisation_id:
            return self.filter(_own_platform(principal))
        return self.none()


class ProtectionFund(models.Model):
    """A platform's consumer-protection fund (消费者权益保证金) and the terms its agreement with its merchants sets
    (电子商务法第五十八条: amount, management, use, refund). `balance_fen` caches the FUND account's balance."""

    platform = models.OneToOneField("registry.Subject", on_delete=models.PROTECT, related_name="protection_fund",
                                    verbose_name=_("平台"))
    organisation = models.ForeignKey("access.Organisation", on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+", verbose_name=_("平台单位"))
    agreement_no = models.CharField(_("保证金协议编号"), max_length=64)
    agreed_on = models.DateField(_("协议签订日期"))
    agreed_minimum_fen = models.BigIntegerField(_("约定最低余额（分）"), default=0)
    contribution_terms = models.TextField(_("提取数额"))
    management_terms = models.TextField(_("管理办法"))
    use_terms = models.TextField(_("使用办法"))
    refund_terms = models.TextField(_("退还办法"))
    custodian = models.CharField(_("存管机构"), max_length=200, blank=True)
    balance_fen = models.BigIntegerField(_("余额（分）"), default=0)
    created_at = models.DateTimeField(_("设立时间"))
    updated_at = models.DateTimeField(_("更新时间"))
    log_seq = models.BigIntegerField(_("日志序号"), null=True)

    objects = FundQuerySet.as_manager()

    class Meta:
        verbose_name = _("消费者权益保证金")
        verbose_name_plural = verbose_name
        constraints = [models.CheckConstraint(condition=Q(agreed_minimum_fen__gte=0),
                                              name="fund_minimum_not_negative")]

    def __str__(self) -> str:
        return f"{self.platform_id}: {self.balance_fen}"


class ClaimQuerySet(models.QuerySet):
    """Compensation claims, scoped to who may see them and filtered by deadline."""

    def visible_to(self, principal) -> "ClaimQuerySet":
        """Departments and the credit office see every claim; a platform the claims against it."""
        if principal.can("compensation.view") or principal.city_wide:
            return self.all()
        if principal.can("compensation.pay") and principal.organisation_id:
            return self.filter(_own_platform(principal))
        return self.none()

    def overdue(self, today) -> "ClaimQuerySet":
        """Claims past the deadline of their current step: decision, payment or the merchant's repayment."""
        return self.filter(overdue_q(today))


def overdue_q(today) -> Q:
    """The condition `ClaimQuerySet.overdue` filters by."""
    recovering = (ClaimStatus.RECOVERY_REQUESTED, ClaimStatus.PARTLY_RECOVERED)
    return (Q(status=ClaimStatus.FILED, decision_due__lt=today) | Q(status=ClaimStatus.ACCEPTED, pay_due__lt=today)
            | Q(status__in=recovering, recovery_due__lt=today))


class CompensationClaim(models.Model):
    """A consumer's claim against a platform for advance compensation (消费者权益保护法第四十四条), from filing to
    recovery from the merchant.

    Filed by the platform on the consumer's behalf (idempotent by the platform's own claim id) or forwarded by a
    department from a complaint. The consumer's name and phone are kept only SM4-encrypted and masked; the
    amounts paid, recovered and written off cache the claim's ledger postings. Deadlines are working days from
    compensation.yaml; each step is a ClaimStep and a change-log entry.
    """

    platform = models.ForeignKey("registry.Subject", on_delete=models.PROTECT, related_name="compensation_claims",
                                 verbose_name=_("平台"))
    shop = models.ForeignKey("registry.Subject", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                             verbose_name=_("网店"))
    merchant = models.ForeignKey("registry.Subject", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="+", verbose_name=_("平台内经营者"))
    origin = models.CharField(_("来源"), max_length=12, choices=ClaimOrigin.choices)
    source_key = models.CharField(_("幂等键"), max_length=160, editable=False)
    platform_claim_id = models.CharField(_("平台赔付单号"), max_length=64, blank=True)
    order_no = models.CharField(_("平台订单号"), max_length=64, blank=True)
    complaint_ref = models.CharField(_("投诉编号"), max_length=64, blank=True)
    filed_by_org = models.ForeignKey("access.Organisation", on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("报送单位"))
    consumer_cipher = models.BinaryField(editable=False)
    consumer_name_masked = models.CharField(_("消费者姓名（脱敏）"), max_length=64, blank=True)
    consumer_phone_masked = models.CharField(_("消费者电话（脱敏）"), max_length=32, blank=True)
    basis = models.CharField(_("赔付依据"), max_length=40)
    harms = models.JSONField(_("损害类型"), default=list)
    facts = models.TextField(_("事实与请求"))
    claimed_fen = models.BigIntegerField(_("请求金额（分）"))
    accepted_fen = models.BigIntegerField(_("同意金额（分）"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=20, choices=ClaimStatus.choices, default=ClaimStatus.FILED)
    filed_digest = models.CharField(max_length=64, editable=False)
    policy_version = models.CharField(_("规则版本"), max_length=16)
    filed_at = models.DateTimeField(_("申请时间"))
    decision_due = models.DateField(_("决定期限"))
    decided_at = models.DateTimeField(_("决定时间"), null=True, blank=True)
    decided_by = models.CharField(_("决定人"), max_length=120, blank=True)
    rejection_reason = models.CharField(_("不予赔付理由"), max_length=40, blank=True)
    decision_text = models.TextField(_("决定说明"), blank=True)
    pay_due = models.DateField(_("赔付期限"), null=True, blank=True)
    paid_at = models.DateTimeField(_("赔付时间"), null=True, blank=True)
    paid_fen = models.BigIntegerField(_("已赔付（分）"), default=0)
    paid_from_fund_fen = models.BigIntegerField(_("其中保证金支付（分）"), default=0)
    paid_from_own_fen = models.BigIntegerField(_("其中平台自有资金（分）"), default=0)
    payment_ref = models.CharField(_("支付流水号"), max_length=64, blank=True)
    recovery_requested_at = models.DateTimeField(_("追偿时间"), null=True, blank=True)
    recovery_due = models.DateField(_("商家偿还期限"), null=True, blank=True)
    recovered_fen = models.BigIntegerField(_("已追回（分）"), default=0)
    recovered_to_fund_fen = models.BigIntegerField(_("其中回补保证金（分）"), default=0)
    written_off_fen = models.BigIntegerField(_("已核销（分）"), default=0)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    updated_at = models.DateTimeField(_("更新时间"))
    log_seq = models.BigIntegerField(_("日志序号"), null=True)

    objects = ClaimQuerySet.as_manager()

    class Meta:
        verbose_name = _("先行赔付申请")
        verbose_name_plural = verbose_name
        ordering = ["-filed_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["platform", "source_key"], name="claim_once_per_platform_key"),
            models.CheckConstraint(condition=Q(claimed_fen__gt=0), name="claim_amount_positive"),
            models.CheckConstraint(condition=Q(accepted_fen__isnull=True) | Q(accepted_fen__lte=F("claimed_fen")),
                                   name="claim_accepted_within_claimed"),
            models.CheckConstraint(condition=Q(paid_fen=F("paid_from_fund_fen") + F("paid_from_own_fen")),
                                   name="claim_paid_is_fund_plus_own"),
            models.CheckConstraint(condition=Q(recovered_fen__gte=0, written_off_fen__gte=0)
                                   & Q(paid_fen__gte=F("recovered_fen") + F("written_off_fen")),
                                   name="claim_settled_within_paid"),
        ]
        indexes = [models.Index(fields=["platform", "status"]), models.Index(fields=["status", "decision_due"])]

    def __str__(self) -> str:
        return f"{self.platform_claim_id or self.complaint_ref or self.pk} ({self.status})"

    @property
    def outstanding_fen(self) -> int:
        """What the merchant still owes: paid, less recovered and written off."""
        return self.paid_fen - self.recovered_fen - self.written_off_fen


class ClaimStep(models.Model):
    """One step of a claim's procedure: what was done, by whom, when, with which amount, and the ledger
    transaction it posted (if any). Written with the claim's change-log entry; never changed."""

    claim = models.ForeignKey(CompensationClaim, on_delete=models.PROTECT, related_name="steps",
                              verbose_name=_("先行赔付申请"))
    action = models.CharField(_("步骤"), max_length=24)
    status = models.CharField(_("步骤后状态"), max_length=20, choices=ClaimStatus.choices)
    at = models.DateTimeField(_("时间"))
    actor = models.CharField(_("操作人"), max_length=120)
    organisation = models.CharField(_("单位"), max_length=64, blank=True)
    amount_fen = models.BigIntegerField(_("金额（分）"), null=True, blank=True)
    text = models.TextField(_("说明"), blank=True)
    transaction = models.ForeignKey("LedgerTransaction", on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("记账"))

    class Meta:
        verbose_name = _("先行赔付步骤")
        verbose_name_plural = verbose_name
        ordering = ["claim", "at", "id"]

    def __str__(self) -> str:
        return f"{self.claim_id}: {self.action}"


class LedgerTransaction(models.Model):
    """One balanced movement in a platform's ledger: a deposit, withdrawal, acceptance, payout, recovery or
    write-off, with its postings (summing to zero). `reference` is the platform's own payment reference: the same
    reference sent again is the same transaction, not a second one."""

    platform = models.ForeignKey("registry.Subject", on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("平台"))
    claim = models.ForeignKey(CompensationClaim, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="transactions", verbose_name=_("先行赔付申请"))
    kind = models.CharField(_("类型"), max_length=12, choices=TransactionKind.choices)
    reference = models.CharField(_("平台流水号"), max_length=64, blank=True)
    memo = models.CharField(_("摘要"), max_length=500, blank=True)
    at = models.DateTimeField(_("记账时间"))
    actor = models.CharField(_("操作人"), max_length=120)
    organisation = models.CharField(_("单位"), max_length=64, blank=True)
    log_seq = models.BigIntegerField(_("日志序号"), null=True)

    class Meta:
        verbose_name = _("保证金与赔付记账")
        verbose_name_plural = verbose_name
        ordering = ["-at", "-id"]
        constraints = [models.UniqueConstraint(fields=["platform", "kind", "reference"], condition=~Q(reference=""),
                                               name="ledger_reference_once")]
        indexes = [models.Index(fields=["platform", "at"])]

    def __str__(self) -> str:
        return f"{self.kind} #{self.pk}"


class LedgerPosting(models.Model):
    """One side of a transaction: a signed amount (debit positive) on an account of a platform, and of a claim
    where the account is kept per claim (payable, receivable, written off)."""

    transaction = models.ForeignKey(LedgerTransaction, on_delete=models.PROTECT, related_name="postings")
    platform = models.ForeignKey("registry.Subject", on_delete=models.PROTECT, related_name="+")
    claim = models.ForeignKey(CompensationClaim, on_delete=models.PROTECT, null=True, blank=True,
                              related_name="+")
    account = models.CharField(_("科目"), max_length=20, choices=Account.choices)
    amount_fen = models.BigIntegerField(_("金额（分）"))

    class Meta:
        verbose_name = _("分录")
        verbose_name_plural = verbose_name
        constraints = [models.CheckConstraint(condition=~Q(amount_fen=0), name="posting_not_zero")]
        indexes = [models.Index(fields=["platform", "account"]), models.Index(fields=["claim", "account"])]

    def __str__(self) -> str:
        return f"{self.account} {self.amount_fen:+d}"
