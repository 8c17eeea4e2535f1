import datetime

import pytest
from django.db import connection
from django.test.utils import CaptureQueriesContext

from federation.models import Position
from members.models import HonorKind, Member, MemberStatus, Tag
from tests.factories import (
    MemberFactory,
    MembershipFactory,
    OfficeFactory,
    TermFactory,
    make_id_number,
)

URL = "/members/"

# Ages and age bands are counted against the pinned day, not the clock.
pytestmark = pytest.mark.usefixtures("today")


def names(response) -> list[str]:
    return [member.name for member in response.context["page"]]


@pytest.fixture
def shaoxing(district):
    """A few more members of market A to search among."""
    people = {}
    for name, occupation, birth in [
        ("曾丽萍", "streamer", datetime.date(1995, 3, 1)),
        ("王秀英", "shop_employee", datetime.date(1970, 8, 8)),
        ("张婷婷", "shop_owner", datetime.date(1988, 1, 20)),
    ]:
        member = MemberFactory(
            name=name, occupation=occupation, id_number=make_id_number(birth), birth_date=birth
        )
        MembershipFactory(member=member, organization=district.market_a.federation)
        people[name] = member
    return people


def test_chair_sees_only_her_market(client, district, shaoxing, chair_a):
    client.force_login(chair_a)
    response = client.get(URL)
    assert set(names(response)) == {"赵丹", "曾丽萍", "王秀英", "张婷婷"}
    assert "李芳" not in response.content.decode()


@pytest.mark.parametrize(
    ("q", "expected"),
    [
        ("zd", ["赵丹"]),
        ("zhaodan", ["赵丹"]),
        ("zeng", ["曾丽萍"]),
        ("zlp", ["曾丽萍"]),
        ("婷婷", ["张婷婷"]),
        ("婷", ["张婷婷"]),
        ("萍", ["曾丽萍"]),
        ("丽萍", ["曾丽萍"]),
        ("萍丽", []),
        ("Z", ["曾丽萍", "张婷婷", "赵丹"]),
    ],
)
def test_search_by_name_pinyin_and_initials(client, district, shaoxing, chair_a, q, expected):
    client.force_login(chair_a)
    assert names(client.get(URL, {"q": q})) == expected


def test_search_by_mobile_tail_and_full_number_in_a_header(client, district, shaoxing, chair_a):
    client.force_login(chair_a)
    member = shaoxing["王秀英"]
    assert names(client.get(URL, {"q": member.mobile[-4:]})) == ["王秀英"]
    response = client.get(
        URL,
        headers={"HX-Request": "true", "HX-Target": "results", "X-Directory-Search": member.mobile},
    )
    assert names(response) == ["王秀英"]
    # The number is not echoed into the links the page pushes into the URL bar.
    assert member.mobile not in response.content.decode()


def test_id_number_tail_search_is_for_staff_only(
    client, district, shaoxing, chair_a, district_staff
):
    tail = shaoxing["张婷婷"].id_number[-4:]
    client.force_login(chair_a)
    assert names(client.get(URL, {"q": tail})) == []
    client.force_login(district_staff)
    assert names(client.get(URL, {"q": tail})) == ["张婷婷"]


def test_filters_narrow_the_list(client, district, shaoxing, district_staff):
    market_a = district.market_a.federation
    term = TermFactory(organization=market_a, number=2)
    OfficeFactory(term=term, member=district.member_a, position=Position.VICE_CHAIR)
    shaoxing["曾丽萍"].honors.create(kind=HonorKind.RED_MERCHANT, year=2025, awarded_by=market_a)
    tag = Tag.objects.create(name="90后创业")
    shaoxing["曾丽萍"].tags.add(tag)
    client.force_login(district_staff)
    cases = {
        "organization": (district.home_a.pk, ["赵丹"]),
        "occupation": ("streamer", ["曾丽萍"]),
        "position": (Position.VICE_CHAIR, ["赵丹"]),
        "honor": (HonorKind.RED_MERCHANT, ["曾丽萍"]),
        "tag": (tag.pk, ["曾丽萍"]),
        "age_band": ("50s", ["王秀英"]),
    }
    for field, (value, expected) in cases.items():
        assert names(client.get(URL, {field: value})) == expected, field
    assert set(names(client.get(URL, {"organization": market_a.pk}))) == {
        "赵丹",
        "曾丽萍",
        "王秀英",
        "张婷婷",
    }


def test_left_members_are_listed_under_their_status(client, district, shaoxing, chair_a):
    gone = shaoxing["王秀英"]
    Member.objects.filter(pk=gone.pk).update(
        status=MemberStatus.LEFT, left_on=datetime.date(2026, 1, 1)
    )
    gone.memberships.update(ends_on=datetime.date(2026, 1, 1))
    client.force_login(chair_a)
    assert "王秀英" not in names(client.get(URL))
    assert names(client.get(URL, {"status": "left"})) == ["王秀英"]


def test_sort_is_whitelisted(client, district, shaoxing, chair_a):
    client.force_login(chair_a)
    by_age = names(client.get(URL, {"sort": "-age"}))
    assert by_age[0] == "王秀英"
    crafted = client.get(URL, {"sort": "mobile); DROP TABLE members_member; --"})
    assert crafted.status_code == 200 and len(names(crafted)) == 4


def test_full_page_and_fragment(client, district, chair_a):
    client.force_login(chair_a)
    full = client.get(URL, {"q": "zd"}).content.decode()
    assert "<html" in full and "赵丹" in full
    fragment = client.get(
        URL, {"q": "zd"}, headers={"HX-Request": "true", "HX-Target": "results"}
    ).content.decode()
    assert "<html" not in fragment and "赵丹" in fragment


