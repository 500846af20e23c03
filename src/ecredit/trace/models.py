"""Traceability: EPCIS 2.0 capture and query, products by GTIN, key-product trace chains (source app).

Events are stored once per GS1 canonical event hash; the parts a query or a trace chain filters on (EPCs with
their GTIN/lot/serial, business transactions, sources and destinations) are kept in side tables with indexes,
and the event as received (JSON-LD form; XML documents converted) is kept whole in `Event.document`.
"""

from __future__ import annotations

from django.db import models
from django.db.models import Q
from django.utils.translation import gettext_lazy as _


class JobStatus(models.TextChoices):
    """Where a capture job is (GS1 REST binding: `running`, then `success` or failed)."""

    RUNNING = "running", _("处理中")
    SUCCEEDED = "succeeded", _("已完成")
    FAILED = "failed", _("失败")


class ErrorBehaviour(models.TextChoices):
    """GS1-Capture-Error-Behaviour: undo the whole document on the first bad event, or keep the good ones."""

    ROLLBACK = "rollback", _("全部回滚")
    PROCEED = "proceed", _("跳过错误继续")


class EventType(models.TextChoices):
    """The five EPCIS 2.0 event types."""

    OBJECT = "ObjectEvent", "ObjectEvent"
    AGGREGATION = "AggregationEvent", "AggregationEvent"
    TRANSACTION = "TransactionEvent", "TransactionEvent"
    TRANSFORMATION = "TransformationEvent", "TransformationEvent"
    ASSOCIATION = "AssociationEvent", "AssociationEvent"


class Action(models.TextChoices):
    """An event's action (TransformationEvent has none)."""

    ADD = "ADD", "ADD"
    OBSERVE = "OBSERVE", "OBSERVE"
    DELETE = "DELETE", "DELETE"
    NONE = "", _("无")


class EpcRole(models.TextChoices):
    """Which list of the event an identifier came from."""

    EPC = "epc", "epcList"
    PARENT = "parent", "parentID"
    CHILD = "child", "childEPCs"
    INPUT = "input", "inputEPCList"
    OUTPUT = "output", "outputEPCList"
    QUANTITY = "quantity", "quantityList"
    CHILD_QUANTITY = "child_quantity", "childQuantityList"
    INPUT_QUANTITY = "input_quantity", "inputQuantityList"
    OUTPUT_QUANTITY = "output_quantity", "outputQuantityList"


class SourceDestKind(models.TextChoices):
    """sourceList or destinationList."""

    SOURCE = "source", "source"
    DESTINATION = "destination", "destination"


class CaptureJobQuerySet(models.QuerySet):
    """Capture jobs, scoped by who asks."""

    def visible_to(self, principal) -> "CaptureJobQuerySet":
        """trace.view (and the credit office) every job; a capturer its own organisation's; a subject's own
        account only its own (subject accounts share one self-service organisation)."""
        if principal.city_wide or principal.can("trace.view"):
            return self.all()
        if not (principal.can("trace.capture") and principal.organisation_id):
            return self.none()
        own = self.filter(organisation_id=principal.organisation_id)
        if principal.acts_as_subject:
            return own.filter(subject_id=principal.subject_id) if principal.subject_id else self.none()
        return own


class CaptureJob(models.Model):
    """One EPCIS document sent to POST /epcis/capture (or one event to POST /epcis/events) and what became of it.

    The REST binding answers 202 with this job's URL; GET /epcis/capture/{id} shows its status and, when events
    were refused, every violation (path + reason). Kept for as long as its events are.
    """

    organisation = models.ForeignKey("access.Organisation", on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("提交单位"))
    received_at = models.DateTimeField(_("接收时间"))
    finished_at = models.DateTimeField(_("完成时间"), null=True, blank=True)
    status = models.CharField(_("状态"), max_length=10, choices=JobStatus.choices, default=JobStatus.RUNNING)
    media_type = models.CharField(_("文档类型"), max_length=40)
    events = models.IntegerField(_("事件数"), default=0)
    errors = models.JSONField(_("错误"), default=list, blank=True)
    error_behaviour = models.CharField(_("出错处理"), max_length=8, choices=ErrorBehaviour.choices,
                                       default=ErrorBehaviour.ROLLBACK)
    # Added beyond the contract: how many events were new (a re-sent document stores nothing new).
    stored = models.IntegerField(_("新存储事件数"), default=0)
    epcis_version = models.CharField(_("EPCIS版本"), max_length=8, blank=True)
    cbv_version = models.CharField(_("CBV版本"), max_length=8, blank=True)
    log_seq = models.BigIntegerField(_("日志序号"), null=True)
    # A subject's own account captures under the shared self-service organisation: the subject says whose it is.
    subject = models.ForeignKey("registry.Subject", on_delete=models.PROTECT, null=True, blank=True,
                                related_name="+", verbose_name=_("报送主体（本人账户）"))

    objects = CaptureJobQuerySet.as_manager()

    class Meta:
        verbose_name = _("EPCIS采集任务")
        verbose_name_plural = verbose_name
        ordering = ["-received_at", "-id"]

    def __str__(self) -> str:
        return f"capture {self.pk} ({self.status})"


