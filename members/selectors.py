"""Reads for members. Every list, page, form, fragment and export starts from
members_visible_to() or members_changeable_by()."""

import datetime
import re
from dataclasses import dataclass

from django.core.exceptions import FieldDoesNotExist
from django.db import connection
from django.db.models import (
    Case,
    Exists,
    Func,
    IntegerField,
    OuterRef,
    Prefetch,
    Q,
    QuerySet,
    Subquery,
    Value,
    When,
)
from django.db.models.expressions import RawSQL
from django.db.models.functions import Coalesce, Concat, StrIndex
from django.db.models.lookups import Exact, GreaterThan
from django.utils import timezone
from django.utils.text import capfirst

from audit.models import ChangeRecord
from federation import scope
from federation.models import (
    KINDS_ABOVE_MARKETS,
    MemberCount,
    Office,
    Organization,
    OrganizationKind,
    Position,
)
from federation.scope import (
    User,
    can_see_id_numbers,
    organizations_changeable_by,
)
from members import crypto
from members.models import (
    HasCharacters,
    Honor,
    Member,
    Membership,
    MembershipScope,
    Occupation,
    PoliticalStatus,
    TransferRequest,
    TransferStatus,
    mask_id_number,
    mask_mobile,
)
from members.validators import normalize_id_number, normalize_mobile


def _scope(roots: list[Organization] | None, *, user: User) -> Q | None:
    # The scope rule, for every status:
    # - a current member is seen through her open memberships (a market she moved away from
    #   no longer sees her);
    # - a member who left is seen through the memberships she held on the day she left, not
    #   through every organization she ever belonged to (Membership.reaches);
    # - a member whose personal data was erased is seen only by those who handle personal
    #   data (district staff): nobody else needs the husk kept for the statistics.
    # None: no limit (the superuser).
    if roots is None:
        return None
    # One condition on the member row (Member.reach, kept from her reaching memberships).
    # A market's or a home's scope is a GIN index read (reach__any), intersected with the
    # search's. A federation's scope holds nearly every member: the same condition is then
    # checked on each row's text (reach__any_text), which costs a fraction of parsing it into
    # an array of ids, and which the search filter index answers without the table.
    ids = [org.pk for org in roots]
    if _above_markets(roots):
        condition = Q(reach__any_text=ids)
    else:
        condition = Q(reach__any=ids)
    if not scope.can_handle_personal_data(user):
        condition &= Q(erased_at__isnull=True)
    return condition


def _above_markets(roots: list[Organization]) -> bool:
    """Her scope is federations above the markets: nearly every member."""
    return all(org.kind in KINDS_ABOVE_MARKETS for org in roots)


def _members_in(roots: list[Organization] | None, *, user: User) -> QuerySet[Member]:
    condition = _scope(roots, user=user)
    return Member.objects.all() if condition is None else Member.objects.filter(condition)


def members_visible_to(user: User) -> QuerySet[Member]:
    """Members (current or past) whose open memberships, or those she held when she left,
    lie in the user's scope."""
    return _members_in(scope.member_reading_roots(user), user=user)


def current_member_count(user: User) -> int:
    """How many current members she sees: members_visible_to(user).current().count().

    One scope (a market, the district) reads its kept count (federation.MemberCount, exact
    by members.counts) instead of checking 100,000 members against the scope (≈200 ms for
    district staff). Several separate scopes could share a member, so they are counted.
    """
    if user.is_authenticated and user.is_active and user.is_superuser:
        return Member.objects.current().count()
    roots = scope.member_access_roots(user)
    if not roots:
        return 0
    if len(roots) == 1:
        return (
            MemberCount.objects.filter(organization=roots[0])
            .values_list("members", flat=True)
            .first()
            or 0
        )
    return members_visible_to(user).current().count()


