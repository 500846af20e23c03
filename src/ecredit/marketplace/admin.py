"""The marketplace's tables in the Django admin: read only, since every write goes through the services (and
the change log)."""

from django.contrib import admin

from ecredit.adminkit import ReadOnlyAdmin, ReadOnlyInline

from .models import Order, OrderItem, Rating, ReviewShield, ShopReputation, TradeBatch


@admin.register(TradeBatch)
class TradeBatchAdmin(ReadOnlyAdmin):
    """Batches of orders and ratings with their row-level errors."""

    list_display = ("id", "organisation", "kind", "channel", "status", "received", "created", "updated",
                    "rejected", "submitted_at")
    list_filter = ("kind", "channel", "status")
    search_fields = ("client_batch_id", "filename")
    exclude = ("ids",)


class OrderItemInline(ReadOnlyInline):
    model = OrderItem


@admin.register(Order)
class OrderAdmin(ReadOnlyAdmin):
    """Orders as platforms sent them (buyers are the platforms' pseudonyms)."""

    list_display = ("order_no", "platform", "shop", "buyer", "amount", "status", "ordered_at")
    list_filter = ("status",)
    search_fields = ("order_no", "waybill")
    raw_id_fields = ("platform", "shop", "batch")
    inlines = [OrderItemInline]


@admin.register(Rating)
class RatingAdmin(ReadOnlyAdmin):
    """Ratings: never edited or deleted; shielding is done through the API and logged."""

    list_display = ("id", "shop", "direction", "value", "rated_at", "appended_at")
    list_filter = ("direction", "value")
    raw_id_fields = ("order", "platform", "shop", "batch")


@admin.register(ReviewShield)
class ReviewShieldAdmin(ReadOnlyAdmin):
    """Shielded reviews with their ground (the text stays on the rating)."""

    list_display = ("rating", "ground", "shielded_by", "organisation", "shielded_at")
    list_filter = ("ground",)
    raw_id_fields = ("rating",)


@admin.register(ShopReputation)
class ShopReputationAdmin(ReadOnlyAdmin):
    """Shops' reputation figures as last computed."""

    list_display = ("shop", "as_of", "points", "good_rate_180d", "dsr_avg_180d", "refund_rate_90d",
                    "refund_rate_relative", "complaint_rate_180d", "main_category")
    list_filter = ("main_category",)
    search_fields = ("shop__name", "shop__shop_id")
    raw_id_fields = ("shop",)
