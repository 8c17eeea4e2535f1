from django.urls import path

from work import views

urlpatterns = [
    path("work/activities/", views.activity_list, name="activity_list"),
    path("work/activities/new/", views.activity_create, name="activity_create"),
    path("work/activities/<int:pk>/", views.activity_detail, name="activity_detail"),
    path("work/activities/<int:pk>/edit/", views.activity_edit, name="activity_edit"),
    path("work/activities/<int:pk>/delete/", views.activity_delete, name="activity_delete"),
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
    path("work/deeds/<int:pk>/edit/", views.deed_edit, name="deed_edit"),
    path("work/deeds/<int:pk>/delete/", views.deed_delete, name="deed_delete"),
    path("work/jobs/", views.job_list, name="job_list"),
    path("work/jobs/new/", views.job_create, name="job_create"),
    path("work/jobs/<int:pk>/filled/", views.job_filled, name="job_filled"),
    path("work/jobs/<int:pk>/edit/", views.job_edit, name="job_edit"),
    path("work/jobs/<int:pk>/delete/", views.job_delete, name="job_delete"),
    path("jobs/", views.jobs_public, name="jobs_public"),
    path("work/donations/", views.donation_list, name="donation_list"),
    path("work/donations/new/", views.donation_create, name="donation_create"),
    path("work/donations/<int:pk>/edit/", views.donation_edit, name="donation_edit"),
    path("work/donations/<int:pk>/delete/", views.donation_delete, name="donation_delete"),
]
