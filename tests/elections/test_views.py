import datetime
import re

import pytest
from django.contrib.auth import get_user_model
from django.db import connection
from django.test import Client
from django.test.utils import CaptureQueriesContext
from django.urls import reverse

from accounts.models import AccountSecurity
from audit.models import AccessEvent, AccessKind
from elections import services
from federation.models import Office, OrganizationKind, Position, Role, RoleGrant, Term
from tests.conftest import _persona
from tests.factories import MemberFactory, MembershipFactory, OrganizationFactory, UserFactory

HTMX = {"HX-Request": "true"}
MARCH_2021 = datetime.date(2021, 3, 1)
MARCH_2024 = datetime.date(2024, 3, 1)


def member_of(organization, name):
    member = MemberFactory(name=name)
    MembershipFactory(member=member, organization=organization)
    return member


@pytest.fixture
def market(district):
    return district.market_a.federation


@pytest.fixture
def people(district, market):
    return {
        "赵丹": district.member_a,
        "刘意": member_of(market, "刘意"),
        "王芳": member_of(market, "王芳"),
    }


@pytest.fixture
def first_term(market, people, district_staff):
    return services.election_hold(
        organization=market,
        number=1,
        starts_on=MARCH_2021,
        chair=people["刘意"],
        vice_chairs=[people["赵丹"]],
        executives=[],
        by=district_staff,
    )


@pytest.fixture
def cluster_staff(district):
    return _persona("cluster_staff", Role.CLUSTER_STAFF, district.cluster)


def url(name, *args):
    return reverse(name, args=args)


def html_of(response):
    return response.content.decode()


# --- The organization page ------------------------------------------------------------------


def test_organization_page_lists_officers_homes_roster_and_past_terms(
    client, district, market, people, first_term, district_staff
):
    OrganizationFactory(name="邵兴城妇女微家", kind=OrganizationKind.MICRO_HOME, parent=market)
    services.election_hold(
        organization=market,
        number=2,
        starts_on=MARCH_2024,
        chair=people["赵丹"],
        vice_chairs=[people["王芳"]],
        executives=[],
        by=district_staff,
    )
    client.force_login(district_staff)
    response = client.get(url("organization_detail", market.pk))
    html = html_of(response)
    officers = html[html.index('id="officers"') : html.index('id="past-terms"')]
    assert "赵丹" in officers and "王芳" in officers and "刘意" not in officers
    past = html[html.index('id="past-terms"') :]
    assert "<details" in past and 'data-term="1"' in past and "刘意" in past
    homes = html[html.index('id="homes"') :]
    assert "邵兴城妇女之家" in homes and "邵兴城妇女微家" in homes
    assert f"{reverse('member_list')}?organization={market.pk}" in html
    assert response.context["member_count"] == 3


def test_organization_page_offers_administration_only_to_administrators(
    client, market, first_term, district_staff, chair_a
):
    admin_links = [
        url("organization_election", market.pk),
        url("office_add", market.pk),
        url("organization_logins", market.pk),
    ]
    client.force_login(district_staff)
    html = html_of(client.get(url("organization_detail", market.pk)))
    assert all(link in html for link in admin_links)
    assert "/replace/" in html
    client.force_login(chair_a)
    html = html_of(client.get(url("organization_detail", market.pk)))
    assert "刘意" in html  # she sees her market's officers…
    assert not any(link in html for link in admin_links)  # …but runs nothing
    assert "/replace/" not in html


def test_organization_page_queries_do_not_grow_with_terms_and_officers(
    client, market, district_staff
):
    client.force_login(district_staff)
    page = url("organization_detail", market.pk)

    def queries_for_page():
        with CaptureQueriesContext(connection) as captured:
            assert client.get(page).status_code == 200
        return len(captured)

    def elect(number, count):
        services.election_hold(
            organization=market,
            number=number,
            starts_on=datetime.date(2019 + number, 7, 1),
            chair=member_of(market, f"主席{number}"),
            vice_chairs=[member_of(market, f"副{number}_{i}") for i in range(count)],
            executives=[member_of(market, f"委{number}_{i}") for i in range(count)],
            by=district_staff,
        )

    elect(1, 1)
    client.get(page)  # warm up the session
    few = queries_for_page()
    for number in range(2, 6):
        elect(number, 4)
    assert queries_for_page() == few


