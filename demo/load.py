"""Turn the demo plan (``demo.plan``) into rows, each marked with a ``DemoObject`` key.

A re-run finds what an earlier run created by its key and adds only what is missing:
organizations, markets, terms, tags and coverage targets by their plan names, shops by market
and stall, members by seed and index (``member:<seed>:<index>``; the article's three women are
``member:story:<index>`` under every seed), logins by username. Nothing is matched by a mobile
or a name, so a demo member whose mobile or name was corrected is not inserted a second time.

Rows the demo did not create are never changed:

- a login whose username exists without a demo key is skipped: no role, no new password;
- a login the demo created keeps what was done to it since: its password is set only when it
  is created, a deactivated one stays deactivated, ``admin`` is made superuser only then;
- an organization, market, term, tag or coverage target that exists without a demo key stops
  the run before anything is written, rather than hang made-up people under someone's tree;
- a planned member whose mobile a current member already has is skipped (the database allows
  one current member per mobile), and a planned shop whose stall is taken is left out.

Everything about a member (her shop if new, memberships, tags, honors, offices and the keys)
is inserted in the same transaction as she is: a re-run finds all of it or none of it. A demo
row deleted since the last run loses its key and counts as missing. Offices never exceed the
seats the plan gives a term, whatever the seed.
"""

import datetime
import time
from collections.abc import Callable
from dataclasses import dataclass, field

from django.contrib.auth import get_user_model
from django.contrib.auth.hashers import make_password
from django.db import models, transaction
from django.db.models import Count, Exists, OuterRef, Q
from django.utils import timezone

from demo import plan
from demo.models import DemoObject
from demo.work import load_work
from federation.models import (
    CoverageTarget,
    Industry,
    Office,
    Organization,
    OrganizationKind,
    Position,
    Role,
    RoleGrant,
    Term,
)
from markets.models import Market, Shop
from members import crypto
from members.counts import member_counts_rebuild
from members.models import (
    Honor,
    Member,
    Membership,
    MemberStatus,
    Sex,
    Tag,
    members_reach_refresh,
    membership_scope_for,
    name_to_pinyin,
)

DEMO_PASSWORD = "lusong2026"  # noqa: S105 — the published password of the demo logins

# (username, role, organization name, full name); the superuser has no grant, and the chair
# of 天泽华丽 takes the name of whoever the generated data made its sitting chair.
DEMO_LOGINS: list[tuple[str, str | None, str | None, str | None]] = [
    ("admin", None, None, ""),
    ("district", Role.DISTRICT_STAFF, plan.DISTRICT_NAME, "彭丽华"),
    ("cluster", Role.CLUSTER_STAFF, plan.CLUSTER_NAME, "谭雅琴"),
    ("chair_shaoxing", Role.MARKET_CHAIR, plan.federation_name(plan.SHAOXING), "刘意"),
    ("chair_tianze", Role.MARKET_CHAIR, plan.federation_name(plan.TIANZE), None),
    ("home_manager", Role.HOME_MANAGER, f"{plan.SHAOXING}妇女之家", "周晓燕"),
    ("counsellor", Role.COUNSELLOR, plan.CLUSTER_NAME, "易静怡"),
    ("viewer", Role.VIEWER, plan.DISTRICT_NAME, "陈淑华"),
]

# Rows per INSERT statement; Django lowers it further where SQLite's variable limit needs it.
_INSERT_BATCH = 1000


class DemoConflict(Exception):
    """A row the demo would create exists already, and the demo did not create it."""

    def __init__(self, what: str) -> None:
        super().__init__(
            f"{what} already exists and seed_demo did not create it, so seed_demo has written "
            "nothing. It adds to an empty database or to one it seeded itself, never into other "
            "data. A database seeded before seed_demo kept keys (demo.DemoObject) cannot be "
            "told apart from real data: start again from an empty one (make run: delete "
            "db.sqlite3)."
        )


class LoginState:
    CREATED = "created"
    KEPT = "kept"
    DEACTIVATED = "deactivated"
    SKIPPED = "skipped"


@dataclass(frozen=True)
class LoginRow:
    username: str
    role: str
    organization: str
    state: str


