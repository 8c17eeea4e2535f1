"""The database itself guards the invariants: these go straight to the model, past any form."""

import datetime

import pytest
from django.db import IntegrityError, transaction

from federation.models import Position
from members.models import MemberStatus
from tests.factories import MemberFactory, MembershipFactory, OfficeFactory, TermFactory

MARCH = datetime.date(2026, 3, 1)


def assert_refused(make):
    with pytest.raises(IntegrityError), transaction.atomic():
        make()


def test_mobile_is_unique_among_current_members(district):
    assert_refused(lambda: MemberFactory(mobile=district.member_a.mobile))


def test_a_member_who_left_does_not_block_her_old_mobile(district):
    gone = MemberFactory(status=MemberStatus.LEFT, left_on=datetime.date(2024, 1, 1))
    newcomer = MemberFactory(mobile=gone.mobile)
    assert newcomer.pk


def test_id_number_is_unique_among_current_members(district):
    assert_refused(lambda: MemberFactory(id_number=district.member_a.id_number))


def test_members_without_id_number_do_not_collide(district):
    MemberFactory(id_number="")
    MemberFactory(id_number="")


def test_left_status_needs_a_leaving_date_not_before_joining(district):
    assert_refused(lambda: MemberFactory(status=MemberStatus.LEFT, left_on=None))
    assert_refused(lambda: MemberFactory(left_on=datetime.date(2024, 1, 1)))
    assert_refused(
        lambda: MemberFactory(
            status=MemberStatus.LEFT,
            joined_on=datetime.date(2024, 1, 1),
            left_on=datetime.date(2023, 1, 1),
        )
    )


def test_one_current_market_per_member(district):
    assert_refused(
        lambda: MembershipFactory(
            member=district.member_a, organization=district.market_b.federation
        )
    )


def test_a_member_may_also_belong_to_a_home_and_sector_organizations(district):
    MembershipFactory(member=district.member_b, organization=district.sector)
    assert district.member_b.memberships.filter(ends_on__isnull=True).count() == 2


def test_a_past_market_does_not_block_the_current_one(district):
    member = district.member_b
    member.memberships.update(ends_on=MARCH)
    MembershipFactory(member=member, organization=district.market_a.federation, starts_on=MARCH)


def test_membership_cannot_end_before_it_starts(district):
    assert_refused(
        lambda: MembershipFactory(
            organization=district.sector,
            starts_on=datetime.date(2024, 5, 1),
            ends_on=datetime.date(2024, 4, 30),
        )
    )


def test_one_open_term_per_organization_and_unique_numbers(district):
    org = district.market_a.federation
    TermFactory(organization=org, number=1, ends_on=MARCH)
    TermFactory(organization=org, number=2, starts_on=MARCH)
    assert_refused(lambda: TermFactory(organization=org, number=3, starts_on=MARCH))
    assert_refused(lambda: TermFactory(organization=org, number=2, ends_on=MARCH))


def test_term_cannot_end_before_it_starts(district):
    assert_refused(
        lambda: TermFactory(
            organization=district.cluster,
            starts_on=datetime.date(2024, 1, 1),
            ends_on=datetime.date(2023, 1, 1),
        )
    )


def test_one_chair_per_organization_per_term(district):
    term = TermFactory(organization=district.market_a.federation, number=2, starts_on=MARCH)
    OfficeFactory(term=term, position=Position.CHAIR)
    OfficeFactory(term=term, position=Position.VICE_CHAIR)
    OfficeFactory(term=term, position=Position.VICE_CHAIR)
    assert_refused(lambda: OfficeFactory(term=term, position=Position.CHAIR))


def test_a_replaced_chair_makes_room_for_her_successor(district):
    term = TermFactory(organization=district.market_a.federation, number=2, starts_on=MARCH)
    first = OfficeFactory(term=term, position=Position.CHAIR)
    first.ends_on = datetime.date(2026, 9, 1)
    first.save(update_fields=["ends_on"])
    successor = OfficeFactory(
        term=term, position=Position.CHAIR, starts_on=datetime.date(2026, 9, 1)
    )
    assert successor.organization == district.market_a.federation


def test_office_cannot_end_before_it_starts(district):
    term = TermFactory(organization=district.cluster, starts_on=datetime.date(2019, 6, 1))
    assert_refused(
        lambda: OfficeFactory(
            term=term,
            position=Position.EXECUTIVE,
            starts_on=datetime.date(2020, 1, 1),
            ends_on=datetime.date(2019, 12, 1),
        )
    )


def test_postgresql_runs_with_connection_pooling(postgres, db):
    from django.db import connection

    connection.ensure_connection()
    assert connection.vendor == "postgresql"
    assert connection.pool is not None