def directory_total(*, user: User, query: "DirectoryQuery", members: QuerySet[Member]):
    """How many members the directory finds, as an expression that the page's own query reads
    (views.FirstPageFirst: rows and total in one round trip, from one snapshot).

    The kept count (federation.MemberCount, exact by members.counts) when the question is one
    it answers: current members, nothing searched or filtered but (at most) an organization
    she reads. Opening the directory, or a market's members, then costs a one-row read instead
    of a COUNT over every member in her scope (the superuser's: _every_current_member). A
    COUNT of `members` otherwise."""
    plain = DirectoryQuery(status="current", organization=query.organization, sort=query.sort)
    superuser = user.is_authenticated and user.is_active and user.is_superuser

    def counted() -> Subquery:  # built only where it answers (building it costs the ORM)
        found = members.order_by().annotate(
            found=Func(template="COUNT(*)", output_field=IntegerField())
        )
        return Subquery(found.values("found"))

    if query != plain:
        return counted()
    if query.organization is not None:
        organization = (
            Organization.objects.filter(pk=query.organization).select_related("tally").first()
        )
        if organization is not None and scope.may_read_members_of(user, organization):
            tally = getattr(organization, "tally", None)
            return Value(tally.members if tally is not None else 0, IntegerField())
    elif superuser:
        return _every_current_member(otherwise=counted())
    else:
        roots = scope.member_access_roots(user)
        if len(roots) == 1:
            kept = MemberCount.objects.filter(organization=roots[0]).values("members")[:1]
            return Coalesce(Subquery(kept), 0, output_field=IntegerField())
    return counted()


def _every_current_member(*, otherwise):
    """How many current members there are, for the superuser, in the page's own query.

    A current member has an open membership, and is in the kept count of the root of the
    tree, or has none, and her reach is empty (member_current_unplaced_idx). So where the
    tree has one root, its kept count and those few answer, instead of a COUNT of ~94,000
    rows. With several roots (a member may count in two), `otherwise` (a COUNT) answers:
    PostgreSQL evaluates only the branch the CASE takes."""
    roots = Organization.objects.filter(parent__isnull=True).order_by()
    root_count = roots.annotate(n=Func(template="COUNT(*)", output_field=IntegerField()))
    kept = MemberCount.objects.filter(organization__parent__isnull=True).values("members")[:1]
    unplaced = (
        Member.objects.current()
        .filter(reach="")
        .order_by()
        .annotate(n=Func(template="COUNT(*)", output_field=IntegerField()))
    )
    return Case(
        When(
            Exact(Subquery(root_count.values("n")), 1),
            then=Coalesce(Subquery(kept), 0) + Subquery(unplaced.values("n")),
        ),
        default=otherwise,
        output_field=IntegerField(),
    )


def members_changeable_by(user: User) -> QuerySet[Member]:
    return _members_in(scope.member_changing_roots(user), user=user)


def _reaching(member: Member) -> list[Organization]:
    """The organizations through which she is in someone's scope: the same rule as
    _members_in, on one member (her memberships, prefetched by member_record or read here)."""
    memberships = getattr(member, "history", None)
    if memberships is None:
        memberships = list(member.memberships.select_related("organization"))
    return [m.organization for m in memberships if m.reaches]


# The fields of a member that people type in, in the order the form shows them. The member
# form shows, and member_update accepts, the part of it that the editor's role may change.
MEMBER_FIELDS = (
    "name",
    "sex",
    "mobile",
    "id_number",
    "birth_date",
    "ethnicity",
    "political_status",
    "education",
    "occupation",
    "shop",
    "joined_on",
    "notes",
)
# ID numbers are for district and cluster staff; so is correcting the joining date, which the
# yearly statistics count by.
STAFF_ONLY_FIELDS = frozenset({"id_number", "joined_on"})
SECRET_FIELDS = frozenset({"id_number"})


def editable_member_fields(user: User) -> tuple[str, ...]:
    """What the user may correct on a member she may change."""
    staff = can_see_id_numbers(user)
    return tuple(f for f in MEMBER_FIELDS if staff or f not in STAFF_ONLY_FIELDS)


def creatable_member_fields(user: User) -> tuple[str, ...]:
    """What the user may fill in when she registers a member: a chair sets the joining date
    of a new member, but does not correct it later."""
    editable = editable_member_fields(user)
    return editable if "joined_on" in editable else (*editable, "joined_on")


