from django.contrib import admin

from .models import AccessLogEntry, ChangeLogEntry


class AppendOnly(admin.ModelAdmin):
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(ChangeLogEntry)
class ChangeLogAdmin(AppendOnly):
    list_display = ("seq", "at", "actor", "organisation", "action", "model", "object_id")
    list_filter = ("action", "model")
    search_fields = ("actor", "object_id")


@admin.register(AccessLogEntry)
class AccessLogAdmin(AppendOnly):
    list_display = ("at", "actor", "organisation", "subject_id", "data", "purpose", "channel")
    list_filter = ("data", "channel")
    search_fields = ("actor", "purpose")
