import datetime

import pytest
from django.urls import reverse

from audit.models import AccessEvent, AccessKind, ChangeRecord
from members.models import Member, MemberStatus, TransferRequest, TransferStatus


def form_data(member: Member, **overrides) -> dict:
    data = {
        "name": member.name,
        "sex": member.sex,
        "mobile": member.mobile,
        "birth_date": member.birth_date.isoformat() if member.birth_date else "",
        "ethnicity": member.ethnicity,
        "political_status": member.political_status,
        "education": member.education,
        "occupation": member.occupation,
        "notes": member.notes,
        "stall_number": "",
        "version": member.version,
    }
    data.update(overrides)
    return data


def test_member_page_shows_record_and_history(client, district, chair_a):
    client.force_login(chair_a)
    html = client.get(reverse("member_detail", args=[district.member_a.pk])).content.decode()
    assert "赵丹" in html and "邵兴城妇女之家" in html and "会籍变动" in html
    assert district.member_a.mobile not in html


def test_chair_cannot_open_member_of_other_market(client, district, chair_a):
    client.force_login(chair_a)
    response = client.get(reverse("member_detail", args=[district.member_b.pk]))
    assert response.status_code == 404
    assert AccessEvent.objects.filter(
        kind=AccessKind.PERMISSION_DENIED, object_id=str(district.member_b.pk)
    ).exists()


def test_unmasking_a_mobile_is_explicit_and_recorded(client, district, chair_a, viewer):
    url = reverse("member_unmask", args=[district.member_a.pk, "mobile"])
    client.force_login(viewer)
    assert client.post(url).status_code == 404
    client.force_login(chair_a)
    assert client.get(url).status_code == 405
    response = client.post(url, headers={"HX-Request": "true"})
    assert district.member_a.mobile in response.content.decode()
    assert "<html" not in response.content.decode()
    event = AccessEvent.objects.get(kind=AccessKind.UNMASK_MOBILE)
    assert event.username == "chair_a" and district.member_a.mobile not in str(event.detail)


def test_id_numbers_are_for_staff(client, district, chair_a, district_staff):
    url = reverse("member_unmask", args=[district.member_a.pk, "id_number"])
    client.force_login(chair_a)
    assert client.post(url).status_code == 403
    page = client.get(reverse("member_detail", args=[district.member_a.pk])).content.decode()
    assert "身份证号" not in page
    client.force_login(district_staff)
    assert district.member_a.id_number in client.post(url).content.decode()


def test_chair_corrects_a_mobile_and_history_shows_it(client, district, chair_a):
    member = district.member_a
    client.force_login(chair_a)
    response = client.post(
        reverse("member_edit", args=[member.pk]), form_data(member, mobile="13912349876")
    )
    assert response.status_code == 302
    member.refresh_from_db()
    assert member.mobile == "13912349876" and member.version == 2
    change = ChangeRecord.objects.get(object_id=str(member.pk), action="update")
    assert change.username == "chair_a" and change.changes["mobile"][1] == "13912349876"
    page = client.get(reverse("member_detail", args=[member.pk])).content.decode()
    # Masked in the history too; the full numbers only through a recorded "显示".
    assert "13912349876" not in page and "139****9876" in page


def test_a_chair_cannot_change_fields_of_her_role_even_when_crafted(client, district, chair_a):
    member = district.member_a
    before = member.id_number
    client.force_login(chair_a)
    client.post(
        reverse("member_edit", args=[member.pk]),
        form_data(member, id_number="11010519491231002X", joined_on="2001-01-01"),
    )
    member.refresh_from_db()
    assert member.id_number == before and member.joined_on == datetime.date(2019, 6, 1)


def test_chair_cannot_edit_another_markets_member(client, district, chair_a):
    client.force_login(chair_a)
    url = reverse("member_edit", args=[district.member_b.pk])
    assert client.post(url, form_data(district.member_b, name="改名")).status_code == 404
    assert Member.objects.get(pk=district.member_b.pk).name == "李芳"


def test_second_save_on_a_stale_form_is_refused(client, district, chair_a, district_staff):
    member = district.member_a
    stale = form_data(member)
    client.force_login(district_staff)
    first = client.post(
        reverse("member_edit", args=[member.pk]),
        {**stale, "name": "赵丹丹", "id_number": member.id_number, "joined_on": "2019-06-01"},
    )
    assert first.status_code == 302
    client.force_login(chair_a)
    response = client.post(
        reverse("member_edit", args=[member.pk]), {**stale, "notes": "晚到的修改"}
    )
    assert response.status_code == 200
    assert "district_staff" in response.content.decode()
    member.refresh_from_db()
    assert member.name == "赵丹丹" and member.notes == ""


def test_invalid_numbers_get_chinese_messages_and_nothing_is_saved(client, district, chair_a):
    client.force_login(chair_a)
    response = client.post(
        reverse("member_create"),
        {
            "market": district.market_a.federation.pk,
            "name": "新会员",
            "sex": "female",
            "mobile": "1381234",
            "political_status": "masses",
            "occupation": "shop_owner",
            "joined_on": "2026-11-01",
        },
    )
    assert response.status_code == 200
    assert "手机号" in response.content.decode()
    assert not Member.objects.filter(name="新会员").exists()