@dataclass(frozen=True)
class MemberAbilities:
    see: bool
    change: bool  # correct, mark as left, transfer away, restore
    see_id_number: bool
    handle_personal_data: bool  # PIPL hand-over and erasure
    edit_fields: tuple[str, ...]


def member_abilities(*, user: User, member: Member) -> MemberAbilities:
    """What the user may do with this member: pages show buttons by it, services refuse by
    it. Answered from the user's cached grants and the member's memberships."""
    reaching = _reaching(member)
    erased_hidden = member.erased_at is not None and not scope.can_handle_personal_data(user)
    see = not erased_hidden and any(scope.may_read_members_of(user, org) for org in reaching)
    change = see and any(scope.may_change_members_of(user, org) for org in reaching)
    return MemberAbilities(
        see=see,
        change=change,
        see_id_number=see and can_see_id_numbers(user),
        handle_personal_data=see and scope.can_handle_personal_data(user),
        edit_fields=editable_member_fields(user) if change else (),
    )


@dataclass(frozen=True)
class TransferAbilities:
    decide: bool  # confirm or reject: the side that was asked
    cancel: bool  # withdraw: the side that asked


def transfer_abilities(*, user: User, transfer: "TransferRequest") -> TransferAbilities:
    asked, asking = (
        (transfer.from_organization, transfer.to_organization)
        if transfer.requested_by_receiver
        else (transfer.to_organization, transfer.from_organization)
    )
    pending = transfer.status == TransferStatus.PENDING
    return TransferAbilities(
        decide=pending and scope.may_change_members_of(user, asked),
        cancel=pending
        and (
            (user.is_authenticated and transfer.requested_by_id == user.pk)
            or scope.may_change_members_of(user, asking)
        ),
    )


def restore_market_for(*, user: User, member: Member) -> Organization | None:
    """Where a member who left comes back: her last market, if the user may change it."""
    last = (
        member.memberships.filter(scope=MembershipScope.MARKET)
        .select_related("organization")
        .order_by("-starts_on", "-pk")
        .first()
    )
    if last is None or not scope.may_change_members_of(user, last.organization):
        return None
    return last.organization


def id_number_condition(text: str) -> Q:
    """Exact ID number, or its last four characters, through the keyed digests (the column
    itself is ciphertext); matches nothing for any other length."""
    value = text.strip().upper()
    if len(value) == 18:
        return Q(id_number_digest=crypto.full_digest(value))
    if len(value) == crypto.TAIL_LENGTH:
        return Q(id_number_tail_digest=crypto.tail_digest(value))
    return Q(pk__in=[])


def members_matching_id_number(members: QuerySet[Member], text: str) -> QuerySet[Member]:
    return members.filter(id_number_condition(text))


# --- The directory ------------------------------------------------------------------------

AGE_BANDS = {
    "under30": (None, 30),
    "30s": (30, 40),
    "40s": (40, 50),
    "50s": (50, 60),
    "60plus": (60, None),
}

# Sort keys the URL may carry, and what they sort by (whitelist: nothing else reaches SQL).
SORTS = {
    "name": ("name_pinyin", "pk"),
    "-name": ("-name_pinyin", "-pk"),
    "joined": ("joined_on", "pk"),
    "-joined": ("-joined_on", "-pk"),
    "occupation": ("occupation", "name_pinyin", "pk"),
    "-occupation": ("-occupation", "name_pinyin", "pk"),
    "political": ("political_status", "name_pinyin", "pk"),
    "-political": ("-political_status", "name_pinyin", "pk"),
    "age": ("-birth_date", "pk"),
    "-age": ("birth_date", "pk"),
}
DEFAULT_SORT = "name"

