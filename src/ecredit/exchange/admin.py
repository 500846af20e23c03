from django.contrib import admin

from ecredit.adminkit import ReadOnlyAdmin

from .models import Batch


@admin.register(Batch)
class BatchAdmin(ReadOnlyAdmin):
    list_display = ("id", "organisation", "channel", "status", "received", "created", "updated", "unchanged",
                    "rejected", "submitted_at")
    list_filter = ("channel", "status", "organisation")
