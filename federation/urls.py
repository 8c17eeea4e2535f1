from django.contrib.auth import views as auth_views
from django.urls import path

from federation import views

urlpatterns = [
    path(
        "login/",
        auth_views.LoginView.as_view(
            template_name="federation/login.html", redirect_authenticated_user=True
        ),
        name="login",
    ),
    path("logout/", auth_views.LogoutView.as_view(), name="logout"),
    path("", views.dashboard, name="dashboard"),
    path("organizations/", views.organization_tree, name="organization_tree"),
    path("organizations/<int:pk>/", views.organization_detail, name="organization_detail"),
]
