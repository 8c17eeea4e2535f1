"""Build the demo district 芦淞 from the news article, with demo logins for every role.

    manage.py seed_demo [--members N] [--seed S]

Safe to run again. Organizations, markets, terms, coverage targets, tags, users and role grants
are looked up by their natural keys. Members — generated from the seed and their index by
``demo.plan`` — are inserted only when no member has their mobile yet, and everything
about a member (her shop if new, memberships, tags, honors, offices) is inserted in the same
transaction as she is: a re-run finds either all of it or none of it, and a larger N adds the
difference. Offices never exceed the seats the plan gives a term, whatever the seed.
"""

import time
import unicodedata
from collections.abc import Iterable

from axes.utils import reset
from django.contrib.auth import get_user_model
from django.core.management.base import BaseCommand, CommandError
from django.db import transaction
from django.db.models import Count
from django.utils import timezone

from accounts.models import AccountSecurity
from demo import plan as demo
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
from members.models import (
    Honor,
    Member,
    Membership,
    MemberStatus,
    Sex,
    Tag,
    membership_scope_for,
    name_to_pinyin,
)

DEMO_PASSWORD = "lusong2026"  # noqa: S105 — the published password of the demo logins

# (username, role, organization name, full name); the superuser has no grant, and the chair
# of 天泽华丽 takes the name of whoever the generated data made its sitting chair.
DEMO_LOGINS: list[tuple[str, str | None, str | None, str | None]] = [
    ("admin", None, None, ""),
    ("district", Role.DISTRICT_STAFF, demo.DISTRICT_NAME, "彭丽华"),
    ("cluster", Role.CLUSTER_STAFF, demo.CLUSTER_NAME, "谭雅琴"),
    ("chair_shaoxing", Role.MARKET_CHAIR, demo.federation_name(demo.SHAOXING), "刘意"),
    ("chair_tianze", Role.MARKET_CHAIR, demo.federation_name(demo.TIANZE), None),
    ("home_manager", Role.HOME_MANAGER, f"{demo.SHAOXING}妇女之家", "周晓燕"),
    ("counsellor", Role.COUNSELLOR, demo.CLUSTER_NAME, "易静怡"),
    ("viewer", Role.VIEWER, demo.DISTRICT_NAME, "陈淑华"),
]


# Rows per INSERT statement; Django lowers it further where SQLite's variable limit needs it.
_INSERT_BATCH = 1000


