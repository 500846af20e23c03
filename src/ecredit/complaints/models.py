"""Complaints and reports from the seven hotlines, the portal and platforms: intake, merging, routing, deadlines, answers."""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class Kind(models.TextChoices):
    """Complaint (投诉: a consumer's dispute, mediated) or report (举报: a clue of a violation, checked and filed).
    One submission that is both becomes two cases (Order 20 art. 7)."""

    COMPLAINT = "complaint", _("投诉")
    REPORT = "report", _("举报")


class Channel(models.TextChoices):
    """Where a case came from: one of the seven hotlines, the public portal, a platform, or a department."""

    H12345 = "12345", _("12345政务服务便民热线")
    H12312 = "12312", _("12312商务举报投诉")
    H12315 = "12315", _("12315消费者投诉举报")
    H12318 = "12318", _("12318文化市场举报")
    H12331 = "12331", _("12331食品药品投诉举报")
    H12358 = "12358", _("12358价格举报")
    H12365 = "12365", _("12365质量技术监督举报")
    PORTAL = "portal", _("网上投诉举报中心")
    PLATFORM = "platform", _("电商平台转送")
    DEPARTMENT = "department", _("部门现场登记")


HOTLINES = tuple(c.value for c in Channel if c.value.isdigit())


class Status(models.TextChoices):
    """Where a case is in its handling (complaints.flows moves it; every move is change-logged)."""

    RECEIVED = "received", _("已接收（待受理）")
    ACCEPTED = "accepted", _("已受理")
    NOT_ACCEPTED = "not_accepted", _("不予受理")
    MEDIATING = "mediating", _("调解中")
    MEDIATED = "mediated", _("已达成调解协议")
    TERMINATED = "terminated", _("终止调解")
    FILED = "filed", _("举报已立案")
    NOT_FILED = "not_filed", _("举报不予立案")
    CLOSED = "closed", _("已办结")
    MERGED = "merged", _("重复件已合并")
    TRANSFERRED = "transferred", _("已移送外地")


# No more steps: the case is done with (a merged case lives on in the case it was merged into).
FINISHED = (Status.NOT_ACCEPTED, Status.CLOSED, Status.MERGED, Status.TRANSFERRED)
OPEN = tuple(s for s in Status if s not in FINISHED)


class Resolution(models.TextChoices):
    """How the respondent named in a case was linked to a registered subject."""

    NONE = "none", _("未能确认")
    USCC = "uscc", _("统一社会信用代码")
    SHOP_ID = "shop_id", _("平台网店编号")
    SHOP_NAME = "shop_name", _("平台网店名称（精确）")
    NAME = "name", _("登记名称（精确）")
    OFFICER = "officer", _("经办人确认")


class Outcome(models.TextChoices):
    """How a case ended (the codes of complaint_upheld's `result`, plus not upheld)."""

    MEDIATED = "mediated", _("调解达成协议")
    CLAIM_SUPPORTED = "claim_supported", _("支持投诉请求")
    COMPENSATED = "compensated", _("经营者已退换赔偿")
    NOT_UPHELD = "not_upheld", _("投诉不成立")
    OTHER = "other", _("其他")


