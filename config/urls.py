from django.conf import settings
from django.contrib import admin
from django.urls import include, path

from accounts.views import admin_login_redirect

handler403 = "audit.views.permission_denied"

urlpatterns = [
    path("i18n/", include("django.conf.urls.i18n")),
    # Before the admin: its own login would skip the second factor and the lockout page.
    path("admin/login/", admin_login_redirect, name="admin_login_redirect"),
    path("admin/", admin.site.urls),
    path("", include("accounts.urls")),
    path("", include("dashboard.urls")),
    path("", include("federation.urls")),
    path("", include("elections.urls")),
    path("", include("members.urls")),
    path("", include("notifications.urls")),
]

if settings.DEBUG:  # pragma: no cover - development convenience only
    from django.contrib.staticfiles.urls import staticfiles_urlpatterns

    urlpatterns += staticfiles_urlpatterns()
