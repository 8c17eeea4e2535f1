import pytest

from tests.factories import UserFactory


@pytest.fixture
def admin_client(client, db):
    admin = UserFactory(username="admin", is_staff=True, is_superuser=True)
    client.force_login(admin)
    return client


def test_admin_reads_members_but_writes_nothing(admin_client, district):
    """Members are registered and corrected on the product's pages, whose services check
    who may do it, keep the counts and record the change: the admin only reads."""
    assert admin_client.get("/admin/members/member/add/").status_code == 403
    response = admin_client.post(
        f"/admin/members/member/{district.member_a.pk}/change/", {"name": "改名"}
    )
    assert response.status_code == 403
    district.member_a.refresh_from_db()
    assert district.member_a.name == "赵丹"
    assert (
        admin_client.get(f"/admin/members/member/{district.member_a.pk}/change/").status_code == 200
    )


def test_admin_changelist_search_and_filter_work(admin_client, district):
    response = admin_client.get("/admin/members/member/", {"q": "zd", "status__exact": "current"})
    assert response.status_code == 200
    assert "赵丹" in response.content.decode()
    # Phone numbers are masked even in the changelist.
    assert district.member_a.mobile not in response.content.decode()
