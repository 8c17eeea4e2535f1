import datetime

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models, transaction
from django.db.models import F, Q, Value
from django.db.models.functions import Concat, Substr
from django.dispatch import Signal
from django.utils.translation import gettext_lazy as _


class OrganizationKind(models.TextChoices):
    CITY_FEDERATION = "city_federation", _("City women's federation")
    DISTRICT_FEDERATION = "district_federation", _("District women's federation")
    MARKET_CLUSTER_FEDERATION = "market_cluster_federation", _("Market-cluster women's federation")
    MARKET_FEDERATION = "market_federation", _("Market women's federation")
    WOMENS_HOME = "womens_home", _("Women's home")
    MICRO_HOME = "micro_home", _("Women's micro-home")
    SECTOR_ORGANIZATION = "sector_organization", _("New-sector women's organization")


# Federations above the markets: each counts (nearly) every member of the register under it,
# so no index on the members narrows them (the directory's scope, the statistics' profile).
KINDS_ABOVE_MARKETS = frozenset(
    {
        OrganizationKind.CITY_FEDERATION,
        OrganizationKind.DISTRICT_FEDERATION,
        OrganizationKind.MARKET_CLUSTER_FEDERATION,
    }
)

# Where each kind may sit in the tree. A women's home belongs to a market federation or
# directly to the cluster; nothing may sit above a federation of a higher level.
ALLOWED_PARENT_KINDS: dict[str, set[str | None]] = {
    OrganizationKind.CITY_FEDERATION: {None},
    OrganizationKind.DISTRICT_FEDERATION: {OrganizationKind.CITY_FEDERATION},
    OrganizationKind.MARKET_CLUSTER_FEDERATION: {OrganizationKind.DISTRICT_FEDERATION},
    OrganizationKind.MARKET_FEDERATION: {OrganizationKind.MARKET_CLUSTER_FEDERATION},
    OrganizationKind.WOMENS_HOME: {
        OrganizationKind.MARKET_FEDERATION,
        OrganizationKind.MARKET_CLUSTER_FEDERATION,
    },
    OrganizationKind.MICRO_HOME: {
        OrganizationKind.MARKET_FEDERATION,
        OrganizationKind.MARKET_CLUSTER_FEDERATION,
    },
    OrganizationKind.SECTOR_ORGANIZATION: {
        OrganizationKind.MARKET_CLUSTER_FEDERATION,
        OrganizationKind.DISTRICT_FEDERATION,
    },
}


class SectorCategory(models.TextChoices):
    """The "三新" categories of new-sector organizations."""

    NEW_ECONOMIC = "new_economic", _("New economic organization")
    NEW_SOCIAL = "new_social", _("New social organization")
    NEW_EMPLOYMENT = "new_employment", _("New employment group")


class Industry(models.TextChoices):
    CLOTHING = "clothing", _("Clothing trade")
    HOUSEKEEPING_PROPERTY = "housekeeping_property", _("Housekeeping and property")
    EXPRESS_LOGISTICS = "express_logistics", _("Express logistics")
    FOOD_DELIVERY = "food_delivery", _("Food delivery")
    LIVESTREAM_ECOMMERCE = "livestream_ecommerce", _("Livestream e-commerce")
    SOCIAL_SERVICE = "social_service", _("Social service")
    OTHER = "other", _("Other")


def pinyin_sort_name(name: str) -> str:
    """A name's sort key in pinyin: 邵兴城 → "shao xing cheng"; other characters as they are."""
    from pypinyin import lazy_pinyin  # imported when first needed: see members.models

    return " ".join(lazy_pinyin(name or "", errors="default")).lower()


class EstablishmentMethod(models.TextChoices):
    """How a new-sector women's organization was set up (federation reports count each way)."""

    SINGLE = "single", _("Established on its own")
    INDUSTRY = "industry", _("Established jointly by the industry")
    REGIONAL = "regional", _("Established jointly by the area")


class SiteRating(models.TextChoices):
    """The standard a women's home or micro-home has been rated at."""

    NATIONAL_MODEL = "national_model", _("National model")
    PROVINCIAL_MODEL = "provincial_model", _("Provincial model")
    CITY_MODEL = "city_model", _("City model")
    FIVE_STAR = "five_star", _("Five stars")
    FOUR_STAR = "four_star", _("Four stars")
    THREE_STAR = "three_star", _("Three stars")


