from django.urls import path

from notifications import views

urlpatterns = [
    path("notices/", views.notice_list, name="notice_list"),
    path("notices/new/", views.notice_compose, name="notice_compose"),
    path("notices/<int:pk>/", views.notice_detail, name="notice_detail"),
    path("notices/<int:pk>/cancel/", views.notice_cancel, name="notice_cancel"),
    path("notices/<int:pk>/retry/", views.notice_retry, name="notice_retry"),
    path("members/<int:pk>/consent/", views.member_consent, name="member_consent"),
    path("notifications/sms/receipts/", views.sms_receipts, name="sms_receipts"),
    path("notifications/sms/inbound/", views.sms_inbound, name="sms_inbound"),
]
