"""Check-in and her record against members in every history shape: left, came back, erased,
moved to another market."""

import datetime

import pytest
from django.urls import reverse

from members import services as member_services
from work import services
from work.models import Attendance

pytestmark = pytest.mark.django_db


def check_in(client, activity, name, mobile):
    return client.post(f"/checkin/{activity.checkin_token}/", {"name": name, "mobile": mobile})


def test_a_member_who_left_checks_in_as_a_guest(client, training, district, chair_b):
    member = district.member_b
    member_services.member_mark_left(
        member=member, left_on=datetime.date(2026, 6, 1), reason="回老家", by=chair_b
    )
    check_in(client, training, member.name, member.mobile)
    attendance = Attendance.objects.get()
    assert attendance.member is None and attendance.guest_mobile == member.mobile


def test_a_member_who_came_back_is_herself_again(client, training, district, chair_b):
    member = district.member_b
    member_services.member_mark_left(
        member=member, left_on=datetime.date(2026, 6, 1), reason="回老家", by=chair_b
    )
    member.refresh_from_db()
    member_services.member_restore(
        member=member,
        market=district.market_b.federation,
        restored_on=datetime.date(2026, 9, 1),
        by=chair_b,
    )
    check_in(client, training, member.name, member.mobile)
    assert Attendance.objects.get().member == member


def test_an_erased_member_keeps_no_name_on_the_activity(client, training, district, district_staff):
    member = district.member_a
    services.attendance_add(activity=training, member=member, by=district_staff)
    member_services.member_erase(member=member, by=district_staff)
    client.force_login(district_staff)
    page = client.get(reverse("activity_detail", args=[training.pk]))
    assert page.status_code == 200 and "赵丹" not in page.content.decode()
    record = client.get(reverse("member_detail", args=[member.pk]))
    assert record.status_code in {200, 404}


def test_her_activities_follow_her_to_another_market(
    client, training, district, chair_a, chair_b, district_staff
):
    member = district.member_a
    services.attendance_add(activity=training, member=member, by=chair_a)
    from members.models import Membership

    Membership.objects.filter(member=member, organization=district.market_a.federation).update(
        ends_on=datetime.date(2026, 10, 1)
    )
    Membership.objects.create(
        member=member,
        organization=district.market_b.federation,
        starts_on=datetime.date(2026, 10, 1),
    )
    client.force_login(chair_b)
    record = client.get(reverse("member_detail", args=[member.pk]))
    assert record.status_code == 200 and "直播带货培训" in record.content.decode()
