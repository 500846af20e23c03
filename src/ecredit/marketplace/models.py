"""Trades and ratings sent by platforms, the batches that brought them, shielded reviews, shop reputation.

Orders and ratings are high-volume platform data, not credit records: the change log keeps one entry per
*batch* (its content hash and counts, `TradeBatch.log_seq`), not one per row; each row names its batch.
Shielding a review is a decision about one row and has its own entry (`ReviewShield.log_seq`).
"""

from __future__ import annotations

from django.db import models
from django.utils.translation import gettext_lazy as _


class TradeKind(models.TextChoices):
    """What a batch carried."""

    ORDERS = "orders", _("订单")
    RATINGS = "ratings", _("评价")
    APPENDED = "appended", _("追加评价")


class TradeChannel(models.TextChoices):
    """How a batch arrived."""

    API = "api", _("接口")
    FILE = "file", _("文件导入")
    DEMO = "demo", _("演示数据")


class BatchStatus(models.TextChoices):
    """What became of a batch's rows."""

    ACCEPTED = "accepted", _("全部接收")
    PARTIAL = "partial", _("部分接收")
    REJECTED = "rejected", _("全部退回")


class TradeBatchQuerySet(models.QuerySet):
    def visible_to(self, principal) -> "TradeBatchQuerySet":
        """A platform sees its own batches; the credit office sees all."""
        if principal.city_wide:
            return self
        if principal.organisation_id is None:
            return self.none()
        return self.filter(organisation_id=principal.organisation_id)


class TradeBatch(models.Model):
    """One delivery of orders or ratings from a platform (API call, file chunk, or one appended review).

    `client_batch_id` (unique per organisation and kind) makes a re-sent batch return the first answer;
    `content_hash` (SM3 of the rows as received, canonical JSON) tells a re-send from other rows under the
    same id. This row is what the change log keeps of the trade data: one entry per batch, `log_seq`.
    `ids` lists, in row order, the id of the order or rating each row became (null for a refused row).
    """

    organisation = models.ForeignKey("access.Organisation", on_delete=models.PROTECT,
                                     related_name="trade_batches", verbose_name=_("报送单位"))
    kind = models.CharField(_("数据类型"), max_length=10, choices=TradeKind.choices)
    client_batch_id = models.CharField(_("报送方批次号"), max_length=100, null=True, blank=True)
    content_hash = models.CharField(_("内容摘要（SM3）"), max_length=64)
    channel = models.CharField(_("渠道"), max_length=8, choices=TradeChannel.choices)
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

    objects = TradeBatchQuerySet.as_manager()

    class Meta:
        verbose_name = _("交易数据批次")
        verbose_name_plural = verbose_name
        ordering = ["-submitted_at"]
        constraints = [models.UniqueConstraint(fields=["organisation", "kind", "client_batch_id"],
                                               name="trade_batch_id_unique_per_source")]

    replayed = False  # set when a re-sent batch id returns this batch

    def __str__(self) -> str:
        return f"{self.organisation_id}/{self.kind} #{self.pk} ({self.status})"


class OrderStatus(models.TextChoices):
    """Where an order is. Statuses only move forward; refunded and cancelled are final."""

    PAID = "paid", _("已付款")
    SHIPPED = "shipped", _("已发货")
    COMPLETED = "completed", _("交易成功")
    REFUNDED = "refunded", _("已退款")
    CANCELLED = "cancelled", _("已取消")


