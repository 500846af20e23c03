"""Shared pieces of the Django admin (a face; apps' admin.py import this, services never do)."""

from django.contrib import admin


class NoWrites:
    """No add, change or delete: for tables written only through services (change log, encryption)."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class ReadOnlyAdmin(NoWrites, admin.ModelAdmin):
    """An admin that only reads."""


class ReadOnlyInline(NoWrites, admin.TabularInline):
    """An inline of a read-only admin."""

    extra = 0
