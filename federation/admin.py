from django.contrib import admin

from federation.models import CoverageTarget, Office, Organization, RoleGrant, Term


@admin.register(Organization)
class OrganizationAdmin(admin.ModelAdmin):
    list_display = ["name", "kind", "parent", "sector_category", "industry", "established_on"]
    list_filter = ["kind", "sector_category", "industry"]
    search_fields = ["name"]
    autocomplete_fields = ["parent"]
    list_select_related = ["parent"]


class OfficeInline(admin.TabularInline):
    model = Office
    extra = 0
    autocomplete_fields = ["member"]


@admin.register(Term)
class TermAdmin(admin.ModelAdmin):
    list_display = ["organization", "number", "starts_on", "ends_on"]
    list_filter = ["organization__kind"]
    search_fields = ["organization__name"]
    autocomplete_fields = ["organization"]
    list_select_related = ["organization"]
    inlines = [OfficeInline]


@admin.register(Office)
class OfficeAdmin(admin.ModelAdmin):
    list_display = ["member", "position", "organization", "term", "starts_on", "ends_on"]
    list_filter = ["position", "organization__kind"]
    search_fields = ["member__name", "organization__name"]
    autocomplete_fields = ["term", "member"]
    list_select_related = ["member", "organization", "term__organization"]


@admin.register(CoverageTarget)
class CoverageTargetAdmin(admin.ModelAdmin):
    list_display = ["organization", "year", "sector_category", "expected_count"]
    list_filter = ["year", "sector_category"]
    autocomplete_fields = ["organization"]


@admin.register(RoleGrant)
class RoleGrantAdmin(admin.ModelAdmin):
    list_display = ["user", "role", "organization", "granted_by", "granted_at"]
    list_filter = ["role"]
    search_fields = ["user__username", "organization__name"]
    autocomplete_fields = ["user", "organization"]
    readonly_fields = ["granted_by", "granted_at"]
    list_select_related = ["user", "organization", "granted_by"]

    def save_model(self, request, obj, form, change):
        if not change:
            obj.granted_by = request.user
        super().save_model(request, obj, form, change)
