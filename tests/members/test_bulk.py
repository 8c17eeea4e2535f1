import datetime

from django.urls import reverse

from members.models import Member, MemberStatus, Tag


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
    post(client, action="add_tag", tag="主播", everything="1", query="q=l", confirmed="1")
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
    post(client, action="mark_left", reason="x", everything="1", query="", confirmed="1")
    assert Member.objects.filter(status=MemberStatus.CURRENT).count() == 2


def test_bulk_needs_a_selection_and_says_so(client, district, chair_a):
    client.force_login(chair_a)
    response = post(client, action="add_tag", tag="x")
    assert response.status_code == 302
    page = client.get(response["Location"])
    assert "请先选择会员" in page.content.decode()
