"""Issue 9, item 3: impossible dates are refused by the form, the services and the database."""

import datetime

import pytest
from django.db import IntegrityError, transaction
from django.urls import reverse

from members import services
from members.models import Member
from tests.factories import MemberFactory

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
    ("field", "value", "message"),
    [
        ("birth_date", "2030-05-01", "16 到 100 岁之间"),
        ("birth_date", "1800-05-01", "16 到 100 岁之间"),
        ("birth_date", "2015-05-01", "16 到 100 岁之间"),  # ten years old
        ("joined_on", "2031-01-01", "入会日期不能晚于今天"),
        ("joined_on", "2010-01-01", "成立于 2019-06-01"),  # before her market existed
    ],
)
def test_impossible_dates_are_refused_with_a_message(
    client, district, district_staff, today, field, value, message
):
    client.force_login(district_staff)
    response = client.post(reverse("member_create"), _values(district, **{field: value}))
    assert response.status_code == 200
    assert message in response.content.decode()
    assert not Member.objects.filter(name="周敏").exists()


def test_plausible_dates_are_saved(client, district, district_staff, today):
    client.force_login(district_staff)
    response = client.post(reverse("member_create"), _values(district, birth_date="1990-02-03"))
    assert response.status_code == 302
    assert Member.objects.get(name="周敏").age == 36


def test_joining_before_her_market_was_established_is_refused(
    client, district, district_staff, today
):
    market = district.market_a.federation
    market.established_on = datetime.date(2015, 6, 1)
    market.save(update_fields=["established_on"])
    client.force_login(district_staff)
    response = client.post(reverse("member_create"), _values(district, joined_on="2014-01-01"))
    assert response.status_code == 200
    assert "2015-06-01" in response.content.decode()
    assert not Member.objects.filter(name="周敏").exists()


def test_correcting_a_birth_date_into_the_future_is_refused(district, district_staff, today):
    member = district.member_a
    with pytest.raises(services.ValidationError):
        services.member_update(
            member=member,
            version=member.version,
            by=district_staff,
            birth_date=datetime.date(2030, 1, 1),
        )
    member.refresh_from_db()
    assert member.birth_date != datetime.date(2030, 1, 1)


def test_leaving_in_the_future_is_refused(client, district, chair_a, today):
    client.force_login(chair_a)
    response = client.post(
        reverse("member_leave", args=[district.member_a.pk]),
        {"left_on": "2026-12-20", "reason": "回老家"},
    )
    assert response.status_code == 200
    assert "离开日期不能晚于今天" in response.content.decode()
    assert Member.objects.get(pk=district.member_a.pk).left_on is None


def test_bulk_mark_left_in_the_future_is_refused(client, district, chair_a, today):
    client.force_login(chair_a)
    client.post(
        reverse("member_bulk"),
        {
            "action": "mark_left",
            "ids": [district.member_a.pk],
            "on": "2027-01-01",
            "reason": "x",
            "query": "",
        },
    )
    assert Member.objects.get(pk=district.member_a.pk).left_on is None


@pytest.mark.parametrize(
    "fields",
    [
        {"birth_date": datetime.date(1800, 1, 1)},
        {"birth_date": datetime.date(2030, 1, 1), "joined_on": datetime.date(2026, 1, 1)},
        {"joined_on": datetime.date(1930, 1, 1)},
    ],
)
def test_the_database_refuses_what_the_form_refuses(district, fields):
    member = MemberFactory()
    with pytest.raises(IntegrityError), transaction.atomic():
        Member.objects.filter(pk=member.pk).update(**fields)


def test_nobody_joined_before_the_federation_existed(district, today):
    member = MemberFactory.build(joined_on=datetime.date(1930, 1, 1))
    with pytest.raises(services.ValidationError) as refused:
        member.full_clean()
    assert "joined_on" in refused.value.message_dict