# --- Elections ------------------------------------------------------------------------------


def test_election_page_as_full_page_and_as_fragment(client, market, first_term, district_staff):
    client.force_login(district_staff)
    full = client.get(url("organization_election", market.pk))
    assert full.status_code == 200
    assert "<html" in html_of(full) and 'name="number"' in html_of(full)
    assert full.context["form"].initial["number"] == 2
    fragment = client.get(url("organization_election", market.pk), headers=HTMX)
    assert fragment.status_code == 200
    assert "<html" not in html_of(fragment) and 'id="election"' in html_of(fragment)


def test_district_staff_runs_an_election_through_the_form(
    client, market, people, first_term, district_staff
):
    client.force_login(district_staff)
    response = client.post(
        url("organization_election", market.pk),
        {
            "number": "2",
            "starts_on": "2024-03-01",
            "chair": people["赵丹"].pk,
            "vice_chairs": [people["王芳"].pk],
            "executives": [people["刘意"].pk],
        },
        follow=True,
    )
    # The election leads on to the logins of those who left and of those who came in.
    assert response.redirect_chain[-1][0] == url("organization_election_logins", market.pk)
    html = html_of(client.get(url("organization_detail", market.pk)))
    officers = html[html.index('id="officers"') : html.index('id="past-terms"')]
    assert "赵丹" in officers and "王芳" in officers and "刘意" in officers
    past = html[html.index('id="past-terms"') :]
    assert 'data-term="1"' in past and "刘意" in past
    first_term.refresh_from_db()
    assert first_term.ends_on == MARCH_2024


def test_election_through_htmx_redirects_the_browser(
    client, market, people, first_term, district_staff
):
    client.force_login(district_staff)
    response = client.post(
        url("organization_election", market.pk),
        {"number": "2", "starts_on": "2024-03-01", "chair": people["王芳"].pk},
        headers=HTMX,
    )
    assert response.status_code == 200
    assert response.headers["HX-Redirect"] == url("organization_election_logins", market.pk)
    assert Term.objects.filter(organization=market, number=2).exists()


def test_election_form_shows_refusals_next_to_the_fields_and_keeps_the_choices(
    client, market, people, first_term, district_staff
):
    client.force_login(district_staff)
    response = client.post(
        url("organization_election", market.pk),
        {
            "number": "1",
            "starts_on": "2024-03-01",
            "chair": people["赵丹"].pk,
            "vice_chairs": [people["王芳"].pk],
        },
        headers=HTMX,
    )
    html = html_of(response)
    assert response.status_code == 200 and "<html" not in html
    assert response.context["form"].errors["number"]
    number_field = html[html.index('for="id_number"') : html.index('for="id_starts_on"')]
    assert 'class="error"' in number_field
    # The chosen people come back as chips, with their hidden inputs.
    assert f'name="chair" value="{people["赵丹"].pk}"' in html
    assert f'name="vice_chairs" value="{people["王芳"].pk}"' in html
    assert Term.objects.filter(organization=market).count() == 1


def test_election_form_refuses_a_member_of_another_market(
    client, district, market, people, district_staff
):
    client.force_login(district_staff)
    response = client.post(
        url("organization_election", market.pk),
        {"number": "1", "starts_on": "2024-03-01", "chair": district.member_b.pk},
    )
    assert response.status_code == 200
    assert response.context["form"].errors["chair"]
    assert not Term.objects.filter(organization=market).exists()


