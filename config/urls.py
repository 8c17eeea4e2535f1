from django.conf import settings
from django.contrib import admin
from django.contrib.auth.decorators import login_not_required
from django.urls import include, path
from django.views.i18n import set_language

from accounts.views import admin_login_redirect

handler403 = "audit.views.permission_denied"

urlpatterns = [
    # The language switch works on the login page too, before anyone has logged in.
    path("i18n/setlang/", login_not_required(set_language), name="set_language"),
    # Before the admin: its own login would skip the second factor and the lockout page.
    path("admin/login/", admin_login_redirect, name="admin_login_redirect"),
    path("admin/", admin.site.urls),
    path("", include("accounts.urls")),
    path("", include("dashboard.urls")),
    path("", include("federation.urls")),
    path("", include("elections.urls")),
    path("", include("members.urls")),
    path("", include("work.urls")),
    path("", include("counselling.urls")),
    path("", include("reports.urls")),
]

if settings.DEBUG:  # pragma: no cover - development convenience only
    from django.contrib.staticfiles.urls import staticfiles_urlpatterns

    urlpatterns += staticfiles_urlpatterns()
