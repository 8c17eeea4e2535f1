import datetime
from functools import lru_cache

from django.conf import settings
from django.core.exceptions import ValidationError
from django.db import models
from django.db.models import F, OuterRef, Q, Subquery, Value
from django.db.models.functions import Cast, Concat
from django.utils import timezone
from django.utils.translation import gettext_lazy as _
from django.utils.translation import pgettext_lazy

from federation.models import Organization, OrganizationKind
from members import crypto
from members.fields import DigestField, EncryptedCharField
from members.validators import (
    id_number_birth_date,
    id_number_sex,
    normalize_id_number,
    normalize_mobile,
    validate_id_number,
    validate_mobile,
)


class Sex(models.TextChoices):
    FEMALE = "female", _("Female")
    MALE = "male", _("Male")


class PoliticalStatus(models.TextChoices):
    CPC_MEMBER = "cpc_member", _("CPC member")
    CPC_PROBATIONARY = "cpc_probationary", _("CPC probationary member")
    LEAGUE_MEMBER = "league_member", _("Communist Youth League member")
    DEMOCRATIC_PARTY = "democratic_party", _("Democratic party member")
    MASSES = "masses", _("Ordinary citizen")


class Education(models.TextChoices):
    PRIMARY = "primary", _("Primary school")
    JUNIOR_SECONDARY = "junior_secondary", _("Junior secondary")
    SENIOR_SECONDARY = "senior_secondary", _("Senior secondary / vocational")
    COLLEGE = "college", _("Junior college")
    BACHELOR = "bachelor", _("Bachelor's degree")
    POSTGRADUATE = "postgraduate", _("Postgraduate")


class Occupation(models.TextChoices):
    SHOP_OWNER = "shop_owner", _("Shop owner")
    SHOP_EMPLOYEE = "shop_employee", _("Shop employee")
    STREAMER = "streamer", _("Livestream seller")
    PROPERTY = "property", _("Property management")
    CLEANER = "cleaner", _("Cleaner")
    COURIER = "courier", _("Courier")
    DELIVERY = "delivery", _("Food delivery rider")
    HOUSEKEEPING = "housekeeping", _("Housekeeping")
    MANAGER = "manager", _("Market management")
    OTHER = "other", _("Other")


class MemberStatus(models.TextChoices):
    CURRENT = "current", _("Current member")
    LEFT = "left", _("Left")


class Tag(models.Model):
    name = models.CharField(_("name"), max_length=30, unique=True)

    class Meta:
        verbose_name = _("tag")
        verbose_name_plural = _("tags")
        ordering = ["name"]

    def __str__(self) -> str:
        return self.name


class MemberQuerySet(models.QuerySet):
    def current(self) -> "MemberQuerySet":
        return self.filter(status=MemberStatus.CURRENT)


# Plausible dates (issue 9): a member is 16 to 100 years old today; nobody joined before
# the women's federation existed (founded 24 March 1949), nor before her organization did
# (checked in the services, which know the organization). The database refuses the gross
# cases through the constraints below; "today" moves, so "not in the future" is the form's
# and the services' job.
MIN_AGE, MAX_AGE = 16, 100
EARLIEST_BIRTH_DATE = datetime.date(1900, 1, 1)
FEDERATION_FOUNDED = datetime.date(1949, 3, 24)


def years_before(day: datetime.date, years: int) -> datetime.date:
    try:
        return day.replace(year=day.year - years)
    except ValueError:  # 29 February
        return day.replace(year=day.year - years, day=28)


class ReachField(models.TextField):
    """The organizations through which a member is in someone's view, as " 1 2 3 4 77 ":
    every organization on the path of each membership that reaches (Membership.reaches),
    itself included. Denormalized from her memberships (members_reach_refresh) so that
    "her members" is one condition on the member row, which an index serves (a GIN index
    on the ids as an array on PostgreSQL, migration 0012), instead of a semi-join to the
    memberships for every member a search matches."""