# How federation reports band executive-committee members (the yearly statistics' officer
# breakdowns), on the day of `office_on`.
OFFICE_AGE_BANDS = {
    "upto35": (None, 36),
    "36to45": (36, 46),
    "46to55": (46, 56),
    "56plus": (56, None),
}
# The levels the statistics count executive committees at, and the organizations of each.
OFFICE_LEVELS = {
    "district": (OrganizationKind.DISTRICT_FEDERATION,),
    "cluster": (OrganizationKind.MARKET_CLUSTER_FEDERATION,),
    "market": (OrganizationKind.MARKET_FEDERATION,),
    "home": (OrganizationKind.WOMENS_HOME, OrganizationKind.MICRO_HOME),
    "sector": (OrganizationKind.SECTOR_ORGANIZATION,),
}

# The places `not_in` asks about, and the memberships that put a member in one.
NOT_IN_SCOPES = {"market": MembershipScope.MARKET, "home": MembershipScope.HOME}

_LATIN = re.compile(r"^[a-z]+$")
_DIGITS = re.compile(r"^\d+$")
_ID_LIKE = re.compile(r"^\d{17}[\dX]$|^\d{3}[\dX]$")


@dataclass(frozen=True)
class DirectoryQuery:
    q: str = ""
    organization: int | None = None  # an id among the user's visible organizations
    occupation: str = ""
    political_status: str = ""
    position: str = ""
    honor: str = ""
    tag: int | None = None
    status: str = "current"
    joined_year: int | None = None
    age_band: str = ""
    sort: str = DEFAULT_SORT
    # From the yearly statistics (reports): members of the organization on a past day, or at
    # any time during a year, so that a figure's link lists exactly the members it counts.
    as_of: datetime.date | None = None
    year: int | None = None
    education: str = ""
    left_year: int | None = None
    honor_year: int | None = None
    # Executive-committee members on a day (the statistics' officer figures): she holds an
    # office then (of `position` if given, at `office_level` if given); with it the
    # organization filter is about where the office is held, not about her membership.
    office_on: datetime.date | None = None
    office_level: str = ""
    office_age_band: str = ""
    # Members with no market ("market") or no women's home / micro-home ("home") within the
    # organization filter (anywhere without it), in force on the directory's day: `as_of`,
    # during `year`, or now (a member who left is in none now).
    not_in: str = ""


def _search(members: QuerySet[Member], text: str, *, user: User) -> QuerySet[Member]:
    text = text.strip()
    if not text:
        return members
    lowered = text.lower().replace(" ", "")
    if _LATIN.match(lowered):
        # 赵丹 is found as "zhaodan", "zhao", "zd" or "z".
        return members.filter(
            Q(name_pinyin__startswith=lowered) | Q(name_initials__startswith=lowered)
        )
    # A number as people type or paste it: +86 139 0733 1234, 139-0733-1234, full-width.
    number = normalize_mobile(text)
    id_like = normalize_id_number(text)
    condition = Q(pk__in=[])
    if _DIGITS.match(number):
        if len(number) == 11:
            condition |= Q(mobile=number)
        elif len(number) >= 4:
            condition |= Q(mobile__endswith=number)
    if _ID_LIKE.match(id_like) and can_see_id_numbers(user):
        condition |= id_number_condition(id_like)
    if not _DIGITS.match(number) and not _ID_LIKE.match(id_like):
        # One or two characters have no trigram: the index of the name's characters serves
        # them (a chair's 王 is that index intersected with her scope's). Two must also stand
        # side by side. One character is also checked as a position in the name, which says
        # the same and is what each row is checked by: where no index narrows the search
        # (the superuser's or the district's count of 王 among 35,000 shop employees, read
        # from the search filter index) it costs less than half of building each name's
        # array of characters. Not as LIKE '%王%': the planner would take the two for
        # independent (1 in 300 names instead of 1 in 18) and read every 王 for a page of the
        # newest.
        if len(text) == 1:
            condition |= Q(GreaterThan(StrIndex("name", Value(text)), 0)) & Q(
                HasCharacters("name", [text])
            )
        elif len(text) == 2:
            condition |= Q(name__contains=text) & Q(HasCharacters("name", list(text)))
        else:
            condition |= Q(name__contains=text)
    return members.filter(condition)


