from django.urls import path

from members import picker, views

urlpatterns = [
    path("members/", views.member_list, name="member_list"),
    path("members/bulk/", views.member_bulk, name="member_bulk"),
    path("members/new/", views.member_create, name="member_create"),
    path("members/<int:pk>/", views.member_detail, name="member_detail"),
    path("members/<int:pk>/edit/", views.member_edit, name="member_edit"),
    path("members/<int:pk>/leave/", views.member_leave, name="member_leave"),
    path("members/<int:pk>/restore/", views.member_restore, name="member_restore"),
    path("members/<int:pk>/transfer/", views.member_transfer, name="member_transfer"),
    path(
        "members/<int:pk>/personal-data/",
        views.member_personal_data,
        name="member_personal_data",
    ),
    path("members/<int:pk>/unmask/<str:field>/", views.member_unmask, name="member_unmask"),
    path("members/picker/", picker.member_search, name="member_picker_search"),
    path("members/picker/chip/", picker.member_chip, name="member_picker_chip"),
    path("members/picker/chip/remove/", picker.member_chip_remove, name="member_chip_remove"),
    path(
        "organizations/<int:pk>/member-search/",
        picker.member_search,
        name="organization_member_search",
    ),
    path(
        "organizations/<int:pk>/member-chip/",
        picker.member_chip,
        name="organization_member_chip",
    ),
    path("transfers/", views.transfer_list, name="transfer_list"),
    path("transfers/request-in/", views.member_transfer_in, name="member_transfer_in"),
    path("transfers/<int:pk>/decide/", views.transfer_decide, name="transfer_decide"),
]
