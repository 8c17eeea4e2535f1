from django.urls import path

from members import views

urlpatterns = [
    path("members/", views.member_list, name="member_list"),
]