class EventQuerySet(models.QuerySet):
    """EPCIS events, scoped by who asks."""

    def visible_to(self, principal) -> "EventQuerySet":
        """Events the principal may read through /epcis/: trace.view (and the credit office) all of them; a
        capturer the events its own organisation captured (a subject's own account: its own jobs' events); the
        public none (it has the trace page)."""
        if principal.city_wide or principal.can("trace.view"):
            return self.all()
        if principal.acts_as_subject:
            return self.filter(capture_job__in=CaptureJob.objects.visible_to(principal))
        if principal.can("trace.capture") and principal.organisation_id:
            return self.filter(organisation_id=principal.organisation_id)
        return self.none()


class Event(models.Model):
    """One EPCIS 2.0 event, stored once per canonical event hash (GS1 CBV 2.0 event hash algorithm).

    `document` is the event as received in JSON-LD form (XML captures converted), with `recordTime` set by us
    on capture; the other columns are copies of what queries filter on.
    """

    event_hash = models.CharField(_("事件哈希"), max_length=120, unique=True)
    event_id = models.CharField(_("事件标识"), max_length=300, db_index=True)
    event_type = models.CharField(_("事件类型"), max_length=20, choices=EventType.choices)
    action = models.CharField(_("动作"), max_length=8, choices=Action.choices, blank=True)
    event_time = models.DateTimeField(_("事件时间"), db_index=True)
    event_timezone_offset = models.CharField(_("时区偏移"), max_length=6)
    record_time = models.DateTimeField(_("记录时间"), db_index=True)
    biz_step = models.CharField(_("业务步骤"), max_length=300, blank=True)
    disposition = models.CharField(_("处置状态"), max_length=300, blank=True)
    read_point = models.CharField(_("读取点"), max_length=300, blank=True)
    biz_location = models.CharField(_("业务地点"), max_length=300, blank=True)
    organisation = models.ForeignKey("access.Organisation", on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("采集单位"))
    capture_job = models.ForeignKey(CaptureJob, on_delete=models.PROTECT, related_name="event_rows",
                                    verbose_name=_("采集任务"))
    document = models.JSONField(_("事件内容"))
    # Added beyond the contract: an ErrorDeclaration's declaration time (null for ordinary events).
    error_declared_at = models.DateTimeField(_("错误声明时间"), null=True, blank=True)
    # A TransformationEvent's transformationID ("" when none): the events of one transformation found by index.
    transformation_id = models.CharField(_("转化标识"), max_length=300, blank=True, default="")

    objects = EventQuerySet.as_manager()

    class Meta:
        verbose_name = _("EPCIS事件")
        verbose_name_plural = verbose_name
        ordering = ["event_time", "id"]
        indexes = [
            models.Index(fields=["biz_step", "event_time"], name="trace_event_step_time"),
            models.Index(fields=["disposition", "event_time"], name="trace_event_disp_time"),
            models.Index(fields=["biz_location", "event_time"], name="trace_event_loc_time"),
            models.Index(fields=["read_point", "event_time"], name="trace_event_rp_time"),
            models.Index(fields=["event_type", "event_time"], name="trace_event_type_time"),
            models.Index(fields=["organisation", "event_time"], name="trace_event_org_time"),
            models.Index(fields=["transformation_id"], name="trace_event_transformation"),
        ]

    def __str__(self) -> str:
        return f"{self.event_type} {self.event_time:%Y-%m-%d %H:%M} {self.event_id}"


