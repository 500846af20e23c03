"""Lists (红黑名单): entries and their procedure, and the measure tasks that joint action dispatches."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class EntryStatus(models.TextChoices):
    """Where an entry is in the procedure (lists/flows.py moves it; every move is change-logged)."""

    PROPOSED = "proposed", _("已提出（待告知）")
    NOTIFIED = "notified", _("已告知（异议期内）")
    OBJECTED = "objected", _("异议审查中")
    AWAITING_DECISION = "awaiting_decision", _("待决定")
    DECIDED = "decided", _("已决定列入（待发布）")
    PUBLISHED = "published", _("在列（已发布）")
    NOT_LISTED = "not_listed", _("不予列入")
    EXPIRED = "expired", _("期满移出")
    REPAIRED = "repaired", _("信用修复移出")
    REVOKED = "revoked", _("撤销列入")


# Before a decision to list: the subject may still not be listed.
PENDING = (EntryStatus.PROPOSED, EntryStatus.NOTIFIED, EntryStatus.OBJECTED, EntryStatus.AWAITING_DECISION)
# Open: at most one per subject and list type.
OPEN = PENDING + (EntryStatus.DECIDED, EntryStatus.PUBLISHED)
EXITED = (EntryStatus.EXPIRED, EntryStatus.REPAIRED, EntryStatus.REVOKED)


class EntryOrigin(models.TextChoices):
    """How an entry was proposed."""

    SCAN = "scan", _("系统按认定标准发现")
    OFFICER = "officer", _("部门提出")
    PLATFORM = "platform", _("平台报送")


class ListEntryQuerySet(models.QuerySet):
    def visible_to(self, principal) -> "ListEntryQuerySet":
        """Entries the principal may see: the credit office all; a department those it decides or proposed;
        a platform those it reported; a subject its own once notified. Others see published entries through
        the archive's public records, not here."""
        if principal.city_wide:
            return self.all()
        q = Q(pk__in=[])
        if principal.organisation_id and not principal.acts_as_subject:
            q |= Q(department_id=principal.organisation_id) | Q(proposed_by_org_id=principal.organisation_id)
        if principal.subject_id:
            q |= Q(subject_id=principal.subject_id, notified_at__isnull=False)
        return self.filter(q)

    def open(self) -> "ListEntryQuerySet":
        return self.filter(status__in=OPEN)


class ListEntry(models.Model):
    """A subject's entry on a list (list types: policy/rules/lists.yaml), from proposal to exit.

    The procedure: proposal → notice to the subject → objection window → decision → publication (an archive
    record of the list's record type is written and one measure task per measure and implementer is
    dispatched) → exit by expiry, repair or revocation. The deadlines are working days from the list type's
    `procedure`; `grounds` keeps which rule and which records or grade made the subject a candidate.
    """

    list_type = models.CharField(_("名单类型"), max_length=40)
    subject = models.ForeignKey("registry.Subject", on_delete=models.PROTECT, related_name="list_entries",
                                verbose_name=_("信用主体"))
    department = models.ForeignKey("access.Organisation", on_delete=models.PROTECT, related_name="+",
                                   verbose_name=_("认定部门"))
    status = models.CharField(_("状态"), max_length=20, choices=EntryStatus.choices, default=EntryStatus.PROPOSED)
    origin = models.CharField(_("来源"), max_length=10, choices=EntryOrigin.choices)
    grounds = models.JSONField(_("列入依据"), default=list)
    reason = models.TextField(_("事由"))
    evidence = models.JSONField(_("证据"), default=list, blank=True)
    policy_version = models.CharField(_("规则版本"), max_length=16)
    proposed_by = models.CharField(_("提出人"), max_length=120)
    proposed_by_org = models.ForeignKey("access.Organisation", on_delete=models.PROTECT, null=True, blank=True,
                                        related_name="+", verbose_name=_("提出单位"))
    proposed_at = models.DateTimeField(_("提出时间"))
    notice_due = models.DateField(_("告知期限"))
    notified_at = models.DateTimeField(_("告知时间"), null=True, blank=True)
    notice_channel = models.CharField(_("告知方式"), max_length=40, blank=True)
    notice_reference = models.CharField(_("告知书文号"), max_length=128, blank=True)
    objection_due = models.DateField(_("异议期限"), null=True, blank=True)
    objection_text = models.TextField(_("异议（陈述申辩）"), blank=True)
    objection_filed_at = models.DateTimeField(_("异议提出时间"), null=True, blank=True)
    objection_upheld = models.BooleanField(_("异议成立"), null=True, blank=True)
    objection_decision = models.TextField(_("异议处理意见"), blank=True)
    decision_due = models.DateField(_("决定期限"), null=True, blank=True)
    decided_at = models.DateTimeField(_("决定时间"), null=True, blank=True)
    decided_by = models.CharField(_("决定人"), max_length=120, blank=True)
    decision_no = models.CharField(_("决定文号"), max_length=128, blank=True)
    decision_text = models.TextField(_("决定意见"), blank=True)
    publication_due = models.DateField(_("发布期限"), null=True, blank=True)
    published_on = models.DateField(_("发布日期"), null=True, blank=True)
    record = models.OneToOneField("archive.CreditRecord", on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="list_entry", verbose_name=_("名单记录"))
    repair_from = models.DateField(_("可申请提前移出日期"), null=True, blank=True)
    ends_on = models.DateField(_("期满日期"), null=True, blank=True)
    exited_on = models.DateField(_("移出日期"), null=True, blank=True)
    exit_reason = models.TextField(_("移出原因"), blank=True)
    updated_at = models.DateTimeField(_("更新时间"))
    log_seq = models.BigIntegerField(_("日志序号"), null=True)

    objects = ListEntryQuerySet.as_manager()

    class Meta:
        verbose_name = _("名单条目")
        verbose_name_plural = verbose_name
        ordering = ["-proposed_at", "-id"]
        constraints = [
            models.UniqueConstraint(fields=["list_type", "subject"], condition=Q(status__in=OPEN),
                                    name="one_open_entry_per_list"),
            # Never published without a notice to the subject on record.
            models.CheckConstraint(condition=Q(published_on__isnull=True) | Q(notified_at__isnull=False),
                                   name="published_only_after_notice"),
        ]
        indexes = [models.Index(fields=["status", "list_type"]), models.Index(fields=["department", "status"])]

    def __str__(self) -> str:
        return f"{self.list_type} #{self.pk} ({self.status})"


