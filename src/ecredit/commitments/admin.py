from django.contrib import admin

from ecredit.access.principal import for_user
from ecredit.adminkit import LoggedReads, ReadOnlyAdmin

from .models import CodeCounter, Commitment
from .services import log_reads


@admin.register(Commitment)
class CommitmentAdmin(LoggedReads, ReadOnlyAdmin):
    """Read-only: commitments change through their flows, which sign, publish and log them."""

    list_display = ("code", "commitment_type", "subject", "status", "visibility", "fulfilment", "signed_on",
                    "valid_until", "accepted_by")
    list_filter = ("commitment_type", "status", "visibility", "fulfilment")
    search_fields = ("code", "subject__name", "subject__uscc", "matter")
    raw_id_fields = ("subject", "record", "breach_record", "repaired_record", "repair_application")
    date_hierarchy = "signed_on"

    def log_read(self, request, obj) -> None:
        log_reads(for_user(request.user), [obj], "数据管理", "admin")


@admin.register(CodeCounter)
class CodeCounterAdmin(ReadOnlyAdmin):
    list_display = ("region", "day", "last")
