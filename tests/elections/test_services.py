import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from audit.models import ChangeRecord
from elections import services
from federation.models import Office, Position, Role, Term
from members.models import MemberStatus
from tests.conftest import _persona
from tests.factories import MemberFactory, MembershipFactory

MARCH_2021 = datetime.date(2021, 3, 1)
MARCH_2024 = datetime.date(2024, 3, 1)


def member_of(organization, name, *, starts_on=datetime.date(2019, 6, 1)):
    member = MemberFactory(name=name)
    MembershipFactory(member=member, organization=organization, starts_on=starts_on)
    return member


@pytest.fixture
def market(district):
    return district.market_a.federation


@pytest.fixture
def people(district, market):
    """赵丹 (market A and its home) and three more members of market A."""
    return {
        "赵丹": district.member_a,
        "刘意": member_of(market, "刘意"),
        "王芳": member_of(market, "王芳"),
        "陈静": member_of(market, "陈静"),
    }


@pytest.fixture
def cluster_staff(district):
    return _persona("cluster_staff", Role.CLUSTER_STAFF, district.cluster)


def hold(market, by, *, number, starts_on, chair, vice_chairs=(), executives=()):
    return services.election_hold(
        organization=market,
        number=number,
        starts_on=starts_on,
        chair=chair,
        vice_chairs=list(vice_chairs),
        executives=list(executives),
        by=by,
    )


def error_codes(excinfo, field):
    return [error.code for error in excinfo.value.error_dict[field]]


# --- Elections ------------------------------------------------------------------------------


def test_election_closes_the_old_term_and_its_offices_and_opens_the_new_one(
    market, people, district_staff
):
    first = hold(
        market,
        district_staff,
        number=1,
        starts_on=MARCH_2021,
        chair=people["刘意"],
        vice_chairs=[people["赵丹"]],
        executives=[people["王芳"]],
    )
    second = hold(
        market,
        district_staff,
        number=2,
        starts_on=MARCH_2024,
        chair=people["赵丹"],
        vice_chairs=[people["刘意"], people["陈静"]],
    )

    first.refresh_from_db()
    assert first.ends_on == MARCH_2024
    assert set(first.offices.values_list("ends_on", flat=True)) == {MARCH_2024}
    assert second.ends_on is None and second.starts_on == MARCH_2024
    sitting = Office.objects.current().filter(organization=market)
    assert {(o.member.name, o.position) for o in sitting} == {
        ("赵丹", Position.CHAIR),
        ("刘意", Position.VICE_CHAIR),
        ("陈静", Position.VICE_CHAIR),
    }
    assert all(office.starts_on == MARCH_2024 for office in sitting)


def test_past_terms_keep_their_officers(market, people, district_staff):
    first = hold(
        market,
        district_staff,
        number=1,
        starts_on=MARCH_2021,
        chair=people["刘意"],
        executives=[people["王芳"], people["陈静"]],
    )
    hold(market, district_staff, number=2, starts_on=MARCH_2024, chair=people["赵丹"])
    assert Term.objects.filter(organization=market).count() == 2
    past = {(o.member.name, o.position, o.starts_on, o.ends_on) for o in first.offices.all()}
    assert past == {
        ("刘意", Position.CHAIR, MARCH_2021, MARCH_2024),
        ("王芳", Position.EXECUTIVE, MARCH_2021, MARCH_2024),
        ("陈静", Position.EXECUTIVE, MARCH_2021, MARCH_2024),
    }


def test_election_is_recorded_with_a_readable_summary(market, people, district_staff):
    hold(market, district_staff, number=1, starts_on=MARCH_2021, chair=people["刘意"])
    hold(
        market,
        district_staff,
        number=2,
        starts_on=MARCH_2024,
        chair=people["赵丹"],
        vice_chairs=[people["王芳"]],
    )
    record = ChangeRecord.objects.filter(
        object_type="federation.organization", object_id=str(market.pk), action="election"
    ).first()
    assert record.user == district_staff
    assert "2" in record.text and "赵丹" in record.text and "王芳" in record.text
    assert record.changes["term"] == [1, 2]
    assert record.changes["chair"] == ["刘意", "赵丹"]


