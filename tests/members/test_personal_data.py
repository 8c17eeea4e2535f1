import datetime
import json

from django.urls import reverse

from audit.models import AccessEvent, AccessKind
from federation.selectors import organization_member_count
from members import services
from members.models import Member, Membership, MemberStatus
from tests.factories import UserFactory


def test_export_holds_everything_about_her_and_is_recorded(district, district_staff):
    member = district.member_a
    document = json.loads(services.member_export_personal_data(member=member, by=district_staff))
    assert document["member"]["姓名"] == "赵丹"
    assert document["member"]["手机号"] == member.mobile
    assert document["member"]["身份证号"] == member.id_number
    organizations = {m["组织"] for m in document["memberships"]}
    assert organizations == {"邵兴城市场妇联", "邵兴城妇女之家"}
    event = AccessEvent.objects.get(kind=AccessKind.PERSONAL_DATA_EXPORT)
    assert event.object_id == str(member.pk) and event.username == "district_staff"


def test_erasure_removes_identity_but_keeps_past_counts(district, district_staff):
    member = district.member_a
    market = district.market_a.federation
    year_end = datetime.date(2025, 12, 31)
    counted_before = Membership.objects.on(year_end).filter(organization=market).count()
    birth_year = member.birth_date.year

    services.member_erase(member=member, by=district_staff)

    member.refresh_from_db()
    assert member.erased_at is not None and member.status == MemberStatus.LEFT
    assert (member.mobile, member.id_number, member.notes) == ("", "", "")
    assert "赵丹" not in member.name and member.name_pinyin != "zhaodan"
    assert member.birth_date.year == birth_year
    # Last year's statistics do not change; today she is no longer counted.
    assert Membership.objects.on(year_end).filter(organization=market).count() == counted_before
    assert organization_member_count(market) == 0
    assert AccessEvent.objects.filter(kind=AccessKind.PERSONAL_DATA_ERASURE).count() == 1


def test_erased_member_frees_her_mobile_for_a_new_registration(district, district_staff):
    mobile = district.member_a.mobile
    services.member_erase(member=district.member_a, by=district_staff)
    assert not Member.objects.filter(mobile=mobile).exists()


def test_admin_actions_export_and_erase(client, district):
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(admin)
    url = reverse("admin:members_member_changelist")
    pk = str(district.member_a.pk)
    exported = client.post(url, {"action": "export_personal_data", "_selected_action": [pk]})
    assert exported["Content-Type"].startswith("application/json")
    confirm = client.post(url, {"action": "erase_personal_data", "_selected_action": [pk]})
    assert "删除" in confirm.content.decode() and Member.objects.get(pk=pk).erased_at is None
    client.post(
        url, {"action": "erase_personal_data", "_selected_action": [pk], "confirmed": "yes"}
    )
    assert Member.objects.get(pk=pk).erased_at is not None


def test_admin_finds_a_member_by_encrypted_id_number(client, district):
    admin = UserFactory(username="root", is_staff=True, is_superuser=True)
    client.force_login(admin)
    response = client.get(
        reverse("admin:members_member_changelist"), {"q": district.member_a.id_number[-4:]}
    )
    assert list(response.context["cl"].result_list) == [district.member_a]
