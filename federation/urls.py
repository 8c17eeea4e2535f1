from django.urls import path

from federation import views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("organizations/", views.organization_tree, name="organization_tree"),
    path("organizations/<int:pk>/", views.organization_detail, name="organization_detail"),
    path(
        "organizations/<int:pk>/election/",
        views.organization_election,
        name="organization_election",
    ),
    path("organizations/<int:pk>/offices/add/", views.office_add, name="office_add"),
    path(
        "organizations/<int:pk>/offices/<int:office_id>/replace/",
        views.office_replace,
        name="office_replace",
    ),
    path(
        "organizations/<int:pk>/offices/<int:office_id>/end/",
        views.office_end,
        name="office_end",
    ),
    path(
        "organizations/<int:pk>/member-search/",
        views.member_search,
        name="organization_member_search",
    ),
    path(
        "organizations/<int:pk>/member-chip/",
        views.member_chip,
        name="organization_member_chip",
    ),
    path(
        "organizations/member-chip/remove/",
        views.member_chip_remove,
        name="member_chip_remove",
    ),
    path("organizations/<int:pk>/logins/", views.organization_logins, name="organization_logins"),
    path("organizations/<int:pk>/logins/new/", views.login_create, name="login_create"),
    path(
        "organizations/<int:pk>/logins/<int:grant_id>/revoke/",
        views.role_grant_revoke,
        name="role_grant_revoke",
    ),
]
