"""User-supplied text is escaped on every page that shows it."""

import datetime

import pytest
from django.urls import reverse

from audit.models import AccessKind
from audit.services import access_record, change_record
from members.models import Tag, TransferRequest
from tests.factories import OfficeFactory, ShopFactory, TermFactory

PAYLOADS = [
    "<script>alert(1)</script>",
    '"><img src=x onerror=alert(1)>',
    "<svg/onload=alert(1)>",
]


@pytest.mark.parametrize("payload", PAYLOADS)
def test_payloads_in_free_text_fields_are_escaped_everywhere(
    client, district, district_staff, payload
):
    market = district.market_a.federation
    market.name = f"邵兴城{payload}"
    market.address = payload
    market.save(update_fields=["name", "address"])
    member = district.member_a
    member.name = f"赵{payload}"
    member.notes = payload
    member.ethnicity = payload[:20]
    member.save(update_fields=["name", "notes", "ethnicity", "name_pinyin", "name_initials"])
    gone = district.member_b
    gone.status, gone.left_on, gone.left_reason = "left", datetime.date(2026, 1, 1), payload
    gone.save(update_fields=["status", "left_on", "left_reason"])
    gone.memberships.update(ends_on=datetime.date(2026, 1, 1), end_reason=payload)
    TransferRequest.objects.create(
        member=member,
        from_organization=market,
        to_organization=district.market_b.federation,
        effective_on=datetime.date(2026, 12, 1),
        reason=payload,
    )
    change_record(
        target=member,
        by=district_staff,
        action="restore",
        params={"market": payload, "date": "2026-01-01"},
        changes={"notes": ("", payload)},
    )
    ShopFactory(market=district.market_a, business_name=payload)
    Tag.objects.create(name=payload[:30])
    term = TermFactory(organization=market, number=7)
    OfficeFactory(term=term, member=member, position="executive")
    access_record(kind=AccessKind.LOGIN_FAILED, username=payload)
    district_staff.first_name = payload[:150]
    district_staff.save(update_fields=["first_name"])

    client.force_login(district_staff)
    pages = [
        reverse("dashboard"),
        reverse("organization_tree"),
        reverse("organization_tree") + f"?parent={district.cluster.pk}",
        reverse("organization_detail", args=[market.pk]),
        reverse("organization_detail", args=[district.cluster.pk]),
        reverse("access_log"),
        reverse("member_list"),
        reverse("member_list") + "?status=left",
        reverse("member_detail", args=[member.pk]),
        reverse("member_detail", args=[gone.pk]),
        reverse("member_edit", args=[member.pk]),
        reverse("transfer_list"),
        reverse("organization_logins", args=[market.pk]),
    ]
    for url in pages:
        for headers in ({}, {"HX-Request": "true"}):
            html = client.get(url, headers=headers).content.decode()
            assert payload not in html, url
    # And the escaped form is really shown (the test looks at the right pages).
    detail = client.get(reverse("organization_detail", args=[market.pk])).content.decode()
    assert "&lt;" in detail