def test_mobiles_are_masked_in_the_list(client, district, chair_a):
    client.force_login(chair_a)
    html = client.get(URL).content.decode()
    assert district.member_a.mobile not in html
    assert district.member_a.masked_mobile in html


def test_query_count_does_not_grow_with_the_page(client, district, chair_a):
    client.force_login(chair_a)
    client.get(URL)  # warm the session

    def count() -> int:
        with CaptureQueriesContext(connection) as queries:
            client.get(URL, headers={"HX-Request": "true", "HX-Target": "results"})
        return len(queries)

    def add(n: int) -> None:
        for i in range(n):
            member = MemberFactory(name=f"李{i}")
            MembershipFactory(member=member, organization=district.market_a.federation)

    add(60)  # more than a page: the total needs its COUNT
    full = count()
    add(60)
    assert count() == full
    assert full <= 6


@pytest.mark.parametrize("search", [{}, {"q": "周"}])  # the kept count; a COUNT
@pytest.mark.parametrize("extra", [49, 50, 51, 120])
def test_first_page_counts_right_at_the_page_boundary(client, district, chair_a, extra, search):
    for i in range(extra):
        member = MemberFactory(name=f"周{i}")
        MembershipFactory(member=member, organization=district.market_a.federation)
    total = extra + (0 if search else 1)  # 赵丹 is no 周
    pages = (total + 49) // 50
    client.force_login(chair_a)
    page = client.get(URL, search).context["page"]
    assert page.paginator.count == total and page.paginator.num_pages == pages
    assert len(page.object_list) == min(total, 50)
    last = client.get(URL, {**search, "page": pages}).context["page"]
    assert last.paginator.count == total
    assert len(last.object_list) == total - 50 * (pages - 1)
    beyond = client.get(URL, {**search, "page": pages + 1}).context["page"]
    assert beyond.number == pages  # get_page: the last page


def test_full_page_needs_no_more_queries_than_the_fragment(client, district, chair_a):
    client.force_login(chair_a)
    client.get(URL)  # fills the cached option lists
    with CaptureQueriesContext(connection) as full:
        client.get(URL, {"q": "z", "occupation": "shop_owner", "sort": "-joined"})
    assert len(full) <= 6, [q["sql"][:80] for q in full]


def test_a_renamed_organization_shows_at_once_in_the_filter(client, district, chair_a):
    client.force_login(chair_a)
    assert "邵兴城市场妇联" in client.get(URL).content.decode()
    market = district.market_a.federation
    market.name = "邵兴城服饰市场妇联"
    market.save(update_fields=["name"])
    assert "邵兴城服饰市场妇联" in client.get(URL).content.decode()


def test_filtering_by_an_organization_outside_her_scope_shows_nothing_of_it(
    client, district, chair_a
):
    client.force_login(chair_a)
    response = client.get(URL, {"organization": district.market_b.federation.pk})
    assert "李芳" not in names(response)
    assert response.context["form"].errors["organization"]


@pytest.mark.parametrize(
    ("day", "band"),
    [(datetime.datetime(2026, 11, 30, 12), "40s"), (datetime.datetime(2031, 6, 1, 12), "50s")],
)
def test_age_bands_are_counted_against_today(client, district, chair_a, time_machine, day, band):
    """Born 15 December 1980: 45 at the end of 2026, 50 in the summer of 2031."""
    time_machine.move_to(day.replace(tzinfo=datetime.UTC), tick=False)
    member = MemberFactory(
        name="周敏",
        birth_date=datetime.date(1980, 12, 15),
        id_number=make_id_number(datetime.date(1980, 12, 15)),
    )
    MembershipFactory(member=member, organization=district.market_a.federation)
    client.force_login(chair_a)
    assert names(client.get(URL, {"age_band": band, "q": "周敏"})) == ["周敏"]


def test_a_pasted_mobile_finds_her(client, district, shaoxing, chair_a):
    mobile = shaoxing["王秀英"].mobile
    pasted = f"+86 {mobile[:3]} {mobile[3:7]}-{mobile[7:]}"
    client.force_login(chair_a)
    response = client.get(URL, headers={"HX-Request": "true", "X-Directory-Search": pasted})
    assert names(response) == ["王秀英"]


def test_a_row_shows_her_current_market_only(client, district, district_staff):
    """The market column comes from the page's own query: her open market membership, not a
    home, not a market she has left; none for a member of a new-sector organization only."""
    moved = MemberFactory(name="钱敏")
    MembershipFactory(
        member=moved,
        organization=district.market_a.federation,
        starts_on=datetime.date(2020, 1, 1),
        ends_on=datetime.date(2024, 1, 1),
    )
    MembershipFactory(
        member=moved, organization=district.market_b.federation, starts_on=datetime.date(2024, 1, 1)
    )
    in_sector = MemberFactory(name="孙霞")
    MembershipFactory(member=in_sector, organization=district.sector)
    client.force_login(district_staff)
    rows = {row.name: row.market_name for row in client.get(URL).context["page"]}
    assert rows["钱敏"] == district.market_b.federation.name
    assert rows["赵丹"] == district.market_a.federation.name  # also in home A
    assert rows["孙霞"] is None
    html = client.get(URL, {"q": "孙霞"}, headers={"HX-Request": "true"}).content.decode()
    assert ">—</td>" in html