def test_chair_gets_403_on_her_own_market_and_404_on_another(client, district, market, chair_a):
    client.force_login(chair_a)
    other = district.market_b.federation.pk
    for name in ("organization_election", "office_add", "organization_logins"):
        assert client.get(url(name, market.pk)).status_code == 403, name
        assert client.get(url(name, other)).status_code == 404, name
    assert AccessEvent.objects.filter(kind=AccessKind.PERMISSION_DENIED, user=chair_a).exists()


@pytest.mark.parametrize("persona", ["viewer", "counsellor"])
def test_read_only_roles_get_403_on_the_election_page(client, market, persona, request):
    client.force_login(request.getfixturevalue(persona))
    assert client.get(url("organization_election", market.pk)).status_code == 403


def test_outsider_gets_404_on_the_election_page(client, market, outsider):
    client.force_login(outsider)
    assert client.get(url("organization_election", market.pk)).status_code == 404


def test_crafted_posts_by_a_chair_change_nothing(client, market, people, first_term, chair_a):
    grants = set(RoleGrant.objects.values_list("pk", flat=True))
    users = get_user_model().objects.count()
    offices = list(Office.objects.values_list("pk", "ends_on"))
    chair_office = first_term.offices.get(position=Position.CHAIR)
    client.force_login(chair_a)
    posts = [
        (
            url("organization_election", market.pk),
            {"number": "2", "starts_on": "2024-03-01", "chair": people["王芳"].pk},
        ),
        (
            url("office_replace", market.pk, chair_office.pk),
            {"member": people["王芳"].pk, "starts_on": "2024-03-01"},
        ),
        (url("office_end", market.pk, chair_office.pk), {"ends_on": "2024-03-01"}),
        (
            url("office_add", market.pk),
            {"position": "executive", "member": people["王芳"].pk, "starts_on": "2024-03-01"},
        ),
        (url("organization_logins", market.pk), {"username": "chair_a", "role": "district_staff"}),
        (
            url("login_create", market.pk),
            {"username": "mole", "full_name": "某人", "role": "cluster_staff"},
        ),
        (url("role_grant_revoke", market.pk, chair_a.role_grants.get().pk), {}),
    ]
    for target, data in posts:
        assert client.post(target, data).status_code == 403, target
        assert client.post(target, data, headers=HTMX).status_code == 403, target
    assert Term.objects.filter(organization=market).count() == 1
    assert list(Office.objects.values_list("pk", "ends_on")) == offices
    assert set(RoleGrant.objects.values_list("pk", flat=True)) == grants
    assert get_user_model().objects.count() == users


# --- Mid-term changes -----------------------------------------------------------------------


def test_office_pages_as_full_page_and_as_fragment(client, market, first_term, district_staff):
    office = first_term.offices.get(position=Position.CHAIR)
    client.force_login(district_staff)
    for page in (
        url("office_add", market.pk),
        url("office_replace", market.pk, office.pk),
        url("office_end", market.pk, office.pk),
    ):
        full = client.get(page)
        assert full.status_code == 200 and "<html" in html_of(full), page
        fragment = client.get(page, headers=HTMX)
        assert fragment.status_code == 200, page
        assert "<html" not in html_of(fragment) and 'id="office-form"' in html_of(fragment)


def test_district_staff_replaces_the_chair_through_the_form(
    client, market, people, first_term, district_staff
):
    office = first_term.offices.get(position=Position.CHAIR)
    client.force_login(district_staff)
    response = client.post(
        url("office_replace", market.pk, office.pk),
        {"member": people["王芳"].pk, "starts_on": "2024-03-01"},
    )
    assert response.status_code == 302
    chairs = Office.objects.current().filter(organization=market, position=Position.CHAIR)
    assert [office.member.name for office in chairs] == ["王芳"]


