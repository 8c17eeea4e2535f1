from django.contrib import admin
from django.contrib.auth import get_user_model

from accounts.admin import FederationUserAdmin
from federation import services
from federation.models import CoverageTarget, Office, Organization, RoleGrant, Term


class ReadOnlyMixin:
    """Written by the product's pages through the services (elections, logins), which check
    who may do it and keep a change record; the admin only reads them."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    """The tree itself is kept here by superusers; every save is recorded."""

    list_display = ["name", "kind", "parent", "sector_category", "industry", "established_on"]
    list_filter = ["kind", "sector_category", "industry"]
    search_fields = ["name"]
    autocomplete_fields = ["parent"]
    list_select_related = ["parent"]

    def has_delete_permission(self, request, obj=None):
        return False  # dissolve it instead (dissolved on): its history stays

    def save_model(self, request, obj, form, change):
        services.organization_save(
            organization=obj, by=request.user, changed=list(form.changed_data)
        )


class OfficeInline(ReadOnlyMixin, admin.TabularInline):
    model = Office
    extra = 0
    fields = ["member", "position", "starts_on", "ends_on"]
    readonly_fields = fields


@admin.register(Term)
class TermAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["organization", "number", "starts_on", "ends_on"]
    list_filter = ["organization__kind"]
    search_fields = ["organization__name"]
    list_select_related = ["organization"]
    inlines = [OfficeInline]


@admin.register(Office)
class OfficeAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["member", "position", "organization", "term", "starts_on", "ends_on"]
    list_filter = ["position", "organization__kind"]
    search_fields = ["member__name", "organization__name"]
    list_select_related = ["member", "organization", "term__organization"]


@admin.register(CoverageTarget)
class CoverageTargetAdmin(admin.ModelAdmin):
    list_display = ["organization", "year", "sector_category", "expected_count"]
    list_filter = ["year", "sector_category"]
    autocomplete_fields = ["organization"]


@admin.register(RoleGrant)
class RoleGrantAdmin(ReadOnlyMixin, admin.ModelAdmin):
    """Roles are granted on the organization's logins page, which records each grant."""

    list_display = ["user", "role", "organization", "granted_by", "granted_at"]
    list_filter = ["role"]
    search_fields = ["user__username", "organization__name"]
    list_select_related = ["user", "organization", "granted_by"]


class RoleGrantInline(ReadOnlyMixin, admin.TabularInline):
    model = RoleGrant
    fk_name = "user"
    extra = 0
    fields = ["role", "organization", "granted_by", "granted_at"]
    readonly_fields = fields


admin.site.unregister(get_user_model())


@admin.register(get_user_model())
class UserWithRolesAdmin(FederationUserAdmin):
    inlines = [RoleGrantInline, *FederationUserAdmin.inlines]