@ReachField.register_lookup
class ReachesAny(models.Lookup):
    """reach__any=[4, 9]: she is in the view of organization 4 or 9 (or of any above)."""

    lookup_name = "any"
    prepare_rhs = False

    def as_sql(self, compiler, connection):
        return self._each_id(compiler, connection, "{lhs} LIKE %s", "% {pk} %")

    def _each_id(self, compiler, connection, condition: str, value: str):
        """`condition` on the text for each id (`value` its parameter), joined by OR."""
        lhs, lhs_params = self.process_lhs(compiler, connection)
        ids = [int(pk) for pk in self.rhs]
        if not ids:
            return "1 = 0", []
        return "(" + " OR ".join([condition.format(lhs=lhs)] * len(ids)) + ")", [
            *lhs_params * len(ids),
            *(value.format(pk=pk) for pk in ids),
        ]

    def as_postgresql(self, compiler, connection):
        lhs, lhs_params = self.process_lhs(compiler, connection)
        # The same expression as the index (migration 0012), so that the planner uses it.
        return f"{REACH_IDS_SQL.format(column=lhs)} && %s::bigint[]", [
            *lhs_params,
            [int(pk) for pk in self.rhs],
        ]


@ReachField.register_lookup
class ReachesAnyText(ReachesAny):
    """reach__any_text=[2]: the same question as reach__any, asked of the text itself
    (" 1 2 3 " holds " 2 ") on every database. No index serves it: it is for a scope that
    holds nearly every member (the district's), where each matching row is checked anyway
    and a search in a short text costs a fraction of parsing it into an array of ids.

    On PostgreSQL as a position (STRPOS(reach, ' 2 ') > 0), not as LIKE '% 2 %': the planner
    checks a row's cheapest conditions first, and counts a LIKE cheaper than a search's
    STRPOS(name, '王') > 0, so that it would ask every row of a count of 35,000 shop employees
    for her reach before asking for 王. Of equal cost, the conditions keep the order the
    query gives them (members.selectors.member_directory puts the scope last)."""

    lookup_name = "any_text"

    def as_postgresql(self, compiler, connection):
        return self._each_id(compiler, connection, "STRPOS({lhs}, %s) > 0", " {pk} ")


REACH_IDS_SQL = "(string_to_array(btrim({column}), ' ')::bigint[])"


NAME_CHARACTERS_SQL = "(string_to_array({column}, NULL))"


class HasCharacters(models.Func):
    """The name holds every one of these characters: on PostgreSQL, a GIN index on the
    name's characters (migration 0012) answers it, for the one- and two-character searches
    ("王", "婷婷") that have no trigram. Other databases ask LIKE '%王%' for each."""

    output_field = models.BooleanField()
    conditional = True

    def __init__(self, expression, characters: list[str]):
        super().__init__(expression)
        self.characters = sorted(set(characters))

    def as_sql(self, compiler, connection, **extra):
        column, params = compiler.compile(self.source_expressions[0])
        conditions, values = [], []
        for character in self.characters:
            conditions.append(f"{column} LIKE %s ESCAPE '\\'")
            values += [*params, f"%{connection.ops.prep_for_like_query(character)}%"]
        return "(" + " AND ".join(conditions) + ")", values

    def as_postgresql(self, compiler, connection, **extra):
        column, params = compiler.compile(self.source_expressions[0])
        return f"{NAME_CHARACTERS_SQL.format(column=column)} @> %s::text[]", [
            *params,
            self.characters,
        ]


def reach_of(paths) -> str:
    """The reach of a member whose reaching memberships have these organization_paths."""
    ids = sorted({int(part) for path in paths for part in path.split("/") if part})
    return f" {' '.join(map(str, ids))} " if ids else ""


