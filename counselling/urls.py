from django.urls import path

from counselling import views

urlpatterns = [
    path("help/<str:token>/", views.intake, name="counselling_intake"),
    path("help/<str:token>/thanks/", views.intake_done, name="counselling_intake_done"),
    path(
        "organizations/<int:pk>/counselling-poster/",
        views.poster,
        name="counselling_poster",
    ),
    path("counselling/", views.request_list, name="counselling_requests"),
    path("counselling/roster/", views.duty_roster, name="counselling_roster"),
    path("counselling/<int:pk>/", views.request_detail, name="counselling_request"),
    path("counselling/<int:pk>/assign/", views.request_assign, name="counselling_assign"),
    path(
        "counselling/<int:pk>/called-back/",
        views.request_called_back,
        name="counselling_called_back",
    ),
    path("counselling/<int:pk>/close/", views.request_close, name="counselling_close"),
]
