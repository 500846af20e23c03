"""Logistics' tables in the Django admin: read only, since every write goes through the services (and the change
log). The consignee is shown masked only; the console reveals it with a stated purpose."""

from django.contrib import admin

from ecredit.adminkit import ReadOnlyAdmin, ReadOnlyInline

from .models import CarrierFigures, DeliveryFeedback, ParcelBatch, Scan, Waybill, WaybillOrder


@admin.register(ParcelBatch)
class ParcelBatchAdmin(ReadOnlyAdmin):
    """Batches of waybills and scans with their row-level errors."""

    list_display = ("id", "organisation", "kind", "vocabulary", "channel", "status", "received", "created",
                    "updated", "rejected", "submitted_at")
    list_filter = ("kind", "channel", "status")
    search_fields = ("client_batch_id", "filename")
    exclude = ("ids",)


class WaybillOrderInline(ReadOnlyInline):
    model = WaybillOrder


@admin.register(Waybill)
class WaybillAdmin(ReadOnlyAdmin):
    """Waybills as carriers sent them, with the state derived from their scans."""

    list_display = ("waybill_no", "carrier", "state", "platform_uscc", "order_no", "origin_region",
                    "destination_region", "created_at")
    list_filter = ("state",)
    search_fields = ("waybill_no", "order_no")
    raw_id_fields = ("carrier", "organisation", "shop", "batch")
    exclude = ("consignee_cipher", "phone_tail_digest", "content_hash")
    inlines = [WaybillOrderInline]


@admin.register(Scan)
class ScanAdmin(ReadOnlyAdmin):
    """Tracking scans (couriers masked)."""

    list_display = ("waybill", "at", "state", "carrier_code", "station", "station_type", "region")
    list_filter = ("state", "station_type")
    raw_id_fields = ("waybill", "batch")


@admin.register(DeliveryFeedback)
class DeliveryFeedbackAdmin(ReadOnlyAdmin):
    """Consumers' delivery feedback."""

    list_display = ("waybill", "satisfaction", "complaint", "channel", "given_at")
    list_filter = ("complaint", "satisfaction")
    raw_id_fields = ("waybill",)


@admin.register(CarrierFigures)
class CarrierFiguresAdmin(ReadOnlyAdmin):
    """Courier firms' monthly figures (derived)."""

    list_display = ("carrier", "month", "waybills", "on_time_rate", "loss_rate", "complaints_per_million",
                    "feedback_average", "judged", "passed", "final")
    list_filter = ("month", "passed")
    raw_id_fields = ("carrier", "record")
