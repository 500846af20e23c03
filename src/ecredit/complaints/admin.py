from django.contrib import admin

from ecredit.adminkit import ReadOnlyAdmin, ReadOnlyInline

from .models import ChannelUpdate, Complaint, ComplaintStep


class StepInline(ReadOnlyInline):
    model = ComplaintStep
    fields = ("at", "action", "actor", "organisation", "status", "note")


@admin.register(Complaint)
class ComplaintAdmin(ReadOnlyAdmin):
    """Cases are written through the services (change log, encryption); the complainant shows only masked here."""

    list_display = ("case_no", "kind", "channel", "received_at", "respondent_name", "category", "department",
                    "status", "next_due", "escalation_level")
    list_filter = ("kind", "channel", "status", "category", "department", "escalation_level")
    search_fields = ("case_no", "channel_ticket", "respondent_name", "shop_name", "order_no")
    date_hierarchy = "received_at"
    exclude = ("complainant_cipher",)
    raw_id_fields = ("subject", "shop", "platform", "record", "merged_into", "sibling")
    inlines = [StepInline]


@admin.register(ChannelUpdate)
class ChannelUpdateAdmin(ReadOnlyAdmin):
    list_display = ("id", "channel", "channel_ticket", "event", "status_code", "status_label", "at",
                    "acknowledged_at")
    list_filter = ("channel", "event")
    search_fields = ("channel_ticket",)
    raw_id_fields = ("complaint",)