def test_district_staff_adds_and_ends_an_office_through_the_forms(
    client, market, people, first_term, district_staff
):
    client.force_login(district_staff)
    response = client.post(
        url("office_add", market.pk),
        {"position": "executive", "member": people["王芳"].pk, "starts_on": "2024-03-01"},
        headers=HTMX,
    )
    assert response.headers["HX-Redirect"] == url("organization_detail", market.pk)
    added = Office.objects.get(member=people["王芳"], ends_on__isnull=True)
    response = client.post(url("office_end", market.pk, added.pk), {"ends_on": "2024-06-01"})
    assert response.status_code == 302
    added.refresh_from_db()
    assert added.ends_on == datetime.date(2024, 6, 1)


def test_office_form_shows_a_second_chair_refusal_on_the_position(
    client, market, people, first_term, district_staff
):
    client.force_login(district_staff)
    response = client.post(
        url("office_add", market.pk),
        {"position": "chair", "member": people["王芳"].pk, "starts_on": "2024-03-01"},
        headers=HTMX,
    )
    assert response.status_code == 200 and "<html" not in html_of(response)
    assert response.context["form"].errors["position"]


def test_an_office_of_another_organization_is_not_found(
    client, district, market, people, first_term, district_staff
):
    office = first_term.offices.get(position=Position.CHAIR)
    client.force_login(district_staff)
    other = district.market_b.federation.pk
    assert client.get(url("office_replace", other, office.pk)).status_code == 404


# --- The member picker ----------------------------------------------------------------------


def test_picker_finds_by_name_pinyin_and_initials_with_a_masked_mobile(
    client, district, market, district_staff
):
    client.force_login(district_staff)
    member = district.member_a
    for query in ("赵", "zhaodan", "zd", "ZD"):
        response = client.get(
            url("organization_member_search", market.pk),
            {"q": query, "field": "vice_chairs"},
            headers=HTMX,
        )
        html = html_of(response)
        assert "<html" not in html
        assert "赵丹" in html, query
        assert member.masked_mobile in html and member.mobile not in html
        assert f"member={member.pk}" in html and 'hx-swap="beforeend"' in html


def test_picker_search_page_without_htmx(client, district, market, district_staff):
    client.force_login(district_staff)
    response = client.get(url("organization_member_search", market.pk), {"q": "zd"})
    html = html_of(response)
    assert "<html" in html and "赵丹" in html
    assert district.member_a.mobile not in html


def test_picker_never_returns_a_member_of_another_market_to_a_chair(client, district, chair_a):
    client.force_login(chair_a)
    market = district.market_a.federation
    for query in ("李", "lf", "l", "芳"):
        html = html_of(
            client.get(url("organization_member_search", market.pk), {"q": query}, headers=HTMX)
        )
        assert "李芳" not in html
    other = district.market_b.federation.pk
    assert client.get(url("organization_member_search", other), {"q": "lf"}).status_code == 404
    cluster = district.cluster.pk
    assert client.get(url("organization_member_search", cluster), {"q": "lf"}).status_code == 404
    chip = client.get(
        url("organization_member_chip", market.pk),
        {"member": district.member_b.pk, "field": "chair"},
        headers=HTMX,
    )
    assert chip.status_code == 404


def test_picker_keeps_to_the_organization_subtree_even_for_district_staff(
    client, district, market, district_staff
):
    client.force_login(district_staff)
    html = html_of(
        client.get(url("organization_member_search", market.pk), {"q": "lf"}, headers=HTMX)
    )
    assert "李芳" not in html
    html = html_of(
        client.get(
            url("organization_member_search", district.cluster.pk), {"q": "lf"}, headers=HTMX
        )
    )
    assert "李芳" in html


def test_picker_leaves_out_members_who_left_and_stops_at_twenty(
    client, district, market, district_staff
):
    for i in range(25):
        member_of(market, f"张{i}")
    gone = district.member_a
    gone.memberships.update(ends_on=datetime.date(2024, 1, 1))
    client.force_login(district_staff)
    html = html_of(
        client.get(url("organization_member_search", market.pk), {"q": "zh"}, headers=HTMX)
    )
    assert html.count('class="picker-option"') == 20
    assert "赵丹" not in html