def test_first_election_of_an_organization_needs_no_previous_term(market, people, district_staff):
    term = hold(market, district_staff, number=3, starts_on=MARCH_2024, chair=people["赵丹"])
    assert term.number == 3 and term.offices.get().position == Position.CHAIR


@pytest.mark.parametrize("number", [1, 2])
def test_election_refuses_a_term_number_not_greater_than_the_previous(
    market, people, district_staff, number
):
    hold(market, district_staff, number=2, starts_on=MARCH_2021, chair=people["刘意"])
    with pytest.raises(ValidationError) as excinfo:
        hold(market, district_staff, number=number, starts_on=MARCH_2024, chair=people["赵丹"])
    assert error_codes(excinfo, "number") == ["number_not_after_previous"]


@pytest.mark.parametrize("starts_on", [datetime.date(2021, 2, 28), MARCH_2021])
def test_election_refuses_a_start_date_not_after_the_previous_term_began(
    market, people, district_staff, starts_on
):
    hold(market, district_staff, number=1, starts_on=MARCH_2021, chair=people["刘意"])
    with pytest.raises(ValidationError) as excinfo:
        hold(market, district_staff, number=2, starts_on=starts_on, chair=people["赵丹"])
    assert error_codes(excinfo, "starts_on") == ["starts_before_previous"]


def test_election_refuses_a_start_date_in_the_future(market, people, district_staff):
    tomorrow = datetime.date.today() + datetime.timedelta(days=2)
    with pytest.raises(ValidationError) as excinfo:
        hold(market, district_staff, number=1, starts_on=tomorrow, chair=people["赵丹"])
    assert error_codes(excinfo, "starts_on") == ["future"]


def test_election_refuses_a_start_date_before_a_mid_term_change(market, people, district_staff):
    hold(market, district_staff, number=1, starts_on=MARCH_2021, chair=people["刘意"])
    services.office_add(
        organization=market,
        member=people["王芳"],
        position=Position.EXECUTIVE,
        starts_on=datetime.date(2023, 5, 1),
        by=district_staff,
    )
    with pytest.raises(ValidationError) as excinfo:
        hold(
            market,
            district_staff,
            number=2,
            starts_on=datetime.date(2023, 4, 1),
            chair=people["赵丹"],
        )
    assert error_codes(excinfo, "starts_on") == ["before_last_change"]


@pytest.mark.parametrize(
    ("vice_chairs", "executives", "field"),
    [
        (["赵丹"], [], "vice_chairs"),  # the chair again
        (["刘意", "刘意"], [], "vice_chairs"),
        (["刘意"], ["刘意"], "executives"),
    ],
)
def test_election_refuses_a_person_listed_twice(
    market, people, district_staff, vice_chairs, executives, field
):
    with pytest.raises(ValidationError) as excinfo:
        hold(
            market,
            district_staff,
            number=1,
            starts_on=MARCH_2024,
            chair=people["赵丹"],
            vice_chairs=[people[name] for name in vice_chairs],
            executives=[people[name] for name in executives],
        )
    assert error_codes(excinfo, field) == ["duplicate"]
    assert not Term.objects.filter(organization=market).exists()


def test_election_refuses_a_member_of_another_market(district, market, people, district_staff):
    with pytest.raises(ValidationError) as excinfo:
        hold(
            market,
            district_staff,
            number=1,
            starts_on=MARCH_2024,
            chair=people["赵丹"],
            executives=[district.member_b],
        )
    assert error_codes(excinfo, "executives") == ["not_a_member"]
    assert "李芳" in str(excinfo.value)