class Command(BaseCommand):
    help = "Build the 芦淞 demo district: organizations, markets, shops, members and demo logins."

    def add_arguments(self, parser):
        parser.add_argument(
            "--members", type=int, default=2000, help="number of members (default 2000)"
        )
        parser.add_argument(
            "--seed", type=int, default=2019, help="random seed of the members (default 2019)"
        )
        parser.add_argument(
            "--batch-size",
            type=int,
            default=5000,
            help="members per transaction (default 5000)",
        )

    def handle(self, *args, members: int, seed: int, batch_size: int, **options):
        if members < demo.STORY_COUNT:
            raise CommandError(
                f"--members must be at least {demo.STORY_COUNT}: 文再云, 刘意 and 赵丹 are members."
            )
        if batch_size < 1:
            raise CommandError("--batch-size must be positive.")
        started = time.monotonic()
        self.added: dict[str, int] = {}
        district = demo.plan_district()

        with transaction.atomic():
            self.organizations = self._organizations(district)
            self.markets = self._markets(district)
            self.terms = self._terms(district)
            self.seats = {
                (self.terms[(organization, number)].pk, position): count
                for (organization, number, position), count in demo.term_seats(district).items()
            }
            self._coverage_targets()
            self.tags = self._tags()
        self.stdout.write(
            f"organizations and markets ready ({time.monotonic() - started:.1f}s); "
            f"generating {members} members with seed {seed}"
        )

        self._members(district, count=members, seed=seed, batch_size=batch_size, started=started)
        logins = self._logins()
        self._report(logins, started)

    # --- The tree ---------------------------------------------------------------------------

    def _count(self, what: str, number: int = 1) -> None:
        self.added[what] = self.added.get(what, 0) + number

    def _organizations(self, district: demo.DistrictPlan) -> dict[str, Organization]:
        existing = {(org.parent_id, org.name): org for org in Organization.objects.all()}
        by_name: dict[str, Organization] = {}

        def ensure(name: str, kind: str, parent: Organization | None, **fields) -> Organization:
            organization = existing.get((parent.pk if parent else None, name))
            if organization is None:
                organization = Organization(name=name, kind=kind, parent=parent, **fields)
                organization.clean()  # placement in the tree
                organization.save()
                self._count("organizations")
            by_name[name] = organization
            return organization

        city = ensure(demo.CITY_NAME, OrganizationKind.CITY_FEDERATION, None)
        district_org = ensure(
            demo.DISTRICT_NAME,
            OrganizationKind.DISTRICT_FEDERATION,
            city,
            address="株洲市芦淞区建设南路",
        )
        cluster = ensure(
            demo.CLUSTER_NAME,
            OrganizationKind.MARKET_CLUSTER_FEDERATION,
            district_org,
            established_on=demo.FOUNDED_ON,
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
        for home in district.homes:
            parent = by_name[demo.federation_name(home.market)] if home.market else cluster
            ensure(home.name, home.kind, parent, established_on=home.established_on)
        for sector in district.sectors:
            ensure(
                sector.name,
                OrganizationKind.SECTOR_ORGANIZATION,
                cluster,
                sector_category=sector.category,
                industry=sector.industry,
                established_on=sector.established_on,
            )
        return by_name

    def _markets(self, district: demo.DistrictPlan) -> dict[str, Market]:
        cluster = self.organizations[demo.CLUSTER_NAME]
        existing = {
            market.name: market
            for market in Market.objects.filter(name__in=[m.name for m in district.markets])
        }
        for plan in district.markets:
            if plan.name not in existing:
                existing[plan.name] = Market.objects.create(
                    name=plan.name,
                    cluster=cluster,
                    federation=self.organizations[plan.federation],
                    address=plan.address,
                )
                self._count("markets")
        return existing

    def _terms(self, district: demo.DistrictPlan) -> dict[tuple[str, int], Term]:
        organizations = self.organizations
        existing = {
            (term.organization_id, term.number): term
            for term in Term.objects.filter(
                organization__in=[organizations[name] for name, _ in district.terms]
            )
        }
        terms = {}
        # Closed terms first: an organization may have only one open term at a time.
        for plan in sorted(district.terms.values(), key=lambda t: (t.ends_on is None, t.number)):
            organization = organizations[plan.organization]
            term = existing.get((organization.pk, plan.number))
            if term is None:
                term = Term.objects.create(
                    organization=organization,
                    number=plan.number,
                    starts_on=plan.starts_on,
                    ends_on=plan.ends_on,
                )
                self._count("terms")
            terms[(plan.organization, plan.number)] = term
        return terms

    def _coverage_targets(self) -> None:
        district_org = self.organizations[demo.DISTRICT_NAME]
        year = timezone.localdate().year
        for category, expected in demo.COVERAGE_EXPECTED.items():
            _, created = CoverageTarget.objects.get_or_create(
                organization=district_org,
                sector_category=category,
                year=year,
                defaults={"expected_count": expected},
            )
            self._count("coverage targets", int(created))

    def _tags(self) -> dict[str, Tag]:
        tags = {tag.name: tag for tag in Tag.objects.filter(name__in=demo.TAGS)}
        missing = [Tag(name=name) for name in demo.TAGS if name not in tags]
        Tag.objects.bulk_create(missing)
        self._count("tags", len(missing))
        return {tag.name: tag for tag in Tag.objects.filter(name__in=demo.TAGS)}

    # --- Members ----------------------------------------------------------------------------

    def _members(
        self,
        district: demo.DistrictPlan,
        *,
        count: int,
        seed: int,
        batch_size: int,
        started: float,
    ) -> None:
        planner = demo.MemberPlanner(district, seed, until=timezone.localdate())
        # Natural keys already in the database, loaded once so that no batch asks per row.
        self.known_mobiles = set(Member.objects.values_list("mobile", flat=True))
        self.taken_id_numbers = set(
            Member.objects.current().exclude(id_number="").values_list("id_number", flat=True)
        )
        market_ids = {name: market.pk for name, market in self.markets.items()}
        self.market_ids = market_ids
        self.shop_ids = {
            (market_id, stall): pk
            for pk, market_id, stall in Shop.objects.filter(
                market_id__in=market_ids.values()
            ).values_list("pk", "market_id", "stall_number")
        }
        self.pinyin: dict[str, tuple[str, str]] = {}

        batch: list[demo.PlannedMember] = []
        done = 0
        for planned in planner.members(count):
            batch.append(planned)
            if len(batch) == batch_size:
                inserted = self._insert(batch, planner)
                done += len(batch)
                batch = []
                self._progress(done, count, inserted, started)
        if batch:
            inserted = self._insert(batch, planner)
            done += len(batch)
            self._progress(done, count, inserted, started)

    def _progress(self, done: int, count: int, inserted: int, started: float) -> None:
        self.stdout.write(
            f"members {done}/{count} … {inserted} new in this batch "
            f"({time.monotonic() - started:.1f}s)"
        )

    def _insert(self, batch: list[demo.PlannedMember], planner: demo.MemberPlanner) -> int:
        new = [planned for planned in batch if planned.mobile not in self.known_mobiles]
        if not new:
            return 0
        organizations = self.organizations
        with transaction.atomic():
            shops = self._insert_shops(new, planner)
            members = []
            for planned in new:
                names = self.pinyin.get(planned.name)
                if names is None:
                    names = self.pinyin[planned.name] = name_to_pinyin(planned.name)
                id_number = planned.id_number
                if id_number in self.taken_id_numbers:
                    id_number = ""  # someone else, entered by hand, already has it
                elif id_number and not planned.left_on:
                    self.taken_id_numbers.add(id_number)
                members.append(
                    Member(
                        name=planned.name,
                        name_pinyin=names[0],
                        name_initials=names[1],
                        sex=Sex.FEMALE,
                        mobile=planned.mobile,
                        id_number=id_number,
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

            memberships = []
            member_tags = []
            honors = []
            offices = []
            through = Member.tags.through
            for planned, member in zip(new, members, strict=True):
                for plan in planned.memberships:
                    organization = organizations[plan.organization]
                    memberships.append(
                        Membership(
                            member_id=member.pk,
                            organization_id=organization.pk,
                            scope=membership_scope_for(organization.kind),
                            starts_on=plan.starts_on,
                            ends_on=plan.ends_on,
                            end_reason=plan.end_reason,
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
                for plan in planned.offices:
                    term = self.terms[(plan.organization, plan.term_number)]
                    offices.append(
                        Office(
                            term_id=term.pk,
                            organization_id=term.organization_id,
                            member_id=member.pk,
                            position=plan.position,
                            starts_on=plan.starts_on,
                            ends_on=plan.ends_on,
                        )
                    )
            Membership.objects.bulk_create(memberships, batch_size=_INSERT_BATCH)
            through.objects.bulk_create(member_tags, batch_size=_INSERT_BATCH)
            Honor.objects.bulk_create(honors, batch_size=_INSERT_BATCH)
            offices = self._within_seats(offices)
            Office.objects.bulk_create(offices)
        self.known_mobiles.update(planned.mobile for planned in new)
        self._count("members", len(members))
        self._count("memberships", len(memberships))
        self._count("honors", len(honors))
        self._count("offices", len(offices))
        return len(new)

    def _insert_shops(
        self, new: list[demo.PlannedMember], planner: demo.MemberPlanner
    ) -> dict[tuple[str, str], int]:
        """The shops of these members by (market, stall), creating the ones not there yet."""
        wanted = list(dict.fromkeys(planned.shop for planned in new if planned.shop))
        missing = []
        for key in wanted:
            market_id = self.market_ids[key[0]]
            if (market_id, key[1]) not in self.shop_ids:
                plan = planner.shops[key]
                missing.append(
                    Shop(
                        market_id=market_id,
                        stall_number=plan.stall_number,
                        floor=plan.floor,
                        business_name=plan.business_name,
                        category=plan.category,
                    )
                )
        Shop.objects.bulk_create(missing, batch_size=_INSERT_BATCH)
        for shop in missing:
            self.shop_ids[(shop.market_id, shop.stall_number)] = shop.pk
        self._count("shops", len(missing))
        return {key: self.shop_ids[(self.market_ids[key[0]], key[1])] for key in wanted}

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

    def _logins(self) -> list[tuple[str, str, str]]:
        user_model = get_user_model()
        rows = []
        with transaction.atomic():
            for username, role, organization_name, full_name in DEMO_LOGINS:
                user, created = user_model.objects.get_or_create(username=username)
                self._count("users", int(created))
                user.set_password(DEMO_PASSWORD)
                user.is_active = True
                fields = ["password", "is_active"]
                if created:
                    user.first_name = (
                        full_name
                        if full_name is not None
                        else self._sitting_chair(organization_name)
                    )
                    fields.append("first_name")
                if role is None:
                    user.is_staff = user.is_superuser = True
                    fields += ["is_staff", "is_superuser"]
                user.save(update_fields=fields)
                # A demo login must open again after someone played with it: no forced
                # password change, no lockout from wrong passwords.
                AccountSecurity.objects.filter(user=user).update(must_change_password=False)
                reset(username=username)
                if role is None:
                    rows.append((username, "superuser", "—"))
                    continue
                organization = self.organizations[organization_name]
                _, granted = RoleGrant.objects.get_or_create(
                    user=user, role=role, organization=organization
                )
                self._count("role grants", int(granted))
                rows.append((username, str(Role(role).label), organization.name))
        return rows

    def _sitting_chair(self, organization_name: str | None) -> str:
        office = (
            Office.objects.current()
            .filter(organization=self.organizations[organization_name], position=Position.CHAIR)
            .select_related("member")
            .first()
        )
        return office.member.name if office else ""

    # --- Report -----------------------------------------------------------------------------

    def _report(self, logins: list[tuple[str, str, str]], started: float) -> None:
        added = ", ".join(f"{what} +{n}" for what, n in self.added.items() if n) or "nothing"
        self.stdout.write(f"added: {added}")
        kinds = Organization.objects.filter(
            pk__in=[org.pk for org in self.organizations.values()]
        ).values_list("kind", flat=True)
        by_kind: dict[str, int] = {}
        for kind in kinds:
            by_kind[kind] = by_kind.get(kind, 0) + 1
        self.stdout.write(
            "district: "
            + ", ".join(f"{OrganizationKind(kind).label} {n}" for kind, n in by_kind.items())
        )
        current = Member.objects.current().count()
        self.stdout.write(
            f"members: {current} current, {Member.objects.count() - current} left; "
            f"shops {Shop.objects.filter(market__in=self.markets.values()).count()}; "
            f"offices {Office.objects.count()}; honors {Honor.objects.count()}"
        )
        self.stdout.write("")
        self.stdout.write(
            self.style.SUCCESS(f"Demo logins (password for all: {DEMO_PASSWORD}, demo only)")
        )
        header = ("username", "role", "organization", "password")
        table = [header] + [(*row, DEMO_PASSWORD) for row in logins]
        for line in _table(table):
            self.stdout.write(line)
        self.stdout.write(f"done in {time.monotonic() - started:.1f}s")


def _width(text: str) -> int:
    return sum(2 if unicodedata.east_asian_width(c) in "WF" else 1 for c in text)


def _table(rows: Iterable[tuple[str, ...]]) -> list[str]:
    rows = list(rows)
    widths = [max(_width(row[i]) for row in rows) for i in range(len(rows[0]))]
    lines = []
    for number, row in enumerate(rows):
        cells = [cell + " " * (widths[i] - _width(cell)) for i, cell in enumerate(row)]
        lines.append("  ".join(cells).rstrip())
        if number == 0:
            lines.append("  ".join("-" * w for w in widths))
    return lines
