from django.urls import path

from work import views

urlpatterns = [
    path("work/activities/", views.activity_list, name="activity_list"),
    path("work/activities/new/", views.activity_create, name="activity_create"),
    path("work/activities/<int:pk>/", views.activity_detail, name="activity_detail"),
    path(
        "work/activities/<int:pk>/search/",
        views.activity_member_search,
        name="activity_member_search",
    ),
    path(
        "work/activities/<int:pk>/attendees/add/",
        views.activity_attendee_add,
        name="activity_attendee_add",
    ),
    path(
        "work/activities/<int:pk>/attendees/<int:attendance_id>/remove/",
        views.activity_attendee_remove,
        name="activity_attendee_remove",
    ),
    path("checkin/<str:token>/", views.activity_checkin, name="activity_checkin"),
    path("work/deeds/", views.deed_list, name="deed_list"),
    path("work/deeds/new/", views.deed_create, name="deed_create"),
    path("work/deeds/<int:pk>/done/", views.deed_done, name="deed_done"),
    path("work/jobs/", views.job_list, name="job_list"),
    path("work/jobs/new/", views.job_create, name="job_create"),
    path("work/jobs/<int:pk>/filled/", views.job_filled, name="job_filled"),
    path("jobs/", views.jobs_public, name="jobs_public"),
    path("work/donations/", views.donation_list, name="donation_list"),
    path("work/donations/new/", views.donation_create, name="donation_create"),
]
