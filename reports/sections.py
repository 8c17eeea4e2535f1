"""The yearly report as a list of sections; each section is one function
`(organization, year) -> Section` that the dashboard, the workbook and the frozen report all
call, so that they cannot disagree.

Counting rules (the federation's, and the issue's):
- "as of" is 31 December of the year, or today for the current year;
- a member counts in an organization when one of her memberships there (or anywhere under
  it) is in force on that day (`Membership.objects.on(day)`): a member who moved in June
  counts in her new market only; one who left in 2025 does not count in 2026;
- every breakdown of members puts each counted member in exactly one row (an "other" or
  "not recorded" row when needed), so each sums to the total;
- aggregation happens in SQL (GROUP BY or conditional counts): the number of queries does
  not grow with the number of markets or members;
- today's members are read where they are cheapest to read and the same: the open
  memberships are those in force when nothing starts or ends after today
  (`open_means_in_force`), and then a federation above the markets reads its members from
  the member table (`counted_today`); tests hold both to the history.

Occupation, political status and education are the member's current record (the register
keeps no history of them); age is computed on the as-of day from the birth date.

Adding a section (the work records of another app, say) is one function and one entry in
`REGISTRY`; an entry may name the app it needs, and is left out when that app is not
installed.
"""

import datetime
import importlib
from collections.abc import Callable, Iterator
from contextlib import contextmanager
from contextvars import ContextVar
from dataclasses import asdict, dataclass, field
from decimal import Decimal
from typing import Any
from urllib.parse import urlencode

from django.apps import apps
from django.db import connection
from django.db.models import (
    Case,
    CharField,
    Count,
    IntegerField,
    Max,
    Q,
    QuerySet,
    Value,
    When,
)
from django.urls import reverse
from django.utils import timezone
from django.utils.translation import gettext as _
from django.utils.translation import gettext_lazy, pgettext, pgettext_lazy

from federation.models import (
    KINDS_ABOVE_MARKETS,
    CoverageTarget,
    EstablishmentMethod,
    Office,
    Organization,
    OrganizationKind,
    Position,
    SectorCategory,
    SiteRating,
    Term,
)
from federation.selectors import SITE_KINDS, existing_on
from members.models import (
    Education,
    Honor,
    HonorKind,
    Member,
    Membership,
    MembershipScope,
    Occupation,
    PoliticalStatus,
)
from members.selectors import OFFICE_AGE_BANDS, OFFICE_LEVELS

# Grassroots federations elect every five years (妇联基层组织每届五年).
TERM_YEARS = 5

MEMBER_AGE_BANDS = [  # the directory's bands (members.selectors.AGE_BANDS), on the as-of day
    ("under30", None, 30),
    ("30s", 30, 40),
    ("40s", 40, 50),
    ("50s", 50, 60),
    ("60plus", 60, None),
]
# How federation reports band executive-committee members: the directory's office bands.
OFFICER_AGE_BANDS = [(key, *bounds) for key, bounds in OFFICE_AGE_BANDS.items()]
HOME_KINDS = (OrganizationKind.WOMENS_HOME, OrganizationKind.MICRO_HOME)
PLACE_KINDS = (OrganizationKind.MARKET_FEDERATION, *HOME_KINDS)


@dataclass
class Row:
    key: str
    label: str
    values: list
    # Address of the list of exactly what the row's first column counts: the member
    # directory, or the organization list for organization figures (empty when the figure
    # is not a list, such as a target or a rate).
    link: str = ""
    # The same for every column, when the other columns are lists too ("" where not).
    links: list[str] = field(default_factory=list)

    def link_of(self, column: int) -> str:
        if self.links:
            return self.links[column] if column < len(self.links) else ""
        return self.link if column == 0 else ""


@dataclass
class Section:
    key: str
    title: str
    columns: list[str]  # headers of the value columns (the label column is "item")
    rows: list[Row]
    total: list | None = None  # the totals row, when the rows add up
    # How the dashboard and the workbook chart it: {"type": "bar" | "pie" | "line",
    # "columns": [indexes of value columns]}; None for a table only.
    chart: dict | None = None
    formats: list[str] = field(default_factory=list)  # per column: "int" | "percent"
    note: str = ""

    def as_data(self) -> dict:
        """Plain data (JSON) for the frozen report."""
        return asdict(self)

    @classmethod
    def from_data(cls, data: dict) -> "Section":
        rows = [Row(**row) for row in data.get("rows", [])]
        return cls(**{**data, "rows": rows})

    def value(self, row_key: str, column: int = 0):
        for row in self.rows:
            if row.key == row_key:
                return row.values[column]
        return None


def as_of(year: int) -> datetime.date:
    """31 December of the year, or today while the year is not over."""
    today = timezone.localdate()
    return today if year == today.year else datetime.date(year, 12, 31)


def _subtree(organization: Organization) -> QuerySet[Organization]:
    return Organization.objects.subtree_of([organization])


def _in_subtree(organization: Organization) -> Q:
    """Memberships in the organization or anywhere under it: one prefix match on the path
    each membership carries (kept by members.services when organizations move), no join."""
    return Q(organization_path__startswith=organization.descendant_path_prefix)


def memberships_on(organization: Organization, day: datetime.date) -> QuerySet[Membership]:
    return Membership.objects.on(day).filter(_in_subtree(organization))


def members_on(organization: Organization, day: datetime.date) -> QuerySet[Member]:
    """The members the organization counts on that day, each once."""
    return Member.objects.filter(pk__in=memberships_on(organization, day).values("member_id"))


