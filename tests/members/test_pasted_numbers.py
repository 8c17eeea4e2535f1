"""Issue 9, items 4 and 5: numbers as people paste them reach validation whole."""

import datetime

import pytest
from django.urls import reverse

from members.models import Member
from tests.factories import make_id_number

pytestmark = pytest.mark.django_db


def _values(district, **overrides):
    values = {
        "market": district.market_a.federation.pk,
        "name": "周敏",
        "sex": "female",
        "mobile": "13907331234",
        "political_status": "masses",
        "occupation": "shop_owner",
        "joined_on": "2026-11-01",
    }
    values.update(overrides)
    return values


@pytest.mark.parametrize(
    "typed", ["+86 139 0733 1234", "139-0733-1234", "１３９０７３３１２３４", "0086 13907331234"]
)
def test_a_pasted_mobile_registers_as_its_eleven_digits(client, district, chair_a, typed):
    client.force_login(chair_a)
    response = client.post(reverse("member_create"), _values(district, mobile=typed))
    assert response.status_code == 302, response.content.decode()[:2000]
    assert Member.objects.get(name="周敏").mobile == "13907331234"


def test_the_mobile_input_leaves_room_for_a_pasted_number(client, district, chair_a):
    client.force_login(chair_a)
    html = client.get(reverse("member_create")).content.decode()
    assert 'maxlength="11"' not in html


def test_an_id_number_pasted_with_spaces_is_not_cut_and_validates(client, district, district_staff):
    number = make_id_number(datetime.date(1985, 5, 5))
    spaced = f"{number[:6]} {number[6:14]} {number[14:]}"  # 20 characters
    client.force_login(district_staff)
    response = client.post(
        reverse("member_create"), _values(district, id_number=spaced, birth_date="")
    )
    assert response.status_code == 302, response.content.decode()[:3000]
    member = Member.objects.get(name="周敏")
    assert member.id_number == number
    assert member.birth_date == datetime.date(1985, 5, 5)


def test_a_too_long_id_number_says_how_long_it_is_not_that_sex_disagrees(
    client, district, district_staff
):
    number = make_id_number(datetime.date(1985, 5, 5)) + "7"
    client.force_login(district_staff)
    response = client.post(reverse("member_create"), _values(district, id_number=number))
    html = response.content.decode()
    assert response.status_code == 200
    assert "身份证号应为 18 位，当前为 19 位" in html
    assert "性别与身份证号不一致" not in html
    assert not Member.objects.filter(name="周敏").exists()
