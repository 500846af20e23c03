"""Shared pieces of the Django admin (a face; apps' admin.py import this, services never do)."""

from django.contrib import admin


class ReadOnlyAdmin(admin.ModelAdmin):
    """For tables written only through services (change log, encryption, procedures): the admin reads."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyInline(admin.TabularInline):
    """An inline of a read-only admin."""

    extra = 0

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
