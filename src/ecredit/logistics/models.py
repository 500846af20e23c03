"""Parcels: waybills and their tracking scans sent by courier firms, the batches that brought them, consumers'
delivery feedback, and courier firms' monthly figures.

Waybills and scans are high-volume carrier data, not credit records: as with the marketplace's trades, the change
log keeps one entry per *batch* (`ParcelBatch.log_seq`: its keyed content digest and counts), not one per row;
each row names the last batch that created or changed it. A consumer's feedback is a decision about one
waybill and has its own entry (`DeliveryFeedback.log_seq`). Carrier figures are derived (recomputed, not logged).

Personal data: the consignee's name, phone and address are SM4-encrypted (bound to the carrier and the waybill
number) and kept masked beside; couriers' names and phones are kept masked only, and phone numbers or resident
IDs in scans' free text are masked on arrival (nothing needs them in clear).
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class ScanState(models.TextChoices):
    """What a scan says happened (logistics.yaml maps carriers' codes to these)."""

    ACCEPTED = "accepted", _("已揽收")
    IN_TRANSIT = "in_transit", _("运输中")
    ARRIVED = "arrived", _("已到达")
    DEPARTED = "departed", _("已发出")
    OUT_FOR_DELIVERY = "out_for_delivery", _("派件中")
    SIGNED = "signed", _("已签收")
    REFUSED = "refused", _("拒收")
    RETURNED = "returned", _("退回")
    PROBLEM = "problem", _("问题件")


class WaybillState(models.TextChoices):
    """Where a parcel is: the state of its latest scan, or created (no scan yet)."""

    CREATED = "created", _("已下单（待揽收）")
    ACCEPTED = "accepted", _("已揽收")
    IN_TRANSIT = "in_transit", _("运输中")
    ARRIVED = "arrived", _("已到达")
    DEPARTED = "departed", _("已发出")
    OUT_FOR_DELIVERY = "out_for_delivery", _("派件中")
    SIGNED = "signed", _("已签收")
    REFUSED = "refused", _("拒收")
    RETURNED = "returned", _("退回")
    PROBLEM = "problem", _("问题件")


# Where a parcel's journey has ended (for the figures: delivered, or given back).
ENDED = (WaybillState.SIGNED, WaybillState.REFUSED, WaybillState.RETURNED)


class ParcelKind(models.TextChoices):
    """What a batch carried."""

    WAYBILLS = "waybills", _("运单")
    SCANS = "scans", _("轨迹")


class ParcelChannel(models.TextChoices):
    """How a batch arrived."""

    API = "api", _("接口")
    FILE = "file", _("文件导入")
    DEMO = "demo", _("演示数据")


class BatchStatus(models.TextChoices):
    """What became of a batch's rows."""

    ACCEPTED = "accepted", _("全部接收")
    PARTIAL = "partial", _("部分接收")
    REJECTED = "rejected", _("全部退回")


class ParcelBatchQuerySet(models.QuerySet):
    def visible_to(self, principal) -> "ParcelBatchQuerySet":
        """A carrier sees its own batches; whoever may view parcels city-wide sees all."""
        if principal.city_wide:
            return self
        if principal.organisation_id is None:
            return self.none()
        return self.filter(organisation_id=principal.organisation_id)


class ParcelBatch(models.Model):
    """One delivery of waybills or scans from a courier firm (an API call or a file chunk).

    `client_batch_id` (unique per organisation and kind) makes a re-sent batch return the first answer;
    `content_hash` (a keyed SM3 digest of the rows as received: they hold consignees' data, so a plain digest
    could be tested against guessed phones) tells a re-send from other rows under the same id. `vocabulary` is
    the code system the rows' states are in. This row is what the change log keeps of the parcel data: one
    entry per batch, `log_seq`. `ids` lists, in row order, the waybill or scan each row became (null: refused).
    """

    organisation = models.ForeignKey("access.Organisation", on_delete=models.PROTECT, related_name="parcel_batches",
                                     verbose_name=_("报送单位"))
    carrier = models.ForeignKey("registry.Subject", on_delete=models.PROTECT, related_name="+",
                                verbose_name=_("寄递企业"))
    kind = models.CharField(_("数据类型"), max_length=10, choices=ParcelKind.choices)
    vocabulary = models.CharField(_("状态代码体系"), max_length=32, blank=True)
    client_batch_id = models.CharField(_("报送方批次号"), max_length=100, null=True, blank=True)
    content_hash = models.CharField(_("内容摘要（带密钥SM3）"), max_length=64)
    channel = models.CharField(_("渠道"), max_length=8, choices=ParcelChannel.choices)
    submitted_by = models.CharField(_("报送人"), max_length=120)
    submitted_at = models.DateTimeField(_("报送时间"), db_index=True)
    filename = models.CharField(_("文件名"), max_length=200, blank=True)
    atomic = models.BooleanField(_("整批接收或整批退回"), default=False)
    status = models.CharField(_("结果"), max_length=10, choices=BatchStatus.choices)
    received = models.PositiveIntegerField(_("收到"), default=0)
    created = models.PositiveIntegerField(_("新增"), default=0)
    updated = models.PositiveIntegerField(_("更新"), default=0)
    unchanged = models.PositiveIntegerField(_("未变化"), default=0)
    rejected = models.PositiveIntegerField(_("退回"), default=0)
    errors = models.JSONField(_("错误明细"), default=list, blank=True)
    ids = models.JSONField(_("各行对应编号"), default=list, blank=True)
    duration_ms = models.PositiveIntegerField(_("耗时（毫秒）"), default=0)
    log_seq = models.BigIntegerField(_("变更日志序号"), default=0)

    objects = ParcelBatchQuerySet.as_manager()

    class Meta:
        verbose_name = _("寄递数据批次")
        verbose_name_plural = verbose_name
        ordering = ["-submitted_at"]
        constraints = [models.UniqueConstraint(fields=["organisation", "kind", "client_batch_id"],
                                               name="parcel_batch_id_unique_per_source")]

    replayed = False  # set when a re-sent batch id returns this batch

    def __str__(self) -> str:
        return f"{self.organisation_id}/{self.kind} #{self.pk} ({self.status})"


class WaybillQuerySet(models.QuerySet):
    def visible_to(self, principal) -> "WaybillQuerySet":
        """Officers with the parcel right see every waybill; a carrier its own; nobody else any (the public
        query goes through `services.tracking`, which masks)."""
        if principal.can("parcel.view"):
            return self
        if principal.can("parcel.report") and principal.organisation_id:
            return self.filter(organisation_id=principal.organisation_id)
        return self.none()


class Waybill(models.Model):
    """A waybill of a courier firm, unique per (carrier, waybill number).

    `carrier` is the courier firm's registry entry, `organisation` the access organisation that reports for it.
    The order it carries is kept as the platform's USCC and order number (plain strings: sources do not import
    each other); `orders` lists every order the waybill was reported for (more than one is a reused waybill).
    Regions are 6-digit codes. Weights are kilograms: as declared when the waybill was made, and as scanned.

    The consignee's name, phone and address are encrypted at rest (`consignee_cipher`, SM4-GCM bound to carrier
    and number) and kept masked; `phone_tail_digest` is a keyed hash of the phone's last four digits, which is
    how a consignee proves who they are on the public query. `state` … `signed_region` are derived from the
    scans after every scan batch: the latest scan's state and time, the pick-up (the first 揽收 scan, else the
    first scan) and its region, the first signature and its region, the first return.
    """

    carrier = models.ForeignKey("registry.Subject", on_delete=models.PROTECT, related_name="waybills",
                                verbose_name=_("寄递企业"))
    organisation = models.ForeignKey("access.Organisation", on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("报送单位"))
    waybill_no = models.CharField(_("运单号"), max_length=40)
    platform_uscc = models.CharField(_("平台统一社会信用代码"), max_length=18, blank=True)
    order_no = models.CharField(_("平台订单号"), max_length=64, blank=True)
    shop = models.ForeignKey("registry.Subject", on_delete=models.PROTECT, null=True, blank=True, related_name="+",
                             verbose_name=_("寄件网店"))
    origin_region = models.CharField(_("始发地区"), max_length=6, blank=True)
    destination_region = models.CharField(_("目的地区"), max_length=6, blank=True)
    declared_weight_kg = models.DecimalField(_("申报重量（千克）"), max_digits=10, decimal_places=3, null=True,
                                             blank=True)
    scanned_weight_kg = models.DecimalField(_("称重（千克）"), max_digits=10, decimal_places=3, null=True,
                                            blank=True)
    created_at = models.DateTimeField(_("运单生成时间"), db_index=True)
    consignee_cipher = models.BinaryField(_("收件人信息（加密）"), null=True, blank=True, editable=False)
    consignee_name_masked = models.CharField(_("收件人（脱敏）"), max_length=40, blank=True)
    consignee_phone_masked = models.CharField(_("收件人电话（脱敏）"), max_length=24, blank=True)
    consignee_address_masked = models.CharField(_("收件地址（脱敏）"), max_length=40, blank=True)
    phone_tail_digest = models.CharField(max_length=64, blank=True, editable=False)
    content_hash = models.CharField(max_length=64, editable=False)
    batch = models.ForeignKey(ParcelBatch, on_delete=models.PROTECT, related_name="+", verbose_name=_("批次"))
    received_at = models.DateTimeField(_("入库时间"))

    state = models.CharField(_("当前状态"), max_length=20, choices=WaybillState.choices,
                             default=WaybillState.CREATED)
    state_at = models.DateTimeField(_("最新轨迹时间"), null=True, blank=True)
    accepted_at = models.DateTimeField(_("揽收时间"), null=True, blank=True, db_index=True)
    accepted_region = models.CharField(_("揽收地区"), max_length=6, blank=True)
    signed_at = models.DateTimeField(_("签收时间"), null=True, blank=True)
    signed_region = models.CharField(_("签收地区"), max_length=6, blank=True)
    returned_at = models.DateTimeField(_("退回时间"), null=True, blank=True)
    scans_count = models.PositiveIntegerField(_("轨迹条数"), default=0)

    objects = WaybillQuerySet.as_manager()

    class Meta:
        verbose_name = _("运单")
        verbose_name_plural = verbose_name
        constraints = [models.UniqueConstraint(fields=["carrier", "waybill_no"], name="waybill_unique_per_carrier")]
        indexes = [models.Index(fields=["waybill_no"]), models.Index(fields=["platform_uscc", "order_no"])]

    def __str__(self) -> str:
        return self.waybill_no

    @property
    def order_id(self) -> str:
        """The order across apps: `platform_uscc/order_no` ("" when the carrier named none)."""
        return f"{self.platform_uscc}/{self.order_no}" if self.platform_uscc and self.order_no else ""


class WaybillOrder(models.Model):
    """An order a waybill was reported for (the first one is also on the waybill). Replaced whole when the
    waybill is re-sent with other orders. One waybill on several orders is what a reused waybill looks like."""

    waybill = models.ForeignKey(Waybill, on_delete=models.CASCADE, related_name="orders", verbose_name=_("运单"))
    platform_uscc = models.CharField(_("平台统一社会信用代码"), max_length=18)
    order_no = models.CharField(_("平台订单号"), max_length=64)

    class Meta:
        verbose_name = _("运单对应订单")
        verbose_name_plural = verbose_name
        constraints = [models.UniqueConstraint(fields=["waybill", "platform_uscc", "order_no"],
                                               name="waybill_order_once")]
        indexes = [models.Index(fields=["platform_uscc", "order_no"])]

    def __str__(self) -> str:
        return f"{self.platform_uscc}/{self.order_no}"


class StationKind(models.TextChoices):
    """Kinds of station (logistics.yaml station_types names them and says which are hubs)."""

    HUB = "hub", _("分拨中心")
    TRANSIT_CENTRE = "transit_centre", _("转运中心")
    OUTLET = "outlet", _("营业网点")
    AGENT = "agent", _("末端驿站（代收点）")
    LOCKER = "locker", _("智能快件箱")


class Scan(models.Model):
    """One tracking scan of a waybill: when, what happened (our state, and the carrier's own code as sent), at
    which station (its type; a sorting hub is what the empty-parcel rules look for), in which region, where it
    goes next, the courier (masked), and the carrier's text (phone numbers and IDs masked). A scan is unique per
    (waybill, time, state, station): sent again, it is left alone. Logged per batch."""

    waybill = models.ForeignKey(Waybill, on_delete=models.CASCADE, related_name="scans", verbose_name=_("运单"))
    at = models.DateTimeField(_("扫描时间"))
    state = models.CharField(_("状态"), max_length=20, choices=ScanState.choices)
    carrier_code = models.CharField(_("企业状态代码"), max_length=20, blank=True)
    station = models.CharField(_("站点"), max_length=100, blank=True)
    station_type = models.CharField(_("站点类型"), max_length=20, blank=True)
    region = models.CharField(_("地区编码"), max_length=6, blank=True)
    region_name = models.CharField(_("地区名称"), max_length=60, blank=True)
    next_station = models.CharField(_("下一站"), max_length=100, blank=True)
    courier_name_masked = models.CharField(_("快递员（脱敏）"), max_length=40, blank=True)
    courier_phone_masked = models.CharField(_("快递员电话（脱敏）"), max_length=24, blank=True)
    text = models.CharField(_("描述"), max_length=300, blank=True)
    batch = models.ForeignKey(ParcelBatch, on_delete=models.PROTECT, related_name="+", verbose_name=_("批次"))

    class Meta:
        verbose_name = _("轨迹")
        verbose_name_plural = verbose_name
        constraints = [models.UniqueConstraint(fields=["waybill", "at", "state", "station"], name="scan_once")]
        ordering = ["at", "id"]

    def __str__(self) -> str:
        return f"{self.waybill_id} {self.at:%Y-%m-%d %H:%M} {self.state}"


class DeliveryFeedback(models.Model):
    """A consumer's feedback on one delivery (R4.3): satisfaction 1–5, tags of logistics.yaml, text (phones and
    IDs masked), and whether it is a complaint. One per waybill, given by whoever proved the consignee's phone's
    last four digits. Logged (`log_seq`)."""

    waybill = models.OneToOneField(Waybill, on_delete=models.PROTECT, related_name="feedback",
                                   verbose_name=_("运单"))
    satisfaction = models.PositiveSmallIntegerField(_("满意度（1–5）"))
    tags = models.JSONField(_("标签"), default=list, blank=True)
    text = models.CharField(_("评价内容"), max_length=2000, blank=True)
    complaint = models.BooleanField(_("投诉"), default=False)
    channel = models.CharField(_("渠道"), max_length=12)
    given_at = models.DateTimeField(_("反馈时间"), db_index=True)
    log_seq = models.BigIntegerField(_("变更日志序号"), default=0)

    class Meta:
        verbose_name = _("寄递服务评价")
        verbose_name_plural = verbose_name
        constraints = [models.CheckConstraint(name="feedback_satisfaction_1_to_5",
                                              condition=Q(satisfaction__gte=1, satisfaction__lte=5))]

    def __str__(self) -> str:
        return f"{self.waybill_id}: {self.satisfaction}"


class CarrierFigures(models.Model):
    """A courier firm's figures for one month of pick-ups (`month`: its first day), recomputed by
    `refresh_figures` (derived data: not logged; `policy_version` names the rules). Other apps read these columns:

    - `waybills`: waybills picked up in the month; `delivered`: of them, signed; `refused`, `returned`
    - `on_time`: signed within the time limit of their route (logistics.yaml service_standards);
      `late`: signed later, or not yet signed, refused nor returned once the limit has passed
    - `on_time_rate`: on_time / (on_time + late) (null: none due yet)
    - `lost`: neither signed, refused nor returned after the complete delay, or reported lost in a problem or
      return scan; `loss_rate`: lost / waybills
    - `complaints`: feedback on these waybills that is a complaint; `complaints_per_million`: per million waybills
    - `feedback_count`, `feedback_average`: feedback given on these waybills and its mean satisfaction (1–5)
    - `judged`: the month had at least the minimum of waybills; `passed`: it met every threshold (null: not judged)
    - `final`: the month is settled (logistics.yaml figures.settle_days after its end)
    - `record`: the service-quality record written for a failed final month, if any
    """

    carrier = models.ForeignKey("registry.Subject", on_delete=models.CASCADE, related_name="parcel_figures",
                                verbose_name=_("寄递企业"))
    month = models.DateField(_("月份"))
    waybills = models.PositiveIntegerField(_("揽收运单数"), default=0)
    delivered = models.PositiveIntegerField(_("签收数"), default=0)
    refused = models.PositiveIntegerField(_("拒收数"), default=0)
    returned = models.PositiveIntegerField(_("退回数"), default=0)
    on_time = models.PositiveIntegerField(_("按时签收数"), default=0)
    late = models.PositiveIntegerField(_("延误数"), default=0)
    on_time_rate = models.FloatField(_("时限准时率"), null=True, blank=True)
    lost = models.PositiveIntegerField(_("丢失数"), default=0)
    loss_rate = models.FloatField(_("丢失率"), null=True, blank=True)
    complaints = models.PositiveIntegerField(_("投诉数"), default=0)
    complaints_per_million = models.FloatField(_("投诉率（件/百万件）"), null=True, blank=True)
    feedback_count = models.PositiveIntegerField(_("评价数"), default=0)
    feedback_average = models.FloatField(_("平均满意度"), null=True, blank=True)
    judged = models.BooleanField(_("达到评价件量"), default=False)
    passed = models.BooleanField(_("达标"), null=True, blank=True)
    final = models.BooleanField(_("已结算"), default=False)
    record = models.ForeignKey("archive.CreditRecord", on_delete=models.SET_NULL, null=True, blank=True,
                               related_name="+", verbose_name=_("服务质量记录"))
    policy_version = models.CharField(_("规则版本"), max_length=16)
    computed_at = models.DateTimeField(_("计算时间"))

    class Meta:
        verbose_name = _("寄递企业月度指标")
        verbose_name_plural = verbose_name
        ordering = ["-month", "carrier"]
        constraints = [models.UniqueConstraint(fields=["carrier", "month"], name="carrier_figures_once_a_month")]

    def __str__(self) -> str:
        return f"{self.carrier_id} {self.month:%Y-%m}"
