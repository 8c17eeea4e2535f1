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
]