@dataclass
class DemoReport:
    added: dict[str, int] = field(default_factory=dict)
    skipped: dict[str, int] = field(default_factory=dict)
    logins: list[LoginRow] = field(default_factory=list)
    organizations_by_kind: dict[str, int] = field(default_factory=dict)
    current_members: int = 0
    left_members: int = 0
    shops: int = 0
    offices: int = 0
    honors: int = 0

    def count(self, what: str, number: int = 1) -> None:
        self.added[what] = self.added.get(what, 0) + number

    def skip(self, what: str, number: int = 1) -> None:
        self.skipped[what] = self.skipped.get(what, 0) + number


def member_key(seed: int, planned: plan.PlannedMember) -> str:
    """The article's women are the same people under every seed; the others are not."""
    if planned.index < plan.STORY_COUNT:
        return f"member:story:{planned.index}"
    return f"member:{seed}:{planned.index}"


def shop_key(market: str, stall: str) -> str:
    return f"shop:{market}:{stall}"


def demo_load(
    *,
    members: int,
    seed: int,
    batch_size: int,
    progress: Callable[[str], object] = lambda line: None,
) -> DemoReport:
    """Add what is missing of the demo district with ``members`` members of ``seed``."""
    return _Loader(progress).load(count=members, seed=seed, batch_size=batch_size)


def _label(model: type[models.Model]) -> str:
    return model._meta.label_lower


def _mark(key: str, row: models.Model) -> DemoObject:
    return DemoObject(key=key, model=_label(type(row)), object_id=row.pk)


def _marked(model: type[models.Model], *prefixes: str) -> dict[str, int]:
    """Object ids by demo key, for the keys starting with one of ``prefixes``."""
    starts = Q()
    for prefix in prefixes:
        starts |= Q(key__startswith=prefix)
    return dict(
        DemoObject.objects.filter(starts, model=_label(model)).values_list("key", "object_id")
    )


def _forget_deleted_rows() -> int:
    """Drop the keys of demo rows deleted since: what is gone counts as missing again."""
    forgotten = 0
    for model in (
        Organization,
        Market,
        Term,
        CoverageTarget,
        Tag,
        Shop,
        Member,
        get_user_model(),
    ):
        gone = DemoObject.objects.filter(model=_label(model)).exclude(
            Exists(model._default_manager.filter(pk=OuterRef("object_id")))
        )
        forgotten += gone.delete()[0]
    return forgotten


