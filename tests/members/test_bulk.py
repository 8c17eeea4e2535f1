import datetime

import pytest
from django.urls import reverse

from audit.models import ChangeRecord
from members.models import Member, MemberStatus, Tag
from tests.factories import MemberFactory, MembershipFactory


def post(client, **data):
    return client.post(reverse("member_bulk"), data)


def test_chair_tags_only_members_she_may_change(client, district, chair_a):
    client.force_login(chair_a)
    post(
        client, action="add_tag", tag="巾帼志愿者", ids=[district.member_a.pk, district.member_b.pk]
    )
    tag = Tag.objects.get(name="巾帼志愿者")
    assert list(tag.members.all()) == [district.member_a]
    post(client, action="remove_tag", tag="巾帼志愿者", ids=[district.member_a.pk])
    assert not tag.members.exists()


def test_everything_matching_the_filter(client, district, district_staff):
    client.force_login(district_staff)
    data = {"everything": "1", "query": "q=l", "expected": "1", "confirmed": "1"}
    post(client, action="add_tag", tag="主播", **data)
    assert set(Tag.objects.get(name="主播").members.all()) == {district.member_b}


def test_bulk_mark_left_and_assign_home(client, district, chair_a):
    client.force_login(chair_a)
    post(client, action="assign_home", home=district.home_a.pk, ids=[district.member_b.pk])
    assert not district.member_b.memberships.filter(organization=district.home_a).exists()
    post(client, action="mark_left", reason="回老家", on="2026-11-01", ids=[district.member_a.pk])
    member = Member.objects.get(pk=district.member_a.pk)
    assert member.status == MemberStatus.LEFT and member.left_on == datetime.date(2026, 11, 1)
    assert not member.memberships.filter(ends_on__isnull=True).exists()
    assert member.version == 2


def test_viewer_changes_nothing(client, district, viewer):
    client.force_login(viewer)
    data = {"everything": "1", "query": "", "expected": "2", "confirmed": "1"}
    post(client, action="mark_left", reason="x", **data)
    assert Member.objects.filter(status=MemberStatus.CURRENT).count() == 2


def test_bulk_needs_a_selection_and_says_so(client, district, chair_a):
    client.force_login(chair_a)
    response = post(client, action="add_tag", tag="x")
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert "请先选择会员" in page.content.decode()


# --- "Everything matching" acts on what was confirmed, or not at all (issue 8) -------------


@pytest.mark.parametrize(
    "query",
    [
        "organization={other_market}",  # a filter outside her scope
        "q=" + "王" * 51,  # a search longer than the directory accepts
        "joined_year=1800",
        "tag=999999",
    ],
)
@pytest.mark.parametrize("action", ["add_tag", "mark_left"])
def test_everything_with_an_invalid_filter_changes_nothing(
    client, district, chair_a, query, action
):
    client.force_login(chair_a)
    query = query.format(other_market=district.market_b.federation.pk)
    response = post(
        client,
        action=action,
        tag="全员",
        reason="x",
        everything="1",
        query=query,
        expected="1",
    )
    assert response.status_code == 302
    assert not Tag.objects.filter(name="全员").exists()
    assert Member.objects.filter(status=MemberStatus.CURRENT).count() == 2
    page = client.get(response["Location"]).content.decode()
    assert "没有任何更改" in page or "nothing was changed" in page.lower()


@pytest.mark.parametrize("action", ["add_tag", "mark_left"])
def test_everything_acts_only_on_the_number_confirmed(client, district, chair_a, action):
    client.force_login(chair_a)
    # She confirmed "all 1 matching members"; meanwhile someone registered another.
    other = MemberFactory(name="新来的")
    MembershipFactory(member=other, organization=district.market_a.federation)
    data = {"action": action, "tag": "全员", "reason": "x", "everything": "1", "query": ""}
    # Neither the confirmation page nor the confirmed action goes ahead on the old number.
    for step in ({}, {"confirmed": "1"}):
        post(client, **data, **step, expected="1")
        assert not Tag.objects.filter(name="全员").exists()
        assert Member.objects.filter(status=MemberStatus.CURRENT).count() == 3
    post(client, **data, expected="2", confirmed="1")
    if action == "add_tag":
        assert Tag.objects.get(name="全员").members.count() == 2
    else:
        assert Member.objects.filter(status=MemberStatus.LEFT).count() == 2


def test_everything_without_a_confirmed_number_is_refused(client, district, chair_a):
    client.force_login(chair_a)
    post(client, action="add_tag", tag="全员", everything="1", query="")
    assert not Tag.objects.filter(name="全员").exists()


def test_the_directory_carries_the_number_to_confirm(client, district, chair_a):
    client.force_login(chair_a)
    html = client.get(reverse("member_list")).content.decode()
    assert 'name="expected" value="1"' in html


# --- Read-only roles never write (issue 8) --------------------------------------------------


@pytest.mark.parametrize("persona", ["viewer", "counsellor", "outsider"])
@pytest.mark.parametrize("selection", [{"everything": "1", "query": "", "expected": "2"}, "ids"])
def test_read_only_roles_create_no_tag(client, request, district, persona, selection):
    client.force_login(request.getfixturevalue(persona))
    data = selection if isinstance(selection, dict) else {"ids": [district.member_a.pk]}
    response = post(client, action="add_tag", tag="只读者的标签", **data)
    assert response.status_code in {302, 403}
    assert not Tag.objects.filter(name="只读者的标签").exists()
    assert not ChangeRecord.objects.exists()


def test_a_refused_selection_creates_no_tag(client, district, chair_a):
    client.force_login(chair_a)
    post(client, action="add_tag", tag="越界", ids=[district.member_b.pk])
    assert not Tag.objects.filter(name="越界").exists()
    assert not ChangeRecord.objects.exists()
