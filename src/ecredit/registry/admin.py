from django.contrib import admin

from .models import Subject, SubjectName, SubjectRole


class RoleInline(admin.TabularInline):
    model = SubjectRole
    extra = 0

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class NameInline(admin.TabularInline):
    model = SubjectName
    extra = 0
    readonly_fields = ("name", "valid_from", "valid_to", "source")


@admin.register(Subject)
class SubjectAdmin(admin.ModelAdmin):
    list_display = ("name", "kind", "key", "region", "verified", "last_reported_at")
    list_filter = ("kind", "verified", "region")
    search_fields = ("name", "uscc", "shop_id")
    readonly_fields = ("ric_masked", "verified_at", "last_reported_at", "created_at", "updated_at")
    raw_id_fields = ("platform", "operator")
    inlines = [RoleInline, NameInline]

    # Subjects are written through the registry's services (change log, name history, encryption): the admin
    # only reads them.
    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False
