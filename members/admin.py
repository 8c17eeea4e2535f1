from django.contrib import admin

from members.models import Honor, Member, Membership, Tag


class MembershipInline(admin.TabularInline):
    model = Membership
    extra = 0
    autocomplete_fields = ["organization"]
    readonly_fields = ["scope"]


class HonorInline(admin.TabularInline):
    model = Honor
    extra = 0
    autocomplete_fields = ["awarded_by"]


@admin.register(Member)
class MemberAdmin(admin.ModelAdmin):
    list_display = [
        "name",
        "masked_mobile",
        "occupation",
        "political_status",
        "status",
        "joined_on",
    ]
    list_filter = ["status", "occupation", "political_status", "education", "tags"]
    search_fields = ["name", "name_pinyin", "name_initials", "=mobile", "=id_number"]
    autocomplete_fields = ["shop"]
    filter_horizontal = ["tags"]
    readonly_fields = ["created_at", "updated_at"]
    inlines = [MembershipInline, HonorInline]
    list_per_page = 50
    show_full_result_count = False

    @admin.display(description=Member._meta.get_field("mobile").verbose_name)
    def masked_mobile(self, obj: Member) -> str:
        return obj.masked_mobile


@admin.register(Membership)
class MembershipAdmin(admin.ModelAdmin):
    list_display = ["member", "organization", "scope", "starts_on", "ends_on"]
    list_filter = ["scope"]
    search_fields = ["member__name", "organization__name"]
    autocomplete_fields = ["member", "organization"]
    list_select_related = ["member", "organization"]


@admin.register(Honor)
class HonorAdmin(admin.ModelAdmin):
    list_display = ["member", "kind", "year", "awarded_by"]
    list_filter = ["kind", "year"]
    search_fields = ["member__name"]
    autocomplete_fields = ["member", "awarded_by"]
    list_select_related = ["member", "awarded_by"]


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    search_fields = ["name"]
