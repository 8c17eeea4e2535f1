from django.contrib import admin, messages
from django.http import HttpResponse
from django.template.response import TemplateResponse
from django.utils.translation import gettext_lazy as _

from audit.models import AccessKind
from audit.services import access_record
from members import services
from members.models import Honor, Member, Membership, Tag, TransferRequest
from members.selectors import members_matching_id_number


class ReadOnlyMixin:
    """Members and their history are written by the services behind the product's pages
    (with a change record and the member counts kept); the admin only reads them."""

    def has_add_permission(self, request, obj=None):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


class MembershipInline(ReadOnlyMixin, admin.TabularInline):
    model = Membership
    extra = 0
    readonly_fields = ["organization", "scope", "starts_on", "ends_on", "end_reason"]


class HonorInline(ReadOnlyMixin, admin.TabularInline):
    model = Honor
    extra = 0


@admin.register(Member)
class MemberAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = [
        "name",
        "masked_mobile",
        "occupation",
        "political_status",
        "status",
        "joined_on",
    ]
    list_filter = ["status", "occupation", "political_status", "education", "tags"]
    search_fields = ["name", "name_pinyin", "name_initials", "=mobile"]
    exclude = ["id_number_digest", "id_number_tail_digest"]
    inlines = [MembershipInline, HonorInline]
    list_per_page = 50
    show_full_result_count = False

    actions = ["export_personal_data", "erase_personal_data"]

    def change_view(self, request, object_id, form_url="", extra_context=None):
        # The admin form shows the full mobile and ID number: that is an unmasking.
        if request.method == "GET":
            member = self.get_object(request, object_id)
            if member is not None:
                access_record(
                    kind=AccessKind.UNMASK_ID_NUMBER,
                    request=request,
                    target=member,
                    detail={"fields": ["mobile", "id_number"], "via": "admin"},
                )
        return super().change_view(request, object_id, form_url, extra_context)

    def get_search_results(self, request, queryset, search_term):
        results, may_have_duplicates = super().get_search_results(request, queryset, search_term)
        # ID numbers are encrypted: they are found through their keyed digests only.
        by_id = members_matching_id_number(queryset, search_term)
        return results | by_id, may_have_duplicates

    @admin.action(description=_("Export everything held about her (PIPL)"))
    def export_personal_data(self, request, queryset):
        if queryset.count() != 1:
            self.message_user(request, _("Choose exactly one member."), messages.ERROR)
            return None
        member = queryset.get()
        document = services.member_export_personal_data(
            member=member, by=request.user, request=request
        )
        response = HttpResponse(document, content_type="application/json; charset=utf-8")
        response["Content-Disposition"] = f'attachment; filename="member-{member.pk}.json"'
        return response

    @admin.action(description=_("Erase her personal data on request (PIPL)"))
    def erase_personal_data(self, request, queryset):
        if request.POST.get("confirmed") != "yes":
            return TemplateResponse(
                request,
                "admin/members/confirm_erase.html",
                {
                    **self.admin_site.each_context(request),
                    "members": queryset,
                    "action_checkbox_name": admin.helpers.ACTION_CHECKBOX_NAME,
                },
            )
        for member in queryset:
            services.member_erase(member=member, by=request.user, request=request)
        self.message_user(request, _("Personal data erased; statistics keep their counts."))
        return None

    @admin.display(description=Member._meta.get_field("mobile").verbose_name)
    def masked_mobile(self, obj: Member) -> str:
        return obj.masked_mobile


@admin.register(Membership)
class MembershipAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = ["member", "organization", "scope", "starts_on", "ends_on"]
    list_filter = ["scope"]
    search_fields = ["member__name", "organization__name"]
    autocomplete_fields = ["member", "organization"]
    list_select_related = ["member", "organization"]


@admin.register(Honor)
class HonorAdmin(admin.ModelAdmin):
    """Honors are awarded here (a few a year, by staff with a superuser login); each award
    and withdrawal goes through the services and lands in her change history."""

    list_display = ["member", "kind", "year", "awarded_by"]
    list_filter = ["kind", "year"]
    search_fields = ["member__name"]
    autocomplete_fields = ["member", "awarded_by"]
    list_select_related = ["member", "awarded_by"]

    def has_change_permission(self, request, obj=None):
        return False  # withdraw it and award it again: both are recorded

    def save_model(self, request, obj, form, change):
        honor = services.honor_award(
            member=obj.member,
            kind=obj.kind,
            year=obj.year,
            awarded_by=obj.awarded_by,
            by=request.user,
        )
        obj.pk = honor.pk

    def delete_model(self, request, obj):
        services.honor_withdraw(honor=obj, by=request.user)

    def delete_queryset(self, request, queryset):
        for honor in queryset:
            services.honor_withdraw(honor=honor, by=request.user)


@admin.register(Tag)
class TagAdmin(admin.ModelAdmin):
    search_fields = ["name"]


@admin.register(TransferRequest)
class TransferRequestAdmin(ReadOnlyMixin, admin.ModelAdmin):
    list_display = [
        "member",
        "from_organization",
        "to_organization",
        "effective_on",
        "status",
        "requested_by",
        "decided_by",
    ]
    list_filter = ["status"]
    search_fields = ["member__name", "from_organization__name", "to_organization__name"]
    list_select_related = [
        "member",
        "from_organization",
        "to_organization",
        "requested_by",
        "decided_by",
    ]
    readonly_fields = ["requested_at", "decided_at"]
    autocomplete_fields = ["member", "from_organization", "to_organization"]