class Order(models.Model):
    """An order on a platform, unique per (platform, the platform's order id); sent again unchanged it is left
    alone, sent with changes (shipped, completed, refunded later) it is updated. Logged per batch: `batch`
    is the last batch that created or changed it. `buyer` is the platform's pseudonym of the buyer, never a
    phone number or an ID. Amounts are in yuan. `ship_to_region` is the 6-digit region code of the delivery
    address ("" unknown; never the address itself) and `goods_weight_kg` the goods' total weight (null
    unknown): the empty-parcel rules compare them with the waybill."""

    platform = models.ForeignKey("registry.Subject", on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("平台"))
    order_no = models.CharField(_("平台订单号"), max_length=64)
    shop = models.ForeignKey("registry.Subject", on_delete=models.PROTECT, related_name="orders",
                             verbose_name=_("网店"))
    buyer = models.CharField(_("买家标识（平台化名）"), max_length=128)
    amount = models.DecimalField(_("订单金额（元）"), max_digits=14, decimal_places=2)
    status = models.CharField(_("状态"), max_length=10, choices=OrderStatus.choices)
    ordered_at = models.DateTimeField(_("下单时间"))
    paid_at = models.DateTimeField(_("付款时间"), null=True, blank=True)
    shipped_at = models.DateTimeField(_("发货时间"), null=True, blank=True)
    completed_at = models.DateTimeField(_("交易成功时间"), null=True, blank=True)
    refunded_at = models.DateTimeField(_("退款时间"), null=True, blank=True)
    cancelled_at = models.DateTimeField(_("取消时间"), null=True, blank=True)
    payment_channel = models.CharField(_("支付渠道"), max_length=40, blank=True)
    waybill = models.CharField(_("运单号"), max_length=40, blank=True)
    ship_to_region = models.CharField(_("收货地区代码"), max_length=6, blank=True, default="")
    goods_weight_kg = models.DecimalField(_("商品重量（千克）"), max_digits=10, decimal_places=3, null=True,
                                          blank=True)
    content_hash = models.CharField(max_length=64)
    batch = models.ForeignKey(TradeBatch, on_delete=models.PROTECT, related_name="+", verbose_name=_("批次"))
    created_at = models.DateTimeField(_("入库时间"))
    updated_at = models.DateTimeField(_("更新时间"))

    class Meta:
        verbose_name = _("订单")
        verbose_name_plural = verbose_name
        constraints = [models.UniqueConstraint(fields=["platform", "order_no"],
                                               name="order_unique_per_platform")]
        # ordered_at alone: the detectors (findings/exporters.py) read every platform's orders of a window.
        indexes = [models.Index(fields=["shop", "ordered_at"]), models.Index(fields=["buyer", "shop"]),
                   models.Index(fields=["ordered_at"], name="order_ordered_at_idx")]

    def __str__(self) -> str:
        return self.order_no


class OrderItem(models.Model):
    """One line of an order: the product's GTIN (check digit valid), its category (marketplace.yaml), how many
    and the unit price in yuan. Replaced whole when its order is re-sent with other items."""

    order = models.ForeignKey(Order, on_delete=models.CASCADE, related_name="items", verbose_name=_("订单"))
    gtin = models.CharField(_("商品条码（GTIN）"), max_length=14)
    category = models.CharField(_("商品类目"), max_length=32)
    quantity = models.PositiveIntegerField(_("数量"))
    price = models.DecimalField(_("单价（元）"), max_digits=12, decimal_places=2)

    class Meta:
        verbose_name = _("订单商品")
        verbose_name_plural = verbose_name
        indexes = [models.Index(fields=["gtin"])]

    def __str__(self) -> str:
        return self.gtin


class Direction(models.TextChoices):
    """Who rates whom."""

    BUYER_TO_SELLER = "buyer_to_seller", _("买家评价卖家")
    SELLER_TO_BUYER = "seller_to_buyer", _("卖家评价买家")


class RatingValue(models.TextChoices):
    """好评, 中评, 差评."""

    GOOD = "good", _("好评")
    NEUTRAL = "neutral", _("中评")
    BAD = "bad", _("差评")


