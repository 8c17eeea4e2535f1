"""Naming members on a practical deed or a donation with the member picker: whom a chair may
name, what she sees of those she may not, and what the member's record then shows."""

import datetime
from decimal import Decimal

import pytest
from django.urls import reverse

from audit.models import ChangeRecord
from members import services as member_services
from members.models import TransferRequest
from tests.factories import MemberFactory, MembershipFactory
from work import services
from work.models import Deed, Donation

pytestmark = pytest.mark.django_db

HTMX = {"HX-Request": "true"}


def _deed_post(district, **extra):
    return {
        "organization": district.market_a.federation.pk,
        "title": "帮扶困难商户",
        "done_on": "2026-11-20",
        "beneficiary_count": "0",
        "status": "done",
        **extra,
    }


def test_chair_names_the_responsible_and_the_beneficiaries_of_a_deed(client, district, chair_a):
    other = MemberFactory(name="周敏")
    MembershipFactory(member=other, organization=district.market_a.federation)
    client.force_login(chair_a)
    response = client.post(
        reverse("deed_create"),
        _deed_post(district, responsible=str(district.member_a.pk), beneficiaries=[other.pk]),
    )
    assert response.status_code == 302
    deed = Deed.objects.get()
    assert deed.responsible == district.member_a
    assert list(deed.beneficiaries.all()) == [other]
    assert deed.beneficiary_count == 1  # at least the members named
    page = client.get(reverse("member_detail", args=[other.pk])).content.decode()
    assert "帮扶困难商户" in page


def test_the_deed_form_offers_a_picker_not_every_member(client, district, district_staff):
    for _ in range(30):
        MembershipFactory(member=MemberFactory(), organization=district.market_a.federation)
    client.force_login(district_staff)
    html = client.get(reverse("deed_create")).content.decode()
    # Before, the responsible executive was a <select> of every member she may see (94,000
    # options for district staff on the real district); now a search that lists at most 20.
    assert "赵丹" not in html and "李芳" not in html
    assert 'id="picker-responsible"' in html and 'id="picker-beneficiaries"' in html
    assert reverse("member_picker_search") in html


def test_the_picker_finds_only_members_she_may_see(client, district, chair_a, counsellor):
    client.force_login(chair_a)
    search = reverse("member_picker_search")
    found = client.get(search, {"q": "赵", "field": "beneficiaries"}, headers=HTMX)
    assert "赵丹" in found.content.decode()
    assert "李芳" not in client.get(search, {"q": "李"}, headers=HTMX).content.decode()
    chip = reverse("member_picker_chip")
    assert client.get(chip, {"member": district.member_b.pk}, headers=HTMX).status_code == 404
    client.force_login(counsellor)
    assert "赵丹" not in client.get(search, {"q": "赵"}, headers=HTMX).content.decode()


def test_a_crafted_beneficiary_from_another_market_writes_nothing(client, district, chair_a):
    client.force_login(chair_a)
    response = client.post(
        reverse("deed_create"), _deed_post(district, beneficiaries=[district.member_b.pk])
    )
    assert response.status_code == 200
    assert "李芳" not in response.content.decode()
    assert not Deed.objects.exists()


@pytest.mark.parametrize("value", ["²", "9" * 30, "-1", "x" * 10_000])
def test_hostile_member_ids_are_refused_with_a_message(client, district, chair_a, value):
    client.force_login(chair_a)
    for field in ("responsible", "beneficiaries"):
        response = client.post(reverse("deed_create"), _deed_post(district, **{field: value}))
        assert response.status_code == 200
        assert "picker-error-" + field in response.content.decode()
    assert not Deed.objects.exists()


def test_a_nul_byte_in_a_member_id_is_a_bad_request(client, district, chair_a):
    client.force_login(chair_a)
    response = client.post(reverse("deed_create"), _deed_post(district, beneficiaries="1\x00"))
    assert response.status_code == 400 and not Deed.objects.exists()


def test_naming_a_member_twice_is_refused(client, district, chair_a):
    client.force_login(chair_a)
    member = district.member_a.pk
    response = client.post(
        reverse("deed_create"), _deed_post(district, beneficiaries=[member, member])
    )
    assert response.status_code == 200 and not Deed.objects.exists()


def test_correcting_keeps_the_beneficiaries_she_can_no_longer_see(
    client, district, chair_a, district_staff
):
    """A beneficiary who later moved to another market stays on the deed, unseen: the chair's
    correction neither shows her name nor drops her."""
    moved = MemberFactory(name="孙悦")
    MembershipFactory(member=moved, organization=district.market_a.federation)
    deed = services.deed_record(
        organization=district.market_a.federation,
        title="帮扶困难商户",
        done_on=datetime.date(2026, 3, 1),
        by=chair_a,
        beneficiaries=[moved, district.member_a],
    )
    transfer = member_services.transfer_request(
        member=moved,
        to_organization=district.market_b.federation,
        effective_on=datetime.date(2026, 7, 1),
        reason="",
        by=district_staff,
        by_receiver=False,
    )
    member_services.transfer_confirm(
        transfer=TransferRequest.objects.get(pk=transfer.pk), by=district_staff
    )
    client.force_login(chair_a)
    page = client.get(reverse("deed_edit", args=[deed.pk])).content.decode()
    assert "赵丹" in page and "孙悦" not in page
    response = client.post(
        reverse("deed_edit", args=[deed.pk]),
        _deed_post(district, done_on="2026-03-01", beneficiaries=[], beneficiary_count="0"),
    )
    assert response.status_code == 302
    assert list(deed.beneficiaries.all()) == [moved]
    deed.refresh_from_db()
    assert deed.beneficiary_count == 1  # lowered to 0 by her, kept at the one still named
    record = ChangeRecord.objects.get(object_type="work.deed", action="deed_edited")
    assert record.changes["beneficiaries"] == [["赵丹", "孙悦"], ["孙悦"]]


def test_donation_recipients_are_named_and_corrected(client, district, chair_a):
    client.force_login(chair_a)
    post = {
        "kind": "goods",
        "donor": "株洲爱心企业",
        "organization": district.market_a.federation.pk,
        "value_yuan": "2000",
        "goods": "冬衣 40 件",
        "given_on": "2026-11-20",
        "purpose": "困难妇女过冬",
    }
    response = client.post(
        reverse("donation_create"), {**post, "recipients": [district.member_a.pk]}
    )
    assert response.status_code == 302
    donation = Donation.objects.get()
    assert list(donation.recipients.all()) == [district.member_a]
    assert donation.value_yuan == Decimal("2000")
    page = client.get(reverse("donation_edit", args=[donation.pk])).content.decode()
    assert 'id="picker-recipients"' in page and "赵丹" in page
    response = client.post(reverse("donation_edit", args=[donation.pk]), post)
    assert response.status_code == 302
    assert not donation.recipients.exists()
    record = ChangeRecord.objects.get(object_type="work.donation", action="donation_edited")
    assert record.changes == {"recipients": [["赵丹"], []]}


def test_correcting_forms_open_with_their_dates_filled_in(client, district, chair_a):
    """A native date picker takes only ISO dates: the Chinese locale's 2026/11/20 left the date
    of every correction form empty, so saving asked for it again."""
    deed = services.deed_record(
        organization=district.market_a.federation,
        title="帮扶困难商户",
        done_on=datetime.date(2026, 11, 20),
        by=chair_a,
    )
    client.force_login(chair_a)
    page = client.get(reverse("deed_edit", args=[deed.pk])).content.decode()
    assert 'type="date" name="done_on" value="2026-11-20"' in page