def test_chip_holds_the_hidden_input_and_a_remove_button(client, district, market, district_staff):
    client.force_login(district_staff)
    member = district.member_a
    response = client.get(
        url("organization_member_chip", market.pk),
        {"member": member.pk, "field": "executives"},
        headers=HTMX,
    )
    html = html_of(response)
    assert "<html" not in html
    assert f'<input type="hidden" name="executives" value="{member.pk}">' in html
    assert member.masked_mobile in html and member.mobile not in html
    assert 'hx-target="closest .chip"' in html and 'hx-swap="outerHTML"' in html
    assert 'hx-swap-oob="true"' in html
    full = client.get(url("organization_member_chip", market.pk), {"member": member.pk})
    assert full.status_code == 200 and "<html" in html_of(full)
    removed = client.get(url("member_chip_remove"), headers=HTMX)
    assert removed.status_code == 200 and removed.content == b""


def test_chip_refuses_an_unknown_field_name_and_a_malformed_id(
    client, district, market, district_staff
):
    client.force_login(district_staff)
    chip = url("organization_member_chip", market.pk)
    assert client.get(chip, {"member": "1 or 1=1"}, headers=HTMX).status_code == 400
    html = html_of(
        client.get(chip, {"member": district.member_a.pk, "field": "is_superuser"}, headers=HTMX)
    )
    assert 'name="member"' in html and "is_superuser" not in html


# --- Logins ---------------------------------------------------------------------------------


def test_logins_page_lists_the_grants_as_full_page_and_fragment(
    client, district, market, chair_a, district_staff
):
    client.force_login(district_staff)
    full = client.get(url("organization_logins", market.pk))
    html = html_of(full)
    assert full.status_code == 200 and "<html" in html
    assert "chair_a" in html and "市场妇联主席" in html
    fragment = client.get(url("organization_logins", market.pk), headers=HTMX)
    assert "<html" not in html_of(fragment) and "chair_a" in html_of(fragment)


def test_district_staff_grants_a_role_to_an_existing_login(
    client, district, market, chair_b, district_staff
):
    client.force_login(district_staff)
    response = client.post(
        url("organization_logins", market.pk),
        {"username": "chair_b", "role": Role.VIEWER},
        headers=HTMX,
    )
    assert response.status_code == 200 and "<html" not in html_of(response)
    grant = RoleGrant.objects.get(user=chair_b, organization=market, role=Role.VIEWER)
    assert grant.granted_by == district_staff
    assert f'data-grant="{grant.pk}"' in html_of(response)


def test_granting_to_an_unknown_login_shows_an_error(client, market, district_staff):
    client.force_login(district_staff)
    response = client.post(
        url("organization_logins", market.pk), {"username": "nobody", "role": Role.VIEWER}
    )
    assert response.status_code == 200
    assert response.context["grant_form"].errors["username"]


def test_cluster_staff_is_not_offered_the_district_staff_role(client, market, cluster_staff):
    client.force_login(cluster_staff)
    response = client.get(url("organization_logins", market.pk))
    choices = [value for value, _label in response.context["grant_form"].fields["role"].choices]
    assert Role.DISTRICT_STAFF not in choices and Role.MARKET_CHAIR in choices
    posted = client.post(
        url("login_create", market.pk),
        {"username": "boss", "full_name": "某人", "role": Role.DISTRICT_STAFF},
    )
    assert posted.context["create_form"].errors["role"]
    assert not get_user_model().objects.filter(username="boss").exists()


def test_new_login_shows_its_temporary_password_once(client, market, district_staff):
    client.force_login(district_staff)
    response = client.post(
        url("login_create", market.pk),
        {"username": "shaoxing_chair", "full_name": "赵丹", "role": Role.MARKET_CHAIR},
        headers=HTMX,
    )
    html = html_of(response)
    assert "<html" not in html
    password = re.search(r"data-temporary-password>([^<]+)<", html).group(1)
    user = get_user_model().objects.get(username="shaoxing_chair")
    assert user.check_password(password)
    assert AccountSecurity.objects.get(user=user).must_change_password
    assert "no-store" in response.headers["Cache-Control"]
    assert password not in html_of(client.get(url("organization_logins", market.pk)))


