"""members.services on their own: transfers, restoring, homes, and who may call them.

Every service refuses a caller without the ability (PermissionDenied) before it writes: the
admin, a management command or a Celery task get the answer a page gets.
"""

import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from audit.models import ChangeRecord
from federation.models import OrganizationKind
from members import services
from members.models import (
    Honor,
    HonorKind,
    Member,
    Membership,
    MemberStatus,
    Tag,
    TransferRequest,
    TransferStatus,
)
from tests.factories import MemberFactory, MembershipFactory, OrganizationFactory

pytestmark = pytest.mark.usefixtures("today")

MOVE_DAY = datetime.date(2026, 3, 1)


def market_of(member):
    return member.memberships.get(ends_on__isnull=True, scope="market").organization


def push(member, to, by):
    return services.transfer_request(
        member=member,
        to_organization=to,
        effective_on=MOVE_DAY,
        reason="换档口",
        by=by,
        by_receiver=False,
    )


# --- Transfers ---------------------------------------------------------------------------


def test_confirmed_transfer_moves_her_market_and_ends_her_homes_there(district, chair_a, chair_b):
    member = district.member_a
    transfer = push(member, district.market_b.federation, chair_a)
    services.transfer_confirm(transfer=transfer, by=chair_b)

    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.CONFIRMED and transfer.decided_by == chair_b
    assert market_of(member) == district.market_b.federation
    ended = member.memberships.filter(ends_on=MOVE_DAY)
    assert {m.organization for m in ended} == {district.market_a.federation, district.home_a}
    actions = list(
        ChangeRecord.objects.filter(object_id=str(member.pk)).values_list("action", flat=True)
    )
    assert actions == ["transfer_confirmed", "transfer_requested"]


def test_the_asking_side_cannot_confirm_its_own_request(district, chair_a):
    transfer = push(district.member_a, district.market_b.federation, chair_a)
    with pytest.raises(PermissionDenied):
        services.transfer_confirm(transfer=transfer, by=chair_a)
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.PENDING
    assert market_of(district.member_a) == district.market_a.federation


def test_rejected_transfer_changes_nothing_but_its_status(district, chair_a, chair_b):
    transfer = push(district.member_a, district.market_b.federation, chair_a)
    services.transfer_decline(transfer=transfer, by=chair_b)
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.REJECTED
    assert market_of(district.member_a) == district.market_a.federation
    with pytest.raises(PermissionDenied):  # decided: nobody may decide it again
        services.transfer_confirm(transfer=transfer, by=chair_b)


def test_withdrawal_is_for_the_asking_side_only(district, chair_a, chair_b):
    transfer = push(district.member_a, district.market_b.federation, chair_a)
    with pytest.raises(PermissionDenied):
        services.transfer_decline(transfer=transfer, by=chair_b, cancel=True)
    services.transfer_decline(transfer=transfer, by=chair_a, cancel=True)
    transfer.refresh_from_db()
    assert transfer.status == TransferStatus.CANCELLED


def test_receiving_chair_asks_for_a_member_and_her_market_confirms(district, chair_a, chair_b):
    member = district.member_b  # of market B, asked for by market A
    transfer = services.transfer_request(
        member=member,
        to_organization=district.market_a.federation,
        effective_on=MOVE_DAY,
        reason="",
        by=chair_a,
        by_receiver=True,
    )
    with pytest.raises(PermissionDenied):
        services.transfer_confirm(transfer=transfer, by=chair_a)
    services.transfer_confirm(transfer=transfer, by=chair_b)
    assert market_of(member) == district.market_a.federation


def test_a_chair_cannot_ask_for_someone_into_another_market(district, chair_a):
    with pytest.raises(PermissionDenied):
        services.transfer_request(
            member=district.member_b,
            to_organization=district.market_b.federation,
            effective_on=MOVE_DAY,
            reason="",
            by=chair_a,
            by_receiver=True,
        )
    assert not TransferRequest.objects.exists()


def test_confirming_after_she_left_is_refused(district, chair_a, chair_b):
    transfer = push(district.member_a, district.market_b.federation, chair_a)
    services.member_mark_left(
        member=district.member_a, left_on=MOVE_DAY, reason="回老家", by=chair_a
    )
    with pytest.raises(ValidationError):
        services.transfer_confirm(transfer=transfer, by=chair_b)


# --- Restoring ---------------------------------------------------------------------------


def left(member, by, day=MOVE_DAY):
    services.member_mark_left(member=member, left_on=day, reason="离开市场", by=by)
    member.refresh_from_db()
    return member


def test_restore_brings_her_back_into_the_market(district, chair_a):
    member = left(district.member_a, chair_a)
    services.member_restore(
        member=member,
        market=district.market_a.federation,
        restored_on=datetime.date(2026, 6, 1),
        by=chair_a,
    )
    member.refresh_from_db()
    assert member.status == MemberStatus.CURRENT and member.left_on is None
    assert market_of(member) == district.market_a.federation


def test_restore_is_refused_when_someone_now_has_her_mobile(district, chair_a):
    member = left(district.member_a, chair_a)
    holder = MemberFactory(name="新会员", mobile=member.mobile)
    MembershipFactory(member=holder, organization=district.market_a.federation)
    with pytest.raises(ValidationError) as excinfo:
        services.member_restore(
            member=member,
            market=district.market_a.federation,
            restored_on=datetime.date(2026, 6, 1),
            by=chair_a,
        )
    assert "新会员" not in str(excinfo.value)  # not named: she may be in another market
    member.refresh_from_db()
    assert member.status == MemberStatus.LEFT


