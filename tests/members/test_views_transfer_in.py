"""Issue 9, item 1: 申请调入 from the add-member form keeps the chair's work and works."""

import pytest
from django.urls import reverse

from members.models import Member, TransferRequest, TransferStatus

pytestmark = pytest.mark.django_db


def _typed(district, **overrides):
    values = {
        "market": district.market_a.federation.pk,
        "name": "李芳",
        "sex": "female",
        "mobile": district.member_b.mobile,
        "political_status": "masses",
        "occupation": "shop_owner",
        "joined_on": "2026-11-01",
        "notes": "在A区二楼",
    }
    values.update(overrides)
    return values


def _pasted(mobile: str) -> str:
    return f"+86 {mobile[:3]} {mobile[3:7]}-{mobile[7:]}"


def test_the_transfer_button_submits_the_typed_form(client, district, chair_a):
    client.force_login(chair_a)
    html = client.post(reverse("member_create"), _typed(district)).content.decode()
    # The button belongs to the add-member form, so everything typed travels with it.
    assert 'form="member-form"' in html and 'id="member-form"' in html
    assert f'formaction="{reverse("member_transfer_in")}"' in html


def test_asking_for_her_with_the_whole_form_and_a_pasted_mobile_requests_the_transfer(
    client, district, chair_a
):
    client.force_login(chair_a)
    data = _typed(district, mobile=_pasted(district.member_b.mobile))
    data["to_organization"] = district.market_a.federation.pk
    response = client.post(reverse("member_transfer_in"), data)
    assert response.status_code == 302 and response.url == reverse("transfer_list")
    transfer = TransferRequest.objects.get()
    assert transfer.member == district.member_b
    assert transfer.to_organization == district.market_a.federation
    assert transfer.requested_by_receiver and transfer.status == TransferStatus.PENDING
    assert Member.objects.filter(name="李芳").count() == 1  # nobody registered twice


def test_a_failed_request_gives_the_form_back_as_typed(client, district, chair_a):
    client.force_login(chair_a)
    data = _typed(district, mobile="13700000001")  # nobody has it
    data["to_organization"] = district.market_a.federation.pk
    response = client.post(reverse("member_transfer_in"), data)
    assert response.status_code == 200
    html = response.content.decode()
    assert "没有在册会员使用这个号码" in html
    assert 'value="13700000001"' in html and "在A区二楼" in html and 'value="李芳"' in html
    assert not TransferRequest.objects.exists()


def test_asking_twice_explains_and_keeps_the_form(client, district, chair_a):
    client.force_login(chair_a)
    data = _typed(district)
    data["to_organization"] = district.market_a.federation.pk
    client.post(reverse("member_transfer_in"), data)
    response = client.post(reverse("member_transfer_in"), data)
    assert response.status_code == 200
    assert TransferRequest.objects.count() == 1
    assert "在A区二楼" in response.content.decode()


def test_a_chair_cannot_pull_into_a_market_outside_her_scope(client, district, chair_a):
    client.force_login(chair_a)
    data = _typed(district, market=district.market_b.federation.pk)
    data["to_organization"] = district.market_b.federation.pk
    response = client.post(reverse("member_transfer_in"), data)
    assert response.status_code == 404
    assert not TransferRequest.objects.exists()


@pytest.mark.parametrize("hostile", ["139\x000733", "１３９²", "9" * 10000, "<script>"])
def test_hostile_numbers_get_the_form_back_not_an_error(client, district, chair_a, hostile):
    client.force_login(chair_a)
    data = _typed(district, mobile=hostile, id_number=hostile)
    data["to_organization"] = district.market_a.federation.pk
    response = client.post(reverse("member_transfer_in"), data)
    if "\x00" in hostile:
        # Refused before the view reads it (issue 8's middleware), with a message.
        assert response.status_code == 400 and 'class="error"' in response.content.decode()
    else:
        assert response.status_code == 200 and 'value="李芳"' in response.content.decode()
    assert not TransferRequest.objects.exists()
