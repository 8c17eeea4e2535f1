"""Issue 9, item 7: one rule for full numbers — shown only through a recorded "显示"."""

import pytest
from django.urls import reverse

from audit.models import AccessEvent, AccessKind
from members.models import Member

pytestmark = pytest.mark.django_db


def _edit_values(member, **overrides):
    values = {
        "name": member.name,
        "sex": member.sex,
        "mobile": "",
        "birth_date": member.birth_date.isoformat() if member.birth_date else "",
        "ethnicity": member.ethnicity,
        "political_status": member.political_status,
        "education": member.education,
        "occupation": member.occupation,
        "notes": member.notes,
        "stall_number": "",
        "version": member.version,
        "joined_on": member.joined_on.isoformat(),
    }
    values.update(overrides)
    return values


def test_the_edit_form_shows_numbers_masked(client, district, district_staff):
    member = district.member_a
    client.force_login(district_staff)
    html = client.get(reverse("member_edit", args=[member.pk])).content.decode()
    assert member.mobile not in html and member.masked_mobile in html
    assert member.id_number not in html and member.id_number[:3] + "*" * 15 in html
    assert not AccessEvent.objects.filter(kind__startswith="unmask").exists()


def test_an_empty_number_box_keeps_the_number(client, district, district_staff):
    member = district.member_a
    before = (member.mobile, member.id_number)
    client.force_login(district_staff)
    response = client.post(
        reverse("member_edit", args=[member.pk]), _edit_values(member, notes="新备注")
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert (member.mobile, member.id_number) == before and member.notes == "新备注"


def test_typing_a_new_number_changes_it_and_the_history_masks_it(client, district, chair_a):
    member = district.member_a
    old = member.mobile
    client.force_login(chair_a)
    client.post(
        reverse("member_edit", args=[member.pk]), _edit_values(member, mobile="13912349876")
    )
    assert Member.objects.get(pk=member.pk).mobile == "13912349876"
    html = client.get(reverse("member_detail", args=[member.pk])).content.decode()
    assert "13912349876" not in html and old not in html
    assert "139****9876" in html


def test_revealing_the_history_is_recorded_and_can_be_undone(client, district, chair_a):
    member = district.member_a
    old = member.mobile
    client.force_login(chair_a)
    client.post(
        reverse("member_edit", args=[member.pk]), _edit_values(member, mobile="13912349876")
    )
    url = reverse("member_unmask", args=[member.pk, "history"])
    html = client.post(url, headers={"HX-Request": "true"}).content.decode()
    assert "13912349876" in html and old in html and "<html" not in html
    assert "隐藏完整手机号" in html  # the button now says what it does
    event = AccessEvent.objects.get(kind=AccessKind.UNMASK_MOBILE)
    assert event.detail["fields"] == ["history"] and event.username == "chair_a"
    hidden = client.post(url, {"hide": "1"}, headers={"HX-Request": "true"}).content.decode()
    assert "13912349876" not in hidden and "显示完整手机号" in hidden
    assert AccessEvent.objects.filter(kind=AccessKind.UNMASK_MOBILE).count() == 1


def test_after_show_the_button_says_hide(client, district, chair_a):
    member = district.member_a
    client.force_login(chair_a)
    url = reverse("member_unmask", args=[member.pk, "mobile"])
    shown = client.post(url, headers={"HX-Request": "true"}).content.decode()
    assert member.mobile in shown and ">隐藏<" in shown and ">显示<" not in shown
    hidden = client.post(url, {"hide": "1"}, headers={"HX-Request": "true"}).content.decode()
    assert member.mobile not in hidden and ">显示<" in hidden
    assert AccessEvent.objects.filter(kind=AccessKind.UNMASK_MOBILE).count() == 1


def test_a_viewer_cannot_reveal_the_history(client, district, viewer):
    client.force_login(viewer)
    url = reverse("member_unmask", args=[district.member_a.pk, "history"])
    assert client.post(url).status_code == 404
    assert not AccessEvent.objects.filter(kind=AccessKind.UNMASK_MOBILE).exists()
