from django.urls import path

from elections import views

urlpatterns = [
    path(
        "organizations/<int:pk>/election/",
        views.organization_election,
        name="organization_election",
    ),
    path(
        "organizations/<int:pk>/election/logins/",
        views.organization_election_logins,
        name="organization_election_logins",
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
]