class ComplaintQuerySet(models.QuerySet):
    """Cases scoped by who asks, and filtered by where they stand."""

    def visible_to(self, principal) -> "ComplaintQuerySet":
        """Cases the principal may see: the credit office all; a department the cases it handles or recorded; a
        platform the complaints about its own shops (never the complainant's personal data, never reports it did
        not forward itself, Order 20 art. 33); a hotline the cases it sent."""
        if principal.city_wide:
            return self.all()
        if not principal.organisation_id or principal.acts_as_subject:
            return self.none()
        kind = principal.organisation_kind
        if kind in ("department", "credit_office"):
            return self.filter(Q(handling_org_id=principal.organisation_id)
                               | Q(channel=Channel.DEPARTMENT, channel_org_id=principal.organisation_id))
        if kind == "platform":
            from ecredit.access.models import Organisation

            uscc = Organisation.objects.filter(pk=principal.organisation_id).values_list("uscc", flat=True).first()
            about_own = Q(kind=Kind.COMPLAINT) & (Q(platform__uscc=uscc) if uscc else Q(pk__in=[]))
            return self.filter(about_own | Q(channel=Channel.PLATFORM, channel_org_id=principal.organisation_id))
        if kind == "hotline":
            return self.filter(channel_org_id=principal.organisation_id, channel__in=HOTLINES)
        return self.none()

    def open(self) -> "ComplaintQuerySet":
        """Cases still being handled."""
        return self.filter(status__in=OPEN)

    def overdue(self, today) -> "ComplaintQuerySet":
        """Open cases whose next deadline has passed."""
        return self.filter(status__in=OPEN, next_due__lt=today)


