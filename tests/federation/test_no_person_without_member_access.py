"""A role without member access (a counsellor, a login without roles) sees no person on any
organization page or fragment: not current officers, not past ones, not the picker."""

import datetime

import pytest
from django.test import Client

from federation.models import Position
from tests.factories import MemberFactory, MembershipFactory, OfficeFactory, TermFactory

PAST_OFFICER = "钱past官"
SITTING_OFFICER = "孙sit官"


@pytest.fixture
def officers(district):
    market = district.market_a.federation
    past_member = MemberFactory(name=PAST_OFFICER)
    MembershipFactory(member=past_member, organization=market)
    sitting_member = MemberFactory(name=SITTING_OFFICER)
    MembershipFactory(member=sitting_member, organization=market)
    past = TermFactory(
        organization=market,
        number=1,
        starts_on=datetime.date(2020, 3, 1),
        ends_on=datetime.date(2025, 3, 1),
    )
    OfficeFactory(
        term=past,
        organization=market,
        member=past_member,
        position=Position.CHAIR,
        ends_on=datetime.date(2025, 3, 1),
    )
    current = TermFactory(organization=market, number=2, starts_on=datetime.date(2025, 3, 1))
    OfficeFactory(term=current, organization=market, member=sitting_member, position=Position.CHAIR)
    return sitting_member


def _pages(district, member) -> list[str]:
    pages = []
    for org in (
        district.district,
        district.cluster,
        district.market_a.federation,
        district.market_b.federation,
        district.home_a,
    ):
        pages += [
            f"/organizations/{org.pk}/",
            f"/organizations/?parent={org.pk}",
            f"/organizations/{org.pk}/member-search/?q=官",
            f"/organizations/{org.pk}/member-search/?q=s",
            f"/organizations/{org.pk}/member-chip/?member={member.pk}",
            f"/organizations/{org.pk}/election/",
            f"/organizations/{org.pk}/offices/add/",
            f"/organizations/list/?organization={org.pk}&status=all",
        ]
    return [
        *pages,
        "/",
        "/organizations/",
        "/organizations/list/?status=all",
        "/members/?status=all",
        "/transfers/",
    ]


@pytest.mark.parametrize("persona", ["counsellor", "outsider"])
def test_no_person_on_any_organization_page(persona, request, district, officers):
    client = Client()
    client.force_login(request.getfixturevalue(persona))
    names = [PAST_OFFICER, SITTING_OFFICER, district.member_a.name, district.member_b.name]
    for url in _pages(district, officers):
        for headers in ({}, {"HX-Request": "true"}):
            response = client.get(url, headers=headers)
            assert response.status_code < 500, url
            text = response.content.decode()
            for name in names:
                assert name not in text, f"{persona} reads {name} on {url} {headers}"


def test_viewer_still_reads_the_officers(district, viewer, officers):
    client = Client()
    client.force_login(viewer)
    text = client.get(f"/organizations/{district.market_a.federation.pk}/").content.decode()
    assert SITTING_OFFICER in text and PAST_OFFICER in text