class TaskStatus(models.TextChoices):
    """A measure task's life: initiate → respond → feed back; lifted when the entry ends."""

    DISPATCHED = "dispatched", _("已推送（待接收）")
    ACCEPTED = "accepted", _("已接收（实施中）")
    EXECUTED = "executed", _("已实施并反馈")
    DECLINED = "declined", _("不适用（已说明理由）")
    CANCELLED = "cancelled", _("名单终止，未实施")
    TO_LIFT = "to_lift", _("名单终止，待解除措施")
    LIFTED = "lifted", _("措施已解除")


TASK_OPEN = (TaskStatus.DISPATCHED, TaskStatus.ACCEPTED, TaskStatus.TO_LIFT)


class MeasureTaskQuerySet(models.QuerySet):
    def visible_to(self, principal) -> "MeasureTaskQuerySet":
        """Tasks the principal may see: the credit office all; an implementer only its own; the deciding
        department the tasks its entries dispatched."""
        if principal.city_wide:
            return self.all()
        if not principal.organisation_id or principal.acts_as_subject:
            return self.none()
        return self.filter(Q(implementer_id=principal.organisation_id)
                           | Q(entry__department_id=principal.organisation_id))


class MeasureTask(models.Model):
    """One measure of a published entry, dispatched to one implementer (a department, a platform or a bank),
    which accepts it and reports its execution; overdue tasks escalate to the credit office."""

    entry = models.ForeignKey(ListEntry, on_delete=models.PROTECT, related_name="tasks", verbose_name=_("名单条目"))
    measure = models.CharField(_("措施"), max_length=40)
    kind = models.CharField(_("类别"), max_length=12)
    implementer = models.ForeignKey("access.Organisation", on_delete=models.PROTECT, related_name="measure_tasks",
                                    verbose_name=_("实施单位"))
    status = models.CharField(_("状态"), max_length=12, choices=TaskStatus.choices, default=TaskStatus.DISPATCHED)
    dispatched_at = models.DateTimeField(_("推送时间"))
    accept_due = models.DateField(_("接收期限"))
    report_due = models.DateField(_("反馈期限"))
    accepted_at = models.DateTimeField(_("接收时间"), null=True, blank=True)
    reported_at = models.DateTimeField(_("反馈时间"), null=True, blank=True)
    handled_by = models.CharField(_("经办人"), max_length=120, blank=True)
    result = models.TextField(_("实施情况"), blank=True)
    lift_due = models.DateField(_("解除期限"), null=True, blank=True)
    lifted_at = models.DateTimeField(_("解除时间"), null=True, blank=True)
    escalated_at = models.DateTimeField(_("督办时间"), null=True, blank=True)
    updated_at = models.DateTimeField(_("更新时间"))
    log_seq = models.BigIntegerField(_("日志序号"), null=True)

    objects = MeasureTaskQuerySet.as_manager()

    class Meta:
        verbose_name = _("联合奖惩措施任务")
        verbose_name_plural = verbose_name
        ordering = ["accept_due", "id"]
        constraints = [models.UniqueConstraint(fields=["entry", "measure", "implementer"],
                                               name="one_task_per_measure_and_implementer")]
        indexes = [models.Index(fields=["implementer", "status"]), models.Index(fields=["status", "accept_due"])]

    def __str__(self) -> str:
        return f"{self.measure} → {self.implementer_id} ({self.status})"