def member_directory(*, user: User, query: DirectoryQuery) -> QuerySet[Member]:
    """The members a user may see, searched, filtered and sorted as the directory asks."""
    members = _search(Member.objects.all(), query.q, user=user)
    historical = query.as_of is not None or query.year is not None or query.office_on is not None
    if query.status in {"current", "left"} and not historical:
        members = members.filter(status=query.status)
    subtree = None
    if query.organization is not None:
        # The organization and everything under it, resolved inside the query (no extra
        # round trip); the form only offers organizations in the user's scope.
        chosen = Organization.objects.filter(pk=query.organization)
        below = Concat(Subquery(chosen.values("path")), Value(str(query.organization)), Value("/"))
        subtree = Organization.objects.filter(Q(pk=query.organization) | Q(path__startswith=below))
    if query.office_on is not None:
        held = Office.objects.on(query.office_on).filter(member=OuterRef("pk"))
        if subtree is not None:
            held = held.filter(organization__in=subtree)
        if query.position in Position.values:
            held = held.filter(position=query.position)
        if query.office_level in OFFICE_LEVELS:
            held = held.filter(organization__kind__in=OFFICE_LEVELS[query.office_level])
        members = members.filter(Exists(held))
        if query.office_age_band in OFFICE_AGE_BANDS:
            members = members.filter(
                _age_band(*OFFICE_AGE_BANDS[query.office_age_band], query.office_on)
            )
        elif query.office_age_band == "none":
            members = members.filter(birth_date__isnull=True)
    elif subtree is not None:
        open_here = Membership.objects.filter(member=OuterRef("pk"), organization__in=subtree)
        if query.as_of is not None:
            open_here = open_here.on(query.as_of)
        elif query.year is not None:
            open_here = open_here.during_year(query.year)
        elif query.status != "left":
            open_here = open_here.filter(ends_on__isnull=True)
        members = members.filter(Exists(open_here))
    elif query.as_of is not None:
        members = members.filter(
            Exists(Membership.objects.on(query.as_of).filter(member=OuterRef("pk")))
        )
    elif query.year is not None:
        members = members.filter(
            Exists(Membership.objects.during_year(query.year).filter(member=OuterRef("pk")))
        )
    if query.not_in in NOT_IN_SCOPES:
        placed = Membership.objects.filter(member=OuterRef("pk"), scope=NOT_IN_SCOPES[query.not_in])
        if subtree is not None:
            placed = placed.filter(organization__in=subtree)
        day = query.as_of or query.office_on
        if day is not None:
            placed = placed.on(day)
        elif query.year is not None:
            placed = placed.during_year(query.year)
        else:
            placed = placed.filter(ends_on__isnull=True)
        members = members.exclude(Exists(placed))
    if query.education:
        members = members.filter(education="" if query.education == "none" else query.education)
    if query.left_year:
        members = members.filter(left_on__year=query.left_year)
    # "none": not one of the values the register knows (the statistics' "other" rows).
    if query.occupation == "none":
        members = members.exclude(occupation__in=Occupation.values)
    elif query.occupation:
        members = members.filter(occupation=query.occupation)
    if query.political_status == "none":
        members = members.exclude(political_status__in=PoliticalStatus.values)
    elif query.political_status:
        members = members.filter(political_status=query.political_status)
    if query.position and query.office_on is None:
        offices = Office.objects.current().filter(member=OuterRef("pk"))
        if query.position != "any":
            offices = offices.filter(position=query.position)
        members = members.filter(Exists(offices))
    if query.honor:
        honors = Honor.objects.filter(member=OuterRef("pk"), kind=query.honor)
        if query.honor_year:
            honors = honors.filter(year=query.honor_year)
        members = members.filter(Exists(honors))
    if query.tag:
        members = members.filter(tags__pk=query.tag)
    if query.joined_year:
        members = members.filter(joined_on__year=query.joined_year)
    if query.age_band in AGE_BANDS:
        day = query.as_of or query.office_on or timezone.localdate()
        members = members.filter(_age_band(*AGE_BANDS[query.age_band], day))
    elif query.age_band == "none":
        members = members.filter(birth_date__isnull=True)
    # Her scope last: PostgreSQL checks a row's conditions of equal cost in the order they
    # are written, so that a federation's scope (a test of each row's reach, true for nearly
    # every row) is asked only of the rows the search found, not of every row before it.
    roots = scope.member_reading_roots(user)
    condition = _scope(roots, user=user)
    if condition is not None:
        members = members.filter(condition)
        if not _above_markets(roots):
            # A market's scope is the GIN expression (reach__any), which the planner uses
            # where a search narrows the rows. Where it reads the newest members in order
            # instead (a chair opening her directory), each row it passes would have her
            # reach parsed into an array: the same question asked of the text first
            # (reach__any_text, cheaper, so checked before it) passes over the ~1,250 other
            # markets' rows for a fraction of that (the page's query 5.6 → 3.4 ms).
            members = members.filter(reach__any_text=[org.pk for org in roots])
    return members.order_by(*SORTS.get(query.sort, SORTS[DEFAULT_SORT]))


