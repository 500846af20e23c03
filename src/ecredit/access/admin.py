from django.contrib import admin

from ecredit.adminkit import ReadOnlyAdmin

from .models import ApiClient, Membership, Organisation


@admin.register(Organisation)
class OrganisationAdmin(admin.ModelAdmin):
    list_display = ("code", "name", "kind", "uscc", "active")
    list_filter = ("kind", "active")
    search_fields = ("code", "name", "uscc")


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ("user", "organisation", "role")
    list_filter = ("role", "organisation__kind")


@admin.register(ApiClient)
class ApiClientAdmin(ReadOnlyAdmin):
    """Clients are issued, rotated, revoked and rescoped in the console (接口客户端) or with `ecredit api-client`:
    there the token is shown once and every change is logged; here they are only read."""

    list_display = ("name", "organisation", "role", "token_prefix", "active", "expires_at", "last_used_at",
                    "revoked_at")
    list_filter = ("role", "active")
    search_fields = ("name", "token_prefix", "organisation__code", "organisation__name")
    exclude = ("token_digest", "previous_digest")
