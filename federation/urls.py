from django.urls import path

from federation import views

urlpatterns = [
    path("", views.dashboard, name="dashboard"),
    path("organizations/", views.organization_tree, name="organization_tree"),
    path("organizations/<int:pk>/", views.organization_detail, name="organization_detail"),
]
