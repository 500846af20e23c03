"""Django admin: enrolments and their steps, read-only (every change goes through the flows and the change log)."""

from __future__ import annotations

from django.contrib import admin

from ecredit.adminkit import ReadOnlyAdmin, ReadOnlyInline

from .models import Enrolment, EnrolmentStep


class StepInline(ReadOnlyInline):
    model = EnrolmentStep
    fields = ("action", "from_status", "to_status", "actor", "organisation", "at", "reason")


@admin.register(Enrolment)
class EnrolmentAdmin(ReadOnlyAdmin):
    list_display = ("id", "subject", "region", "status", "passed", "decided_on", "valid_until", "published_on")
    list_filter = ("status", "region")
    search_fields = ("subject__name", "decision_no")
    inlines = [StepInline]