class OrganizationQuerySet(models.QuerySet):
    def subtree_of(self, organizations) -> "OrganizationQuerySet":
        """The given organizations and everything under them."""
        condition = Q(pk__in=[org.pk for org in organizations])
        for org in organizations:
            condition |= Q(path__startswith=org.descendant_path_prefix)
        return self.filter(condition)

    def active(self) -> "OrganizationQuerySet":
        return self.filter(dissolved_on__isnull=True)


class Organization(models.Model):
    name = models.CharField(_("name"), max_length=100)
    kind = models.CharField(_("kind"), max_length=32, choices=OrganizationKind.choices)
    parent = models.ForeignKey(
        "self",
        verbose_name=_("parent organization"),
        null=True,
        blank=True,
        on_delete=models.PROTECT,
        related_name="children",
    )
    # Ids of the ancestors, root first, as "/1/4/9/": a subtree is one indexed prefix match.
    path = models.CharField(max_length=255, editable=False, default="/", db_index=True)
    sector_category = models.CharField(
        _("new-sector category"), max_length=20, choices=SectorCategory.choices, blank=True
    )
    industry = models.CharField(_("industry"), max_length=32, choices=Industry.choices, blank=True)
    establishment_method = models.CharField(
        _("how it was established"), max_length=12, choices=EstablishmentMethod.choices, blank=True
    )
    # Women's homes and micro-homes: the standard they were last rated at, and in which year.
    site_rating = models.CharField(
        _("site rating"), max_length=20, choices=SiteRating.choices, blank=True
    )
    site_rating_year = models.PositiveSmallIntegerField(_("rated in"), null=True, blank=True)
    established_on = models.DateField(_("established on"), null=True, blank=True)
    dissolved_on = models.DateField(_("dissolved on"), null=True, blank=True)
    address = models.CharField(_("address"), max_length=200, blank=True)
    # The name in pinyin ("shao xing cheng shi chang fu lian"): lists sort by it, so that
    # 邵兴城 comes under S as people look for it, not where its code point puts it.
    sort_name = models.CharField(max_length=400, editable=False, blank=True, default="")

    objects = OrganizationQuerySet.as_manager()

    class Meta:
        verbose_name = _("organization")
        verbose_name_plural = _("organizations")
        ordering = ["path", "kind", "sort_name", "name"]
        constraints = [
            models.UniqueConstraint(fields=["parent", "name"], name="organization_unique_name"),
            models.CheckConstraint(
                condition=Q(dissolved_on__isnull=True)
                | Q(established_on__isnull=True)
                | Q(dissolved_on__gte=F("established_on")),
                name="organization_dissolved_after_established",
            ),
            models.CheckConstraint(
                condition=Q(kind=OrganizationKind.SECTOR_ORGANIZATION) | Q(sector_category=""),
                name="organization_sector_category_only_for_sector",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    @property
    def descendant_path_prefix(self) -> str:
        return f"{self.path}{self.pk}/"

    @property
    def depth(self) -> int:
        return self.path.count("/") - 1

    def clean(self) -> None:
        allowed = ALLOWED_PARENT_KINDS.get(self.kind, set())
        parent_kind = self.parent.kind if self.parent_id else None
        if parent_kind not in allowed:
            if parent_kind is None:
                message = _("A %(kind)s must be placed under a parent organization.")
            else:
                message = _("A %(kind)s cannot be placed under a %(parent_kind)s.")
            raise ValidationError(
                {
                    "parent": ValidationError(
                        message,
                        code="misplaced",
                        params={
                            "kind": self.get_kind_display(),
                            "parent_kind": self.parent.get_kind_display() if self.parent_id else "",
                        },
                    )
                }
            )
        if self.parent_id and self.pk and self.parent.path.find(f"/{self.pk}/") >= 0:
            raise ValidationError({"parent": _("An organization cannot be placed under itself.")})
        if self.sector_category and self.kind != OrganizationKind.SECTOR_ORGANIZATION:
            raise ValidationError(
                {"sector_category": _("Only new-sector organizations have a new-sector category.")}
            )

    def save(self, *args, **kwargs):
        # The path is derived from the parent, so it is kept in step on every save. When an
        # organization moves (the admin can change its parent), everything under it moves too.
        old_prefix = self.descendant_path_prefix if self.pk else None
        self.path = self.parent.descendant_path_prefix if self.parent_id else "/"
        self.sort_name = pinyin_sort_name(self.name)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "parent" in update_fields:
            kwargs["update_fields"] = {*update_fields, "path"}
        if update_fields is not None and "name" in update_fields:
            kwargs["update_fields"] = {*kwargs["update_fields"], "sort_name"}
        created = self.pk is None
        with transaction.atomic():
            super().save(*args, **kwargs)
            if created:
                MemberCount.objects.get_or_create(organization=self)
            new_prefix = self.descendant_path_prefix
            if old_prefix is not None and old_prefix != new_prefix:
                Organization.objects.filter(path__startswith=old_prefix).update(
                    path=Concat(Value(new_prefix), Substr("path", len(old_prefix) + 1))
                )
                # The old and the new ancestors now count other members: whoever keeps the
                # counts (members) recounts them in this transaction.
                organization_moved.send(sender=Organization, organization=self)


# Sent inside the transaction that moved an organization (and its subtree) elsewhere.
organization_moved = Signal()


class MemberCount(models.Model):
    """How many current members an organization has, itself and everything under it, each
    member counted once (a member of a market and of a home in it is one member).

    Kept by members.services in the transaction of every change to memberships, so that the
    tree and the organization page read one row instead of counting a hundred thousand.
    """

    organization = models.OneToOneField(
        Organization,
        verbose_name=_("organization"),
        primary_key=True,
        on_delete=models.CASCADE,
        related_name="tally",
    )
    members = models.PositiveIntegerField(_("current members"), default=0)

    class Meta:
        verbose_name = _("member count")
        verbose_name_plural = _("member counts")

    def __str__(self) -> str:
        return f"{self.organization_id}: {self.members}"


class CoverageTarget(models.Model):
    """How many new-sector organizations *should* exist: the denominator of the coverage rate."""

    organization = models.ForeignKey(
        Organization,
        verbose_name=_("responsible federation"),
        on_delete=models.CASCADE,
        related_name="coverage_targets",
    )
    sector_category = models.CharField(
        _("new-sector category"), max_length=20, choices=SectorCategory.choices
    )
    year = models.PositiveSmallIntegerField(_("year"))
    expected_count = models.PositiveIntegerField(_("organizations that should be established"))

    class Meta:
        verbose_name = _("coverage target")
        verbose_name_plural = _("coverage targets")
        ordering = ["-year", "organization", "sector_category"]
        constraints = [
            models.UniqueConstraint(
                fields=["organization", "sector_category", "year"], name="coverage_target_unique"
            ),
            models.CheckConstraint(
                condition=Q(year__gte=2000) & Q(year__lte=2100), name="coverage_target_year_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.organization} {self.year} {self.get_sector_category_display()}"


class Term(models.Model):
    """A term (届) of an organization's officers; an election closes one and opens the next."""

    organization = models.ForeignKey(
        Organization, verbose_name=_("organization"), on_delete=models.CASCADE, related_name="terms"
    )
    number = models.PositiveSmallIntegerField(_("term number"))
    starts_on = models.DateField(_("starts on"))
    ends_on = models.DateField(_("ends on"), null=True, blank=True)

    class Meta:
        verbose_name = _("term")
        verbose_name_plural = _("terms")
        ordering = ["organization", "-number"]
        constraints = [
            models.UniqueConstraint(fields=["organization", "number"], name="term_unique_number"),
            models.UniqueConstraint(
                fields=["organization"],
                condition=Q(ends_on__isnull=True),
                name="term_one_open_per_organization",
            ),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")),
                name="term_ends_after_start",
            ),
        ]

    def __str__(self) -> str:
        return _("%(organization)s, term %(number)s") % {
            "organization": self.organization,
            "number": self.number,
        }

    @property
    def is_current(self) -> bool:
        return self.ends_on is None


class Position(models.TextChoices):
    CHAIR = "chair", _("Chair")
    VICE_CHAIR = "vice_chair", _("Vice-chair")
    EXECUTIVE = "executive", _("Executive-committee member")


class OfficeQuerySet(models.QuerySet):
    def current(self) -> "OfficeQuerySet":
        return self.filter(ends_on__isnull=True, term__ends_on__isnull=True)

    def on(self, day: datetime.date) -> "OfficeQuerySet":
        """Offices held on that day: the office and its term both in force."""
        return self.filter(starts_on__lte=day, term__starts_on__lte=day).filter(
            (Q(ends_on__isnull=True) | Q(ends_on__gt=day))
            & (Q(term__ends_on__isnull=True) | Q(term__ends_on__gt=day))
        )


class Office(models.Model):
    """A position held by a member in an organization for (part of) a term."""

    term = models.ForeignKey(
        Term, verbose_name=_("term"), on_delete=models.CASCADE, related_name="offices"
    )
    # Denormalized from the term so that "officers of this organization" needs no join.
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organization"),
        on_delete=models.CASCADE,
        related_name="offices",
        editable=False,
    )
    member = models.ForeignKey(
        "members.Member", verbose_name=_("member"), on_delete=models.PROTECT, related_name="offices"
    )
    position = models.CharField(_("position"), max_length=16, choices=Position.choices)
    starts_on = models.DateField(_("starts on"))
    # Set when she leaves office before the term ends (replaced mid-term, 替补) or with the term.
    ends_on = models.DateField(_("ends on"), null=True, blank=True)

    objects = OfficeQuerySet.as_manager()

    class Meta:
        verbose_name = _("office")
        verbose_name_plural = _("offices")
        ordering = ["organization", "position", "starts_on"]
        constraints = [
            # One sitting chair per organization and term; a replaced chair's office is closed.
            models.UniqueConstraint(
                fields=["term"],
                condition=Q(position="chair", ends_on__isnull=True),
                name="office_one_chair_per_term",
            ),
            models.UniqueConstraint(
                fields=["term", "member"],
                condition=Q(ends_on__isnull=True),
                name="office_one_open_office_per_member_and_term",
            ),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")),
                name="office_ends_after_start",
            ),
        ]
        indexes = [models.Index(fields=["member", "ends_on"], name="office_member_idx")]

    def __str__(self) -> str:
        return f"{self.organization} {self.get_position_display()} {self.member}"

    def clean(self) -> None:
        if self.term_id and self.starts_on and self.starts_on < self.term.starts_on:
            raise ValidationError({"starts_on": _("An office cannot start before its term.")})

    def save(self, *args, **kwargs):
        self.organization_id = self.term.organization_id
        super().save(*args, **kwargs)


class Role(models.TextChoices):
    DISTRICT_STAFF = "district_staff", _("District federation staff")
    CLUSTER_STAFF = "cluster_staff", _("Market-cluster federation staff")
    MARKET_CHAIR = "market_chair", _("Market chair / vice-chair")
    HOME_MANAGER = "home_manager", _("Women's home manager")
    COUNSELLOR = "counsellor", _("Counsellor")
    VIEWER = "viewer", _("Viewer (leadership)")


# Roles that may change members and organizations in their scope. A counsellor sees only the
# counselling requests assigned to her; a viewer reads dashboards and statistics.
EDITING_ROLES = frozenset(
    {Role.DISTRICT_STAFF, Role.CLUSTER_STAFF, Role.MARKET_CHAIR, Role.HOME_MANAGER}
)
MEMBER_READING_ROLES = EDITING_ROLES | {Role.VIEWER}
# Roles that run elections and manage other people's logins within their scope.
ADMINISTERING_ROLES = frozenset({Role.DISTRICT_STAFF, Role.CLUSTER_STAFF})


class RoleGrant(models.Model):
    """A user's role over an organization; its scope is that organization and all under it."""

    user = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("user"),
        on_delete=models.CASCADE,
        related_name="role_grants",
    )
    role = models.CharField(_("role"), max_length=20, choices=Role.choices)
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organization"),
        on_delete=models.CASCADE,
        related_name="role_grants",
    )
    granted_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("granted by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    granted_at = models.DateTimeField(_("granted at"), auto_now_add=True)

    class Meta:
        verbose_name = _("role grant")
        verbose_name_plural = _("role grants")
        ordering = ["user", "role"]
        constraints = [
            models.UniqueConstraint(
                fields=["user", "role", "organization"], name="role_grant_unique"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.user} · {self.get_role_display()} · {self.organization}"