def test_registering_a_member_of_another_market_offers_a_transfer(
    client, district, chair_a, chair_b
):
    client.force_login(chair_a)
    response = client.post(
        reverse("member_create"),
        {
            "market": district.market_a.federation.pk,
            "name": "新同事",
            "sex": "female",
            "mobile": district.member_b.mobile,
            "political_status": "masses",
            "occupation": "shop_owner",
            "joined_on": "2026-11-01",
        },
    )
    html = response.content.decode()
    # Her market, not her name: the chair may not see another market's member (issue 8).
    assert "李芳" not in html and "天泽华丽妇联" in html and "申请调入" in html
    lookup = AccessEvent.objects.get(kind=AccessKind.DUPLICATE_LOOKUP)
    assert lookup.username == "chair_a" and lookup.object_id == str(district.member_b.pk)
    assert Member.objects.filter(mobile=district.member_b.mobile).count() == 1
    client.post(
        reverse("member_transfer_in"),
        {"mobile": district.member_b.mobile, "to_organization": district.market_a.federation.pk},
    )
    transfer = TransferRequest.objects.get()
    assert transfer.requested_by_receiver and transfer.status == TransferStatus.PENDING
    assert AccessEvent.objects.filter(kind=AccessKind.DUPLICATE_LOOKUP).count() == 2
    # Not named to the asking side before her market agrees.
    assert "李芳" not in client.get(reverse("transfer_list")).content.decode()
    # The asking side cannot confirm its own request; her current market can.
    client.post(reverse("transfer_decide", args=[transfer.pk]), {"decision": "confirm"})
    assert TransferRequest.objects.get().status == TransferStatus.PENDING
    client.force_login(chair_b)
    client.post(reverse("transfer_decide", args=[transfer.pk]), {"decision": "confirm"})
    assert TransferRequest.objects.get().status == TransferStatus.CONFIRMED
    market = district.member_b.memberships.get(ends_on__isnull=True).organization
    assert market == district.market_a.federation
    client.force_login(chair_a)
    assert (
        "李芳" in client.get(reverse("member_detail", args=[district.member_b.pk])).content.decode()
    )


def test_looking_up_numbers_of_other_markets_is_limited_per_user(
    client, district, chair_a, settings
):
    from members import services
    from tests.factories import MemberFactory, MembershipFactory

    others = []
    for index in range(services.DUPLICATE_LOOKUP_LIMIT + 2):
        other = MemberFactory(name=f"别处{index}")
        MembershipFactory(member=other, organization=district.market_b.federation)
        others.append(other)
    client.force_login(chair_a)
    answers = []
    for other in others:
        response = client.post(
            reverse("member_create"),
            {
                "market": district.market_a.federation.pk,
                "name": "新同事",
                "sex": "female",
                "mobile": other.mobile,
                "political_status": "masses",
                "occupation": "shop_owner",
                "joined_on": "2026-11-01",
            },
        )
        html = response.content.decode()
        assert other.name not in html
        answers.append("天泽华丽妇联" in html)
    limit = services.DUPLICATE_LOOKUP_LIMIT
    assert answers == [True] * limit + [False] * 2
    events = AccessEvent.objects.filter(kind=AccessKind.DUPLICATE_LOOKUP)
    assert events.count() == limit + 2
    assert events.filter(object_id="").count() == 2  # refused look-ups name nobody


def test_transfer_out_is_confirmed_by_the_receiving_side(client, district, chair_a, district_staff):
    member = district.member_a
    client.force_login(chair_a)
    client.post(
        reverse("member_transfer", args=[member.pk]),
        {
            "to_organization": district.market_b.federation.pk,
            "effective_on": "2026-11-20",
            "reason": "换档口",
        },
    )
    transfer = TransferRequest.objects.get()
    client.post(reverse("transfer_decide", args=[transfer.pk]), {"decision": "confirm"})
    assert TransferRequest.objects.get().status == TransferStatus.PENDING
    client.force_login(district_staff)
    assert "赵丹" in client.get(reverse("transfer_list")).content.decode()
    client.post(reverse("transfer_decide", args=[transfer.pk]), {"decision": "confirm"})
    history = list(
        member.memberships.order_by("starts_on").values_list("organization__name", "ends_on")
    )
    assert ("邵兴城市场妇联", datetime.date(2026, 11, 20)) in history
    assert ("天泽华丽妇联", None) in history
    # Her home belonged to the market she left.
    assert ("邵兴城妇女之家", datetime.date(2026, 11, 20)) in history
    actions = set(
        ChangeRecord.objects.filter(object_id=str(member.pk)).values_list("action", flat=True)
    )
    assert {"transfer_requested", "transfer_confirmed"} <= actions


def test_mark_left_and_restore(client, district, chair_a):
    member = district.member_a
    client.force_login(chair_a)
    client.post(
        reverse("member_leave", args=[member.pk]), {"left_on": "2026-10-01", "reason": "转行"}
    )
    member.refresh_from_db()
    assert member.status == MemberStatus.LEFT
    assert client.get(reverse("member_detail", args=[member.pk])).status_code == 200
    client.post(reverse("member_restore", args=[member.pk]))
    member.refresh_from_db()
    assert member.status == MemberStatus.CURRENT
    assert member.memberships.filter(ends_on__isnull=True).count() == 1


def test_chair_creates_a_member_in_her_market_only(client, district, chair_a):
    client.force_login(chair_a)
    data = {
        "market": district.market_b.federation.pk,
        "name": "新会员",
        "sex": "female",
        "mobile": "13700001111",
        "political_status": "masses",
        "occupation": "shop_owner",
        "joined_on": "2026-11-01",
    }
    client.post(reverse("member_create"), data)
    assert not Member.objects.filter(name="新会员").exists()
    client.post(reverse("member_create"), {**data, "market": district.market_a.federation.pk})
    member = Member.objects.get(name="新会员")
    assert member.memberships.get().organization == district.market_a.federation


@pytest.mark.parametrize("name", ["member_create", "transfer_list"])
def test_viewer_cannot_register_members(client, district, viewer, name):
    client.force_login(viewer)
    response = client.get(reverse(name))
    assert response.status_code in {200, 403}
    if name == "member_create":
        assert response.status_code == 403