def _memberships_in_year(organization: Organization, year: int) -> QuerySet[Membership]:
    """Memberships here in force at some time during the year."""
    first, last = datetime.date(year, 1, 1), as_of(year)
    return Membership.objects.filter(_in_subtree(organization), starts_on__lte=last).filter(
        Q(ends_on__isnull=True) | Q(ends_on__gt=first)
    )


def _years_before(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def directory_link(
    organization: Organization, year: int, *, during_year: bool = False, **filters
) -> str:
    """The directory, filtered to exactly the members a figure counts: those of the
    organization on the as-of day, or (during_year) at any time in the year."""
    params = {"organization": organization.pk, **filters}
    if during_year:
        params["year"] = year
    else:
        params["as_of"] = as_of(year).isoformat()
    return reverse("member_list") + "?" + urlencode(params)


def organization_list_link(organization: Organization, year: int, **filters) -> str:
    """The organization list, filtered to exactly the organizations a figure counts: those in
    the organization's subtree that exist on the as-of day, narrowed by `filters`."""
    params = {"organization": organization.pk, "on": as_of(year).isoformat(), **filters}
    return reverse("organization_list") + "?" + urlencode(params)


def officer_link(organization: Organization, year: int, **filters) -> str:
    """The directory, filtered to exactly the people holding an office on the as-of day in
    the organization or under it (each once), narrowed by `filters`."""
    params = {"organization": organization.pk, "office_on": as_of(year).isoformat(), **filters}
    return reverse("member_list") + "?" + urlencode(params)


_memo: ContextVar[dict | None] = ContextVar("report_memo", default=None)


@contextmanager
def shared_reads() -> Iterator[None]:
    """Within it, sections asking the same question of the database (the members' profile on
    a day) share one answer; outside it every section reads for itself."""
    token = _memo.set({})
    try:
        yield
    finally:
        _memo.reset(token)


def _shared(key: tuple, compute: Callable[[], Any]) -> Any:
    memo = _memo.get()
    if memo is None:
        return compute()
    if key not in memo:
        memo[key] = compute()
    return memo[key]


def _band_condition(youngest, oldest, day: datetime.date, field_name: str = "birth_date") -> Q:
    condition = Q(**{f"{field_name}__isnull": False})
    if youngest is not None:
        condition &= Q(**{f"{field_name}__lte": _years_before(day, youngest)})
    if oldest is not None:
        condition &= Q(**{f"{field_name}__gt": _years_before(day, oldest)})
    return condition


PROFILE_ATTRIBUTES = {
    "occupation": Occupation.choices,
    "political_status": PoliticalStatus.choices,
    "education": Education.choices,
}


def _band(day: datetime.date, bands) -> Case:
    """The age band on the day ("" when the birth date is not recorded). The bands run from
    the youngest, each starting where the one before ends (a test holds them to it), so a WHEN
    needs only the older bound: the bands before it took everyone younger. One comparison per
    band, where `_band_condition` (the directory's filter) makes three."""
    return Case(
        *[
            When(birth_date__gt=_years_before(day, oldest), then=Value(key))
            if oldest is not None
            else When(birth_date__isnull=False, then=Value(key))
            for key, _youngest, oldest in bands
        ],
        default=Value(""),
        output_field=CharField(),
    )


def _profile(members: QuerySet[Member], day: datetime.date, bands) -> dict[str, dict[str, int]]:
    """Counts of the members by occupation, political status, education and age band on the
    day, and their total. One scan grouped by the four at once (a few hundred groups at most);
    each breakdown is then the sum of the groups over the other three. Grouping hashes a row
    once, where a conditional count per value (COUNT … FILTER) tested each row ~30 times."""
    groups = (
        members.order_by()
        .values("occupation", "political_status", "education", band=_band(day, bands))
        # COUNT(*), not of the id: member_profile_idx holds the rest of the row, not the id.
        .annotate(n=Count("*"))
        .values_list("occupation", "political_status", "education", "band", "n")
    )
    profile: dict[str, dict[str, int]] = {
        "total": {"": 0},
        **{attribute: {} for attribute in PROFILE_ATTRIBUTES},
        "band": {},
    }
    for occupation, political_status, education, band, n in groups:
        profile["total"][""] += n
        for attribute, value in (
            ("occupation", occupation),
            ("political_status", political_status),
            ("education", education),
            ("band", band),
        ):
            profile[attribute][value] = profile[attribute].get(value, 0) + n
    return profile


def open_means_in_force(organization: Organization, day: datetime.date) -> bool:
    """Whether the memberships here in force on the day are exactly the open ones: the day
    is today and no membership here starts or ends after it (a transfer, a home or a restore
    dated ahead). Two short range scans (membership_starts_idx, membership_ends_idx)."""
    if day != timezone.localdate():
        return False

    def compute() -> bool:
        dated_ahead = Membership.objects.filter(_in_subtree(organization)).filter(
            Q(starts_on__gt=day) | Q(ends_on__gt=day)
        )
        return not dated_ahead.exists()

    return _shared(("open means in force", organization.pk, day), compute)


def counted_today(organization: Organization, day: datetime.date) -> QuerySet[Member] | None:
    """The members a federation above the markets counts today, read from the member table
    instead of the history; None where the history must answer.

    A current member's `Member.reach` names the organizations of her open memberships and
    everything above them (members.models.ReachField; a membership ended by a move, a change
    of home or her coming back no longer reaches, and the services change the reach in the
    same transaction as the memberships). A member who left has no open membership. So
    "current, and the organization in her reach" is "a membership here in force today"
    where the open memberships are those in force (`open_means_in_force`). For the district
    that reads the narrow index of the current members (member_profile_idx) instead of
    joining ~120,000 memberships to 100,000 members; a market's own memberships are found by
    an index, and the history stays faster there."""
    if organization.kind not in KINDS_ABOVE_MARKETS or not open_means_in_force(organization, day):
        return None
    # One string test per row (reach__any_text), where reach__any's array (for the GIN index
    # that serves a market) costs more than the whole scan for the district.
    return Member.objects.current().filter(reach__any_text=[organization.pk])


def member_profile(organization: Organization, year: int) -> dict[str, dict[str, int]]:
    day = as_of(year)

    def compute() -> dict[str, dict[str, int]]:
        members = counted_today(organization, day)
        if members is None:
            members = members_on(organization, day)
        return _profile(members, day, MEMBER_AGE_BANDS)

    return _shared(("members", organization.pk, day), compute)


def officer_profile(organization: Organization, year: int) -> dict[str, dict[str, int]]:
    day = as_of(year)
    officers = Member.objects.filter(pk__in=offices_on(organization, day).values("member_id"))
    return _shared(
        ("officers", organization.pk, day), lambda: _profile(officers, day, OFFICER_AGE_BANDS)
    )


def _breakdown(
    *,
    key: str,
    title: str,
    organization: Organization,
    year: int,
    profile: dict[str, dict[str, int]],
    attribute: str,
    choices: list[tuple[str, str]],
    blank_label: str,
    link: Callable[..., str],
    link_filter: str,
    column: str,
    chart: str = "bar",
    blank_filter: str = "",
) -> Section:
    """One breakdown of the profile: a row per choice, and one for the rest (so that the rows
    add up to the total). `link(organization, year, **filters)` makes a figure's directory
    link, `link_filter` the directory's filter for the choice, `blank_filter` its value for
    "not recorded" (the rest row has no link without it)."""
    counts = profile[attribute]
    total = profile["total"][""]
    rows = []
    for value, label in choices:
        rows.append(
            Row(
                value,
                str(label),
                [counts.get(value, 0)],
                link(organization, year, **{link_filter: value}),
            )
        )
    rest = total - sum(row.values[0] for row in rows)
    if rest or blank_label:
        rest_link = link(organization, year, **{link_filter: blank_filter}) if blank_filter else ""
        rows.append(Row("", blank_label or _("Other"), [rest], rest_link))
    return Section(
        key=key,
        title=title,
        columns=[column],
        rows=rows,
        total=[total],
        chart={"type": chart, "columns": [0]},
        formats=["int"],
    )


# --- Members ------------------------------------------------------------------------------


def members_summary(organization: Organization, year: int) -> Section:
    """The headline figures with the change against the previous year."""
    day, previous_day = as_of(year), datetime.date(year - 1, 12, 31)
    now = member_profile(organization, year)["total"][""]
    # Only the previous year's totals are shown: counted from the memberships alone.
    before = memberships_on(organization, previous_day).aggregate(
        n=Count("member_id", distinct=True)
    )["n"]
    moves = member_moves(organization, year)
    previous = {"joined": moves["previous_joined"], "left": moves["previous_left"]}
    officers = officer_profile(organization, year)["total"][""]
    officers_before = (
        Member.objects.filter(pk__in=offices_on(organization, previous_day).values("member_id"))
        .order_by()
        .count()
    )

    def figures(now: int, before: int) -> list[int]:
        return [now, before, now - before]

    rows = [
        Row(
            "members",
            _("Members"),
            figures(now, before),
            directory_link(organization, year),
        ),
        Row(
            "joined",
            _("Joined during the year"),
            figures(moves["joined"], previous["joined"]),
            directory_link(organization, year, during_year=True, joined_year=year),
        ),
        Row(
            "left",
            _("Left during the year"),
            figures(moves["left"], previous["left"]),
            directory_link(organization, year, during_year=True, left_year=year),
        ),
        Row(
            "officers",
            _("Executive members"),
            figures(officers, officers_before),
            officer_link(organization, year),
        ),
    ]
    return Section(
        key="summary",
        title=_("Members: summary"),
        columns=[
            _("This year"),
            _("Previous year"),
            pgettext("against the previous year", "Change"),
        ],
        rows=rows,
        formats=["int", "int", "int"],
        note=_("Members on %(day)s, against %(previous)s.")
        % {"day": day.isoformat(), "previous": previous_day.isoformat()},
    )


def _members_per_place(organization: Organization, year: int) -> dict[int, int]:
    """Members on the as-of day per market and per home of the subtree (by organization:
    each section picks its own kind's): one query for both sections."""

    def compute() -> dict[int, int]:
        day = as_of(year)
        if open_means_in_force(organization, day):
            # Today: the open memberships of each market and home, from the index on
            # (organization, ends_on) alone, in its order (no hashing).
            memberships = Membership.objects.current().filter(
                organization__in=_subtree(organization).filter(kind__in=PLACE_KINDS)
            )
        else:
            memberships = memberships_on(organization, day).filter(
                scope__in=[MembershipScope.MARKET, MembershipScope.HOME]
            )
        return dict(
            memberships.order_by()
            .values_list("organization")
            # One membership per member and organization on a day (a second one can only
            # start the day the first ends), so counting rows counts members.
            .annotate(n=Count("*"))
            .values_list("organization", "n")
        )

    return _shared(("places", organization.pk, year), compute)


def _members_by_place(organization: Organization, year: int, kinds) -> tuple[list[Row], int]:
    """Members on the as-of day per market (or home) of the subtree, and the rest."""
    day = as_of(year)
    subtree = _subtree(organization)
    counts = _members_per_place(organization, year)
    places = (
        subtree.filter(kind__in=kinds)
        .filter(existing_on(day) | Q(pk__in=list(counts)))
        .order_by("kind", "name")
        .values_list("pk", "name", "kind")
    )
    kind_labels = dict(OrganizationKind.choices)
    rows = [
        Row(
            str(pk),
            name if len(kinds) == 1 else f"{name}（{kind_labels[kind]}）",
            [counts.get(pk, 0)],
            directory_link(Organization(pk=pk), year),
        )
        for pk, name, kind in places
    ]
    return rows, member_profile(organization, year)["total"][""]


def members_by_market(organization: Organization, year: int) -> Section:
    """A member belongs to one market at a time (the database refuses a second open one, and
    a transfer ends the old membership the day the new one starts)."""
    rows, total = _members_by_place(organization, year, (OrganizationKind.MARKET_FEDERATION,))
    rows.append(Row("", _("Not in a market"), [total - sum(r.values[0] for r in rows)]))
    rows[-1].link = directory_link(organization, year, not_in="market")
    return Section(
        key="members_by_market",
        title=_("Members by market"),
        columns=[_("Members")],
        rows=rows,
        total=[total],
        chart={"type": "bar", "columns": [0]},
        formats=["int"],
    )


def members_by_home(organization: Organization, year: int) -> Section:
    rows, total = _members_by_place(organization, year, HOME_KINDS)
    rows.append(Row("", _("Not in a home"), [total - sum(r.values[0] for r in rows)]))
    # What remains is the members in no home as long as each is in one home at a time (the
    # services' rule: assigning a home leaves the others); the link lists those.
    rows[-1].link = directory_link(organization, year, not_in="home")
    return Section(
        key="members_by_home",
        title=_("Members by women's home / micro-home"),
        columns=[_("Members")],
        rows=rows,
        total=[total],
        formats=["int"],
        note=_("A member of two homes counts in each; the last row is what remains."),
    )


def members_by_occupation(organization: Organization, year: int) -> Section:
    return _breakdown(
        key="members_by_occupation",
        title=_("Members by occupation"),
        organization=organization,
        year=year,
        profile=member_profile(organization, year),
        attribute="occupation",
        choices=Occupation.choices,
        blank_label="",
        link=directory_link,
        link_filter="occupation",
        blank_filter="none",
        column=_("Members"),
        chart="pie",
    )


def members_by_age_band(organization: Organization, year: int) -> Section:
    labels = {
        "under30": _("Under 30"),
        "30s": _("30–39"),
        "40s": _("40–49"),
        "50s": _("50–59"),
        "60plus": _("60 and over"),
    }
    return _breakdown(
        key="members_by_age_band",
        title=_("Members by age"),
        organization=organization,
        year=year,
        profile=member_profile(organization, year),
        attribute="band",
        choices=[(key, labels[key]) for key, _y, _o in MEMBER_AGE_BANDS],
        blank_label=_("Birth date not recorded"),
        link=directory_link,
        link_filter="age_band",
        blank_filter="none",
        column=_("Members"),
    )


def members_by_political_status(organization: Organization, year: int) -> Section:
    return _breakdown(
        key="members_by_political_status",
        title=_("Members by political status"),
        organization=organization,
        year=year,
        profile=member_profile(organization, year),
        attribute="political_status",
        choices=PoliticalStatus.choices,
        blank_label="",
        link=directory_link,
        link_filter="political_status",
        blank_filter="none",
        column=_("Members"),
        chart="pie",
    )


def members_by_education(organization: Organization, year: int) -> Section:
    return _breakdown(
        key="members_by_education",
        title=_("Members by education"),
        organization=organization,
        year=year,
        profile=member_profile(organization, year),
        attribute="education",
        choices=Education.choices,
        blank_label=_("Not recorded"),
        link=directory_link,
        link_filter="education",
        blank_filter="none",
        column=_("Members"),
    )


def _flag(condition: Q) -> Max:
    """1 when one of the member's rows in the group meets the condition, else 0."""
    return Max(Case(When(condition, then=Value(1)), default=Value(0)), output_field=IntegerField())


def member_moves(organization: Organization, year: int) -> dict[str, int]:
    """Members who joined and who left during the year, in all and per month, and during the
    previous year (totals only: the summary's comparison), among those who belonged here at
    some time in that year. One query for both years: only the members who joined or left in
    them are read, each with her memberships here that overlap the two years; they are
    counted per month of joining and of leaving (a few dozen groups), and the months summed
    here: a conditional count per figure (28 of them) cost the ORM ~10 ms to build and the
    database as much to test on every row."""

    def compute() -> dict[str, int]:
        first, last = datetime.date(year, 1, 1), as_of(year)
        previous_first, previous_last = (
            datetime.date(year - 1, 1, 1),
            datetime.date(year - 1, 12, 31),
        )
        both_years = (previous_first, datetime.date(year, 12, 31))
        # The member's memberships here that overlap the two years; the flags say which year.
        here = Q(memberships__organization_path__startswith=organization.descendant_path_prefix)
        overlapping = Q(memberships__starts_on__lte=last) & (
            Q(memberships__ends_on__isnull=True) | Q(memberships__ends_on__gt=previous_first)
        )
        flagged = (
            Member.objects.filter(Q(joined_on__range=both_years) | Q(left_on__range=both_years))
            .filter(here & overlapping)
            .order_by()
            .values("pk")
            .annotate(
                this_year=_flag(
                    Q(memberships__ends_on__isnull=True) | Q(memberships__ends_on__gt=first)
                ),
                previous_year=_flag(Q(memberships__starts_on__lte=previous_last)),
            )
            .values("joined_on", "left_on", "this_year", "previous_year")
        )
        inner, params = flagged.query.sql_with_params()
        parts = [
            connection.ops.date_extract_sql(part, column, ())
            for column in ("joined_on", "left_on")
            for part in ("year", "month")
        ]
        date_parts = ", ".join(sql for sql, _params in parts)
        counted = (
            f"SELECT {date_parts}, this_year, previous_year, COUNT(*)"  # noqa: S608 (ORM's SQL)
            f" FROM ({inner}) flagged GROUP BY 1, 2, 3, 4, 5, 6"
        )
        with connection.cursor() as cursor:
            cursor.execute(counted, [*(p for _sql, ps in parts for p in ps), *params])
            groups = cursor.fetchall()
        found = dict.fromkeys(["joined", "left", "previous_joined", "previous_left"], 0)
        for month in range(1, 13):
            found[f"joined_{month}"] = found[f"left_{month}"] = 0
        for *days, this_year, previous_year, n in groups:
            for move, in_year, month in (("joined", *days[:2]), ("left", *days[2:])):
                if in_year == year and this_year:
                    found[move] += n
                    found[f"{move}_{int(month)}"] += n
                elif in_year == year - 1 and previous_year:
                    found[f"previous_{move}"] += n
        return found

    return _shared(("moves", organization.pk, year), compute)


def members_joined_left_by_month(organization: Organization, year: int) -> Section:
    found = member_moves(organization, year)
    joined = {month: found[f"joined_{month}"] for month in range(1, 13)}
    left = {month: found[f"left_{month}"] for month in range(1, 13)}
    rows = [
        Row(
            str(month),
            _month_label(month),
            [joined.get(month, 0), left.get(month, 0)],
        )
        for month in range(1, 13)
    ]
    return Section(
        key="members_joined_left",
        title=_("Joined and left by month"),
        columns=[_("Joined"), _("Left")],
        rows=rows,
        total=[sum(r.values[0] for r in rows), sum(r.values[1] for r in rows)],
        chart={"type": "line", "columns": [0, 1]},
        formats=["int", "int"],
    )


def _month_label(month: int) -> str:
    return _("Month %(month)d") % {"month": month}


# --- Executive committees -----------------------------------------------------------------

# The directory's levels (members.selectors.OFFICE_LEVELS), so that a level's link lists the
# officers of the organizations the figure counts.
LEVELS = [
    ("district", gettext_lazy("District"), OFFICE_LEVELS["district"]),
    ("cluster", gettext_lazy("Market cluster"), OFFICE_LEVELS["cluster"]),
    ("market", gettext_lazy("Market"), OFFICE_LEVELS["market"]),
    ("home", gettext_lazy("Women's home / micro-home"), OFFICE_LEVELS["home"]),
    ("sector", gettext_lazy("New-sector organization"), OFFICE_LEVELS["sector"]),
]


def offices_on(organization: Organization, day: datetime.date) -> QuerySet[Office]:
    return Office.objects.on(day).filter(organization__in=_subtree(organization))


def officers_by_level(organization: Organization, year: int) -> Section:
    day = as_of(year)
    counts = {
        (kind, position): n
        for kind, position, n in offices_on(organization, day)
        .order_by()
        .values_list("organization__kind", "position")
        .annotate(n=Count("pk"))
    }
    positions = [Position.CHAIR, Position.VICE_CHAIR, Position.EXECUTIVE]
    rows = []
    for key, label, kinds in LEVELS:
        values = [sum(counts.get((kind, p), 0) for kind in kinds) for p in positions]
        links = [officer_link(organization, year, office_level=key, position=p) for p in positions]
        links.append(officer_link(organization, year, office_level=key))
        rows.append(Row(key, str(label), [*values, sum(values)], links[0], links))
    total = [sum(row.values[i] for row in rows) for i in range(4)]
    return Section(
        key="officers_by_level",
        title=_("Executive committees by level"),
        columns=[_("Chairs"), _("Vice-chairs"), _("Executive members"), _("Total")],
        rows=rows,
        total=total,
        chart={"type": "bar", "columns": [0, 1, 2]},
        formats=["int"] * 4,
        # The links list people: one holding two such offices is listed once.
        note=_("Offices held on the as-of day; a member holding two offices counts twice."),
    )


def _officer_breakdown(organization: Organization, year: int, **kwargs) -> Section:
    """Executive-committee members (each person once) on the as-of day, by one attribute."""
    return _breakdown(
        organization=organization,
        year=year,
        profile=officer_profile(organization, year),
        link=officer_link,
        column=_("Executive members"),
        **kwargs,
    )


def officers_by_age_band(organization: Organization, year: int) -> Section:
    labels = {
        "upto35": _("35 and under"),
        "36to45": _("36–45"),
        "46to55": _("46–55"),
        "56plus": _("56 and over"),
    }
    return _officer_breakdown(
        organization,
        year,
        key="officers_by_age_band",
        link_filter="office_age_band",
        blank_filter="none",
        title=_("Executive members by age"),
        attribute="band",
        choices=[(key, labels[key]) for key, _y, _o in OFFICER_AGE_BANDS],
        blank_label=_("Birth date not recorded"),
    )


def officers_by_education(organization: Organization, year: int) -> Section:
    return _officer_breakdown(
        organization,
        year,
        key="officers_by_education",
        link_filter="education",
        blank_filter="none",
        title=_("Executive members by education"),
        attribute="education",
        choices=Education.choices,
        blank_label=_("Not recorded"),
    )


def officers_by_political_status(organization: Organization, year: int) -> Section:
    return _officer_breakdown(
        organization,
        year,
        key="officers_by_political_status",
        link_filter="political_status",
        blank_filter="none",
        title=_("Executive members by political status"),
        attribute="political_status",
        choices=PoliticalStatus.choices,
        blank_label="",
    )


def officers_by_occupation(organization: Organization, year: int) -> Section:
    return _officer_breakdown(
        organization,
        year,
        key="officers_by_occupation",
        link_filter="occupation",
        blank_filter="none",
        title=_("Executive members by occupation"),
        attribute="occupation",
        choices=Occupation.choices,
        blank_label="",
    )


def elections(organization: Organization, year: int) -> Section:
    """Elections held in the year (a term that began in it) and terms due for election (open
    on the as-of day and begun at least TERM_YEARS years before the year's end), by level."""
    day = as_of(year)
    terms = Term.objects.filter(organization__in=_subtree(organization))
    due_by = datetime.date(year - TERM_YEARS, 12, 31)
    by_kind = {
        kind: (held, due)
        for kind, held, due in terms.order_by()
        .values_list("organization__kind")
        .annotate(
            held=Count("pk", filter=Q(starts_on__year=year)),
            due=Count(
                "pk",
                filter=Q(starts_on__lte=min(due_by, day))
                & (Q(ends_on__isnull=True) | Q(ends_on__gt=day)),
            ),
        )
        .values_list("organization__kind", "held", "due")
    }
    rows = []
    for key, label, kinds in LEVELS:
        held = sum(by_kind.get(kind, (0, 0))[0] for kind in kinds)
        due = sum(by_kind.get(kind, (0, 0))[1] for kind in kinds)
        rows.append(Row(key, str(label), [held, due]))
    return Section(
        key="elections",
        title=_("Elections"),
        columns=[_("Elections held in the year"), _("Terms due for election")],
        rows=rows,
        total=[sum(r.values[0] for r in rows), sum(r.values[1] for r in rows)],
        formats=["int", "int"],
        note=_("A term is due after %(years)d years.") % {"years": TERM_YEARS},
    )


# --- Service sites, honors, organizations -------------------------------------------------


def _sites(organization: Organization, year: int) -> QuerySet[Organization]:
    return _subtree(organization).filter(kind__in=HOME_KINDS).filter(existing_on(as_of(year)))


def sites_by_market(organization: Organization, year: int) -> Section:
    day = as_of(year)
    counts = {
        (parent, kind): n
        for parent, kind, n in _sites(organization, year)
        .order_by()
        .values_list("parent_id", "kind")
        .annotate(n=Count("pk"))
    }
    parents = dict(
        Organization.objects.filter(pk__in={parent for parent, _kind in counts}).values_list(
            "pk", "name"
        )
    )
    markets = dict(
        _subtree(organization)
        .filter(kind=OrganizationKind.MARKET_FEDERATION)
        .filter(existing_on(day))
        .values_list("pk", "name")
    )
    names = {**markets, **parents}
    rows = []
    for pk in sorted(names, key=lambda pk: (pk not in markets, names[pk])):
        homes = counts.get((pk, OrganizationKind.WOMENS_HOME), 0)
        micro = counts.get((pk, OrganizationKind.MICRO_HOME), 0)
        links = [
            organization_list_link(organization, year, parent=pk, kind=kind)
            for kind in (*HOME_KINDS, SITE_KINDS)
        ]
        rows.append(Row(str(pk), names[pk], [homes, micro, homes + micro], links[0], links))
    return Section(
        key="sites_by_market",
        title=_("Service sites by market"),
        columns=[_("Women's homes"), _("Micro-homes"), _("Total")],
        rows=rows,
        total=[sum(r.values[i] for r in rows) for i in range(3)],
        formats=["int"] * 3,
    )


def sites_by_rating(organization: Organization, year: int) -> Section:
    counts = {
        (rating, kind): n
        for rating, kind, n in _sites(organization, year)
        # A rating given after the year did not hold in it.
        .annotate(
            rating=Case(
                When(site_rating_year__lte=year, then="site_rating"),
                default=Value(""),
                output_field=CharField(),
            )
        )
        .order_by()
        .values_list("rating", "kind")
        .annotate(n=Count("pk"))
    }
    rows = []
    for value, label in [*SiteRating.choices, ("", _("Not rated"))]:
        homes = counts.get((value, OrganizationKind.WOMENS_HOME), 0)
        micro = counts.get((value, OrganizationKind.MICRO_HOME), 0)
        links = [
            organization_list_link(
                organization, year, kind=kind, rating=value or "none", rated_by=year
            )
            for kind in (*HOME_KINDS, SITE_KINDS)
        ]
        rows.append(Row(value, str(label), [homes, micro, homes + micro], links[0], links))
    return Section(
        key="sites_by_rating",
        title=_("Service sites by rating"),
        columns=[_("Women's homes"), _("Micro-homes"), _("Total")],
        rows=rows,
        total=[sum(r.values[i] for r in rows) for i in range(3)],
        chart={"type": "bar", "columns": [2]},
        formats=["int"] * 3,
    )


def honors_by_kind(organization: Organization, year: int) -> Section:
    """Honors of the year awarded to members who belonged here during the year."""
    honors = Honor.objects.filter(
        year=year, member__in=_memberships_in_year(organization, year).values("member_id")
    )
    counts = dict(
        honors.order_by().values_list("kind").annotate(n=Count("pk")).values_list("kind", "n")
    )
    rows = [
        Row(
            value,
            str(label),
            [counts.get(value, 0)],
            directory_link(organization, year, during_year=True, honor=value, honor_year=year),
        )
        for value, label in HonorKind.choices
    ]
    return Section(
        key="honors_by_kind",
        title=_("Honors awarded in the year"),
        columns=[_("Honors")],
        rows=rows,
        total=[sum(r.values[0] for r in rows)],
        chart={"type": "pie", "columns": [0]},
        formats=["int"],
    )


def organizations_by_kind(organization: Organization, year: int) -> Section:
    day = as_of(year)
    below = _subtree(organization).exclude(pk=organization.pk).filter(existing_on(day))
    counts = dict(
        below.order_by().values_list("kind").annotate(n=Count("pk")).values_list("kind", "n")
    )
    rows = [
        Row(
            value,
            str(label),
            [counts.get(value, 0)],
            organization_list_link(organization, year, kind=value, below=1),
        )
        for value, label in OrganizationKind.choices
        if value not in (OrganizationKind.CITY_FEDERATION, OrganizationKind.DISTRICT_FEDERATION)
    ]
    return Section(
        key="organizations_by_kind",
        title=_("Organizations by kind"),
        columns=[_("Organizations")],
        rows=rows,
        total=[sum(r.values[0] for r in rows)],
        formats=["int"],
    )


def coverage_by_category(organization: Organization, year: int) -> Section:
    """组建率: new-sector organizations established by the as-of day, over the year's targets."""
    day = as_of(year)
    established = dict(
        _subtree(organization)
        .filter(kind=OrganizationKind.SECTOR_ORGANIZATION)
        .filter(existing_on(day), established_on__isnull=False)
        .order_by()
        .values_list("sector_category")
        .annotate(n=Count("pk"))
        .values_list("sector_category", "n")
    )
    # The targets of the highest federation in the subtree that has any for the year (the
    # district's include the cluster's: adding both would count twice).
    found = list(
        CoverageTarget.objects.filter(organization__in=_subtree(organization), year=year)
        .order_by()
        .values_list("organization__path", "sector_category", "expected_count")
    )
    top = min((path.count("/") for path, _c, _n in found), default=0)
    targets: dict[str, int] = {}
    for path, category, expected in found:
        if path.count("/") == top:
            targets[category] = targets.get(category, 0) + expected
    rows = []
    for value, label in SectorCategory.choices:
        count, expected = established.get(value, 0), targets.get(value)
        rate = count / expected if expected else None
        # Only the established organizations are a list; the target and the rate are not.
        established_link = organization_list_link(
            organization,
            year,
            kind=OrganizationKind.SECTOR_ORGANIZATION,
            category=value,
            established_by=day.isoformat(),
        )
        rows.append(Row(value, str(label), [count, expected, rate], established_link))
    count = sum(r.values[0] for r in rows)
    expected = sum(r.values[1] or 0 for r in rows) or None
    return Section(
        key="coverage_by_category",
        title=_("New-sector organizations and coverage rate"),
        columns=[_("Established"), _("Should be established"), _("Coverage rate")],
        rows=rows,
        total=[count, expected, count / expected if expected else None],
        chart={"type": "bar", "columns": [0, 1]},
        formats=["int", "int", "percent"],
    )


def sector_by_establishment_method(organization: Organization, year: int) -> Section:
    day = as_of(year)
    counts = {
        (method, category): n
        for method, category, n in _subtree(organization)
        .filter(kind=OrganizationKind.SECTOR_ORGANIZATION)
        .filter(existing_on(day), established_on__isnull=False)
        .order_by()
        .values_list("establishment_method", "sector_category")
        .annotate(n=Count("pk"))
    }
    categories = [value for value, _label in SectorCategory.choices]
    rows = []
    for value, label in [*EstablishmentMethod.choices, ("", _("Not recorded"))]:
        values = [counts.get((value, category), 0) for category in categories]
        links = [
            organization_list_link(
                organization,
                year,
                kind=OrganizationKind.SECTOR_ORGANIZATION,
                method=value or "none",
                established_by=day.isoformat(),
                **({"category": category} if category else {}),
            )
            for category in [*categories, ""]
        ]
        rows.append(Row(value, str(label), [*values, sum(values)], links[0], links))
    return Section(
        key="sector_by_method",
        title=_("New-sector organizations by how they were established"),
        columns=[*[str(label) for _v, label in SectorCategory.choices], _("Total")],
        rows=rows,
        total=[sum(r.values[i] for r in rows) for i in range(len(categories) + 1)],
        formats=["int"] * (len(categories) + 1),
    )


# --- Work records (sections of apps that may not be installed) ----------------------------


# Labels of the figures the work-records selectors return (work.selectors.*_year,
# counselling.selectors.counselling_year); a figure not named here shows its key.
WORK_LABELS = {
    "activities": pgettext_lazy("statistics", "Activities"),
    "by_kind": gettext_lazy("Activities by kind"),
    "attendances": gettext_lazy("Attendances"),
    "member_attendances": gettext_lazy("Attendances by members"),
    "guest_attendances": gettext_lazy("Attendances by guests"),
    "members": gettext_lazy("Members who attended"),
    "children": pgettext_lazy("statistics", "Children"),
    "members_trained_as_streamers": gettext_lazy("Members trained as livestream sellers"),
    "members_certified": gettext_lazy("Members certified"),
    "deeds": gettext_lazy("Practical deeds"),
    "done": gettext_lazy("Done"),
    "open": pgettext_lazy("statistics", "Open"),
    "beneficiary_members": gettext_lazy("Members helped (named)"),
    "beneficiaries_counted": gettext_lazy("People helped (counted)"),
    "postings": gettext_lazy("Job postings"),
    "openings": gettext_lazy("Positions offered"),
    "filled": gettext_lazy("Positions filled"),
    "donations": gettext_lazy("Donations"),
    "money_donations": gettext_lazy("Donations of money"),
    "goods_donations": gettext_lazy("Donations of goods"),
    "value_yuan": gettext_lazy("Value (yuan)"),
    "money_yuan": gettext_lazy("Money (yuan)"),
    "goods_yuan": gettext_lazy("Goods, valued (yuan)"),
    "requests": pgettext_lazy("statistics", "Counselling requests"),
    "by_service": gettext_lazy("By service"),
    "by_topic": gettext_lazy("By topic"),
    "by_status": gettext_lazy("By status"),
}


def _number(value):
    # Sums of money arrive as Decimal: the frozen report is JSON, the workbook a number.
    if isinstance(value, Decimal):
        return float(value)
    return value or 0


def _counts_section(key: str, title: str, counts: dict) -> Section:
    """A work-records section from its selector's figures: one row per figure, and one per
    entry of a figure that is itself a breakdown (by kind, by topic …). Money in yuan."""
    rows, formats = [], ["int", "yuan"]
    for name, value in counts.items():
        label = str(WORK_LABELS.get(name, name))
        if isinstance(value, dict):
            for part, n in value.items():
                rows.append(Row(f"{name}:{part}", f"{label} · {part}", [_number(n), None]))
        elif name.endswith("_yuan"):
            rows.append(Row(name, label, [None, _number(value)]))
        else:
            rows.append(Row(name, label, [_number(value), None]))
    return Section(
        key=key,
        title=title,
        columns=[_("Count"), _("Yuan")],
        rows=rows,
        formats=formats,
    )


def _selector(module: str, name: str) -> Callable:
    # The work-records apps sit beside this one and may be absent; the registry only calls
    # this for an installed app, so the import cannot fail at run time.
    return getattr(importlib.import_module(module), name)


def _work_section(app: str, selector: str, key: str, title) -> Callable[..., Section]:
    def section(organization: Organization, year: int) -> Section:
        counts = _selector(f"{app}.selectors", selector)(organization, year)
        return _counts_section(key, str(title), counts)

    section.__name__ = key
    return section


@dataclass(frozen=True)
class Entry:
    key: str
    function: Callable[[Organization, int], Section]
    needs_app: str | None = None


REGISTRY: list[Entry] = [
    Entry("summary", members_summary),
    Entry("members_by_market", members_by_market),
    Entry("members_by_home", members_by_home),
    Entry("members_by_occupation", members_by_occupation),
    Entry("members_by_age_band", members_by_age_band),
    Entry("members_by_political_status", members_by_political_status),
    Entry("members_by_education", members_by_education),
    Entry("members_joined_left", members_joined_left_by_month),
    Entry("officers_by_level", officers_by_level),
    Entry("officers_by_age_band", officers_by_age_band),
    Entry("officers_by_education", officers_by_education),
    Entry("officers_by_political_status", officers_by_political_status),
    Entry("officers_by_occupation", officers_by_occupation),
    Entry("elections", elections),
    Entry("sites_by_market", sites_by_market),
    Entry("sites_by_rating", sites_by_rating),
    Entry("honors_by_kind", honors_by_kind),
    Entry("organizations_by_kind", organizations_by_kind),
    Entry("coverage_by_category", coverage_by_category),
    Entry("sector_by_method", sector_by_establishment_method),
    Entry(
        "activities",
        _work_section(
            "work", "activities_year", "activities", gettext_lazy("Activities and attendance")
        ),
        "work",
    ),
    Entry(
        "deeds",
        _work_section("work", "deeds_year", "deeds", gettext_lazy("Practical deeds")),
        "work",
    ),
    Entry("jobs", _work_section("work", "jobs_year", "jobs", gettext_lazy("Job postings")), "work"),
    Entry(
        "donations",
        _work_section("work", "donations_year", "donations", gettext_lazy("Donations")),
        "work",
    ),
    Entry(
        "counselling",
        _work_section(
            "counselling",
            "counselling_year",
            "counselling",
            pgettext_lazy("statistics", "Counselling requests"),
        ),
        "counselling",
    ),
]


def available_entries() -> list[Entry]:
    return [e for e in REGISTRY if e.needs_app is None or apps.is_installed(e.needs_app)]


def report(organization: Organization, year: int, *, keys=None) -> list[Section]:
    """Every available section of the year's report for the organization and all under it."""
    with shared_reads():
        return [
            entry.function(organization, year)
            for entry in available_entries()
            if keys is None or entry.key in keys
        ]
