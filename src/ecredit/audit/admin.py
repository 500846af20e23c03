from django.contrib import admin

from ecredit.adminkit import ReadOnlyAdmin

from .models import AccessLogEntry, ChangeLogEntry


@admin.register(ChangeLogEntry)
class ChangeLogAdmin(ReadOnlyAdmin):
    list_display = ("seq", "at", "actor", "organisation", "action", "model", "object_id")
    list_filter = ("action", "model")
    search_fields = ("actor", "object_id")


@admin.register(AccessLogEntry)
class AccessLogAdmin(ReadOnlyAdmin):
    list_display = ("at", "actor", "organisation", "subject_id", "data", "purpose", "channel")
    list_filter = ("data", "channel")
    search_fields = ("actor", "purpose")