class Complaint(models.Model):
    """A complaint or a report as we handle it: who sent it through which channel, about whom, what it asks, which
    department handles it, where it stands and by when the next step is due.

    The complainant's name, phone and address are encrypted at rest (SM4-GCM, bound to the case number) and
    shown masked; the phone is also kept as a keyed hash, to merge repeats without reading it. The respondent is
    kept as named and, when it can be resolved, linked to registered subjects (the operator, the shop and its
    platform). Deadlines are working days from complaints.yaml; `next_due` is the one the case waits on.
    """

    case_no = models.CharField(_("案件编号"), max_length=32, unique=True)
    kind = models.CharField(_("类型"), max_length=10, choices=Kind.choices)
    channel = models.CharField(_("来源渠道"), max_length=12, choices=Channel.choices)
    channel_ticket = models.CharField(_("来源单号"), max_length=64)
    channel_org = models.ForeignKey("access.Organisation", on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="+", verbose_name=_("转送单位"))
    received_at = models.DateTimeField(_("收到时间"))
    sibling = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                                verbose_name=_("同一来件的另一案件"))

    complainant_cipher = models.BinaryField(_("投诉（举报）人信息（加密）"), null=True, blank=True, editable=False)
    complainant_name_masked = models.CharField(_("姓名（脱敏）"), max_length=40, blank=True)
    complainant_phone_masked = models.CharField(_("电话（脱敏）"), max_length=24, blank=True)
    complainant_address_masked = models.CharField(_("地址（脱敏）"), max_length=40, blank=True)
    phone_lookup = models.CharField(max_length=64, blank=True, db_index=True, editable=False)
    real_name = models.BooleanField(_("实名"), default=False)
    submitter_lookup = models.CharField(max_length=64, blank=True, db_index=True, editable=False)

    respondent_name = models.CharField(_("被投诉（举报）人"), max_length=200, blank=True)
    respondent_uscc = models.CharField(_("统一社会信用代码"), max_length=18, blank=True)
    respondent_address = models.CharField(_("被投诉人地址"), max_length=300, blank=True)
    shop_name = models.CharField(_("网店名称"), max_length=200, blank=True)
    shop_no = models.CharField(_("网店编号"), max_length=64, blank=True)
    platform_name = models.CharField(_("平台名称"), max_length=200, blank=True)
    platform_uscc = models.CharField(_("平台统一社会信用代码"), max_length=18, blank=True)
    order_no = models.CharField(_("订单号"), max_length=64, blank=True)
    waybill_no = models.CharField(_("运单号"), max_length=64, blank=True)
    subject = models.ForeignKey("registry.Subject", on_delete=models.PROTECT, null=True, blank=True,
                                related_name="+", verbose_name=_("被投诉主体"))
    shop = models.ForeignKey("registry.Subject", on_delete=models.PROTECT, null=True, blank=True,
                             related_name="+", verbose_name=_("网店"))
    platform = models.ForeignKey("registry.Subject", on_delete=models.PROTECT, null=True, blank=True,
                                 related_name="+", verbose_name=_("平台"))
    resolved_by = models.CharField(_("主体确认方式"), max_length=10, choices=Resolution.choices,
                                   default=Resolution.NONE)
    respondent_key = models.CharField(max_length=220, blank=True, editable=False)

    content = models.TextField(_("事实与理由"))
    claim = models.TextField(_("投诉请求"), blank=True)
    amount = models.DecimalField(_("涉及金额（元）"), max_digits=14, decimal_places=2, null=True, blank=True)
    aware_on = models.DateField(_("知道权益受损日期"), null=True, blank=True)
    time_barred = models.BooleanField(_("疑似超过三年"), default=False)

    category = models.CharField(_("问题类别"), max_length=40)
    category_method = models.CharField(_("分类方式"), max_length=10)
    category_confidence = models.FloatField(_("分类置信度"), default=0.0)
    category_matched = models.JSONField(_("分类依据"), default=list, blank=True)
    department = models.CharField(_("承办部门代码"), max_length=32)
    handling_org = models.ForeignKey("access.Organisation", on_delete=models.PROTECT, null=True, blank=True,
                                     related_name="+", verbose_name=_("承办单位"))
    handling_region = models.CharField(_("管辖地区"), max_length=6, blank=True)
    out_of_area = models.BooleanField(_("非本市管辖"), default=False)
    routing_note = models.CharField(_("分送说明"), max_length=300, blank=True)

    status = models.CharField(_("状态"), max_length=14, choices=Status.choices, default=Status.RECEIVED)
    accept_due = models.DateField(_("受理期限"), null=True, blank=True)
    mediation_due = models.DateField(_("调解期限"), null=True, blank=True)
    paused_since = models.DateField(_("检测鉴定中（自）"), null=True, blank=True)
    paused_working_days = models.PositiveIntegerField(_("不计入调解期限的工作日"), default=0)
    termination_notice_due = models.DateField(_("终止调解告知期限"), null=True, blank=True)
    termination_notified_at = models.DateTimeField(_("终止调解告知时间"), null=True, blank=True)
    clue_found_at = models.DateTimeField(_("发现违法线索时间"), null=True, blank=True)
    clue_check_due = models.DateField(_("线索核查期限"), null=True, blank=True)
    clue_extended = models.BooleanField(_("核查已延长"), default=False)
    clue_result = models.TextField(_("线索核查结果"), blank=True)
    filing_due = models.DateField(_("立案决定期限"), null=True, blank=True)
    filing_extended = models.BooleanField(_("立案核查已延长"), default=False)
    reporter_notice_due = models.DateField(_("告知举报人期限"), null=True, blank=True)
    reporter_notified_at = models.DateTimeField(_("告知举报人时间"), null=True, blank=True)
    next_due = models.DateField(_("下一期限"), null=True, blank=True, db_index=True)
    next_due_estimated = models.BooleanField(_("期限为预估"), default=False)
    escalation_level = models.PositiveSmallIntegerField(_("督办级别"), default=0)
    escalated_at = models.DateTimeField(_("督办时间"), null=True, blank=True)
    was_overdue = models.BooleanField(_("曾经超期"), default=False)

    accepted_at = models.DateTimeField(_("受理时间"), null=True, blank=True)
    decided_at = models.DateTimeField(_("受理（立案）决定时间"), null=True, blank=True)
    reason_code = models.CharField(_("不予受理 / 终止调解理由"), max_length=30, blank=True)
    mediation_started_at = models.DateTimeField(_("调解开始时间"), null=True, blank=True)
    closed_at = models.DateTimeField(_("办结时间"), null=True, blank=True)
    decision_no = models.CharField(_("文书编号"), max_length=128, blank=True)
    outcome = models.CharField(_("处理结果"), max_length=16, choices=Outcome.choices, blank=True)
    outcome_text = models.TextField(_("处理情况"), blank=True)
    compensation = models.DecimalField(_("赔偿（退还）金额（元）"), max_digits=14, decimal_places=2, null=True,
                                       blank=True)
    upheld = models.BooleanField(_("投诉成立"), null=True, blank=True)
    record = models.OneToOneField("archive.CreditRecord", on_delete=models.PROTECT, null=True, blank=True,
                                  related_name="complaint", verbose_name=_("信用记录"))
    merged_into = models.ForeignKey("self", on_delete=models.PROTECT, null=True, blank=True,
                                    related_name="repeats", verbose_name=_("合并至"))
    policy_version = models.CharField(_("规则版本"), max_length=16)
    updated_at = models.DateTimeField(_("更新时间"))
    log_seq = models.BigIntegerField(_("日志序号"), null=True)

    objects = ComplaintQuerySet.as_manager()

    class Meta:
        verbose_name = _("投诉举报")
        verbose_name_plural = verbose_name
        ordering = ["-received_at", "-id"]
        constraints = [
            # Re-sending an item is harmless: one case per channel, ticket and kind.
            models.UniqueConstraint(fields=["channel", "channel_ticket", "kind"], name="one_case_per_ticket"),
            models.CheckConstraint(condition=Q(merged_into__isnull=True) | Q(status="merged"),
                                   name="only_merged_cases_point_elsewhere"),
        ]
        indexes = [models.Index(fields=["handling_org", "status"]), models.Index(fields=["status", "next_due"]),
                   models.Index(fields=["phone_lookup", "respondent_key", "category"]),
                   models.Index(fields=["channel", "received_at"])]

    def __str__(self) -> str:
        return f"{self.case_no} ({self.status})"

    @property
    def is_open(self) -> bool:
        """True while the case is still being handled."""
        return self.status in OPEN


