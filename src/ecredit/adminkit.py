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


class LoggedReads:
    """Log each opened detail page through `log_read(request, obj)`: the admin shows data the public would
    not see, and every such read is on record (who, which subject, why: "数据管理")."""

    def change_view(self, request, object_id, form_url="", extra_context=None):
        obj = self.get_object(request, object_id)
        if obj is not None:
            self.log_read(request, obj)
        return super().change_view(request, object_id, form_url, extra_context)

    def log_read(self, request, obj) -> None:  # pragma: no cover - each admin defines it
        raise NotImplementedError