class _Loader:
    def __init__(self, progress: Callable[[str], object]) -> None:
        self.progress = progress
        self.report = DemoReport()
        self.started = time.monotonic()

    def load(self, *, count: int, seed: int, batch_size: int) -> DemoReport:
        district = plan.plan_district()
        with transaction.atomic():
            forgotten = _forget_deleted_rows()
            self.organizations = self._organizations(district)
            self.markets = self._markets(district)
            self.terms = self._terms(district)
            self.seats = {
                (self.terms[(organization, number)].pk, position): seats
                for (organization, number, position), seats in plan.term_seats(district).items()
            }
            self._coverage_targets()
            self.tags = self._tags()
        if forgotten:
            self.progress(f"forgot {forgotten} demo keys of rows deleted since the last run")
        self.progress(
            f"organizations and markets ready ({self._elapsed()}); "
            f"generating {count} members with seed {seed}"
        )
        self._members(district, count=count, seed=seed, batch_size=batch_size)
        # Bulk inserts bypass the services that keep the member counts: recount once.
        recounted = member_counts_rebuild()
        members_reach_refresh()
        self.progress(f"member counts per organization: {recounted} recounted ({self._elapsed()})")
        self.report.logins = self._logins()
        # After the logins: the duty slots name the demo counsellor.
        self.report.count("work and counselling records", load_work(self.organizations))
        self._summary()
        return self.report

    def _elapsed(self) -> str:
        return f"{time.monotonic() - self.started:.1f}s"

    # --- The tree ---------------------------------------------------------------------------

    def _organizations(self, district: plan.DistrictPlan) -> dict[str, Organization]:
        marked = _marked(Organization, "organization:")
        found = Organization.objects.in_bulk(marked.values())
        by_name: dict[str, Organization] = {}
        marks = []

        def ensure(name: str, kind: str, parent: Organization | None, **fields) -> Organization:
            key = f"organization:{name}"
            organization = found.get(marked.get(key))
            if organization is None:
                if Organization.objects.filter(parent=parent, name=name).exists():
                    raise DemoConflict(f"The organization {name}")
                organization = Organization(name=name, kind=kind, parent=parent, **fields)
                organization.clean()  # placement in the tree
                organization.save()
                marks.append(_mark(key, organization))
                self.report.count("organizations")
            by_name[name] = organization
            return organization

        city = ensure(plan.CITY_NAME, OrganizationKind.CITY_FEDERATION, None)
        district_org = ensure(
            plan.DISTRICT_NAME,
            OrganizationKind.DISTRICT_FEDERATION,
            city,
            address="株洲市芦淞区建设南路",
        )
        cluster = ensure(
            plan.CLUSTER_NAME,
            OrganizationKind.MARKET_CLUSTER_FEDERATION,
            district_org,
            established_on=plan.FOUNDED_ON,
            address="株洲市芦淞区芦淞路",
        )
        for market in district.markets:
            ensure(
                market.federation,
                OrganizationKind.MARKET_FEDERATION,
                cluster,
                industry=Industry.CLOTHING,
                established_on=market.established_on,
                address=market.address,
            )
        for index, home in enumerate(district.homes):
            parent = by_name[plan.federation_name(home.market)] if home.market else cluster
            ensure(
                home.name,
                home.kind,
                parent,
                established_on=home.established_on,
                **_demo_site_rating(index, home.established_on),
            )
        for index, sector in enumerate(district.sectors):
            ensure(
                sector.name,
                OrganizationKind.SECTOR_ORGANIZATION,
                cluster,
                sector_category=sector.category,
                industry=sector.industry,
                established_on=sector.established_on,
                # How each was set up (the yearly statistics count them by it), in turn.
                establishment_method=_ESTABLISHMENT_METHODS[index % len(_ESTABLISHMENT_METHODS)],
            )
        DemoObject.objects.bulk_create(marks)
        return by_name

    def _markets(self, district: plan.DistrictPlan) -> dict[str, Market]:
        marked = _marked(Market, "market:")
        found = Market.objects.in_bulk(marked.values())
        cluster = self.organizations[plan.CLUSTER_NAME]
        markets = {}
        marks = []
        for market_plan in district.markets:
            key = f"market:{market_plan.name}"
            market = found.get(marked.get(key))
            if market is None:
                if Market.objects.filter(name=market_plan.name).exists():
                    raise DemoConflict(f"The market {market_plan.name}")
                market = Market.objects.create(
                    name=market_plan.name,
                    cluster=cluster,
                    federation=self.organizations[market_plan.federation],
                    address=market_plan.address,
                )
                marks.append(_mark(key, market))
                self.report.count("markets")
            markets[market_plan.name] = market
        DemoObject.objects.bulk_create(marks)
        return markets

    def _terms(self, district: plan.DistrictPlan) -> dict[tuple[str, int], Term]:
        marked = _marked(Term, "term:")
        found = Term.objects.in_bulk(marked.values())
        terms = {}
        marks = []
        # Closed terms first: an organization may have only one open term at a time.
        for term_plan in sorted(
            district.terms.values(), key=lambda t: (t.ends_on is None, t.number)
        ):
            key = f"term:{term_plan.organization}:{term_plan.number}"
            term = found.get(marked.get(key))
            if term is None:
                organization = self.organizations[term_plan.organization]
                clash = Q(number=term_plan.number)
                if term_plan.ends_on is None:
                    clash |= Q(ends_on=None)
                if Term.objects.filter(clash, organization=organization).exists():
                    raise DemoConflict(
                        f"A term {term_plan.number} or an open term of {organization.name}"
                    )
                term = Term.objects.create(
                    organization=organization,
                    number=term_plan.number,
                    starts_on=term_plan.starts_on,
                    ends_on=term_plan.ends_on,
                )
                marks.append(_mark(key, term))
                self.report.count("terms")
            terms[(term_plan.organization, term_plan.number)] = term
        DemoObject.objects.bulk_create(marks)
        return terms

    def _coverage_targets(self) -> None:
        district_org = self.organizations[plan.DISTRICT_NAME]
        year = timezone.localdate().year
        marked = _marked(CoverageTarget, f"coverage-target:{year}:")
        marks = []
        for category, expected in plan.COVERAGE_EXPECTED.items():
            key = f"coverage-target:{year}:{category}"
            if key in marked:
                continue
            natural = {"organization": district_org, "sector_category": category, "year": year}
            if CoverageTarget.objects.filter(**natural).exists():
                raise DemoConflict(f"The {year} coverage target {category} of {district_org.name}")
            target = CoverageTarget.objects.create(**natural, expected_count=expected)
            marks.append(_mark(key, target))
            self.report.count("coverage targets")
        DemoObject.objects.bulk_create(marks)

    def _tags(self) -> dict[str, Tag]:
        marked = _marked(Tag, "tag:")
        found = Tag.objects.in_bulk(marked.values())
        tags = {name: found.get(marked.get(f"tag:{name}")) for name in plan.TAGS}
        missing = [name for name, tag in tags.items() if tag is None]
        taken = Tag.objects.filter(name__in=missing).values_list("name", flat=True).first()
        if taken:
            raise DemoConflict(f"The tag {taken}")
        created = Tag.objects.bulk_create([Tag(name=name) for name in missing])
        DemoObject.objects.bulk_create(_mark(f"tag:{tag.name}", tag) for tag in created)
        self.report.count("tags", len(created))
        tags.update({tag.name: tag for tag in created})
        return tags

    # --- Members ----------------------------------------------------------------------------

    def _members(
        self, district: plan.DistrictPlan, *, count: int, seed: int, batch_size: int
    ) -> None:
        planner = plan.MemberPlanner(district, seed, until=timezone.localdate())
        self.seed = seed
        # Loaded once, so that no batch asks per row; a re-run needs nothing else.
        self.member_keys = set(_marked(Member, "member:story:", f"member:{seed}:"))
        self.ready_to_insert = False
        self.pinyin: dict[str, tuple[str, str]] = {}

        batch: list[plan.PlannedMember] = []
        done = 0
        for planned in planner.members(count):
            batch.append(planned)
            if len(batch) == batch_size:
                inserted = self._insert(batch, planner)
                done += len(batch)
                batch = []
                self._progress(done, count, inserted)
        if batch:
            inserted = self._insert(batch, planner)
            done += len(batch)
            self._progress(done, count, inserted)

    def _progress(self, done: int, count: int, inserted: int) -> None:
        self.progress(f"members {done}/{count} … {inserted} new in this batch ({self._elapsed()})")

    def _prepare_inserting(self) -> None:
        """What inserting needs to know of the database, loaded when the first member is new.

        Mobiles and ID numbers are not used to find anyone: the database allows one current
        member per mobile and per ID number, and these say which ones are taken.
        """
        self.current_mobiles = set(Member.objects.current().values_list("mobile", flat=True))
        # Digests rather than ID numbers: nothing needs decrypting.
        self.current_id_digests = set(
            Member.objects.current()
            .exclude(id_number_digest="")
            .values_list("id_number_digest", flat=True)
        )
        self.market_ids = {name: market.pk for name, market in self.markets.items()}
        self.shop_ids = _marked(Shop, "shop:")
        self.taken_stalls = set(
            Shop.objects.filter(market_id__in=self.market_ids.values())
            .exclude(pk__in=self.shop_ids.values())
            .values_list("market_id", "stall_number")
        )
        self.skipped_stalls: set[str] = set()
        self.ready_to_insert = True

    def _insert(self, batch: list[plan.PlannedMember], planner: plan.MemberPlanner) -> int:
        new = [
            planned for planned in batch if member_key(self.seed, planned) not in self.member_keys
        ]
        if not new:
            return 0
        if not self.ready_to_insert:
            self._prepare_inserting()
        placed = []
        for planned in new:
            if not planned.left_on and planned.mobile in self.current_mobiles:
                self.report.skip("members (a current member has the mobile)")
            else:
                placed.append(planned)
        if not placed:
            return 0
        organizations = self.organizations
        marks = []
        with transaction.atomic():
            shops = self._insert_shops(placed, planner, marks)
            members = []
            for planned in placed:
                names = self.pinyin.get(planned.name)
                if names is None:
                    names = self.pinyin[planned.name] = name_to_pinyin(planned.name)
                members.append(
                    Member(
                        name=planned.name,
                        name_pinyin=names[0],
                        name_initials=names[1],
                        sex=Sex.FEMALE,
                        mobile=planned.mobile,
                        id_number=self._free_id_number(planned),
                        birth_date=planned.birth_date,
                        ethnicity=planned.ethnicity,
                        political_status=planned.political_status,
                        education=planned.education,
                        occupation=planned.occupation,
                        shop_id=shops.get(planned.shop) if planned.shop else None,
                        joined_on=planned.joined_on,
                        status=MemberStatus.LEFT if planned.left_on else MemberStatus.CURRENT,
                        left_on=planned.left_on,
                        left_reason=planned.left_reason,
                        notes=planned.notes,
                    )
                )
            Member.objects.bulk_create(members, batch_size=_INSERT_BATCH)
            marks.extend(
                _mark(member_key(self.seed, planned), member)
                for planned, member in zip(placed, members, strict=True)
            )

            memberships = []
            member_tags = []
            honors = []
            offices = []
            through = Member.tags.through
            for planned, member in zip(placed, members, strict=True):
                for membership in planned.memberships:
                    organization = organizations[membership.organization]
                    memberships.append(
                        Membership(
                            member_id=member.pk,
                            organization_id=organization.pk,
                            scope=membership_scope_for(organization.kind),
                            organization_path=organization.descendant_path_prefix,
                            starts_on=membership.starts_on,
                            ends_on=membership.ends_on,
                            end_reason=membership.end_reason,
                            # Open, or ended on the day she left (not by a move).
                            reaches=membership.ends_on is None
                            or (
                                planned.left_on is not None
                                and membership.ends_on == planned.left_on
                                and not membership.end_reason.startswith("调至")
                            ),
                        )
                    )
                member_tags.extend(
                    through(member_id=member.pk, tag_id=self.tags[name].pk)
                    for name in dict.fromkeys(planned.tags)
                )
                honors.extend(
                    Honor(
                        member_id=member.pk,
                        kind=kind,
                        year=year,
                        awarded_by_id=organizations[awarded_by].pk,
                    )
                    for kind, year, awarded_by in planned.honors
                )
                for office in planned.offices:
                    term = self.terms[(office.organization, office.term_number)]
                    offices.append(
                        Office(
                            term_id=term.pk,
                            organization_id=term.organization_id,
                            member_id=member.pk,
                            position=office.position,
                            starts_on=office.starts_on,
                            ends_on=office.ends_on,
                        )
                    )
            Membership.objects.bulk_create(memberships, batch_size=_INSERT_BATCH)
            through.objects.bulk_create(member_tags, batch_size=_INSERT_BATCH)
            Honor.objects.bulk_create(honors, batch_size=_INSERT_BATCH)
            offices = self._within_seats(offices)
            Office.objects.bulk_create(offices)
            DemoObject.objects.bulk_create(marks, batch_size=_INSERT_BATCH)
        self.member_keys.update(member_key(self.seed, planned) for planned in placed)
        self.current_mobiles.update(planned.mobile for planned in placed if not planned.left_on)
        self.report.count("members", len(members))
        self.report.count("memberships", len(memberships))
        self.report.count("honors", len(honors))
        self.report.count("offices", len(offices))
        return len(members)

    def _free_id_number(self, planned: plan.PlannedMember) -> str:
        """Her planned ID number, or none if a current member (entered by hand) has it."""
        if not planned.id_number:
            return ""
        digest = crypto.full_digest(planned.id_number)
        if digest in self.current_id_digests:
            return ""
        if not planned.left_on:
            self.current_id_digests.add(digest)
        return planned.id_number

    def _insert_shops(
        self,
        placed: list[plan.PlannedMember],
        planner: plan.MemberPlanner,
        marks: list[DemoObject],
    ) -> dict[tuple[str, str], int | None]:
        """The demo shops of these members by (market, stall), creating the ones not there yet.

        A stall taken by a shop the demo did not create maps to None: its members get no shop.
        """
        wanted = list(dict.fromkeys(planned.shop for planned in placed if planned.shop))
        missing = []
        for market, stall in wanted:
            key = shop_key(market, stall)
            if key in self.shop_ids:
                continue
            market_id = self.market_ids[market]
            if (market_id, stall) in self.taken_stalls:
                if key not in self.skipped_stalls:
                    self.skipped_stalls.add(key)
                    self.report.skip("shops (a shop seed_demo did not create has the stall)")
                continue
            shop = planner.shops[(market, stall)]
            missing.append(
                Shop(
                    market_id=market_id,
                    stall_number=shop.stall_number,
                    floor=shop.floor,
                    business_name=shop.business_name,
                    category=shop.category,
                )
            )
        Shop.objects.bulk_create(missing, batch_size=_INSERT_BATCH)
        market_names = {pk: name for name, pk in self.market_ids.items()}
        for shop in missing:
            key = shop_key(market_names[shop.market_id], shop.stall_number)
            self.shop_ids[key] = shop.pk
            marks.append(_mark(key, shop))
        self.report.count("shops", len(missing))
        return {
            (market, stall): self.shop_ids.get(shop_key(market, stall)) for market, stall in wanted
        }

    def _within_seats(self, offices: list[Office]) -> list[Office]:
        """Drop offices beyond the seats the plan gives their term.

        With the same seed this drops nothing: a larger N only fills seats that were empty. It
        matters when another seed's members arrive, or officers were changed by hand — a term
        then keeps one sitting chair and its planned number of vice-chairs and executives.
        """
        if not offices:
            return offices
        taken = {
            (term_id, position): count
            for term_id, position, count in Office.objects.filter(
                term_id__in={office.term_id for office in offices}
            )
            .order_by()
            .values_list("term_id", "position")
            .annotate(count=Count("pk"))
        }
        kept = []
        for office in offices:
            key = (office.term_id, office.position)
            if taken.get(key, 0) < self.seats.get(key, 0):
                taken[key] = taken.get(key, 0) + 1
                kept.append(office)
        return kept

    # --- Logins -----------------------------------------------------------------------------

    def _logins(self) -> list[LoginRow]:
        """Create the demo logins that are missing; change nothing about any existing login.

        A demo login someone deactivated, demoted or gave another password keeps it: a re-run
        sets no password, activates no one and makes no one staff or superuser. The only thing
        a re-run adds to an existing demo login is its role grant, if that was removed.
        """
        user_model = get_user_model()
        # One hash for every login created in this run: the password is published anyway, and
        # each hash costs most of a second by design.
        demo_password_hash = None
        marked = _marked(user_model, "login:")
        found = user_model._default_manager.in_bulk(marked.values())
        rows = []
        marks = []
        with transaction.atomic():
            for username, role, organization_name, full_name in DEMO_LOGINS:
                organization = self.organizations[organization_name] if organization_name else None
                role_label = str(Role(role).label) if role else "superuser"
                where = organization.name if organization else "—"
                key = f"login:{username}"
                user = found.get(marked.get(key))
                if user is None:
                    if user_model._default_manager.filter(username=username).exists():
                        rows.append(LoginRow(username, role_label, where, LoginState.SKIPPED))
                        self.report.skip("logins (exist, not created by seed_demo)")
                        continue
                    user = user_model(
                        username=username,
                        first_name=(
                            full_name
                            if full_name is not None
                            else self._sitting_chair(organization_name)
                        ),
                        is_staff=role is None,
                        is_superuser=role is None,
                    )
                    if demo_password_hash is None:
                        demo_password_hash = make_password(DEMO_PASSWORD)
                    user.password = demo_password_hash
                    user.save()
                    marks.append(_mark(key, user))
                    self.report.count("users")
                    state = LoginState.CREATED
                else:
                    state = LoginState.KEPT if user.is_active else LoginState.DEACTIVATED
                if role is not None:
                    _, granted = RoleGrant.objects.get_or_create(
                        user=user, role=role, organization=organization
                    )
                    self.report.count("role grants", int(granted))
                rows.append(LoginRow(user.username, role_label, where, state))
            DemoObject.objects.bulk_create(marks)
        return rows

    def _sitting_chair(self, organization_name: str | None) -> str:
        office = (
            Office.objects.current()
            .filter(organization=self.organizations[organization_name], position=Position.CHAIR)
            .select_related("member")
            .first()
        )
        return office.member.name if office else ""

    # --- Summary ----------------------------------------------------------------------------

    def _summary(self) -> None:
        report = self.report
        for organization in self.organizations.values():
            label = str(OrganizationKind(organization.kind).label)
            report.organizations_by_kind[label] = report.organizations_by_kind.get(label, 0) + 1
        report.current_members = Member.objects.current().count()
        report.left_members = Member.objects.count() - report.current_members
        report.shops = Shop.objects.filter(market__in=self.markets.values()).count()
        report.offices = Office.objects.count()
        report.honors = Honor.objects.count()


_ESTABLISHMENT_METHODS = ["single", "industry", "single", "regional"]
# Ratings of the homes, in turn (no random draw: the seeded people stay as they were).
_SITE_RATINGS = ["city_model", "five_star", "", "four_star", "three_star", "", "provincial_model"]


def _demo_site_rating(index: int, established_on: datetime.date) -> dict:
    rating = _SITE_RATINGS[index % len(_SITE_RATINGS)]
    if not rating:
        return {}
    return {"site_rating": rating, "site_rating_year": max(established_on.year + 1, 2022)}