class ComplaintStep(models.Model):
    """One step of a case as people read it: who did what, when, with which note (the change log holds the
    same step with the case's whole state, chained)."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="steps",
                                  verbose_name=_("案件"))
    at = models.DateTimeField(_("时间"))
    action = models.CharField(_("步骤"), max_length=30)
    actor = models.CharField(_("经办人"), max_length=120)
    organisation = models.CharField(_("单位"), max_length=64, blank=True)
    status = models.CharField(_("步骤后状态"), max_length=14, choices=Status.choices)
    note = models.TextField(_("说明"), blank=True)
    log_seq = models.BigIntegerField(_("日志序号"), null=True)

    class Meta:
        verbose_name = _("办理步骤")
        verbose_name_plural = verbose_name
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.complaint_id} {self.action}"


class ChannelUpdate(models.Model):
    """A status update for the channel a case came from, in that channel's own vocabulary (the hotline's status
    code and words): an outbox the hotline or platform pulls with a cursor and acknowledges."""

    complaint = models.ForeignKey(Complaint, on_delete=models.CASCADE, related_name="updates",
                                  verbose_name=_("案件"))
    channel = models.CharField(_("渠道"), max_length=12, choices=Channel.choices)
    recipient = models.CharField(_("接收单位代码"), max_length=64, db_index=True)
    channel_ticket = models.CharField(_("来源单号"), max_length=64)
    event = models.CharField(_("事件"), max_length=20)
    status_code = models.CharField(_("对方状态代码"), max_length=20)
    status_label = models.CharField(_("对方状态"), max_length=40)
    text = models.TextField(_("答复内容"), blank=True)
    at = models.DateTimeField(_("时间"))
    acknowledged_at = models.DateTimeField(_("确认接收时间"), null=True, blank=True)
    acknowledged_by = models.CharField(_("确认人"), max_length=120, blank=True)
    log_seq = models.BigIntegerField(_("日志序号"), null=True)

    class Meta:
        verbose_name = _("渠道回传")
        verbose_name_plural = verbose_name
        ordering = ["id"]
        indexes = [models.Index(fields=["recipient", "id"])]

    def __str__(self) -> str:
        return f"{self.channel}:{self.channel_ticket} {self.status_code}"
