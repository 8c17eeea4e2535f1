from django.urls import path

from reports import views

urlpatterns = [
    path("statistics/", views.statistics, name="statistics"),
    path("statistics/<int:pk>/", views.statistics_report, name="statistics_report"),
    path("statistics/<int:pk>/export/", views.statistics_export, name="statistics_export"),
    path("statistics/<int:pk>/exports/", views.statistics_exports, name="statistics_exports"),
    path(
        "statistics/<int:pk>/exports/<int:export>/",
        views.statistics_export_download,
        name="statistics_export_download",
    ),
    path("statistics/<int:pk>/confirm/", views.statistics_confirm, name="statistics_confirm"),
    path("statistics/<int:pk>/close/", views.statistics_close, name="statistics_close"),
]