def test_new_login_must_replace_the_temporary_password_at_first_login(
    client, market, district_staff
):
    client.force_login(district_staff)
    response = client.post(
        url("login_create", market.pk),
        {"username": "newchair", "full_name": "王芳", "role": Role.MARKET_CHAIR},
    )
    password = re.search(r"data-temporary-password>([^<]+)<", html_of(response)).group(1)
    fresh = Client()
    login = fresh.post(reverse("login"), {"username": "newchair", "password": password})
    assert login.status_code == 302
    response = fresh.get(reverse("dashboard"))
    assert response.status_code == 302 and response["Location"] == reverse("password_change")


def test_new_login_without_htmx_renders_the_full_page(client, market, district_staff):
    client.force_login(district_staff)
    response = client.post(
        url("login_create", market.pk),
        {"username": "home_manager", "full_name": "王芳", "role": Role.MARKET_CHAIR},
    )
    assert response.status_code == 200 and "<html" in html_of(response)
    assert "data-temporary-password" in html_of(response)


def test_revoking_a_grant_through_the_page(client, market, chair_a, district_staff):
    grant = chair_a.role_grants.get()
    client.force_login(district_staff)
    response = client.post(url("role_grant_revoke", market.pk, grant.pk))
    assert response.status_code == 302
    assert not RoleGrant.objects.filter(pk=grant.pk).exists()


def test_revoking_her_own_last_administering_grant_shows_an_error(client, district, district_staff):
    grant = district_staff.role_grants.get()
    client.force_login(district_staff)
    response = client.post(url("role_grant_revoke", district.district.pk, grant.pk), headers=HTMX)
    assert response.status_code == 200 and 'class="error"' in html_of(response)
    assert RoleGrant.objects.filter(pk=grant.pk).exists()


def test_revoke_needs_post(client, market, chair_a, district_staff):
    grant = chair_a.role_grants.get()
    client.force_login(district_staff)
    assert client.get(url("role_grant_revoke", market.pk, grant.pk)).status_code == 405
    assert RoleGrant.objects.filter(pk=grant.pk).exists()


def test_after_an_election_the_outgoing_chairs_login_is_offered_for_revoking(
    client, market, people, first_term, district_staff
):
    """刘意 chaired term 1 and has the chair login; 王芳 is elected chair of term 2."""
    outgoing = UserFactory(username="chair_liuyi", first_name="刘意")
    RoleGrant.objects.create(user=outgoing, role=Role.MARKET_CHAIR, organization=market)
    services.election_hold(
        organization=market,
        number=2,
        starts_on=MARCH_2024,
        chair=people["王芳"],
        vice_chairs=[people["赵丹"]],
        executives=[],
        by=district_staff,
    )
    client.force_login(district_staff)
    page = html_of(client.get(url("organization_election_logins", market.pk)))
    outgoing_section = page[page.index('id="outgoing"') : page.index('id="incoming"')]
    assert "chair_liuyi" in outgoing_section
    incoming_section = page[page.index('id="incoming"') :]
    assert "王芳" in incoming_section and "赵丹" in incoming_section

    grant = outgoing.role_grants.get()
    wangfang = market.terms.get(number=2).offices.get(position=Position.CHAIR)
    response = client.post(
        url("organization_election_logins", market.pk),
        {"revoke": [grant.pk], f"username-{wangfang.pk}": "chair_wangfang"},
    )
    assert response.status_code == 200 and "data-temporary-password" in html_of(response)
    assert not RoleGrant.objects.filter(pk=grant.pk).exists()
    new = RoleGrant.objects.get(user__username="chair_wangfang")
    assert new.role == Role.MARKET_CHAIR and new.organization == market
    assert new.user.first_name == "王芳"
