from django.contrib import admin

from .models import Batch


@admin.register(Batch)
class BatchAdmin(admin.ModelAdmin):
    list_display = ("id", "organisation", "channel", "status", "received", "created", "updated", "unchanged",
                    "rejected", "submitted_at")
    list_filter = ("channel", "status", "organisation")
    readonly_fields = [f.name for f in Batch._meta.fields]

    def has_add_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
