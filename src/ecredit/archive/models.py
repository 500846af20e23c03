"""The credit archive: the record-type catalog, credit records, objections and repair applications."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils import timezone
from django.utils.translation import gettext_lazy as _


class Disclosure(models.TextChoices):
    """Who may read a record (the catalog sets it per record type)."""

    PUBLIC = "public", _("向社会公开")
    AUTHORISED = "authorised", _("授权查询")
    GOVERNMENT = "government", _("政务共享")
    INTERNAL = "internal", _("内部管理")


class RecordStatus(models.TextChoices):
    """Where a record is in its life."""

    ACTIVE = "active", _("有效")
    OBJECTED = "objected", _("异议处理中")
    CORRECTED = "corrected", _("已更正")
    REVOKED = "revoked", _("已撤销")
    REPAIRED = "repaired", _("已修复")
    EXPIRED = "expired", _("已届满")


# Statuses under which a record still counts and may be shown (an objected record is shown marked).
LIVE_STATUSES = (RecordStatus.ACTIVE, RecordStatus.OBJECTED, RecordStatus.CORRECTED)


class RecordType(models.Model):
    """An entry of the credit information catalog, mirrored from policy/rules/catalog.yaml at migrate."""

    code = models.CharField(_("代码"), max_length=50, primary_key=True)
    name = models.CharField(_("名称"), max_length=100)
    name_en = models.CharField(_("英文名称"), max_length=100)
    category = models.CharField(_("类别"), max_length=32)
    polarity = models.CharField(_("性质"), max_length=10)
    severity = models.CharField(_("严重程度"), max_length=10)
    disclosure = models.CharField(_("公开级别"), max_length=12, choices=Disclosure.choices)
    publicity_rule = models.CharField(_("公示规则"), max_length=40)
    legal_basis = models.TextField(_("法律依据"))
    details_schema = models.JSONField(_("明细结构"))
    in_catalog = models.BooleanField(_("在目录中"), default=True)
    policy_version = models.CharField(_("规则版本"), max_length=16)

    class Meta:
        verbose_name = _("信用信息类型")
        verbose_name_plural = verbose_name
        ordering = ["category", "code"]

    def __str__(self) -> str:
        return self.name


class CreditRecordQuerySet(models.QuerySet):
    def visible_to(self, principal) -> "CreditRecordQuerySet":
        """Records the principal may read: its disclosure levels, its own submissions, its own subject.
        Someone who reads public data only sees records inside their publicity window."""
        if not principal.can("record.read"):
            return self.none()
        if Disclosure.GOVERNMENT in principal.reads:
            # Departments keep the whole history at their levels, closed and expired records included.
            allowed = Q(disclosure__in=sorted(principal.reads))
        else:
            # Everyone else: public records inside their window; authorised ones while they are live.
            allowed = self.public_q()
            if Disclosure.AUTHORISED in principal.reads:
                allowed |= Q(disclosure=Disclosure.AUTHORISED, status__in=LIVE_STATUSES)
        if principal.organisation_id and principal.organisation_kind != "subject":
            allowed |= Q(source_id=principal.organisation_id)
        if principal.subject_id:
            allowed |= Q(subject_id=principal.subject_id)
        return self.filter(allowed)

    @staticmethod
    def public_q(on=None) -> Q:
        """Public records inside their publicity window on `on` (default today)."""
        today = on or timezone.localdate()
        return (Q(disclosure=Disclosure.PUBLIC, status__in=LIVE_STATUSES, public_from__lte=today)
                & (Q(public_until__gte=today) | Q(public_until__isnull=True)))

    def is_public(self, record, on=None) -> bool:
        """True when `record` is what the public site shows today (no access-log entry needed)."""
        today = on or timezone.localdate()
        return (record.disclosure == Disclosure.PUBLIC and record.status in LIVE_STATUSES
                and record.public_from is not None and record.public_from <= today
                and (record.public_until is None or record.public_until >= today))

    def public(self, on=None) -> "CreditRecordQuerySet":
        """What the public site shows."""
        return self.filter(self.public_q(on))

    def live(self) -> "CreditRecordQuerySet":
        return self.filter(status__in=LIVE_STATUSES)


class CreditRecord(models.Model):
    """One piece of credit information about a subject, as a source reported it.

    (`source`, `source_record_id`) is unique: re-sending a record changes nothing. The publicity window
    (`public_from` … `public_until`, repair possible from `repair_from`) is computed from the policy
    version in `policy_version`, and `publicity_basis` says which rule produced it. Every change is a new
    change-log entry; `log_seq` is the latest.
    """

    record_type = models.ForeignKey(RecordType, on_delete=models.PROTECT, verbose_name=_("信用信息类型"))
    subject = models.ForeignKey("registry.Subject", on_delete=models.PROTECT, related_name="records",
                                verbose_name=_("信用主体"))
    source = models.ForeignKey("access.Organisation", on_delete=models.PROTECT, related_name="records",
                               verbose_name=_("报送单位"))
    source_record_id = models.CharField(_("报送方记录编号"), max_length=100)
    batch_id = models.BigIntegerField(_("报送批次"), null=True, blank=True)
    decided_on = models.DateField(_("决定/发生日期"))
    summary = models.CharField(_("摘要"), max_length=500)
    details = models.JSONField(_("明细"), default=dict)
    legal_basis = models.TextField(_("依据"), blank=True)
    evidence = models.JSONField(_("证据"), default=list, blank=True)
    status = models.CharField(_("状态"), max_length=12, choices=RecordStatus.choices, default=RecordStatus.ACTIVE)
    disclosure = models.CharField(_("公开级别"), max_length=12, choices=Disclosure.choices)
    polarity = models.CharField(_("性质"), max_length=10)
    public_from = models.DateField(_("公示起始"), null=True, blank=True)
    repair_from = models.DateField(_("可申请修复日期"), null=True, blank=True)
    public_until = models.DateField(_("公示截止"), null=True, blank=True)
    publicity_basis = models.CharField(_("公示期限依据"), max_length=300, blank=True)
    policy_version = models.CharField(_("规则版本"), max_length=16)
    content_hash = models.CharField(max_length=64)
    created_at = models.DateTimeField(_("入库时间"))
    updated_at = models.DateTimeField(_("更新时间"))
    log_seq = models.BigIntegerField(_("变更日志序号"))

    objects = CreditRecordQuerySet.as_manager()

    class Meta:
        verbose_name = _("信用记录")
        verbose_name_plural = verbose_name
        constraints = [
            models.UniqueConstraint(fields=["source", "source_record_id"], name="record_unique_per_source"),
        ]
        indexes = [
            models.Index(fields=["subject", "record_type"]),
            models.Index(fields=["record_type", "decided_on"]),
            models.Index(fields=["disclosure", "public_until"]),
        ]

    def __str__(self) -> str:
        return f"{self.record_type_id} {self.source_record_id}"


class ObjectionStatus(models.TextChoices):
    """The objection procedure: filed → under review → upheld / rejected (or refused at the check)."""

    FILED = "filed", _("已提出")
    REVIEWING = "reviewing", _("核查中")
    UPHELD = "upheld", _("异议成立")
    REJECTED = "rejected", _("异议不成立")
    REFUSED = "refused", _("不予受理")


OPEN_OBJECTION = (ObjectionStatus.FILED, ObjectionStatus.REVIEWING)


def _procedure_scope(queryset, principal, extra: Q | None = None):
    """Procedures on a record (objections, repairs) the principal may see: all for the city-wide; those on
    records its organisation submitted (plus `extra`); those about its own subject."""
    if principal.city_wide:
        return queryset
    q = Q(pk__in=[])
    if principal.organisation_id and not principal.acts_as_subject:
        q |= Q(record__source_id=principal.organisation_id) | (extra or Q(pk__in=[]))
    if principal.subject_id:
        q |= Q(record__subject_id=principal.subject_id)
    return queryset.filter(q)


class ObjectionQuerySet(models.QuerySet):
    def visible_to(self, principal) -> "ObjectionQuerySet":
        """Objections the principal may see: those on records it submitted, or filed about its subject."""
        extra = Q(filed_by_org=principal.organisation_code) if principal.organisation_id else Q(pk__in=[])
        return _procedure_scope(self, principal, extra)

    def open(self) -> "ObjectionQuerySet":
        return self.filter(status__in=OPEN_OBJECTION)


class Objection(models.Model):
    """An objection (异议) to a record: the record is marked at once, checked and decided by deadlines
    counted in working days (policy: deadlines.objection)."""

    record = models.ForeignKey(CreditRecord, on_delete=models.PROTECT, related_name="objections",
                               verbose_name=_("信用记录"))
    status = models.CharField(_("状态"), max_length=12, choices=ObjectionStatus.choices,
                              default=ObjectionStatus.FILED)
    filed_by = models.CharField(_("提出人"), max_length=120)
    filed_by_org = models.CharField(_("提出单位"), max_length=64, blank=True)
    contact = models.CharField(_("联系方式"), max_length=100, blank=True)
    reason = models.TextField(_("异议理由"))
    evidence = models.JSONField(_("证明材料"), default=list, blank=True)
    filed_at = models.DateTimeField(_("提出时间"))
    check_due = models.DateField(_("核查期限"))
    decide_due = models.DateField(_("办结期限"))
    due_estimated = models.BooleanField(_("期限为预估"), default=False)
    checked_at = models.DateTimeField(_("核查时间"), null=True, blank=True)
    decided_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    decided_by = models.CharField(_("办理人"), max_length=120, blank=True)
    decision = models.TextField(_("处理意见"), blank=True)
    status_before = models.CharField(max_length=12, choices=RecordStatus.choices)

    objects = ObjectionQuerySet.as_manager()

    class Meta:
        verbose_name = _("异议")
        verbose_name_plural = verbose_name
        ordering = ["-filed_at"]

    def __str__(self) -> str:
        return f"{self.record} — {self.get_status_display()}"


class RepairStatus(models.TextChoices):
    """Credit repair procedure."""

    APPLIED = "applied", _("已申请")
    APPROVED = "approved", _("准予修复")
    REFUSED = "refused", _("不予修复")


class RepairApplicationQuerySet(models.QuerySet):
    def visible_to(self, principal) -> "RepairApplicationQuerySet":
        """Applications on records the principal submitted, or about its own subject."""
        return _procedure_scope(self, principal)


class RepairApplication(models.Model):
    """An application for credit repair (信用修复): allowed only after the record's minimum publicity
    period and when the policy's conditions hold; approval ends the record's publicity."""

    record = models.ForeignKey(CreditRecord, on_delete=models.PROTECT, related_name="repairs",
                               verbose_name=_("信用记录"))
    status = models.CharField(_("状态"), max_length=12, choices=RepairStatus.choices, default=RepairStatus.APPLIED)
    applicant = models.CharField(_("申请人"), max_length=120)
    statement = models.TextField(_("申请说明"))
    attested = models.JSONField(_("承诺事项"), default=list)
    checks = models.JSONField(_("系统核验结果"), default=dict)
    applied_at = models.DateTimeField(_("申请时间"))
    decide_due = models.DateField(_("办结期限"))
    due_estimated = models.BooleanField(_("期限为预估"), default=False)
    decided_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    decided_by = models.CharField(_("办理人"), max_length=120, blank=True)
    decision = models.TextField(_("处理意见"), blank=True)

    objects = RepairApplicationQuerySet.as_manager()

    class Meta:
        verbose_name = _("信用修复申请")
        verbose_name_plural = verbose_name
        ordering = ["-applied_at"]

    def __str__(self) -> str:
        return f"{self.record} — {self.get_status_display()}"
