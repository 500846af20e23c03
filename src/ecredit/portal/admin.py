from django.contrib import admin

from ecredit.adminkit import ReadOnlyAdmin

from .models import CreditReport, Publication


@admin.register(Publication)
class PublicationAdmin(ReadOnlyAdmin):
    """Notices are published and withdrawn through the API or the services (both logged), not edited here."""

    list_display = ("id", "kind", "title", "subject", "publisher", "published_on", "public_until", "status")
    list_filter = ("kind", "status")
    search_fields = ("title", "subject__name")
    raw_id_fields = ("subject", "publisher_subject")


@admin.register(CreditReport)
class CreditReportAdmin(ReadOnlyAdmin):
    """Issued reports; the file itself is not shown here (it may be a person's own report)."""

    list_display = ("code", "subject", "scope", "issued_at", "issued_to", "purpose", "status")
    list_filter = ("scope", "status")
    search_fields = ("code", "subject__name")
    exclude = ("pdf", "content")
    raw_id_fields = ("subject",)
