from django.contrib import admin

from ecredit.adminkit import ReadOnlyAdmin

from .models import PlanProgress


@admin.register(PlanProgress)
class PlanProgressAdmin(ReadOnlyAdmin):
    """Progress reports are written through the console or the API (both logged), not edited here."""

    list_display = ("task", "department", "period", "status", "percent", "reported_by", "reported_at")
    list_filter = ("period", "status", "task")
    search_fields = ("department__name", "summary")