def members_from_selection(
    *,
    user: User,
    ids: list[int],
    everything: bool,
    query: DirectoryQuery,
    changeable: bool = False,
) -> QuerySet[Member]:
    """The members a user selected on the directory: ticked ids, or everything matching the
    page's search and filters (re-run now, within her scope). Bulk actions use it, and so
    will exports of a selection."""
    scope = members_changeable_by(user) if changeable else members_visible_to(user)
    if everything:
        matching = member_directory(user=user, query=query)
        return scope.filter(pk__in=matching.order_by().values("pk"))
    return scope.filter(pk__in=ids)


def _age_band(youngest: int | None, oldest: int | None, day: datetime.date) -> Q:
    """Aged at least `youngest` and under `oldest` on the day."""
    condition = Q()
    if youngest is not None:
        condition &= Q(birth_date__lte=_years_before(day, youngest))
    if oldest is not None:
        condition &= Q(birth_date__gt=_years_before(day, oldest))
    return condition


def _years_before(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


def with_current_places(members: QuerySet[Member]) -> QuerySet[Member]:
    """Prefetch each member's open market and home memberships (one query for the page)."""
    current = Membership.objects.filter(ends_on__isnull=True).select_related("organization")
    return members.prefetch_related(
        Prefetch("memberships", queryset=current, to_attr="current_memberships")
    )


# What a row of the directory shows (members.templatetags.directory). The rest of a member
# is not read for a page of 50: her encrypted ID number alone is decrypted on load.
DIRECTORY_ROW_FIELDS = (
    "id",
    "name",
    "mobile",
    "occupation",
    "political_status",
    "status",
    "birth_date",
    "joined_on",
)


def directory_page(members: QuerySet[Member], *, total=None) -> QuerySet:
    """A page of the directory as rows of plain values (named tuples: row.name, ...), her
    current market's name read in the same query; with `total` (directory_total), each row
    also carries the number of members found (row.total).

    A row shows values, not a member: building 50 members, their open memberships and their
    organizations (~150 model instances and a second query for the prefetch) cost more than
    the page's SQL. The market is a subquery PostgreSQL evaluates for the rows of the page
    only (after the sort and the limit), through the index on (member, scope, ends_on); the
    total is a subquery it evaluates once; a COUNT of these rows leaves both out."""
    market = (
        Membership.objects.filter(
            member=OuterRef("pk"), ends_on__isnull=True, scope=MembershipScope.MARKET
        )
        # Not in Membership's default order (by member: a join to sort by her name); she has
        # at most one open market membership (membership_one_current_market).
        .order_by()
        .values("organization__name")[:1]
    )
    rows = members.annotate(market_name=Subquery(market))
    fields = [*DIRECTORY_ROW_FIELDS, "market_name"]
    if total is not None:
        rows = rows.annotate(total=total)
        fields.append("total")
    return rows.values_list(*fields, named=True)


def current_market(member: Member) -> Organization | None:
    for membership in getattr(member, "current_memberships", []):
        if membership.scope == MembershipScope.MARKET:
            return membership.organization
    return None


def current_homes(member: Member) -> list[Organization]:
    return [
        m.organization
        for m in getattr(member, "current_memberships", [])
        if m.scope == MembershipScope.HOME
    ]


# --- One member ---------------------------------------------------------------------------


def member_record(*, user: User, pk: int) -> Member:
    """One member as her page shows her (raises Member.DoesNotExist outside the scope)."""
    history = Membership.objects.select_related("organization").order_by("-starts_on", "-pk")
    return (
        members_visible_to(user)
        .select_related("shop__market")
        .prefetch_related(
            Prefetch("memberships", queryset=history, to_attr="history"),
            Prefetch(
                "memberships",
                queryset=history.filter(ends_on__isnull=True),
                to_attr="current_memberships",
            ),
            "tags",
            "honors__awarded_by",
            "offices__organization",
            "offices__term",
        )
        .get(pk=pk)
    )


def member_changes(member: Member) -> QuerySet[ChangeRecord]:
    return ChangeRecord.objects.filter(object_type="members.member", object_id=str(member.pk))


def _readable(field: str, value):
    """A stored value as people read it: a choice's label in the reader's language."""
    if value in (None, ""):
        return value
    try:
        model_field = Member._meta.get_field(field)
    except FieldDoesNotExist:
        return value
    choices = dict(model_field.flatchoices) if model_field.choices else None
    if choices is not None:
        # Records written before codes were stored hold the label itself.
        return choices.get(value, value)
    return value


def member_history(member: Member, *, reveal_mobile: bool, limit: int = 100) -> list:
    """Her change history, newest first, each change with the sentence of its action and
    (field label, old, new) rows; mobiles masked for readers who may not change her."""
    records = list(member_changes(member)[:limit])
    for record in records:
        record.rows = []
        for field, (old, new) in (record.changes or {}).items():
            try:
                label = capfirst(Member._meta.get_field(field).verbose_name)
            except FieldDoesNotExist:  # a field that no longer exists keeps its name
                label = field
            if field == "mobile" and not reveal_mobile:
                old, new = mask_mobile(old or ""), mask_mobile(new or "")
            record.rows.append((label, _readable(field, old), _readable(field, new)))
    return records


def member_by_mobile_or_id(*, mobile: str = "", id_number: str = "", exclude_pk=None):
    """A current member already holding this mobile or ID number (any market): for the
    "she is already registered" message. Returns (member, field) or (None, None)."""
    current = Member.objects.current().exclude(pk=exclude_pk)
    if mobile:
        found = current.filter(mobile=mobile).first()
        if found:
            return found, "mobile"
    if len(id_number.strip()) == 18:  # a whole number only, never a tail
        found = current.filter(id_number_condition(id_number)).first()
        if found:
            return found, "id_number"
    return None, None


def current_market_of(member: Member) -> Organization | None:
    """Her market now (one query)."""
    membership = (
        member.memberships.filter(ends_on__isnull=True, scope=MembershipScope.MARKET)
        .select_related("organization")
        .first()
    )
    return membership.organization if membership else None


def market_federations_changeable_by(user: User) -> QuerySet[Organization]:
    return organizations_changeable_by(user).filter(kind=OrganizationKind.MARKET_FEDERATION)


def homes_changeable_by(user: User) -> QuerySet[Organization]:
    return organizations_changeable_by(user).filter(
        kind__in=[OrganizationKind.WOMENS_HOME, OrganizationKind.MICRO_HOME]
    )


def transfers_awaiting_decision(user: User) -> QuerySet[TransferRequest]:
    """Pending transfers waiting for this user's side to confirm or reject: a move into her
    market that the other market sent, or a move out of it that the receiving market asked
    for. The same answer as transfer_abilities(...).decide, as one query."""
    scope = organizations_changeable_by(user)
    return TransferRequest.objects.filter(status=TransferStatus.PENDING).filter(
        Q(requested_by_receiver=False, to_organization__in=scope)
        | Q(requested_by_receiver=True, from_organization__in=scope)
    )


def transfers_for(user: User) -> QuerySet[TransferRequest]:
    """Pending transfers the user may see: into or out of her scope."""
    scope = organizations_changeable_by(user)
    return (
        TransferRequest.objects.filter(status=TransferStatus.PENDING)
        .filter(Q(from_organization__in=scope) | Q(to_organization__in=scope))
        .select_related("member", "from_organization", "to_organization", "requested_by")
    )


# --- Rosters (import from spreadsheets) -------------------------------------------------

# The member fields a roster row can fill (members.selectors decides which the user may set).
ROSTER_FIELDS = (
    "name",
    "mobile",
    "sex",
    "birth_date",
    "ethnicity",
    "political_status",
    "education",
    "occupation",
    "joined_on",
    "notes",
)
_LOOKUP_CHUNK = 10_000


def market_roster(organization: Organization) -> list[dict]:
    """The current members of one market, as plain values to compare a roster against (no
    ID number is decrypted: rows match through its keyed digest)."""
    open_here = Membership.objects.filter(
        member=OuterRef("pk"), organization=organization, ends_on__isnull=True
    )
    return list(
        Member.objects.current()
        .filter(Exists(open_here))
        .order_by()
        .values("pk", "version", "id_number_digest", *ROSTER_FIELDS)
    )


def masked_id_numbers(member_ids: list[int]) -> dict[int, str]:
    """These members' ID numbers as the product shows them (mask_id_number: the first three
    characters and stars), for a roster preview that shows an ID number being replaced."""
    masked: dict[int, str] = {}
    for start in range(0, len(member_ids), _LOOKUP_CHUNK):
        rows = Member.objects.filter(pk__in=member_ids[start : start + _LOOKUP_CHUNK])
        masked.update(
            (pk, mask_id_number(id_number)) for pk, id_number in rows.values_list("pk", "id_number")
        )
    return masked


def current_members_elsewhere(
    *, organization: Organization, mobiles: list[str], digests: list[str]
) -> list[dict]:
    """Current members outside this market holding one of these mobiles or ID numbers, with
    only what a roster import may learn of them: which market she is in now."""
    found: dict[int, dict] = {}
    current = Member.objects.current().exclude(
        Exists(
            Membership.objects.filter(
                member=OuterRef("pk"), organization=organization, ends_on__isnull=True
            )
        )
    )
    market = Membership.objects.filter(
        member=OuterRef("pk"), ends_on__isnull=True, scope=MembershipScope.MARKET
    )
    for values, field in ((mobiles, "mobile"), (digests, "id_number_digest")):
        values = [v for v in values if v]
        for start in range(0, len(values), _LOOKUP_CHUNK):
            rows = (
                current.filter(
                    **{f"{field}__in": _values_in(values[start : start + _LOOKUP_CHUNK])}
                )
                .annotate(
                    market_id=Subquery(market.values("organization_id")[:1]),
                    market_name=Subquery(market.values("organization__name")[:1]),
                )
                .order_by()
                .values("pk", "mobile", "id_number_digest", "market_id", "market_name")
            )
            for row in rows:
                found[row["pk"]] = row
    return list(found.values())


def _values_in(values: list[str]):
    """For `__in` with thousands of values: on PostgreSQL one array parameter (unnest), which
    the driver passes as is, instead of thousands of placeholders it must parse."""
    if connection.vendor == "postgresql":
        return RawSQL("SELECT unnest(%s::text[])", [values])
    return values


def members_changed_since(ids: list[int], record_id: int) -> bool:
    """Whether any of these members has a change record newer than `record_id`."""
    for start in range(0, len(ids), _LOOKUP_CHUNK):
        chunk = [str(pk) for pk in ids[start : start + _LOOKUP_CHUNK]]
        if ChangeRecord.objects.filter(
            object_type="members.member", object_id__in=_values_in(chunk), pk__gt=record_id
        ).exists():
            return True
    return False
