import datetime

import pytest
from django.core.exceptions import PermissionDenied, ValidationError

from audit.models import ChangeRecord
from federation import services
from federation.models import Organization, OrganizationKind
from tests.factories import OrganizationFactory, UserFactory


def test_home_may_sit_under_a_market_federation_or_the_cluster(district):
    for parent in (district.market_a.federation, district.cluster):
        home = Organization(name=f"{parent}之家", kind=OrganizationKind.WOMENS_HOME, parent=parent)
        home.full_clean()


@pytest.mark.parametrize(
    ("kind", "parent_attr"),
    [
        (OrganizationKind.WOMENS_HOME, "district"),
        (OrganizationKind.MICRO_HOME, "city"),
        (OrganizationKind.MARKET_FEDERATION, "district"),
        (OrganizationKind.DISTRICT_FEDERATION, "cluster"),
        (OrganizationKind.MARKET_CLUSTER_FEDERATION, "home_a"),
    ],
)
def test_organization_placed_where_its_kind_does_not_belong_is_refused(district, kind, parent_attr):
    parent = getattr(district, parent_attr)
    org = Organization(name="错位的组织", kind=kind, parent=parent)
    with pytest.raises(ValidationError) as excinfo:
        org.full_clean()
    assert "parent" in excinfo.value.message_dict
    # The message is Chinese by default and names both kinds.
    message = excinfo.value.message_dict["parent"][0]
    assert "不能" in message and parent.get_kind_display() in message


def test_federation_below_city_needs_a_parent(db):
    org = Organization(name="芦淞区妇联", kind=OrganizationKind.DISTRICT_FEDERATION)
    with pytest.raises(ValidationError):
        org.full_clean()


def test_an_organization_cannot_be_placed_under_its_own_descendant(district):
    cluster = district.cluster
    cluster.parent = district.home_a
    with pytest.raises(ValidationError) as excinfo:
        cluster.full_clean()
    assert "parent" in excinfo.value.message_dict


def test_path_follows_the_parent_and_subtree_is_found_by_it(district):
    assert district.home_a.path == (
        f"/{district.city.pk}/{district.district.pk}/{district.cluster.pk}/"
        f"{district.market_a.federation.pk}/"
    )
    subtree = set(Organization.objects.subtree_of([district.market_a.federation]))
    assert subtree == {district.market_a.federation, district.home_a}
    whole = Organization.objects.subtree_of([district.cluster])
    assert district.market_b.federation in whole and district.district not in whole


def test_sector_category_only_on_sector_organizations(district):
    market = district.market_a.federation
    market.sector_category = "new_economic"
    with pytest.raises(ValidationError):
        market.full_clean()


def test_dissolved_before_established_is_refused(db):
    org = OrganizationFactory.build(
        kind=OrganizationKind.CITY_FEDERATION,
        established_on=datetime.date(2020, 1, 1),
        dissolved_on=datetime.date(2019, 1, 1),
    )
    with pytest.raises(ValidationError):
        org.full_clean()


def test_moving_an_organization_moves_everything_under_it(district):
    home = district.home_a
    market = district.market_a.federation
    other_cluster = OrganizationFactory(
        name="第二市场群妇联",
        kind=OrganizationKind.MARKET_CLUSTER_FEDERATION,
        parent=district.district,
    )
    market.parent = other_cluster
    market.save(update_fields=["parent"])
    home.refresh_from_db()
    assert home.path == f"{other_cluster.descendant_path_prefix}{market.pk}/"
    assert set(Organization.objects.subtree_of([other_cluster])) == {other_cluster, market, home}
    assert home not in Organization.objects.subtree_of([district.cluster])


def test_organizations_are_saved_through_the_service_by_superusers_only(district, district_staff):
    district.cluster.name = "芦淞市场群妇女联合会"
    with pytest.raises(PermissionDenied):
        services.organization_save(
            organization=district.cluster, by=district_staff, changed=["name"]
        )
    root = UserFactory(username="root", is_superuser=True, is_staff=True)
    services.organization_save(organization=district.cluster, by=root, changed=["name"])
    record = ChangeRecord.objects.get(action="organization_changed")
    assert record.params == {"name": "芦淞市场群妇女联合会", "fields": ["name"]}