def test_election_refuses_a_member_who_left(market, people, district_staff):
    gone = member_of(market, "周敏")
    gone.memberships.update(ends_on=datetime.date(2023, 1, 1))
    gone.status, gone.left_on = MemberStatus.LEFT, datetime.date(2023, 1, 1)
    gone.save(update_fields=["status", "left_on"])
    with pytest.raises(ValidationError) as excinfo:
        hold(market, district_staff, number=1, starts_on=MARCH_2024, chair=gone)
    assert error_codes(excinfo, "chair") == ["not_a_member"]


def test_election_refuses_a_member_who_joined_after_the_start_date(market, district_staff):
    newcomer = member_of(market, "孙丽", starts_on=datetime.date(2024, 6, 1))
    with pytest.raises(ValidationError) as excinfo:
        hold(market, district_staff, number=1, starts_on=MARCH_2024, chair=newcomer)
    assert error_codes(excinfo, "chair") == ["not_a_member"]


def test_a_member_of_a_home_under_the_market_may_be_elected(district, market, district_staff):
    home_only = member_of(district.home_a, "吴红")
    term = hold(market, district_staff, number=1, starts_on=MARCH_2024, chair=home_only)
    assert term.offices.get().member == home_only


def test_refused_election_changes_nothing(district, market, people, district_staff):
    first = hold(market, district_staff, number=1, starts_on=MARCH_2021, chair=people["刘意"])
    records = ChangeRecord.objects.count()
    with pytest.raises(ValidationError):
        hold(
            market,
            district_staff,
            number=2,
            starts_on=MARCH_2024,
            chair=people["赵丹"],
            vice_chairs=[district.member_b],
        )
    first.refresh_from_db()
    assert first.ends_on is None
    assert first.offices.get().ends_on is None
    assert Term.objects.filter(organization=market).count() == 1
    assert ChangeRecord.objects.count() == records


# --- Mid-term changes -----------------------------------------------------------------------


@pytest.fixture
def term(market, people, district_staff):
    return hold(
        market,
        district_staff,
        number=1,
        starts_on=MARCH_2021,
        chair=people["刘意"],
        vice_chairs=[people["赵丹"]],
    )


def test_replacing_the_chair_mid_term_leaves_one_sitting_chair(
    market, people, term, district_staff
):
    chair = term.offices.get(position=Position.CHAIR)
    change = datetime.date(2022, 9, 1)
    successor = services.office_replace(
        office=chair, member=people["王芳"], starts_on=change, by=district_staff
    )
    chair.refresh_from_db()
    assert chair.ends_on == change
    assert successor.position == Position.CHAIR and successor.starts_on == change
    sitting_chairs = Office.objects.current().filter(organization=market, position="chair")
    assert [office.member.name for office in sitting_chairs] == ["王芳"]
    record = ChangeRecord.objects.filter(action="office_replace").get()
    assert "刘意" in record.text and "王芳" in record.text


def test_a_vice_chair_moving_up_to_chair_leaves_her_vice_chair_office(
    market, people, term, district_staff
):
    chair = term.offices.get(position=Position.CHAIR)
    vice = term.offices.get(position=Position.VICE_CHAIR)
    change = datetime.date(2022, 9, 1)
    services.office_replace(
        office=chair, member=people["赵丹"], starts_on=change, by=district_staff
    )
    vice.refresh_from_db()
    assert vice.ends_on == change
    sitting = Office.objects.current().filter(organization=market)
    assert [(o.member.name, o.position) for o in sitting] == [("赵丹", Position.CHAIR)]


def test_replacement_cannot_take_effect_before_the_office_began(people, term, district_staff):
    chair = term.offices.get(position=Position.CHAIR)
    with pytest.raises(ValidationError) as excinfo:
        services.office_replace(
            office=chair,
            member=people["王芳"],
            starts_on=datetime.date(2020, 1, 1),
            by=district_staff,
        )
    assert error_codes(excinfo, "starts_on") == ["before_office"]