class Rating(models.Model):
    """A rating of one order (optionally of one of its items, by GTIN) in one direction: value, the three
    detailed seller ratings (DSR, 1-5, buyer to seller only), text, and one appended review added later.
    Unique per (order, direction, gtin); a rating is never edited, deleted or re-valued: a re-send with other
    content is refused. Shielding hides its text (`shield`), nothing else. `item_key` is what the repeat rule
    compares (the GTIN, the order's only GTIN, or the order). Logged per batch, like orders."""

    order = models.ForeignKey(Order, on_delete=models.PROTECT, related_name="ratings", verbose_name=_("订单"))
    platform = models.ForeignKey("registry.Subject", on_delete=models.PROTECT, related_name="+",
                                 verbose_name=_("平台"))
    shop = models.ForeignKey("registry.Subject", on_delete=models.PROTECT, related_name="ratings",
                             verbose_name=_("网店"))
    buyer = models.CharField(_("买家标识（平台化名）"), max_length=128)
    direction = models.CharField(_("评价方向"), max_length=16, choices=Direction.choices)
    gtin = models.CharField(_("商品条码（GTIN）"), max_length=14, blank=True)
    item_key = models.CharField(_("计分商品键"), max_length=32)
    value = models.CharField(_("评价"), max_length=8, choices=RatingValue.choices)
    dsr_description = models.PositiveSmallIntegerField(_("描述相符"), null=True, blank=True)
    dsr_service = models.PositiveSmallIntegerField(_("服务态度"), null=True, blank=True)
    dsr_delivery = models.PositiveSmallIntegerField(_("物流服务"), null=True, blank=True)
    text = models.TextField(_("评价内容"), blank=True)
    rated_at = models.DateTimeField(_("评价时间"))
    ordered_at = models.DateTimeField(_("下单时间"))
    appended_text = models.TextField(_("追加评价"), blank=True)
    appended_at = models.DateTimeField(_("追加时间"), null=True, blank=True)
    content_hash = models.CharField(max_length=64)
    batch = models.ForeignKey(TradeBatch, on_delete=models.PROTECT, related_name="+", verbose_name=_("批次"))
    created_at = models.DateTimeField(_("入库时间"))

    class Meta:
        verbose_name = _("评价")
        verbose_name_plural = verbose_name
        constraints = [models.UniqueConstraint(fields=["order", "direction", "gtin"],
                                               name="rating_once_per_item")]
        indexes = [models.Index(fields=["shop", "direction", "rated_at"])]

    def __str__(self) -> str:
        return f"{self.order_id} {self.direction} {self.value}"


class ReviewShield(models.Model):
    """A review's text shielded on a ground of marketplace.yaml (never deleted: E-commerce law art. 39). The
    rating keeps its value and scores; its text and appended text are kept here unchanged and hidden from
    the public. One per rating; logged (`log_seq`)."""

    rating = models.OneToOneField(Rating, on_delete=models.PROTECT, related_name="shield",
                                  verbose_name=_("评价"))
    ground = models.CharField(_("屏蔽理由"), max_length=32)
    note = models.CharField(_("说明"), max_length=300, blank=True)
    reference = models.CharField(_("依据"), max_length=300)
    shielded_by = models.CharField(_("操作人"), max_length=120)
    organisation = models.CharField(_("操作单位"), max_length=64, blank=True)
    shielded_at = models.DateTimeField(_("屏蔽时间"))
    log_seq = models.BigIntegerField(_("变更日志序号"), default=0)

    class Meta:
        verbose_name = _("评价屏蔽")
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return f"{self.rating_id} {self.ground}"


