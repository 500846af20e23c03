from django.contrib import admin

from ecredit.access.principal import for_user
from ecredit.adminkit import LoggedReads, ReadOnlyAdmin, ReadOnlyInline
from ecredit.audit.services import record_access

from .models import Subject, SubjectName, SubjectRole


class RoleInline(ReadOnlyInline):
    model = SubjectRole


class NameInline(ReadOnlyInline):
    model = SubjectName
    readonly_fields = ("name", "valid_from", "valid_to", "source")


@admin.register(Subject)
class SubjectAdmin(LoggedReads, ReadOnlyAdmin):
    """Subjects are written through the registry's services (change log, name history, encryption)."""

    list_display = ("name", "kind", "key", "region", "verified", "last_reported_at")
    list_filter = ("kind", "verified", "region")
    search_fields = ("name", "uscc", "shop_id")
    raw_id_fields = ("platform", "operator")
    inlines = [RoleInline, NameInline]

    def log_read(self, request, obj) -> None:
        if obj.kind == "person":
            record_access(for_user(request.user).actor, obj.pk, "subject", "数据管理", "admin")
