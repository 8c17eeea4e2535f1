"""Role grants and logins: who may give whom which role, and manage whose login."""

import pytest
from django.contrib.auth import get_user_model
from django.core.exceptions import PermissionDenied, ValidationError
from django.test import Client

from accounts.models import AccountSecurity
from audit.models import AccessEvent, AccessKind, ChangeRecord
from federation import services as federation_services
from federation.models import Role, RoleGrant
from tests.conftest import _persona


@pytest.fixture
def cluster_staff(district):
    return _persona("cluster_staff", Role.CLUSTER_STAFF, district.cluster)


# --- Role grants ----------------------------------------------------------------------------


def new_login(username="newcomer"):
    return get_user_model().objects.create_user(username=username, password="x" * 20)


def test_district_staff_may_grant_any_role_within_her_scope(district, district_staff):
    grant = federation_services.role_grant_add(
        user=new_login(), role=Role.CLUSTER_STAFF, organization=district.cluster, by=district_staff
    )
    assert grant.granted_by == district_staff
    record = ChangeRecord.objects.get(action="role_grant")
    assert record.object_id == str(district.cluster.pk) and "newcomer" in record.text
    federation_services.role_grant_add(
        user=new_login("second"),
        role=Role.DISTRICT_STAFF,
        organization=district.district,
        by=district_staff,
    )


@pytest.mark.parametrize(
    ("role", "where"),
    [
        (Role.DISTRICT_STAFF, "market"),
        (Role.MARKET_CHAIR, "home"),
        (Role.HOME_MANAGER, "market"),
        (Role.CLUSTER_STAFF, "district"),
    ],
)
def test_a_role_that_does_not_fit_the_kind_of_organization_is_not_offered(
    client, district, district_staff, role, where
):
    organization = {
        "market": district.market_a.federation,
        "home": district.home_a,
        "district": district.district,
    }[where]
    with pytest.raises(PermissionDenied):
        federation_services.role_grant_add(
            user=new_login(), role=role, organization=organization, by=district_staff
        )
    client.force_login(district_staff)
    page = client.get(f"/organizations/{organization.pk}/logins/").content.decode()
    assert f'value="{role}"' not in page


def test_cluster_staff_grants_a_market_chair_in_her_scope(district, cluster_staff):
    market = district.market_b.federation
    federation_services.role_grant_add(
        user=new_login(), role=Role.MARKET_CHAIR, organization=market, by=cluster_staff
    )
    assert RoleGrant.objects.filter(organization=market, role=Role.MARKET_CHAIR).exists()


def test_cluster_staff_cannot_grant_district_staff(district, cluster_staff):
    with pytest.raises(PermissionDenied):
        federation_services.role_grant_add(
            user=new_login(),
            role=Role.DISTRICT_STAFF,
            organization=district.market_a.federation,
            by=cluster_staff,
        )
    assert not RoleGrant.objects.filter(role=Role.DISTRICT_STAFF, user__username="newcomer")


def test_chair_cannot_grant_anything(district, chair_a):
    user = new_login()
    for role in (Role.MARKET_CHAIR, Role.HOME_MANAGER, Role.VIEWER):
        with pytest.raises(PermissionDenied):
            federation_services.role_grant_add(
                user=user, role=role, organization=district.home_a, by=chair_a
            )
    assert not RoleGrant.objects.filter(user__username="newcomer").exists()


def test_nobody_grants_outside_her_administered_scope(district, district_staff, cluster_staff):
    with pytest.raises(PermissionDenied):
        federation_services.role_grant_add(
            user=new_login("a"), role=Role.VIEWER, organization=district.city, by=district_staff
        )
    with pytest.raises(PermissionDenied):
        federation_services.role_grant_add(
            user=new_login("b"), role=Role.VIEWER, organization=district.district, by=cluster_staff
        )


def test_the_same_grant_twice_is_refused(district, district_staff):
    user = new_login()
    federation_services.role_grant_add(
        user=user, role=Role.VIEWER, organization=district.cluster, by=district_staff
    )
    with pytest.raises(ValidationError) as excinfo:
        federation_services.role_grant_add(
            user=user, role=Role.VIEWER, organization=district.cluster, by=district_staff
        )
    assert excinfo.value.code == "duplicate"


def test_user_cannot_revoke_her_own_last_administering_grant(district, district_staff):
    grant = district_staff.role_grants.get()
    with pytest.raises(ValidationError) as excinfo:
        federation_services.role_grant_revoke(grant=grant, by=district_staff)
    assert excinfo.value.code == "last_admin_role"
    assert RoleGrant.objects.filter(pk=grant.pk).exists()


def test_user_may_revoke_her_own_grant_while_another_remains(district, district_staff):
    extra = RoleGrant.objects.create(
        user=district_staff, role=Role.CLUSTER_STAFF, organization=district.cluster
    )
    federation_services.role_grant_revoke(grant=extra, by=district_staff)
    assert not RoleGrant.objects.filter(pk=extra.pk).exists()
    assert ChangeRecord.objects.filter(action="role_revoke").exists()


def test_cluster_staff_cannot_revoke_a_district_staff_grant(district, cluster_staff):
    grant = RoleGrant.objects.create(
        user=new_login(), role=Role.DISTRICT_STAFF, organization=district.cluster
    )
    with pytest.raises(PermissionDenied):
        federation_services.role_grant_revoke(grant=grant, by=cluster_staff)
    assert RoleGrant.objects.filter(pk=grant.pk).exists()


