"""Read-only admin of funds, claims and the ledger: written only through compensation.services / flows."""

from django.contrib import admin

from ecredit.adminkit import ReadOnlyAdmin, ReadOnlyInline

from .models import ClaimStep, CompensationClaim, LedgerPosting, LedgerTransaction, ProtectionFund


@admin.register(ProtectionFund)
class FundAdmin(ReadOnlyAdmin):
    list_display = ("platform", "agreement_no", "agreed_minimum_fen", "balance_fen", "updated_at")
    search_fields = ("platform__name", "agreement_no")


class StepInline(ReadOnlyInline):
    model = ClaimStep
    fields = ("at", "action", "status", "actor", "organisation", "amount_fen", "text")


@admin.register(CompensationClaim)
class ClaimAdmin(ReadOnlyAdmin):
    list_display = ("id", "platform", "platform_claim_id", "complaint_ref", "status", "claimed_fen", "paid_fen",
                    "recovered_fen", "written_off_fen", "filed_at")
    list_filter = ("status", "origin", "basis")
    search_fields = ("platform_claim_id", "complaint_ref", "order_no")
    exclude = ("consumer_cipher",)   # the consumer's contact is read through the logged service only
    inlines = [StepInline]


class PostingInline(ReadOnlyInline):
    model = LedgerPosting
    fields = ("account", "claim", "amount_fen")


@admin.register(LedgerTransaction)
class TransactionAdmin(ReadOnlyAdmin):
    list_display = ("id", "platform", "kind", "claim", "reference", "at", "actor")
    list_filter = ("kind",)
    search_fields = ("reference",)
    inlines = [PostingInline]
