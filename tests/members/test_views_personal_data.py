"""Issue 9, item 2: PIPL hand-over and erasure on the member's record, for district staff."""

import json

import pytest
from django.urls import reverse

from audit.models import AccessEvent, AccessKind
from members.models import Member

pytestmark = pytest.mark.django_db


def test_staff_find_the_pipl_page_on_her_record(client, district, district_staff):
    client.force_login(district_staff)
    html = client.get(reverse("member_detail", args=[district.member_a.pk])).content.decode()
    assert reverse("member_personal_data", args=[district.member_a.pk]) in html


@pytest.mark.parametrize("persona", ["chair_a", "viewer"])
def test_others_neither_see_the_link_nor_open_the_page(client, district, request, persona):
    client.force_login(request.getfixturevalue(persona))
    url = reverse("member_personal_data", args=[district.member_a.pk])
    html = client.get(reverse("member_detail", args=[district.member_a.pk])).content.decode()
    assert url not in html
    assert client.get(url).status_code == 403
    assert client.post(url, {"action": "erase", "confirmed": "yes"}).status_code == 403
    assert Member.objects.get(pk=district.member_a.pk).erased_at is None


def test_staff_hand_over_her_data_as_a_file_and_it_is_recorded(client, district, district_staff):
    client.force_login(district_staff)
    url = reverse("member_personal_data", args=[district.member_a.pk])
    response = client.post(url, {"action": "export"})
    assert response["Content-Type"].startswith("application/json")
    assert "attachment" in response["Content-Disposition"]
    document = json.loads(response.content)
    assert document["member"]["姓名"] == "赵丹"
    event = AccessEvent.objects.get(kind=AccessKind.PERSONAL_DATA_EXPORT)
    assert event.username == "district_staff" and event.object_id == str(district.member_a.pk)


def test_erasure_needs_the_confirmation_and_is_recorded(client, district, district_staff):
    client.force_login(district_staff)
    pk = district.member_a.pk
    url = reverse("member_personal_data", args=[pk])
    client.post(url, {"action": "erase"})
    assert Member.objects.get(pk=pk).erased_at is None
    response = client.post(url, {"action": "erase", "confirmed": "yes"})
    assert response.status_code == 302
    member = Member.objects.get(pk=pk)
    assert member.erased_at is not None and member.mobile == ""
    assert AccessEvent.objects.filter(kind=AccessKind.PERSONAL_DATA_ERASURE).count() == 1
    # Erasing again does nothing more.
    client.post(url, {"action": "erase", "confirmed": "yes"})
    assert AccessEvent.objects.filter(kind=AccessKind.PERSONAL_DATA_ERASURE).count() == 1


def test_an_unknown_action_is_a_bad_request(client, district, district_staff):
    client.force_login(district_staff)
    url = reverse("member_personal_data", args=[district.member_a.pk])
    assert client.post(url, {"action": "x" * 10000}).status_code == 400


def test_readme_sends_nobody_to_the_admin_for_pipl_or_logins():
    from pathlib import Path

    readme = Path(__file__).resolve().parents[2].joinpath("README.md").read_text()
    security = readme.split("## Security", 1)[1].split("\n## ", 1)[0]
    assert "/admin/" not in security
    assert "admin's member list" not in security


def test_readme_logins_table_says_what_each_login_can_do_and_where():
    from pathlib import Path

    readme = Path(__file__).resolve().parents[2].joinpath("README.md").read_text()
    table = readme.split("| login | role | scope |", 1)[1].split("\n\n", 1)[0]
    assert "what she can do, and where" in table.splitlines()[0]
    for login in ("district", "cluster", "chair_shaoxing", "home_manager", "counsellor", "viewer"):
        row = next(line for line in table.splitlines() if line.startswith(f"| `{login}` |"))
        assert row.count("|") == 5 and len(row.split("|")[4].strip()) > 20, login
        assert "/admin/" not in row, login


def test_the_pipl_page_works_for_every_history_shape(client, district, district_staff, today):
    import datetime

    from members import services

    client.force_login(district_staff)
    member = district.member_a
    services.member_mark_left(
        member=member, left_on=datetime.date(2026, 11, 1), reason="回老家", by=district_staff
    )
    url = reverse("member_personal_data", args=[member.pk])
    assert client.get(url).status_code == 200  # left
    assert client.post(url, {"action": "export"}).status_code == 200
    services.member_restore(
        member=Member.objects.get(pk=member.pk),
        market=district.market_a.federation,
        restored_on=datetime.date(2026, 11, 20),
        by=district_staff,
    )
    assert client.get(url).status_code == 200  # came back
    client.post(url, {"action": "erase", "confirmed": "yes"})
    html = client.get(url).content.decode()  # erased
    assert "已于" in html and "删除" in html
    assert client.post(url, {"action": "export"}).status_code == 200
