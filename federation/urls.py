from django.urls import path

from federation import views

urlpatterns = [
    path("organizations/", views.organization_tree, name="organization_tree"),
    path("organizations/list/", views.organization_list, name="organization_list"),
    path("organizations/<int:pk>/", views.organization_detail, name="organization_detail"),
    path("organizations/<int:pk>/logins/", views.organization_logins, name="organization_logins"),
    path("organizations/<int:pk>/logins/new/", views.login_create, name="login_create"),
    path(
        "organizations/<int:pk>/logins/<int:grant_id>/password-reset/",
        views.login_password_reset,
        name="login_password_reset",
    ),
    path(
        "organizations/<int:pk>/logins/<int:grant_id>/deactivate/",
        views.login_deactivate,
        name="login_deactivate",
    ),
    path(
        "organizations/<int:pk>/logins/<int:grant_id>/revoke/",
        views.role_grant_revoke,
        name="role_grant_revoke",
    ),
    path("access-log/", views.access_log, name="access_log"),
]