class ShopReputation(models.Model):
    """A shop's reputation figures as of `as_of`, one row per shop, recomputed by `refresh_reputation`
    (derived data: not logged; `policy_version` names the rules). Other apps read these plain columns:

    - `points`: credit points from all buyer-to-seller ratings up to `as_of` (points.py rules)
    - `ratings_30d`, `ratings_180d`: buyer-to-seller ratings given in the window, repeats included
    - `good_rate_30d`, `good_rate_180d`: good / non-repeat ratings in the window (0..1; null: none)
    - `dsr_description_30d` … `dsr_delivery_180d`: average detailed score (1..5; null: none), and
      `dsr_avg_30d`, `dsr_avg_180d`: the mean of the three averages
    - `orders_90d`, `refunds_90d`, `refund_rate_90d`: orders placed in the 90 days (not cancelled), those
      refunded, and their ratio (0..1; null: no orders)
    - `orders_180d`, `complaints_180d`, `complaint_rate_180d`: orders placed in the 180 days, upheld
      complaints about the shop decided in them (archive records of category `complaint`), and complaints
      per 1,000 orders (null: no orders)
    - `main_category`: the shop's category with the largest sales amount in 180 days ("" when none)
    - `category_refund_rate_90d`, `category_complaint_rate_180d`: the same rates pooled over every shop of
      that main category; `refund_rate_relative`, `complaint_rate_relative`: the shop's rate divided by its
      category's (1.0 = as the category; null when either is unknown or the category's is 0)
    Windows end on `as_of` inclusive; their lengths are in marketplace.yaml (figures).
    """

    shop = models.OneToOneField("registry.Subject", on_delete=models.CASCADE, related_name="reputation",
                                verbose_name=_("网店"))
    as_of = models.DateField(_("计算日期"))
    points = models.IntegerField(_("信用积分"), default=0)
    ratings_30d = models.PositiveIntegerField(_("近30日评价数"), default=0)
    ratings_180d = models.PositiveIntegerField(_("近180日评价数"), default=0)
    good_rate_30d = models.FloatField(_("近30日好评率"), null=True, blank=True)
    good_rate_180d = models.FloatField(_("近180日好评率"), null=True, blank=True)
    dsr_description_30d = models.FloatField(_("近30日描述相符"), null=True, blank=True)
    dsr_service_30d = models.FloatField(_("近30日服务态度"), null=True, blank=True)
    dsr_delivery_30d = models.FloatField(_("近30日物流服务"), null=True, blank=True)
    dsr_avg_30d = models.FloatField(_("近30日动态评分均值"), null=True, blank=True)
    dsr_description_180d = models.FloatField(_("近180日描述相符"), null=True, blank=True)
    dsr_service_180d = models.FloatField(_("近180日服务态度"), null=True, blank=True)
    dsr_delivery_180d = models.FloatField(_("近180日物流服务"), null=True, blank=True)
    dsr_avg_180d = models.FloatField(_("近180日动态评分均值"), null=True, blank=True)
    orders_90d = models.PositiveIntegerField(_("近90日订单数"), default=0)
    refunds_90d = models.PositiveIntegerField(_("近90日退款订单数"), default=0)
    refund_rate_90d = models.FloatField(_("近90日退款率"), null=True, blank=True)
    orders_180d = models.PositiveIntegerField(_("近180日订单数"), default=0)
    complaints_180d = models.PositiveIntegerField(_("近180日成立投诉数"), default=0)
    complaint_rate_180d = models.FloatField(_("近180日投诉率（每千单）"), null=True, blank=True)
    main_category = models.CharField(_("主营类目"), max_length=32, blank=True)
    category_refund_rate_90d = models.FloatField(_("类目平均退款率"), null=True, blank=True)
    category_complaint_rate_180d = models.FloatField(_("类目平均投诉率（每千单）"), null=True, blank=True)
    refund_rate_relative = models.FloatField(_("退款率相对类目平均"), null=True, blank=True)
    complaint_rate_relative = models.FloatField(_("投诉率相对类目平均"), null=True, blank=True)
    policy_version = models.CharField(_("规则版本"), max_length=16)
    computed_at = models.DateTimeField(_("计算时间"))

    class Meta:
        verbose_name = _("网店信用评价指标")
        verbose_name_plural = verbose_name

    def __str__(self) -> str:
        return f"{self.shop_id} @ {self.as_of}"
