import pytest

from members.models import Member
from tests.factories import UserFactory


@pytest.fixture
def admin_client(client, db):
    admin = UserFactory(username="admin", is_staff=True, is_superuser=True)
    client.force_login(admin)
    return client


def member_form(**overrides):
    data = {
        "name": "赵丹",
        "sex": "female",
        "mobile": "13812345678",
        "id_number": "11010519491231002X",
        "ethnicity": "汉族",
        "political_status": "masses",
        "occupation": "shop_owner",
        "joined_on": "2019-06-01",
        "status": "current",
        "memberships-TOTAL_FORMS": "0",
        "memberships-INITIAL_FORMS": "0",
        "honors-TOTAL_FORMS": "0",
        "honors-INITIAL_FORMS": "0",
    }
    data.update(overrides)
    return data


def test_admin_saves_a_valid_member(admin_client):
    response = admin_client.post("/admin/members/member/add/", member_form())
    assert response.status_code == 302
    assert Member.objects.get().mobile == "13812345678"


@pytest.mark.parametrize(
    ("field", "value", "fragment"),
    [
        ("mobile", "1381234567", "手机号"),
        ("id_number", "110105194912310021", "校验"),
        ("birth_date", "1950-01-01", "出生日期"),
    ],
)
def test_admin_refuses_invalid_numbers_in_chinese_and_saves_nothing(
    admin_client, field, value, fragment
):
    response = admin_client.post("/admin/members/member/add/", member_form(**{field: value}))
    assert response.status_code == 200
    errors = response.context["adminform"].form.errors
    assert fragment in errors[field][0]
    assert not Member.objects.exists()


def test_admin_changelist_search_and_filter_work(admin_client, district):
    response = admin_client.get("/admin/members/member/", {"q": "zd", "status__exact": "current"})
    assert response.status_code == 200
    assert "赵丹" in response.content.decode()
    # Phone numbers are masked even in the changelist.
    assert district.member_a.mobile not in response.content.decode()