def test_new_login_gets_a_temporary_password_that_must_be_changed(district, cluster_staff):
    market = district.market_a.federation
    user, password = federation_services.login_create(
        username="shaoxing_chair",
        full_name="赵丹",
        role=Role.MARKET_CHAIR,
        organization=market,
        by=cluster_staff,
    )
    assert user.check_password(password) and len(password) >= 12
    assert AccountSecurity.objects.get(user=user).must_change_password
    assert user.get_full_name() == "赵丹"
    assert RoleGrant.objects.filter(user=user, role=Role.MARKET_CHAIR, organization=market)
    assert password not in str(list(ChangeRecord.objects.values_list("summary", "changes")))


def test_new_login_refuses_a_taken_username_in_any_case(district, district_staff):
    with pytest.raises(ValidationError) as excinfo:
        federation_services.login_create(
            username="District_Staff",
            full_name="某人",
            role=Role.VIEWER,
            organization=district.cluster,
            by=district_staff,
        )
    assert "username" in excinfo.value.error_dict
    assert get_user_model().objects.count() == 1


def test_new_login_is_not_created_when_the_role_may_not_be_granted(district, cluster_staff):
    with pytest.raises(PermissionDenied):
        federation_services.login_create(
            username="boss",
            full_name="某人",
            role=Role.DISTRICT_STAFF,
            organization=district.cluster,
            by=cluster_staff,
        )
    assert not get_user_model().objects.filter(username="boss").exists()


# --- Deactivating logins and resetting passwords on the logins page ---------------------


def test_district_staff_deactivate_a_chair_login_from_the_logins_page(
    client, district, district_staff, chair_a
):
    chair_client = Client()
    chair_client.force_login(chair_a)
    assert chair_client.get("/members/").status_code == 200
    grant = chair_a.role_grants.get()
    market = district.market_a.federation
    client.force_login(district_staff)
    page = client.get(f"/organizations/{market.pk}/logins/").content.decode()
    assert f"/logins/{grant.pk}/deactivate/" in page
    response = client.post(f"/organizations/{market.pk}/logins/{grant.pk}/deactivate/")
    assert response.status_code == 302
    chair_a.refresh_from_db()
    assert not chair_a.is_active
    # Her open session ended at once.
    assert chair_client.get("/members/").status_code == 302
    event = AccessEvent.objects.get(kind=AccessKind.LOGIN_DEACTIVATED)
    assert event.username == "district_staff" and event.ip_address == "127.0.0.1"


def test_reset_password_shows_a_temporary_password_once_and_forces_a_change(
    client, district, district_staff, chair_a
):
    grant = chair_a.role_grants.get()
    market = district.market_a.federation
    client.force_login(district_staff)
    response = client.post(
        f"/organizations/{market.pk}/logins/{grant.pk}/password-reset/",
        headers={"HX-Request": "true"},
    )
    html = response.content.decode()
    assert response.status_code == 200 and "data-temporary-password" in html
    assert "no-store" in response.headers.get("Cache-Control", "") or "max-age=0" in (
        response.headers.get("Cache-Control", "")
    )
    security = AccountSecurity.objects.get(user=chair_a)
    assert security.must_change_password and security.must_change_because == "reset"
    assert AccessEvent.objects.filter(kind=AccessKind.PASSWORD_RESET_FORCED).count() == 1


def test_cluster_staff_cannot_lock_out_district_staff_nor_anyone_herself(
    district, district_staff, cluster_staff, chair_a
):
    with pytest.raises(PermissionDenied):
        federation_services.login_deactivate(login=district_staff, by=cluster_staff)
    with pytest.raises(PermissionDenied):
        federation_services.login_password_reset(login=cluster_staff, by=cluster_staff)
    with pytest.raises(PermissionDenied):
        federation_services.login_deactivate(login=district_staff, by=chair_a)
    district_staff.refresh_from_db()
    assert district_staff.is_active
    federation_services.login_deactivate(login=chair_a, by=cluster_staff)
    chair_a.refresh_from_db()
    assert not chair_a.is_active


def test_a_new_login_is_recorded_as_created_and_greeted_as_new(client, district, district_staff):
    market = district.market_a.federation
    user, password = federation_services.login_create(
        username="newchair",
        full_name="王芳",
        role=Role.MARKET_CHAIR,
        organization=market,
        by=district_staff,
    )
    event = AccessEvent.objects.get(object_id=str(user.pk))
    assert event.kind == AccessKind.LOGIN_CREATED
    assert not AccessEvent.objects.filter(kind=AccessKind.PASSWORD_RESET_FORCED).exists()
    client.post("/login/", {"username": "newchair", "password": password})
    page = client.get("/account/password/").content.decode()
    assert "这个账号是新建的" in page and "管理员已重置" not in page


def test_the_admin_is_for_superusers_and_others_get_a_403_not_a_loop(client, district_staff):
    client.force_login(district_staff)
    for url in ("/admin/", "/admin/members/member/", "/admin/login/?next=/admin/"):
        response = client.get(url)
        assert response.status_code == 403, url
    assert AccessEvent.objects.filter(kind=AccessKind.PERMISSION_DENIED).count() == 3
