import secrets

from django.contrib import admin, messages
from django.contrib.auth import get_user_model
from django.contrib.auth.admin import UserAdmin
from django.utils.translation import gettext_lazy as _
from django.utils.translation import ngettext

from accounts import services
from accounts.models import AccountSecurity

User = get_user_model()


class AccountSecurityInline(admin.StackedInline):
    model = AccountSecurity
    can_delete = False
    readonly_fields = ["password_changed_at"]


admin.site.unregister(User)


@admin.register(User)
class FederationUserAdmin(UserAdmin):
    inlines = [AccountSecurityInline]
    actions = ["deactivate", "force_password_reset"]

    @admin.action(description=_("Deactivate the selected logins and end their sessions"))
    def deactivate(self, request, queryset):
        for user in queryset.exclude(pk=request.user.pk):
            services.user_deactivate(user=user, by=request.user)
        self.message_user(request, _("Deactivated; their sessions have ended."), messages.SUCCESS)

    @admin.action(description=_("Force a password reset (a temporary password is shown once)"))
    def force_password_reset(self, request, queryset):
        lines = []
        for user in queryset:
            temporary = secrets.token_urlsafe(9)
            services.user_force_password_reset(
                user=user, by=request.user, temporary_password=temporary
            )
            lines.append(f"{user.get_username()}: {temporary}")
        self.message_user(
            request,
            ngettext(
                "Temporary password, to be changed at login (hand it over in person): %(list)s",
                "Temporary passwords, to be changed at login (hand them over in person): %(list)s",
                len(lines),
            )
            % {"list": "; ".join(lines)},
            messages.WARNING,
        )
