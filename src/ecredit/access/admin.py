from django.contrib import admin

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
class ApiClientAdmin(admin.ModelAdmin):
    list_display = ("name", "organisation", "role", "token_prefix", "active", "expires_at")
    list_filter = ("role", "active")
    readonly_fields = ("token_digest", "token_prefix", "created_at")