class Member(models.Model):
    name = models.CharField(pgettext_lazy("person", "name"), max_length=50)
    # Derived from the name so that staff can search 赵丹 as "zhaodan" or "zd".
    name_pinyin = models.CharField(max_length=200, editable=False, blank=True)
    name_initials = models.CharField(max_length=50, editable=False, blank=True)
    sex = models.CharField(_("sex"), max_length=6, choices=Sex.choices, default=Sex.FEMALE)
    mobile = models.CharField(_("mobile"), max_length=11, validators=[validate_mobile])
    # Where notices go for members who have no mobile or prefer mail (notifications).
    email = models.EmailField(_("e-mail"), blank=True)
    # Encrypted at rest (members.crypto); searched through the keyed digests below.
    id_number = EncryptedCharField(
        _("resident ID number"), plain_max_length=18, blank=True, validators=[validate_id_number]
    )
    # Indexed in Meta.indexes (plain btrees): db_index=True added on PostgreSQL a second,
    # varchar_pattern_ops index for LIKE that no query of a keyed hash ever makes.
    id_number_digest = DigestField(source="id_number", digest="full")
    id_number_tail_digest = DigestField(source="id_number", digest="tail")
    birth_date = models.DateField(_("birth date"), null=True, blank=True)
    ethnicity = models.CharField(_("ethnicity"), max_length=20, default="汉族", blank=True)
    political_status = models.CharField(
        _("political status"),
        max_length=20,
        choices=PoliticalStatus.choices,
        default=PoliticalStatus.MASSES,
    )
    education = models.CharField(
        _("education"), max_length=20, choices=Education.choices, blank=True
    )
    occupation = models.CharField(_("occupation"), max_length=20, choices=Occupation.choices)
    shop = models.ForeignKey(
        "markets.Shop",
        verbose_name=_("shop"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="members",
    )
    joined_on = models.DateField(_("joined on"), default=datetime.date.today)
    status = models.CharField(
        _("status"), max_length=10, choices=MemberStatus.choices, default=MemberStatus.CURRENT
    )
    left_on = models.DateField(_("left on"), null=True, blank=True)
    left_reason = models.CharField(_("reason for leaving"), max_length=200, blank=True)
    tags = models.ManyToManyField(Tag, verbose_name=_("tags"), blank=True, related_name="members")
    notes = models.TextField(_("notes"), blank=True)
    # Set when her personal data was erased on request (PIPL); the row stays for statistics.
    erased_at = models.DateTimeField(_("personal data erased at"), null=True, blank=True)
    # Kept by members_reach_refresh from her memberships (see ReachField).
    reach = ReachField(editable=False, blank=True, default="", db_default="")
    # Bumped by every change through members.services: a save based on an older version is
    # refused instead of silently overwriting someone else's correction.
    version = models.PositiveIntegerField(default=1, editable=False)
    created_at = models.DateTimeField(_("created at"), auto_now_add=True)
    updated_at = models.DateTimeField(_("updated at"), auto_now=True)

    objects = MemberQuerySet.as_manager()

    class Meta:
        verbose_name = _("member")
        verbose_name_plural = _("members")
        ordering = ["name_pinyin", "pk"]
        constraints = [
            models.UniqueConstraint(
                fields=["mobile"],
                condition=Q(status="current"),
                name="member_unique_mobile_among_current",
                violation_error_message=_("A current member already has this mobile number."),
            ),
            models.UniqueConstraint(
                fields=["id_number_digest"],
                condition=Q(status="current") & ~Q(id_number_digest=""),
                name="member_unique_id_number_among_current",
                violation_error_message=_("A current member already has this ID number."),
            ),
            models.CheckConstraint(
                condition=(Q(status="current") & Q(left_on__isnull=True))
                | (Q(status="left") & Q(left_on__isnull=False)),
                name="member_left_on_matches_status",
                violation_error_message=_("A member who left needs a leaving date, and only she."),
            ),
            models.CheckConstraint(
                condition=Q(left_on__isnull=True) | Q(left_on__gte=F("joined_on")),
                name="member_left_after_joined",
                violation_error_message=_("The leaving date cannot be before the joining date."),
            ),
            models.CheckConstraint(
                condition=Q(birth_date__isnull=True)
                | (Q(birth_date__gte=EARLIEST_BIRTH_DATE) & Q(birth_date__lt=F("joined_on"))),
                name="member_birth_date_plausible",
                violation_error_message=_("This birth date is not plausible."),
            ),
            models.CheckConstraint(
                condition=Q(joined_on__gte=FEDERATION_FOUNDED),
                name="member_joined_after_federation_founded",
                violation_error_message=_("Nobody joined before the women's federation existed."),
            ),
        ]
        indexes = [
            # Finding her by ID number, or by its last four characters (equality only).
            models.Index(fields=["id_number_digest"], name="member_id_digest_idx"),
            models.Index(fields=["id_number_tail_digest"], name="member_id_tail_digest_idx"),
            # Sorting by name (the directory's default order).
            models.Index(fields=["name_pinyin"], name="member_pinyin_idx"),
            # Searching "zh" / "zd" (LIKE 'zh%'): under a non-C collation PostgreSQL uses a
            # btree for LIKE only with the pattern operator class, which cannot sort by
            # name, hence a second index on name_pinyin. Other databases ignore opclasses.
            models.Index(
                fields=["name_pinyin"],
                name="member_pinyin_prefix_idx",
                opclasses=["varchar_pattern_ops"],
            ),
            models.Index(
                fields=["name_initials"],
                name="member_initials_prefix_idx",
                opclasses=["varchar_pattern_ops"],
            ),
            models.Index(fields=["status", "joined_on"], name="member_status_joined_idx"),
            # Current members with no open membership: in no organization's kept count
            # (federation.MemberCount), so the superuser's directory total (every current
            # member) adds them to the root's count (members.selectors.directory_total).
            # Nearly always empty.
            models.Index(
                fields=["id"],
                condition=Q(status="current", reach=""),
                name="member_current_unplaced_idx",
            ),
            # Searching part of a name ("王", "婷婷") or a mobile's tail (LIKE '%…'): no btree
            # can seek that, but with the filters the directory always or often sends first,
            # the page's COUNT(*) reads this narrow index instead of the whole table.
            # On PostgreSQL it also carries reach and erased_at (INCLUDE, migration 0012), and
            # name_pinyin and name_initials (0013): a count of "王" or "zh" among the current
            # shop employees of a market or of the district is then answered from the index
            # alone, as the superuser's is.
            models.Index(
                fields=["status", "occupation", "name", "mobile"], name="member_search_filter_idx"
            ),
            # The yearly statistics (reports.sections) read these columns of every member in
            # an organization: from this narrow index (PostgreSQL: an index-only scan) instead
            # of the whole, wide table.
            models.Index(
                fields=["id"],
                include=[
                    "joined_on",
                    "left_on",
                    "birth_date",
                    "occupation",
                    "political_status",
                    "education",
                ],
                name="member_statistics_idx",
            ),
            # This year's statistics of the district (reports.sections.counted_today): the
            # current members' counted columns and reach, read from this index alone.
            models.Index(
                fields=["status"],
                include=["occupation", "political_status", "education", "birth_date", "reach"],
                name="member_profile_idx",
            ),
        ]

    def __str__(self) -> str:
        return self.name

    def clean(self) -> None:
        self.mobile = normalize_mobile(self.mobile)
        self.id_number = normalize_id_number(self.id_number)
        # The digests are otherwise computed at save; constraint validation needs them now.
        self.id_number_digest = crypto.full_digest(self.id_number)
        self.id_number_tail_digest = crypto.tail_digest(self.id_number)
        errors: dict[str, ValidationError] = {}
        if self.id_number and len(self.id_number) == 18:
            id_birth = id_number_birth_date(self.id_number)
            if self.birth_date and id_birth and self.birth_date != id_birth:
                errors["birth_date"] = ValidationError(
                    _("The birth date does not match the ID number (%(date)s)."),
                    code="birth_date_mismatch",
                    params={"date": id_birth.isoformat()},
                )
            if self.id_number[16].isdigit() and self.sex != id_number_sex(self.id_number):
                errors["sex"] = ValidationError(
                    _("The sex does not match the ID number."), code="sex_mismatch"
                )
        if self.status == MemberStatus.LEFT and not self.left_on:
            errors["left_on"] = ValidationError(_("Enter the date she left."), code="required")
        errors.update(self._date_errors(errors))
        if errors:
            raise ValidationError(errors)

    def _date_errors(self, found: dict) -> dict[str, ValidationError]:
        today = timezone.localdate()
        errors: dict[str, ValidationError] = {}
        if self.birth_date and "birth_date" not in found:
            if (
                not years_before(today, MAX_AGE + 1)
                < self.birth_date
                <= years_before(today, MIN_AGE)
            ):
                errors["birth_date"] = ValidationError(
                    _("A member is %(min)d to %(max)d years old: check the birth date."),
                    code="birth_date_implausible",
                    params={"min": MIN_AGE, "max": MAX_AGE},
                )
        if self.joined_on:
            if self.joined_on > today:
                errors["joined_on"] = ValidationError(
                    _("The joining date cannot be in the future."), code="joined_in_future"
                )
            elif self.joined_on < FEDERATION_FOUNDED:
                errors["joined_on"] = ValidationError(
                    _("Nobody joined before the women's federation existed."),
                    code="joined_too_early",
                )
        if self.left_on and self.left_on > today:
            errors["left_on"] = ValidationError(
                _("The leaving date cannot be in the future."), code="left_in_future"
            )
        return errors

    def save(self, *args, **kwargs):
        self.mobile = normalize_mobile(self.mobile)
        self.id_number = normalize_id_number(self.id_number)
        if self.id_number and not self.birth_date:
            self.birth_date = id_number_birth_date(self.id_number)
        self.name_pinyin, self.name_initials = name_to_pinyin(self.name)
        update_fields = kwargs.get("update_fields")
        if update_fields is not None and "name" in update_fields:
            kwargs["update_fields"] = {*update_fields, "name_pinyin", "name_initials"}
        elif update_fields is None and not self._state.adding and not kwargs.get("force_insert"):
            # `reach` is kept from her memberships (members_reach_refresh), not by this
            # instance: a full save of a copy loaded before a membership changed would
            # write its stale reach back and hide her from everyone's directory.
            kwargs["update_fields"] = [
                f.name
                for f in self._meta.concrete_fields
                if not f.primary_key and f.name != "reach"
            ]
        super().save(*args, **kwargs)

    @property
    def age(self) -> int | None:
        return self.age_on(datetime.date.today())

    def age_on(self, today: datetime.date) -> int | None:
        return age_on(self.birth_date, today)

    @property
    def masked_mobile(self) -> str:
        return mask_mobile(self.mobile)


# Characters read differently as a surname than in ordinary words (曾 is "zeng" in 曾丽萍,
# not "ceng"); pypinyin reads them as words. Common in Hunan and across China.
SURNAME_PINYIN = {
    "曾": "zeng",
    "单": "shan",
    "解": "xie",
    "仇": "qiu",
    "区": "ou",
    "查": "zha",
    "覃": "qin",
    "乐": "yue",
    "朴": "piao",
    "翟": "zhai",
    "缪": "miao",
    "盖": "ge",
    "尉": "yu",
    "员": "yun",
    "召": "shao",
    "种": "chong",
    "秘": "bi",
    "繁": "po",
    "折": "she",
    "相": "xiang",
}


@lru_cache(maxsize=50_000)
def name_to_pinyin(name: str) -> tuple[str, str]:
    """Full pinyin and initials of a Chinese name: 赵丹 → ("zhaodan", "zd"). Cached: pypinyin
    takes ~0.1 ms a name, and a roster of 100,000 members repeats many names."""
    # Imported here, not at the top: its dictionaries take ~50 MB, which a process that never
    # writes a name (an export, a notice, most pages) need not hold (bench/rosters.py).
    from pypinyin import lazy_pinyin

    syllables = lazy_pinyin(name, errors="ignore")
    if name and name[0] in SURNAME_PINYIN and syllables:
        syllables[0] = SURNAME_PINYIN[name[0]]
    initials = [syllable[0] for syllable in syllables if syllable]
    return "".join(syllables).lower(), "".join(initials).lower()


def mask_id_number(id_number: str) -> str:
    """The first three characters (the province) and stars: as on her record."""
    return f"{id_number[:3]}{'*' * (len(id_number) - 3)}" if id_number else ""


def age_on(birth_date: datetime.date | None, today: datetime.date) -> int | None:
    if not birth_date:
        return None
    before_birthday = (today.month, today.day) < (birth_date.month, birth_date.day)
    return today.year - birth_date.year - before_birthday


def mask_mobile(mobile: str) -> str:
    if len(mobile) != 11:
        return "*" * len(mobile)
    return f"{mobile[:3]}****{mobile[7:]}"


class MembershipScope(models.TextChoices):
    MARKET = "market", _("Market")
    HOME = "home", _("Women's home / micro-home")
    SECTOR = "sector", _("New-sector organization")
    FEDERATION = "federation", _("Federation")


_SCOPE_BY_KIND = {
    OrganizationKind.MARKET_FEDERATION: MembershipScope.MARKET,
    OrganizationKind.WOMENS_HOME: MembershipScope.HOME,
    OrganizationKind.MICRO_HOME: MembershipScope.HOME,
    OrganizationKind.SECTOR_ORGANIZATION: MembershipScope.SECTOR,
}


def membership_scope_for(kind: str) -> str:
    """The scope a membership in an organization of this kind has (bulk inserts need it too:
    they skip Membership.save())."""
    return _SCOPE_BY_KIND.get(kind, MembershipScope.FEDERATION)


class MembershipQuerySet(models.QuerySet):
    def current(self) -> "MembershipQuerySet":
        return self.filter(ends_on__isnull=True)

    def on(self, day: datetime.date) -> "MembershipQuerySet":
        """Memberships in force on that day (e.g. 31 December, for the yearly count)."""
        return self.filter(Q(starts_on__lte=day) & (Q(ends_on__isnull=True) | Q(ends_on__gt=day)))

    def during_year(self, year: int) -> "MembershipQuerySet":
        """Memberships in force on at least one day of the year."""
        first, last = datetime.date(year, 1, 1), datetime.date(year, 12, 31)
        return self.filter(
            Q(starts_on__lte=last) & (Q(ends_on__isnull=True) | Q(ends_on__gt=first))
        )


def membership_paths_refresh(organization: Organization) -> int:
    """After the organization (and its subtree) moved: its memberships' paths follow."""
    subtree = Organization.objects.subtree_of([organization])
    new_path = Concat(
        Subquery(Organization.objects.filter(pk=OuterRef("organization_id")).values("path")[:1]),
        Cast("organization_id", models.CharField()),
        Value("/"),
    )
    moved = Membership.objects.filter(organization__in=subtree)
    updated = moved.update(organization_path=new_path)
    members_reach_refresh(moved.values_list("member_id", flat=True).distinct())
    return updated


_REACH_CHUNK = 5000


def members_reach_refresh(member_ids=None) -> int:
    """Bring Member.reach in step with these members' memberships (None: every member), in
    the caller's transaction. Returns how many members' reach changed."""
    if member_ids is None:
        ids = list(Member.objects.order_by("pk").values_list("pk", flat=True))
    else:
        ids = sorted(set(member_ids))
    changed = 0
    for start in range(0, len(ids), _REACH_CHUNK):
        chunk = ids[start : start + _REACH_CHUNK]
        paths: dict[int, set[str]] = {pk: set() for pk in chunk}
        rows = Membership.objects.filter(member_id__in=chunk, reaches=True).values_list(
            "member_id", "organization_path"
        )
        for member_id, path in rows:
            paths[member_id].add(path)
        stored = dict(Member.objects.filter(pk__in=chunk).values_list("pk", "reach"))
        by_value: dict[str, list[int]] = {}
        for pk, member_paths in paths.items():
            value = reach_of(member_paths)
            if pk in stored and stored[pk] != value:
                by_value.setdefault(value, []).append(pk)
        for value, pks in by_value.items():
            changed += Member.objects.filter(pk__in=pks).update(reach=value)
    return changed


class Membership(models.Model):
    """One stretch of a member's belonging to an organization; history is never overwritten."""

    member = models.ForeignKey(
        Member, verbose_name=_("member"), on_delete=models.CASCADE, related_name="memberships"
    )
    organization = models.ForeignKey(
        Organization,
        verbose_name=_("organization"),
        on_delete=models.PROTECT,
        related_name="memberships",
    )
    # Denormalized from the organization's kind: the database can then guard "one current
    # market per member" with a partial unique index.
    scope = models.CharField(
        _("scope"), max_length=12, choices=MembershipScope.choices, editable=False
    )
    starts_on = models.DateField(_("starts on"))
    # The first day she no longer belongs (exclusive), so a move on 1 March ends the old
    # membership and starts the new one on the same date.
    ends_on = models.DateField(_("ends on"), null=True, blank=True)
    end_reason = models.CharField(_("reason it ended"), max_length=200, blank=True)
    # The organization's own path with itself at the end ("/1/2/5/"): "her membership lies in
    # this subtree" is then a prefix an index seeks (federation.scope.member_scope_prefixes),
    # without a join to the organizations. Kept in step when an organization moves.
    organization_path = models.CharField(max_length=255, editable=False, default="")
    # Whether she is in the organization's view through this membership: an open one, or
    # one she held on the day she left. Ended by a move, by changing homes or by her coming
    # back elsewhere, it no longer reaches (members.services keeps it).
    reaches = models.BooleanField(default=True, editable=False)

    objects = MembershipQuerySet.as_manager()

    class Meta:
        verbose_name = _("membership")
        verbose_name_plural = _("memberships")
        ordering = ["member", "starts_on"]
        constraints = [
            models.UniqueConstraint(
                fields=["member"],
                condition=Q(scope="market", ends_on__isnull=True),
                name="membership_one_current_market",
                violation_error_message=_("She already belongs to a market."),
            ),
            models.UniqueConstraint(
                fields=["member", "organization"],
                condition=Q(ends_on__isnull=True),
                name="membership_one_current_per_organization",
            ),
            models.CheckConstraint(
                condition=Q(ends_on__isnull=True) | Q(ends_on__gte=F("starts_on")),
                name="membership_ends_after_start",
                violation_error_message=_("The end date cannot be before the start date."),
            ),
        ]
        indexes = [
            models.Index(fields=["organization", "ends_on"], name="membership_org_idx"),
            models.Index(fields=["member", "scope", "ends_on"], name="membership_member_idx"),
            # The scope rule as one condition: reaching memberships under a path prefix
            # (LIKE '/1/2/5/%' with the pattern operator class), and the probe "does this
            # member reach into that subtree" from the member's side.
            models.Index(
                fields=["organization_path", "member"],
                name="membership_reach_path_idx",
                opclasses=["varchar_pattern_ops", "int8_ops"],
                condition=Q(reaches=True),
            ),
            models.Index(
                fields=["member", "organization_path"],
                name="membership_reach_member_idx",
                condition=Q(reaches=True),
            ),
            # The yearly statistics: memberships under a path prefix in force on a day, ended
            # ones included (the partial index above holds only those that still reach),
            # answered from the index alone.
            models.Index(
                fields=["organization_path", "starts_on"],
                include=["ends_on", "member", "scope", "organization"],
                name="membership_history_path_idx",
                opclasses=["varchar_pattern_ops", "date_ops"],
            ),
            # "Does any membership start or end after today?" (reports.sections.counted_today):
            # two short range scans instead of a pass over every membership.
            models.Index(fields=["starts_on"], name="membership_starts_idx"),
            models.Index(fields=["ends_on"], name="membership_ends_idx"),
        ]

    def __str__(self) -> str:
        return f"{self.member} @ {self.organization} ({self.starts_on}–{self.ends_on or ''})"

    def save(self, *args, **kwargs):
        self.scope = membership_scope_for(self.organization.kind)
        self.organization_path = self.organization.descendant_path_prefix
        update_fields = kwargs.get("update_fields")
        if update_fields is None or "ends_on" in update_fields:
            # Open, or ended on the day she left. (Bulk updates in members.services set it
            # themselves, by the same rule.)
            self.reaches = self.ends_on is None or (
                self.member.status == MemberStatus.LEFT and self.ends_on == self.member.left_on
            )
        if update_fields is not None and {"organization", "ends_on"} & set(update_fields):
            kwargs["update_fields"] = {*update_fields, "scope", "organization_path", "reaches"}
        super().save(*args, **kwargs)
        members_reach_refresh([self.member_id])


class HonorKind(models.TextChoices):
    RED_MERCHANT = "red_merchant", _("Red merchant")
    BEST_COUPLE_SHOP = "best_couple_shop", _("Best couple shop")
    TRUSTED_SHOP = "trusted_shop", _("Trusted shop recommended by the Party organization")
    WOMEN_PIONEER = "women_pioneer", _("Women pioneer")


class Honor(models.Model):
    member = models.ForeignKey(
        Member, verbose_name=_("member"), on_delete=models.CASCADE, related_name="honors"
    )
    kind = models.CharField(_("honor"), max_length=20, choices=HonorKind.choices)
    year = models.PositiveSmallIntegerField(_("year"))
    awarded_by = models.ForeignKey(
        Organization, verbose_name=_("awarded by"), on_delete=models.PROTECT, related_name="+"
    )

    class Meta:
        verbose_name = _("honor")
        verbose_name_plural = _("honors")
        ordering = ["-year", "kind"]
        constraints = [
            models.UniqueConstraint(fields=["member", "kind", "year"], name="honor_unique"),
            models.CheckConstraint(
                condition=Q(year__gte=2000) & Q(year__lte=2100), name="honor_year_range"
            ),
        ]

    def __str__(self) -> str:
        return f"{self.year} {self.get_kind_display()} {self.member}"


class TransferStatus(models.TextChoices):
    PENDING = "pending", _("Waiting for confirmation")
    CONFIRMED = "confirmed", _("Confirmed")
    REJECTED = "rejected", _("Rejected")
    CANCELLED = "cancelled", _("Cancelled")


class TransferRequest(models.Model):
    """A member's move from one market to another, asked by one side, confirmed by the other."""

    member = models.ForeignKey(
        Member, verbose_name=_("member"), on_delete=models.CASCADE, related_name="transfers"
    )
    from_organization = models.ForeignKey(
        Organization, verbose_name=_("from"), on_delete=models.PROTECT, related_name="+"
    )
    to_organization = models.ForeignKey(
        Organization, verbose_name=_("to"), on_delete=models.PROTECT, related_name="+"
    )
    effective_on = models.DateField(_("effective on"))
    reason = models.CharField(_("reason"), max_length=200, blank=True)
    status = models.CharField(
        _("status"), max_length=10, choices=TransferStatus.choices, default=TransferStatus.PENDING
    )
    requested_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("requested by"),
        null=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    requested_at = models.DateTimeField(_("requested at"), auto_now_add=True)
    # True when asked by the receiving side ("she works here now"), False when sent by the
    # market she leaves: the other side confirms.
    requested_by_receiver = models.BooleanField(default=False)
    decided_by = models.ForeignKey(
        settings.AUTH_USER_MODEL,
        verbose_name=_("decided by"),
        null=True,
        blank=True,
        on_delete=models.SET_NULL,
        related_name="+",
    )
    decided_at = models.DateTimeField(_("decided at"), null=True, blank=True)

    class Meta:
        verbose_name = _("transfer")
        verbose_name_plural = _("transfers")
        ordering = ["-requested_at"]
        constraints = [
            models.UniqueConstraint(
                fields=["member"],
                condition=Q(status="pending"),
                name="transfer_one_pending_per_member",
                violation_error_message=_("A transfer of this member is already waiting."),
            ),
            models.CheckConstraint(
                condition=~Q(from_organization=F("to_organization")),
                name="transfer_to_another_organization",
            ),
        ]

    def __str__(self) -> str:
        return f"{self.member}: {self.from_organization} → {self.to_organization}"
