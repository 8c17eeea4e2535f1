from django.urls import path

from rosters import views

urlpatterns = [
    path("rosters/import/", views.roster_import, name="roster_import"),
    path("rosters/template.xlsx", views.roster_template, name="roster_template"),
    path("rosters/export/", views.roster_export, name="roster_export"),
    path("rosters/exports/<int:pk>/", views.roster_export_status, name="roster_export_status"),
    path(
        "rosters/exports/<int:pk>/download/",
        views.roster_export_download,
        name="roster_export_download",
    ),
    path("rosters/imports/<int:pk>/", views.roster_batch, name="roster_batch"),
    path("rosters/imports/<int:pk>/mapping/", views.roster_mapping, name="roster_mapping"),
    path("rosters/imports/<int:pk>/commit/", views.roster_commit, name="roster_commit"),
    path("rosters/imports/<int:pk>/undo/", views.roster_undo, name="roster_undo"),
    path(
        "rosters/imports/<int:pk>/invalid.xlsx",
        views.roster_invalid_rows,
        name="roster_invalid_rows",
    ),
]
