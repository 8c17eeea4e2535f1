from django.contrib import admin
from django.utils.translation import gettext_lazy as _

from audit.models import AccessEvent, ChangeRecord


class ReadOnlyAdmin(admin.ModelAdmin):
    """Records nobody adds, edits or deletes from the app."""

    def has_add_permission(self, request):
        return False

    def has_change_permission(self, request, obj=None):
        return False

    def has_delete_permission(self, request, obj=None):
        return False


@admin.register(AccessEvent)
class AccessEventAdmin(ReadOnlyAdmin):
    list_display = [
        "at",
        "username",
        "kind",
        "ip_address",
        "object_type",
        "object_repr",
        "row_count",
    ]
    list_filter = ["kind", "at"]
    search_fields = ["username", "object_repr"]
    date_hierarchy = "at"


@admin.register(ChangeRecord)
class ChangeRecordAdmin(ReadOnlyAdmin):
    list_display = ["at", "username", "object_type", "object_id", "action", "text"]
    list_filter = ["action", "object_type"]
    search_fields = ["username", "object_id", "summary"]
    date_hierarchy = "at"

    @admin.display(description=_("summary"))
    def text(self, obj: ChangeRecord) -> str:
        return obj.text
