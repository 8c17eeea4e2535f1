"""The QR page at the venue: mobile and name matched to a member or kept as a guest, closed
after the activity, floods and bad input refused with nothing stored."""

import datetime

import pytest

from work.models import Attendance

pytestmark = pytest.mark.django_db


def url(activity):
    return f"/checkin/{activity.checkin_token}/"


def test_a_member_checks_in_with_her_mobile_and_name(client, training, district):
    member = district.member_a
    spaced = f"{member.mobile[:3]} {member.mobile[3:7]} {member.mobile[7:]}"
    response = client.post(url(training), {"name": "赵丹", "mobile": spaced, "children": "2"})
    assert response.status_code == 200
    assert "签到成功" in response.content.decode()
    attendance = Attendance.objects.get()
    assert attendance.member == member and attendance.children == 2
    assert attendance.source == "checkin"


def test_checking_in_twice_keeps_one_record(client, training, district):
    data = {"name": "赵丹", "mobile": district.member_a.mobile}
    client.post(url(training), data)
    response = client.post(url(training), data)
    assert "已经签过到" in response.content.decode()
    assert Attendance.objects.count() == 1


def test_someone_not_in_the_roster_is_recorded_as_a_guest(client, training):
    client.post(url(training), {"name": "陈小妹", "mobile": "13700001111"})
    attendance = Attendance.objects.get()
    assert attendance.member is None
    assert (attendance.guest_name, attendance.guest_mobile) == ("陈小妹", "13700001111")


def test_a_members_mobile_with_another_name_is_a_guest_not_her(client, training, district):
    client.post(url(training), {"name": "冒名者", "mobile": district.member_a.mobile})
    attendance = Attendance.objects.get()
    assert attendance.member is None and attendance.guest_name == "冒名者"


def test_check_in_closes_after_the_activity(client, training, district, time_machine):
    time_machine.move_to(training.ends_at + datetime.timedelta(minutes=1))
    response = client.get(url(training))
    assert "签到已关闭" in response.content.decode()
    client.post(url(training), {"name": "赵丹", "mobile": district.member_a.mobile})
    assert not Attendance.objects.exists()


def test_check_in_opens_on_the_day(client, training, district, time_machine):
    time_machine.move_to(training.starts_at - datetime.timedelta(days=1))
    assert "活动当天开放签到" in client.get(url(training)).content.decode()
    client.post(url(training), {"name": "赵丹", "mobile": district.member_a.mobile})
    assert not Attendance.objects.exists()


@pytest.mark.parametrize(
    "name,mobile",
    [
        ("赵丹", "1381234567²"),
        ("赵丹", "١٣٨١٢٣٤٥٦٧٨"),
        ("赵丹", "138\x0012345678"),
        ("赵\x00丹", "13812345678"),
        ("丹" * 10_000, "13812345678"),
        ("", "13812345678"),
        ("赵丹", "9" * 10_000),
    ],
)
def test_bad_input_gets_a_message_and_stores_nothing(client, training, name, mobile):
    response = client.post(url(training), {"name": name, "mobile": mobile})
    assert response.status_code == 400
    assert 'class="error"' in response.content.decode()
    assert not Attendance.objects.exists()


def test_a_full_activity_refuses_more(client, training):
    training.capacity = 1
    training.save(update_fields=["capacity"])
    client.post(url(training), {"name": "甲", "mobile": "13700000001"})
    response = client.post(url(training), {"name": "乙", "mobile": "13700000002"})
    assert response.status_code == 400 and "人数已满" in response.content.decode()
    assert Attendance.objects.count() == 1


def test_the_honeypot_is_answered_and_nothing_stored(client, training):
    response = client.post(url(training), {"name": "bot", "mobile": "13700000001", "website": "x"})
    assert response.status_code == 200
    assert not Attendance.objects.exists()


def test_a_flood_from_one_address_is_refused(client, training):
    for n in range(60):
        client.post(url(training), {"name": f"客{n}", "mobile": f"1370000{n:04d}"})
    assert Attendance.objects.count() == 60
    response = client.post(url(training), {"name": "多", "mobile": "13799999999"})
    assert response.status_code == 429 and "过多" in response.content.decode()
    assert Attendance.objects.count() == 60


def test_a_flood_for_one_mobile_is_refused(client, training):
    for n in range(5):
        client.post(
            url(training), {"name": "甲", "mobile": "13700000001"}, REMOTE_ADDR=f"10.1.0.{n}"
        )
    response = client.post(url(training), {"name": "甲", "mobile": "13700000001"})
    assert response.status_code == 429
    assert Attendance.objects.count() == 1


def test_an_unknown_token_is_not_found(client):
    assert client.get("/checkin/nothing-here/").status_code == 404
