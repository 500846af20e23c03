from django.contrib import admin

from ecredit.access.principal import for_user
from ecredit.adminkit import LoggedReads, ReadOnlyAdmin

from .models import CreditRecord, Objection, RecordType, RepairApplication
from .services import log_reads


@admin.register(RecordType)
class RecordTypeAdmin(ReadOnlyAdmin):
    """Edited in policy/rules/catalog.yaml and mirrored at migrate."""

    list_display = ("code", "name", "category", "polarity", "severity", "disclosure", "publicity_rule", "in_catalog")
    list_filter = ("category", "polarity", "disclosure")


@admin.register(CreditRecord)
class CreditRecordAdmin(LoggedReads, ReadOnlyAdmin):
    list_display = ("id", "record_type", "subject", "source", "decided_on", "status", "public_until")
    list_filter = ("record_type", "status", "disclosure", "source")
    search_fields = ("source_record_id", "summary", "subject__name", "subject__uscc")
    raw_id_fields = ("subject",)
    date_hierarchy = "decided_on"

    def log_read(self, request, obj) -> None:
        log_reads(for_user(request.user), [obj], "数据管理", "admin")


@admin.register(Objection)
class ObjectionAdmin(ReadOnlyAdmin):
    list_display = ("id", "record", "status", "filed_at", "check_due", "decide_due", "due_estimated")
    list_filter = ("status",)


@admin.register(RepairApplication)
class RepairApplicationAdmin(ReadOnlyAdmin):
    list_display = ("id", "record", "status", "applied_at", "decide_due")
    list_filter = ("status",)
