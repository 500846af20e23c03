from django.contrib import admin

from ecredit.adminkit import ReadOnlyAdmin, ReadOnlyInline

from .models import Subject, SubjectName, SubjectRole


class RoleInline(ReadOnlyInline):
    model = SubjectRole


class NameInline(ReadOnlyInline):
    model = SubjectName
    readonly_fields = ("name", "valid_from", "valid_to", "source")


@admin.register(Subject)
class SubjectAdmin(ReadOnlyAdmin):
    """Subjects are written through the registry's services (change log, name history, encryption)."""

    list_display = ("name", "kind", "key", "region", "verified", "last_reported_at")
    list_filter = ("kind", "verified", "region")
    search_fields = ("name", "uscc", "shop_id")
    raw_id_fields = ("platform", "operator")
    inlines = [RoleInline, NameInline]