class EventEpc(models.Model):
    """An identifier an event names (EPC or class-level quantity element), with GTIN/lot/serial parsed out of
    SGTIN/LGTIN/GTIN-class URNs and GS1 Digital Link URIs ("" when not a GTIN-based identifier). An SGTIN's lot
    comes from the ILMD of the event that commissioned it (its other events' rows name no lot)."""

    # Indexed by the covering indexes below (a chain hop reads identifier -> event -> identifiers from them).
    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="epcs", db_index=False)
    epc = models.CharField(_("标识"), max_length=300)
    role = models.CharField(_("角色"), max_length=16, choices=EpcRole.choices)
    gtin = models.CharField(_("GTIN"), max_length=14, blank=True)
    lot = models.CharField(_("批号"), max_length=40, blank=True)
    serial = models.CharField(_("序列号"), max_length=40, blank=True)
    quantity = models.FloatField(_("数量"), null=True, blank=True)
    uom = models.CharField(_("计量单位"), max_length=8, blank=True)

    class Meta:
        verbose_name = _("事件标识")
        verbose_name_plural = verbose_name
        indexes = [
            models.Index(fields=["epc", "event", "role"], name="trace_epc_epc_event"),
            models.Index(fields=["event", "epc", "role"], name="trace_epc_event_epc"),
            models.Index(fields=["gtin", "lot", "epc"], name="trace_epc_gtin_lot"),
            models.Index(fields=["gtin", "serial", "epc"], name="trace_epc_gtin_serial"),
        ]


class EventBizTransaction(models.Model):
    """A business transaction an event refers to (purchase order, invoice, our own order ids...)."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="biz_transactions")
    type = models.CharField(_("类型"), max_length=300, blank=True)
    value = models.CharField(_("标识"), max_length=300, db_index=True)

    class Meta:
        verbose_name = _("事件业务单据")
        verbose_name_plural = verbose_name


class EventSourceDest(models.Model):
    """A source or destination of an event (owning or possessing party, location)."""

    event = models.ForeignKey(Event, on_delete=models.CASCADE, related_name="sources_destinations")
    kind = models.CharField(_("来源或去向"), max_length=12, choices=SourceDestKind.choices)
    type = models.CharField(_("类型"), max_length=300)
    value = models.CharField(_("标识"), max_length=300, db_index=True)

    class Meta:
        verbose_name = _("事件来源去向")
        verbose_name_plural = verbose_name


class ProductQuerySet(models.QuerySet):
    """Products by GTIN."""

    def in_category(self, category: str) -> "ProductQuerySet":
        """Products of one key-product category code (trace.yaml)."""
        return self.filter(category=category)

    def key_products(self) -> "ProductQuerySet":
        """Products in any key-product category."""
        return self.filter(~Q(category=""))


class Product(models.Model):
    """A trade item by GTIN-14, registered by its brand owner or producer (or a department on their behalf)."""

    gtin = models.CharField(_("GTIN"), max_length=14, unique=True)
    name = models.CharField(_("产品名称"), max_length=200)
    brand = models.CharField(_("品牌"), max_length=120, blank=True)
    category = models.CharField(_("重点产品类别"), max_length=40, blank=True, db_index=True)
    owner = models.ForeignKey("registry.Subject", on_delete=models.PROTECT, null=True, blank=True,
                              related_name="+", verbose_name=_("品牌所有者或生产者"))
    net_weight_kg = models.DecimalField(_("净重（千克）"), max_digits=12, decimal_places=3, null=True, blank=True)
    created_at = models.DateTimeField(_("登记时间"))
    organisation = models.ForeignKey("access.Organisation", on_delete=models.PROTECT, related_name="+",
                                     verbose_name=_("登记单位"))
    log_seq = models.BigIntegerField(_("日志序号"), null=True)

    objects = ProductQuerySet.as_manager()

    class Meta:
        verbose_name = _("产品")
        verbose_name_plural = verbose_name
        ordering = ["gtin"]

    def __str__(self) -> str:
        return f"{self.gtin} {self.name}"