def test_replacement_must_be_a_member_of_the_organization(district, term, district_staff):
    chair = term.offices.get(position=Position.CHAIR)
    with pytest.raises(ValidationError) as excinfo:
        services.office_replace(
            office=chair, member=district.member_b, starts_on=MARCH_2024, by=district_staff
        )
    assert error_codes(excinfo, "member") == ["not_a_member"]


def test_an_ended_office_cannot_be_replaced(people, term, district_staff):
    vice = term.offices.get(position=Position.VICE_CHAIR)
    services.office_end(office=vice, ends_on=MARCH_2024, by=district_staff)
    with pytest.raises(ValidationError) as excinfo:
        services.office_replace(
            office=vice, member=people["王芳"], starts_on=MARCH_2024, by=district_staff
        )
    assert excinfo.value.code == "ended"


def test_office_add_adds_an_officer_to_the_current_term(market, people, term, district_staff):
    office = services.office_add(
        organization=market,
        member=people["陈静"],
        position=Position.EXECUTIVE,
        starts_on=MARCH_2024,
        by=district_staff,
    )
    assert office.term == term and office.organization == market
    assert ChangeRecord.objects.filter(action="office_add", object_id=str(market.pk)).exists()


def test_office_add_refuses_a_second_chair(market, people, term, district_staff):
    with pytest.raises(ValidationError) as excinfo:
        services.office_add(
            organization=market,
            member=people["陈静"],
            position=Position.CHAIR,
            starts_on=MARCH_2024,
            by=district_staff,
        )
    assert error_codes(excinfo, "position") == ["chair_taken"]


def test_office_add_refuses_someone_already_in_office(market, people, term, district_staff):
    with pytest.raises(ValidationError) as excinfo:
        services.office_add(
            organization=market,
            member=people["赵丹"],
            position=Position.EXECUTIVE,
            starts_on=MARCH_2024,
            by=district_staff,
        )
    assert error_codes(excinfo, "member") == ["already_in_office"]


def test_office_add_needs_a_current_term(market, people, district_staff):
    with pytest.raises(ValidationError) as excinfo:
        services.office_add(
            organization=market,
            member=people["陈静"],
            position=Position.EXECUTIVE,
            starts_on=MARCH_2024,
            by=district_staff,
        )
    assert excinfo.value.code == "no_current_term"


def test_office_end_closes_an_office_without_successor(market, term, district_staff):
    vice = term.offices.get(position=Position.VICE_CHAIR)
    services.office_end(office=vice, ends_on=MARCH_2024, by=district_staff)
    vice.refresh_from_db()
    assert vice.ends_on == MARCH_2024
    assert Office.objects.current().filter(organization=market).count() == 1
    assert ChangeRecord.objects.filter(action="office_end").exists()


@pytest.mark.parametrize("who", ["chair_a", "viewer", "counsellor", "outsider"])
def test_every_election_service_refuses_a_caller_who_does_not_administer(
    market, people, district_staff, request, who
):
    """Nothing is read under lock or written for a caller who may not run elections here."""
    term = hold(market, district_staff, number=1, starts_on=MARCH_2021, chair=people["刘意"])
    office = term.offices.get()
    by = request.getfixturevalue(who)
    before = (Term.objects.count(), Office.objects.count(), ChangeRecord.objects.count())
    calls = [
        lambda: hold(market, by, number=2, starts_on=MARCH_2024, chair=people["赵丹"]),
        lambda: services.office_add(
            organization=market,
            member=people["王芳"],
            position=Position.EXECUTIVE,
            starts_on=MARCH_2024,
            by=by,
        ),
        lambda: services.office_replace(
            office=office, member=people["王芳"], starts_on=MARCH_2024, by=by
        ),
        lambda: services.office_end(office=office, ends_on=MARCH_2024, by=by),
    ]
    for call in calls:
        with pytest.raises(PermissionDenied):
            call()
    assert (Term.objects.count(), Office.objects.count(), ChangeRecord.objects.count()) == before
    office.refresh_from_db()
    assert office.ends_on is None