def test_restore_of_an_erased_member_is_refused(district, district_staff):
    member = district.member_a
    services.member_erase(member=member, by=district_staff)
    with pytest.raises(ValidationError):
        services.member_restore(
            member=Member.objects.get(pk=member.pk),
            market=district.market_a.federation,
            restored_on=datetime.date(2026, 6, 1),
            by=district_staff,
        )


def test_restore_into_a_market_she_may_not_change_is_refused(district, chair_a, chair_b):
    member = left(district.member_a, chair_a)
    with pytest.raises(PermissionDenied):
        services.member_restore(
            member=member,
            market=district.market_b.federation,
            restored_on=datetime.date(2026, 6, 1),
            by=chair_b,
        )
    member.refresh_from_db()
    assert member.status == MemberStatus.LEFT


# --- Homes -------------------------------------------------------------------------------


def test_assigning_a_home_moves_her_from_her_previous_home(district, chair_a):
    second = OrganizationFactory(
        name="邵兴城妇女微家", kind=OrganizationKind.MICRO_HOME, parent=district.market_a.federation
    )
    other = MemberFactory(name="王芳")
    MembershipFactory(member=other, organization=district.market_a.federation)
    day = datetime.date(2026, 5, 1)
    count = services.members_assign_home(
        members=Member.objects.filter(pk__in=[district.member_a.pk, other.pk]),
        home=second,
        starts_on=day,
        by=chair_a,
    )
    assert count == 2
    ended = Membership.objects.get(member=district.member_a, organization=district.home_a)
    assert ended.ends_on == day
    # Already there: nothing to do the second time.
    assert (
        services.members_assign_home(
            members=Member.objects.filter(pk=other.pk), home=second, starts_on=day, by=chair_a
        )
        == 0
    )


def test_a_chair_cannot_assign_a_home_of_another_market(district, chair_b):
    with pytest.raises(PermissionDenied):
        services.members_assign_home(
            members=Member.objects.filter(pk=district.member_b.pk),
            home=district.home_a,
            starts_on=MOVE_DAY,
            by=chair_b,
        )
    assert not Membership.objects.filter(member=district.member_b, organization=district.home_a)


# --- Refused callers write nothing -------------------------------------------------------


def _state():
    return (
        ChangeRecord.objects.count(),
        Member.objects.filter(status=MemberStatus.CURRENT).count(),
        Membership.objects.filter(ends_on__isnull=True).count(),
        Tag.objects.count(),
        Honor.objects.count(),
        TransferRequest.objects.count(),
        list(Member.objects.order_by("pk").values_list("name", "mobile", "version")),
    )


@pytest.mark.parametrize("who", ["chair_b", "viewer", "counsellor", "outsider"])
def test_every_member_service_refuses_a_caller_without_the_ability(district, request, who):
    """Market A's member, asked of by someone who may not change her: nothing is written."""
    by = request.getfixturevalue(who)
    member = district.member_a
    market = district.market_a.federation
    one = Member.objects.filter(pk=member.pk)
    calls = {
        "member_create": lambda: services.member_create(
            by=by, market=market, joined_on=MOVE_DAY, name="新人", mobile="13900000001"
        ),
        "member_update": lambda: services.member_update(
            member=member, version=member.version, by=by, name="改名"
        ),
        "member_mark_left": lambda: services.member_mark_left(
            member=member, left_on=MOVE_DAY, reason="x", by=by
        ),
        "member_restore": lambda: services.member_restore(
            member=member, market=market, restored_on=MOVE_DAY, by=by
        ),
        "transfer_request": lambda: push(member, district.market_b.federation, by),
        "members_add_tag": lambda: services.members_add_tag(members=one, tag_name="新标签", by=by),
        "members_remove_tag": lambda: services.members_remove_tag(
            members=one, tag_name="新标签", by=by
        ),
        "members_assign_home": lambda: services.members_assign_home(
            members=one, home=district.home_a, starts_on=MOVE_DAY, by=by
        ),
        "members_mark_left": lambda: services.members_mark_left(
            members=one, left_on=MOVE_DAY, reason="x", by=by
        ),
        "honor_award": lambda: services.honor_award(
            member=member, kind=HonorKind.RED_MERCHANT, year=2026, awarded_by=market, by=by
        ),
        "member_export_personal_data": lambda: services.member_export_personal_data(
            member=member, by=by
        ),
        "member_erase": lambda: services.member_erase(member=member, by=by),
    }
    before = _state()
    for name, call in calls.items():
        with pytest.raises(PermissionDenied):
            call()
        assert _state() == before, name


def test_a_chair_cannot_set_fields_her_role_does_not_allow(district, chair_a):
    member = district.member_a
    with pytest.raises(PermissionDenied):
        services.member_update(
            member=member, version=member.version, by=chair_a, id_number="11010519491231002X"
        )
    with pytest.raises(PermissionDenied):
        services.member_update(
            member=member, version=member.version, by=chair_a, joined_on=MOVE_DAY
        )


def test_personal_data_requests_are_for_district_staff(district, chair_a, district_staff):
    with pytest.raises(PermissionDenied):
        services.member_export_personal_data(member=district.member_a, by=chair_a)
    assert services.member_export_personal_data(member=district.member_a, by=district_staff)
