"""Writes on members. Each service is atomic, refuses a caller without the ability to do it
(PermissionDenied, before anything is written), keeps the member counts (members.counts) and
leaves a record of who did it."""

import datetime
import itertools
import json
from collections.abc import Iterable, Iterator
from dataclasses import dataclass, field
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import PermissionDenied, ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import IntegrityError, connection, transaction
from django.db.models import Exists, F, OuterRef, QuerySet
from django.utils import timezone
from django.utils.text import capfirst
from django.utils.translation import gettext as _

from audit.models import AccessEvent, AccessKind, ChangeRecord
from audit.services import access_record, change_record, change_record_fields
from common import ratelimit
from federation import scope
from federation.models import Organization
from members import crypto
from members.counts import counts_add_new, counts_kept
from members.models import (
    Honor,
    Member,
    Membership,
    MembershipScope,
    MemberStatus,
    Occupation,
    Tag,
    TransferRequest,
    TransferStatus,
    name_to_pinyin,
    reach_of,
)
from members.selectors import (
    SECRET_FIELDS,
    creatable_member_fields,
    current_market_of,
    editable_member_fields,
    member_abilities,
    member_by_mobile_or_id,
    members_changeable_by,
    members_changed_since,
    members_visible_to,
    transfer_abilities,
)


def _labelled(instance, fields: list[str]) -> dict[str, Any]:
    """Field values under their (translated) labels, choices shown as people read them."""
    data = {}
    for name in fields:
        field = instance._meta.get_field(name)
        display = getattr(instance, f"get_{name}_display", None)
        value = display() if callable(display) else getattr(instance, name)
        if hasattr(value, "pk"):
            value = str(value)
        data[str(capfirst(field.verbose_name))] = value
    return data


MEMBER_EXPORT_FIELDS = [
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
    "status",
    "left_on",
    "left_reason",
    "notes",
    "created_at",
    "updated_at",
]


def member_personal_data(*, member: Member) -> dict[str, Any]:
    """Everything the federation holds about one member (PIPL art. 45), readable by her."""
    access = AccessEvent.objects.filter(object_type="members.member", object_id=str(member.pk))
    return {
        "member": _labelled(member, MEMBER_EXPORT_FIELDS),
        "tags": [tag.name for tag in member.tags.all()],
        "memberships": [
            _labelled(m, ["organization", "starts_on", "ends_on", "end_reason"])
            for m in member.memberships.select_related("organization").order_by("starts_on")
        ],
        "offices": [
            _labelled(o, ["organization", "position", "starts_on", "ends_on"])
            for o in member.offices.select_related("organization").order_by("starts_on")
        ],
        "honors": [
            _labelled(h, ["kind", "year", "awarded_by"])
            for h in member.honors.select_related("awarded_by").order_by("year")
        ],
        "access": [_labelled(a, ["at", "username", "kind"]) for a in access.order_by("at")],
    }


def member_export_personal_data(*, member: Member, by: AbstractBaseUser, request=None) -> bytes:
    """A JSON file staff can hand to the member; the hand-over itself is recorded."""
    scope.require(member_abilities(user=by, member=member).handle_personal_data)
    document = {
        "exported_at": timezone.now(),
        "exported_by": by.get_username(),
        **member_personal_data(member=member),
    }
    access_record(
        kind=AccessKind.PERSONAL_DATA_EXPORT, request=request, user=by, target=member, row_count=1
    )
    return json.dumps(document, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2).encode()


# Stored in her record (data, not a sentence of the interface): the federation's own wording.
ERASED_REASON = "本人申请删除个人信息"


@transaction.atomic
def member_erase(*, member: Member, by: AbstractBaseUser, request=None) -> Member:
    """Remove what identifies her; keep what past statistics count.

    Kept: memberships with their dates, offices, honors, occupation, political status,
    education and the year of birth, so that "members on 31 December 2025" by market, age
    band or occupation stays the same. Removed: name, mobile, ID number, exact birth date,
    ethnicity, shop, tags, notes.
    """
    scope.require(member_abilities(user=by, member=member).handle_personal_data)
    member = Member.objects.select_for_update().get(pk=member.pk)
    today = timezone.localdate()
    if member.status == MemberStatus.CURRENT:
        with counts_kept([member.pk]):
            member.status = MemberStatus.LEFT
            member.left_on = max(today, member.joined_on)
            member.left_reason = ERASED_REASON
            member.save(update_fields=["status", "left_on", "left_reason"])
            member.memberships.filter(ends_on__isnull=True).update(
                ends_on=member.left_on, end_reason=ERASED_REASON
            )
    birth_year = member.birth_date.year if member.birth_date else None
    member.name = f"已删除会员{member.pk}"
    member.mobile = ""
    member.id_number = ""
    member.birth_date = datetime.date(birth_year, 7, 1) if birth_year else None
    member.ethnicity = ""
    member.shop = None
    member.notes = ""
    member.erased_at = timezone.now()
    member.save(
        update_fields=[
            "name",
            "mobile",
            "id_number",
            "birth_date",
            "ethnicity",
            "shop",
            "notes",
            "status",
            "left_on",
            "left_reason",
            "erased_at",
            "updated_at",
        ]
    )
    member.tags.clear()
    access_record(kind=AccessKind.PERSONAL_DATA_ERASURE, request=request, user=by, target=member)
    return member


# --- Is this number already registered? -------------------------------------------------------

# Look-ups that find a member the user may not see, per user and hour: enough for a chair
# registering her market's people, too few to look up the district by number.
DUPLICATE_LOOKUP_LIMIT = 20
DUPLICATE_LOOKUP_WINDOW = 3600


@dataclass(frozen=True)
class DuplicateAnswer:
    """What the user is told about a number already held by a current member."""

    member: Member | None  # only when she may see her; never the other market's member
    field: str  # "mobile" or "id_number"
    market: Organization | None  # where the holder is a current member
    elsewhere: bool  # held by a member outside her view: ask for her transfer
    limited: bool = False  # too many look-ups: nothing is answered

    @property
    def found(self) -> bool:
        return bool(self.field)


NO_DUPLICATE = DuplicateAnswer(member=None, field="", market=None, elsewhere=False)


def member_duplicate_lookup(
    *, by: AbstractBaseUser, mobile: str = "", id_number: str = "", exclude_pk=None, request=None
) -> DuplicateAnswer:
    """Whether a current member already holds this mobile or ID number.

    A member the user may see is named. A member elsewhere is not: the answer is her market
    only ("ask for her transfer"), each such answer is recorded, and a user gets at most
    DUPLICATE_LOOKUP_LIMIT of them an hour, so that the form is no directory by number."""
    holder, field = member_by_mobile_or_id(
        mobile=mobile, id_number=id_number, exclude_pk=exclude_pk
    )
    if holder is None:
        return NO_DUPLICATE
    market = current_market_of(holder)
    if members_visible_to(by).filter(pk=holder.pk).exists():
        return DuplicateAnswer(member=holder, field=field, market=market, elsewhere=False)
    if not ratelimit.allow(
        f"duplicate-lookup:{by.pk}", limit=DUPLICATE_LOOKUP_LIMIT, window=DUPLICATE_LOOKUP_WINDOW
    ):
        access_record(
            kind=AccessKind.DUPLICATE_LOOKUP,
            request=request,
            user=by,
            detail={"refused": "rate limit", "field": field},
        )
        return DuplicateAnswer(member=None, field=field, market=None, elsewhere=True, limited=True)
    access_record(
        kind=AccessKind.DUPLICATE_LOOKUP,
        request=request,
        user=by,
        target=holder,
        detail={"field": field, "market": market.name if market else ""},
    )
    return DuplicateAnswer(member=None, field=field, market=market, elsewhere=True)


# --- Registering and correcting members ----------------------------------------------------


class ConcurrentEditError(Exception):
    """Someone else saved the member after this form was opened."""

    def __init__(self, latest: ChangeRecord | None):
        self.latest = latest
        super().__init__("member changed meanwhile")


def _shown(member: Member, field: str):
    """The value kept in the change history: the stored value (a choice's code, not its
    label, so that it reads in the reader's language), never a whole ID number."""
    value = getattr(member, field)
    if field in SECRET_FIELDS:
        return f"…{value[-4:]}" if value else ""
    if field == "shop":
        return str(value) if value is not None else None
    return value


@transaction.atomic
def member_create(
    *,
    by: AbstractBaseUser,
    market: Organization,
    joined_on: datetime.date,
    home: Organization | None = None,
    tags: list[Tag] | tuple = (),
    **fields: Any,
) -> Member:
    scope.require(scope.may_change_members_of(by, market))
    if home is not None:
        scope.require(scope.may_change_members_of(by, home))
    refused = set(fields) - set(creatable_member_fields(by))
    if refused:
        raise PermissionDenied(f"fields {sorted(refused)} may not be set by this user")
    member = Member(joined_on=joined_on, **fields)
    _require_joined_after_founded(joined_on, market)
    member.full_clean()
    member.save(force_insert=True)
    with counts_kept([member.pk]):
        Membership.objects.create(member=member, organization=market, starts_on=joined_on)
        if home is not None:
            Membership.objects.create(member=member, organization=home, starts_on=joined_on)
    if tags:
        member.tags.add(*tags)
    change_record(
        target=member,
        by=by,
        action="create",
        params={"market": market.name, "home": home.name if home else ""},
    )
    return member


def _require_joined_after_founded(joined_on: datetime.date, organization: Organization) -> None:
    founded = organization.established_on
    if founded and joined_on < founded:
        raise ValidationError(
            {
                "joined_on": _(
                    "%(organization)s was established on %(date)s; she cannot have joined before."
                )
                % {"organization": organization.name, "date": founded.isoformat()}
            }
        )


@transaction.atomic
def member_update(*, member: Member, version: int, by: AbstractBaseUser, **fields: Any) -> Member:
    """Save the fields the editor's role allows; refuse if the member changed meanwhile."""
    abilities = member_abilities(user=by, member=member)
    scope.require(abilities.change)
    refused = set(fields) - set(abilities.edit_fields)
    if refused:
        raise PermissionDenied(f"fields {sorted(refused)} may not be changed by this user")
    locked = Member.objects.select_for_update().get(pk=member.pk)
    if locked.version != version:
        raise ConcurrentEditError(member_latest_change(locked))
    changes = {}
    for name, value in fields.items():
        before = _shown(locked, name)
        setattr(locked, name, value)
        after = _shown(locked, name)
        if before != after:
            changes[name] = (before, after)
    if not changes:
        return locked
    if "joined_on" in changes:
        first = locked.memberships.select_related("organization").order_by("starts_on").first()
        if first is not None:
            _require_joined_after_founded(locked.joined_on, first.organization)
    locked.full_clean()
    locked.version = F("version") + 1
    locked.save(update_fields=[*fields, "version", "updated_at"])
    locked.refresh_from_db(fields=["version"])
    change_record(
        target=locked, by=by, action="update", params={"fields": list(changes)}, changes=changes
    )
    return locked


def member_latest_change(member: Member) -> ChangeRecord | None:
    return (
        ChangeRecord.objects.filter(object_type="members.member", object_id=str(member.pk))
        .order_by("-at", "-pk")
        .first()
    )


def _bump(member: Member) -> None:
    Member.objects.filter(pk=member.pk).update(version=F("version") + 1)


@transaction.atomic
def member_mark_left(
    *, member: Member, left_on: datetime.date, reason: str, by: AbstractBaseUser
) -> Member:
    """One member leaves: checked here with messages, then done as the bulk action does it."""
    scope.require(member_abilities(user=by, member=member).change)
    member = Member.objects.select_for_update().get(pk=member.pk)
    if member.status == MemberStatus.LEFT:
        return member
    if left_on < member.joined_on:
        raise ValidationError({"left_on": _("The leaving date cannot be before the joining date.")})
    if member.memberships.filter(ends_on__isnull=True, starts_on__gt=left_on).exists():
        raise ValidationError(
            {"left_on": _("She joined her current organization after this date.")}
        )
    members_mark_left(
        members=Member.objects.filter(pk=member.pk), left_on=left_on, reason=reason, by=by
    )
    member.refresh_from_db()
    return member


@transaction.atomic
def member_restore(
    *, member: Member, market: Organization, restored_on: datetime.date, by: AbstractBaseUser
) -> Member:
    """Bring back a member who left (marked by mistake, or she came back)."""
    scope.require(member_abilities(user=by, member=member).change)
    scope.require(scope.may_change_members_of(by, market))
    member = Member.objects.select_for_update().get(pk=member.pk)
    if member.status == MemberStatus.CURRENT:
        return member
    if member.erased_at is not None:
        raise ValidationError(_("Her personal data was erased; register her anew."))
    holder, field = member_by_mobile_or_id(mobile=member.mobile, id_number=member.id_number)
    if holder is not None:
        # Not named: she may be another market's member.
        raise ValidationError(
            _("A current member now has this %(field)s.")
            % {"field": Member._meta.get_field(field).verbose_name}
        )
    with counts_kept([member.pk]):
        member.status = MemberStatus.CURRENT
        member.left_on = None
        member.left_reason = ""
        member.version += 1
        member.save(update_fields=["status", "left_on", "left_reason", "version", "updated_at"])
        # Current again: she is seen where she is now, no longer where she left from.
        member.memberships.filter(reaches=True).update(reaches=False)
        Membership.objects.create(member=member, organization=market, starts_on=restored_on)
    change_record(
        target=member,
        by=by,
        action="restore",
        params={"market": market.name, "date": restored_on},
    )
    return member


# --- Honors ----------------------------------------------------------------------------


@transaction.atomic
def honor_award(
    *, member: Member, kind: str, year: int, awarded_by: Organization, by: AbstractBaseUser
) -> Honor:
    scope.require(member_abilities(user=by, member=member).change)
    scope.require(scope.may_change_members_of(by, awarded_by) or by.is_superuser)
    honor = Honor(member=member, kind=kind, year=year, awarded_by=awarded_by)
    honor.full_clean()
    honor.save(force_insert=True)
    change_record(
        target=member,
        by=by,
        action="honor_awarded",
        params={"kind": kind, "year": year, "by": awarded_by.name},
    )
    return honor


@transaction.atomic
def honor_withdraw(*, honor: Honor, by: AbstractBaseUser) -> None:
    scope.require(member_abilities(user=by, member=honor.member).change)
    change_record(
        target=honor.member,
        by=by,
        action="honor_withdrawn",
        params={"kind": honor.kind, "year": honor.year, "by": honor.awarded_by.name},
    )
    honor.delete()


# --- Transfers between markets ---------------------------------------------------------


@transaction.atomic
def transfer_request(
    *,
    member: Member,
    to_organization: Organization,
    effective_on: datetime.date,
    reason: str,
    by: AbstractBaseUser,
    by_receiver: bool,
) -> TransferRequest:
    """Asked by the market she leaves (by_receiver False: her chair pushes her) or by the
    market she moves to (True: the receiving chair asks for her); the other side confirms."""
    if by_receiver:
        scope.require(scope.may_change_members_of(by, to_organization))
    else:
        scope.require(member_abilities(user=by, member=member).change)
    member = Member.objects.select_for_update().get(pk=member.pk)
    current = member.memberships.filter(ends_on__isnull=True, scope=MembershipScope.MARKET).first()
    if member.status != MemberStatus.CURRENT or current is None:
        raise ValidationError(_("Only a current member of a market can be transferred."))
    if current.organization_id == to_organization.pk:
        raise ValidationError(_("She already belongs to that market."))
    if effective_on < current.starts_on:
        raise ValidationError(
            {"effective_on": _("The move cannot be before she joined her current market.")}
        )
    transfer = TransferRequest(
        member=member,
        from_organization=current.organization,
        to_organization=to_organization,
        effective_on=effective_on,
        reason=reason,
        requested_by=by,
        requested_by_receiver=by_receiver,
    )
    transfer.full_clean()
    transfer.save(force_insert=True)
    _bump(member)
    change_record(
        target=member,
        by=by,
        action="transfer_requested",
        params={
            "from": current.organization.name,
            "to": to_organization.name,
            "date": effective_on,
        },
    )
    return transfer


@transaction.atomic
def transfer_confirm(*, transfer: TransferRequest, by: AbstractBaseUser) -> TransferRequest:
    """The other side agrees: the old market membership ends, the new one starts."""
    scope.require(transfer_abilities(user=by, transfer=transfer).decide)
    transfer = TransferRequest.objects.select_for_update().get(pk=transfer.pk)
    if transfer.status != TransferStatus.PENDING:
        raise ValidationError(_("This transfer has already been decided."))
    member = Member.objects.select_for_update().get(pk=transfer.member_id)
    old = member.memberships.filter(
        ends_on__isnull=True, organization=transfer.from_organization
    ).first()
    if old is None or member.status != MemberStatus.CURRENT:
        raise ValidationError(_("She is no longer a member of the market she was to leave."))
    with counts_kept([member.pk]):
        old.ends_on = transfer.effective_on
        old.end_reason = f"调至{transfer.to_organization}"
        old.reaches = False  # the market she moved away from no longer sees her
        old.save(update_fields=["ends_on", "end_reason", "reaches"])
        # Her homes belong to the market she leaves: those memberships end with it.
        from_subtree = Organization.objects.subtree_of([transfer.from_organization])
        member.memberships.filter(
            ends_on__isnull=True, scope=MembershipScope.HOME, organization__in=from_subtree
        ).update(
            ends_on=transfer.effective_on,
            end_reason=f"调至{transfer.to_organization}",
            reaches=False,
        )
        Membership.objects.create(
            member=member, organization=transfer.to_organization, starts_on=transfer.effective_on
        )
    if member.shop_id and member.shop.market.federation_id == transfer.from_organization.pk:
        member.shop = None
        member.save(update_fields=["shop", "updated_at"])
    transfer.status = TransferStatus.CONFIRMED
    transfer.decided_by = by
    transfer.decided_at = timezone.now()
    transfer.save(update_fields=["status", "decided_by", "decided_at"])
    _bump(member)
    change_record(
        target=member,
        by=by,
        action="transfer_confirmed",
        params={
            "from": transfer.from_organization.name,
            "to": transfer.to_organization.name,
            "date": transfer.effective_on,
        },
    )
    return transfer


@transaction.atomic
def transfer_decline(
    *, transfer: TransferRequest, by: AbstractBaseUser, cancel: bool = False
) -> TransferRequest:
    """Rejected by the side asked to confirm, or withdrawn (cancel) by the side that asked."""
    abilities = transfer_abilities(user=by, transfer=transfer)
    scope.require(abilities.cancel if cancel else abilities.decide)
    transfer = TransferRequest.objects.select_for_update().get(pk=transfer.pk)
    if transfer.status != TransferStatus.PENDING:
        raise ValidationError(_("This transfer has already been decided."))
    transfer.status = TransferStatus.CANCELLED if cancel else TransferStatus.REJECTED
    transfer.decided_by = by
    transfer.decided_at = timezone.now()
    transfer.save(update_fields=["status", "decided_by", "decided_at"])
    change_record(
        target=transfer.member,
        by=by,
        action="transfer_cancelled" if cancel else "transfer_rejected",
        params={"from": transfer.from_organization.name, "to": transfer.to_organization.name},
    )
    return transfer


# --- Bulk actions on a selection -------------------------------------------------------


def _changeable_ids(members: QuerySet, by: AbstractBaseUser, expected: int | None) -> list[int]:
    """The selected members' ids, refused as a whole if any of them is outside what the
    user may change (the selection is made within her scope; a crafted one is not), or if
    they are not as many as she confirmed ("all 216 matching members")."""
    outside = members.exclude(pk__in=members_changeable_by(by).values("pk"))
    scope.require(not outside.exists())
    ids = list(members.order_by("pk").values_list("pk", flat=True))
    if expected is not None and len(ids) != expected:
        raise ValidationError(
            _(
                "You confirmed %(expected)d members, but %(count)d match now. Nothing was "
                "changed: look at the list again and repeat the action."
            )
            % {"expected": expected, "count": len(ids)}
        )
    return ids


def members_bulk_count(*, members: QuerySet, by: AbstractBaseUser, expected: int | None) -> int:
    """How many members a bulk action on this selection would act on, as the confirmation
    page states it; refused (ValidationError) if that is no longer the number she saw."""
    return len(_changeable_ids(members, by, expected))


def _lock_members(ids: list[int]) -> None:
    # In the order of their ids, so that two bulk actions on overlapping selections queue
    # up instead of deadlocking; the counts then read each member's "before" once.
    list(Member.objects.select_for_update().filter(pk__in=ids).order_by("pk").values_list("pk"))


@transaction.atomic
def members_add_tag(
    *, members: QuerySet, tag_name: str, by: AbstractBaseUser, expected: int | None = None
) -> int:
    """Tag the members, creating the tag if it is new (only for those who may edit)."""
    scope.require(scope.has_editing_role(by))
    ids = _changeable_ids(members, by, expected)
    name = tag_name.strip()
    if not ids or not name:
        return 0  # no tag is created for nobody
    tag, _created = Tag.objects.get_or_create(name=name)
    through = Member.tags.through
    tagged = set(
        through.objects.filter(tag=tag, member_id__in=ids).values_list("member_id", flat=True)
    )
    new = [pk for pk in ids if pk not in tagged]
    through.objects.bulk_create([through(member_id=pk, tag_id=tag.pk) for pk in new])
    _bulk_history(new, by=by, action="tag_added", params={"tag": tag.name})
    return len(new)


@transaction.atomic
def members_remove_tag(
    *, members: QuerySet, tag_name: str, by: AbstractBaseUser, expected: int | None = None
) -> int:
    scope.require(scope.has_editing_role(by))
    ids = _changeable_ids(members, by, expected)
    tag = Tag.objects.filter(name=tag_name.strip()).first()
    if tag is None:
        return 0
    through = Member.tags.through
    tagged = list(
        through.objects.filter(tag=tag, member_id__in=ids).values_list("member_id", flat=True)
    )
    through.objects.filter(member_id__in=tagged, tag_id=tag.pk).delete()
    _bulk_history(tagged, by=by, action="tag_removed", params={"tag": tag.name})
    return len(tagged)


@transaction.atomic
def members_assign_home(
    *,
    members: QuerySet,
    home: Organization,
    starts_on: datetime.date,
    by: AbstractBaseUser,
    expected: int | None = None,
) -> int:
    """Put current members into a women's home or micro-home (leaving their other homes)."""
    scope.require(scope.may_change_members_of(by, home))
    selected = _changeable_ids(members, by, expected)
    already_there = Membership.objects.filter(
        member=OuterRef("pk"), organization=home, ends_on__isnull=True
    )
    ids = list(
        Member.objects.filter(pk__in=selected, status=MemberStatus.CURRENT)
        .exclude(Exists(already_there))
        .values_list("pk", flat=True)
    )
    _lock_members(ids)
    with counts_kept(ids):
        Membership.objects.filter(
            member_id__in=ids, scope=MembershipScope.HOME, ends_on__isnull=True
        ).exclude(starts_on__gt=starts_on).update(
            ends_on=starts_on, end_reason=f"转入{home}", reaches=False
        )
        Membership.objects.bulk_create(
            [
                Membership(
                    member_id=pk,
                    organization=home,
                    organization_path=home.descendant_path_prefix,
                    starts_on=starts_on,
                    scope=MembershipScope.HOME,
                )
                for pk in ids
            ]
        )
    _bulk_history(ids, by=by, action="home_assigned", params={"home": home.name, "date": starts_on})
    return len(ids)


@transaction.atomic
def members_mark_left(
    *,
    members: QuerySet,
    left_on: datetime.date,
    reason: str,
    by: AbstractBaseUser,
    expected: int | None = None,
    extra_params: dict[str, Any] | None = None,
) -> int:
    selected = _changeable_ids(members, by, expected)
    # Members whose current membership began after that date are left out, not cut short.
    started_later = Membership.objects.filter(
        member=OuterRef("pk"), ends_on__isnull=True, starts_on__gt=left_on
    )
    ids = list(
        Member.objects.filter(pk__in=selected, status=MemberStatus.CURRENT, joined_on__lte=left_on)
        .exclude(Exists(started_later))
        .values_list("pk", flat=True)
    )
    _lock_members(ids)
    with counts_kept(ids):
        Membership.objects.filter(member_id__in=ids, ends_on__isnull=True).update(
            ends_on=left_on, end_reason=reason
        )
        Member.objects.filter(pk__in=ids).update(
            status=MemberStatus.LEFT,
            left_on=left_on,
            left_reason=reason,
            version=F("version") + 1,
            updated_at=timezone.now(),
        )
    _bulk_history(
        ids,
        by=by,
        action="left",
        params={"date": left_on, "reason": reason, **(extra_params or {})},
    )
    return len(ids)


def _bulk_history(
    ids: list[int], *, by: AbstractBaseUser, action: str, params: dict[str, Any]
) -> None:
    ChangeRecord.objects.bulk_create(
        [
            ChangeRecord(
                **change_record_fields(
                    target_type="members.member", target_id=pk, by=by, action=action, params=params
                )
            )
            for pk in ids
        ],
        batch_size=2000,
    )


# --- Rosters imported from spreadsheets (called by rosters.services) ---------------------


@dataclass
class RosterChanges:
    """What one roster import applies to one market, prepared and reviewed beforehand."""

    # field -> value; may be a generator, consumed once, after the updates are checked
    new: Iterable[dict] = field(default_factory=list)
    # (member id, version seen at review, {field: new value})
    updates: list[tuple[int, int, dict]] = field(default_factory=list)
    # (member id, version seen at review) of members of the market to mark as left
    leave: list[tuple[int, int]] = field(default_factory=list)
    # member ids of other markets to ask for (transfer requests by the receiving market)
    transfers: list[int] = field(default_factory=list)


class RosterConflict(ValidationError):
    """A member the review showed changed before the import was confirmed."""


_UPDATE_CHUNK = 2000
_INSERT_CHUNK = 20_000


def _insert_rows(model, fields: list[str], rows: Iterable[tuple]) -> None:
    """Insert many rows at once: COPY on PostgreSQL (several times faster than a multi-row
    INSERT for 100,000 members), bulk_create elsewhere. The rows are already checked; they
    may come from a generator, each row sent as it is made (PostgreSQL takes them in while
    the next ones are computed)."""
    if isinstance(rows, list) and not rows:
        return
    if connection.vendor != "postgresql":
        model.objects.bulk_create([model(**dict(zip(fields, row, strict=True))) for row in rows])
        return
    columns = ", ".join(model._meta.get_field(f).column for f in fields)
    # wrap_database_errors: a violated constraint raises Django's IntegrityError, as the
    # ORM's own queries do.
    with connection.cursor() as cursor, connection.wrap_database_errors:
        with cursor.copy(f"COPY {model._meta.db_table} ({columns}) FROM STDIN") as copy:
            for row in rows:
                copy.write_row(row)


def _new_ids(model, count: int) -> list[int]:
    with connection.cursor() as cursor:
        cursor.execute(
            "SELECT nextval(pg_get_serial_sequence(%s, 'id')) FROM generate_series(1, %s)",
            [model._meta.db_table, count],
        )
        return [row[0] for row in cursor.fetchall()]


_MEMBER_COLUMNS = [
    "id",
    "name",
    "name_pinyin",
    "name_initials",
    "sex",
    "mobile",
    "email",
    "id_number",
    "id_number_digest",
    "id_number_tail_digest",
    "birth_date",
    "ethnicity",
    "political_status",
    "education",
    "occupation",
    "joined_on",
    "status",
    "left_reason",
    "notes",
    "version",
    "created_at",
    "updated_at",
    "reach",
]


def _insert_members(rows: list[dict], *, joined_on: datetime.date, reach: str) -> list[int]:
    """New members from checked roster rows (the model's defaults where a row is silent),
    with the reach their one membership gives them; returns their ids in the rows' order.

    The reach is written with the rows: setting it afterwards (members_reach_refresh) was an
    UPDATE of every new row, and as reach is indexed, each one a new row version with new
    entries in all 18 of the table's indexes: 28 of the 50 s of a 100,000-row commit."""
    if connection.vendor != "postgresql":
        members = []
        for values in rows:
            member = Member(**{"joined_on": joined_on, **values}, reach=reach)
            member.name_pinyin, member.name_initials = name_to_pinyin(member.name)
            members.append(member)
        Member.objects.bulk_create(members)
        return [m.pk for m in members]
    ids = _new_ids(Member, len(rows))
    now = timezone.now()
    defaults = {f.name: f.get_default() for f in Member._meta.concrete_fields if f.has_default()}
    _insert_rows(Member, _MEMBER_COLUMNS, _member_rows(ids, rows, joined_on, now, defaults, reach))
    return ids


def _member_rows(ids, rows, joined_on, now, defaults, reach) -> Iterator[tuple]:
    for pk, values in zip(ids, rows, strict=True):
        pinyin, initials = name_to_pinyin(values["name"])
        id_number = values.get("id_number") or ""
        yield (
            pk,
            values["name"],
            pinyin,
            initials,
            values.get("sex") or defaults["sex"],
            values["mobile"],
            values.get("email", ""),
            crypto.encrypt(id_number),
            crypto.full_digest(id_number),
            crypto.tail_digest(id_number),
            values.get("birth_date"),
            values.get("ethnicity", defaults["ethnicity"]),
            values.get("political_status") or defaults["political_status"],
            values.get("education", ""),
            values.get("occupation") or Occupation.OTHER,
            values.get("joined_on") or joined_on,
            MemberStatus.CURRENT,
            "",
            values.get("notes", ""),
            1,
            now,
            now,
            reach,
        )


def _insert_history(
    ids: list[int], *, by: AbstractBaseUser, action: str, params: dict[str, Any]
) -> None:
    """One change record per member, as _bulk_history writes them, by COPY."""
    if connection.vendor != "postgresql":
        _bulk_history(ids, by=by, action=action, params=params)
        return
    record = change_record_fields(
        target_type="members.member", target_id=0, by=by, action=action, params=params
    )
    now = timezone.now()
    user_id = record["user"].pk if record["user"] is not None else None
    shared = json.dumps(record["params"], ensure_ascii=False)
    _insert_rows(
        ChangeRecord,
        ["at", "user", "username", "object_type", "object_id", "action", "params", "summary",
         "changes"],
        [
            (now, user_id, record["username"], "members.member", str(pk), action, shared, "", "{}")
            for pk in ids
        ],
    )  # fmt: skip


def _check_versions(pairs: list[tuple[int, int]]) -> None:
    ids = [pk for pk, _version in pairs]
    locked: dict[int, tuple[int, str]] = {}
    for start in range(0, len(ids), 10_000):
        chunk = ids[start : start + 10_000]
        rows = (
            Member.objects.select_for_update()
            .filter(pk__in=chunk)
            .order_by("pk")
            .values_list("pk", "version", "status")
        )
        locked.update({pk: (version, status) for pk, version, status in rows})
    for pk, version in pairs:
        if locked.get(pk) != (version, MemberStatus.CURRENT):
            raise RosterConflict(
                _("Some members changed after the preview was made; upload the file again.")
            )


@transaction.atomic
def members_import_roster(
    *,
    organization: Organization,
    changes: RosterChanges,
    joined_on: datetime.date,
    left_on: datetime.date,
    by: AbstractBaseUser,
    batch: int,
) -> dict[str, Any]:
    """Apply a reviewed roster to a market, all or nothing; every member touched gets a
    change record naming the batch. Returns what members_undo_roster needs to put it back
    (the previous values, ID numbers encrypted)."""
    scope.require(scope.may_change_members_of(by, organization))
    creatable, editable = set(creatable_member_fields(by)), set(editable_member_fields(by))
    for _pk, _version, values in changes.updates:
        scope.require(set(values) <= editable)
    params = {"batch": batch}
    _check_versions([(pk, version) for pk, version, _v in changes.updates] + changes.leave)

    # New members, in chunks so memory stays flat on 100,000 rows. Their one membership is
    # in this market: she reaches it and every organization above it.
    reach = reach_of([organization.descendant_path_prefix])
    created: list[int] = []
    for batched_rows in itertools.batched(changes.new, _INSERT_CHUNK):
        chunk = list(batched_rows)
        # Checked chunk by chunk as the rows arrive: a refusal still undoes everything (this
        # transaction), and the rows need not all be held at once.
        for row in chunk:
            scope.require(set(row) <= creatable)
        try:
            with transaction.atomic():
                ids = _insert_members(chunk, joined_on=joined_on, reach=reach)
        except IntegrityError:
            raise RosterConflict(
                _("A mobile or ID number in the file was registered meanwhile; upload again.")
            ) from None
        created.extend(ids)
        _insert_rows(
            Membership,
            [
                "member_id",
                "organization_id",
                "organization_path",
                "reaches",
                "scope",
                "starts_on",
                "end_reason",
            ],
            [
                (
                    pk,
                    organization.pk,
                    organization.descendant_path_prefix,
                    True,
                    MembershipScope.MARKET,
                    values.get("joined_on") or joined_on,
                    "",
                )
                for pk, values in zip(ids, chunk, strict=True)
            ],
        )
        _insert_history(
            ids, by=by, action="create", params={"market": organization.name, "home": "", **params}
        )
    # New members count where their market counts (no "before" to read: they are new).
    counts_add_new(organization, len(created))

    # Corrections, keeping each member's previous values for undo.
    previous: dict[str, dict] = {}
    for start in range(0, len(changes.updates), _UPDATE_CHUNK):
        chunk = changes.updates[start : start + _UPDATE_CHUNK]
        by_pk = Member.objects.in_bulk([pk for pk, _v, _vals in chunk])
        records, touched_fields, members = [], set(), []
        for pk, version, values in chunk:
            member = by_pk[pk]
            before = {name: getattr(member, name) for name in values}
            previous[str(pk)] = {
                name: crypto.encrypt(value) if name in SECRET_FIELDS else value
                for name, value in before.items()
            }
            shown = {}
            for name, value in values.items():
                old = _shown(member, name)
                setattr(member, name, value)
                shown[name] = (old, _shown(member, name))
            if "name" in values:
                member.name_pinyin, member.name_initials = name_to_pinyin(member.name)
                touched_fields.update({"name_pinyin", "name_initials"})
            member.version = version + 1
            member.updated_at = timezone.now()
            touched_fields.update(values)
            if "id_number" in values:
                member.id_number_digest = crypto.full_digest(member.id_number)
                member.id_number_tail_digest = crypto.tail_digest(member.id_number)
                touched_fields.update({"id_number_digest", "id_number_tail_digest"})
            members.append(member)
            records.append(
                ChangeRecord(
                    **change_record_fields(
                        target_type="members.member",
                        target_id=pk,
                        by=by,
                        action="update",
                        params={"fields": list(values), **params},
                        changes=shown,
                    )
                )
            )
        try:
            with transaction.atomic():
                Member.objects.bulk_update(
                    members, [*sorted(touched_fields), "version", "updated_at"]
                )
        except IntegrityError:
            raise RosterConflict(
                _("A mobile or ID number in the file belongs to another current member.")
            ) from None
        ChangeRecord.objects.bulk_create(records, batch_size=2000)

    # Members of the market missing from the sheet, when the reviewer chose to mark them.
    leave_ids = [pk for pk, _version in changes.leave]
    ended = list(
        Membership.objects.filter(member_id__in=leave_ids, ends_on__isnull=True).values_list(
            "pk", flat=True
        )
    )
    if leave_ids:
        members_mark_left(
            members=Member.objects.filter(pk__in=leave_ids),
            left_on=left_on,
            reason=ROSTER_LEFT_REASON,
            by=by,
            extra_params=params,
        )
    transfers = []
    for pk in changes.transfers:
        transfers.append(
            transfer_request(
                member=Member.objects.get(pk=pk),
                to_organization=organization,
                effective_on=left_on,
                reason=ROSTER_TRANSFER_REASON,
                by=by,
                by_receiver=True,
            ).pk
        )
    return {
        "created": created,
        "previous": previous,
        "left": leave_ids,
        "ended_memberships": ended,
        "transfers": transfers,
    }


# Stored in the records (data, not interface): the federation's own wording.
ROSTER_LEFT_REASON = "花名册导入：名单中已无此人"
ROSTER_TRANSFER_REASON = "花名册导入：在本市场名单中"


@transaction.atomic
def members_undo_roster(
    *,
    organization: Organization,
    undo: dict[str, Any],
    since_record_id: int,
    by: AbstractBaseUser,
    batch: int,
) -> None:
    """Put back exactly what a roster import changed, unless someone changed one of its
    members since (then refuse, with nothing written)."""
    scope.require(scope.may_change_members_of(by, organization))
    created = undo["created"]
    updated = [int(pk) for pk in undo["previous"]]
    left = undo["left"]
    touched = sorted({*created, *updated, *left})
    _lock_members(touched)
    if members_changed_since(touched, since_record_id):
        raise ValidationError(
            _("Members of this import were changed since; it can no longer be undone.")
        )
    params = {"batch": batch}
    TransferRequest.objects.filter(pk__in=undo["transfers"], status=TransferStatus.PENDING).update(
        status=TransferStatus.CANCELLED, decided_by=by, decided_at=timezone.now()
    )
    for start in range(0, len(created), _UPDATE_CHUNK):
        ids = created[start : start + _UPDATE_CHUNK]
        with counts_kept(ids):
            Member.objects.filter(pk__in=ids).delete()
    if left:
        with counts_kept(left):
            Membership.objects.filter(pk__in=undo["ended_memberships"]).update(
                ends_on=None, end_reason="", reaches=True
            )
            Member.objects.filter(pk__in=left).update(
                status=MemberStatus.CURRENT,
                left_on=None,
                left_reason="",
                version=F("version") + 1,
                updated_at=timezone.now(),
            )
        _bulk_history(left, by=by, action="import_undone", params=params)
    for start in range(0, len(updated), _UPDATE_CHUNK):
        chunk = updated[start : start + _UPDATE_CHUNK]
        by_pk = Member.objects.in_bulk(chunk)
        fields: set[str] = set()
        for pk in chunk:
            member = by_pk[pk]
            for name, value in undo["previous"][str(pk)].items():
                if name in SECRET_FIELDS:
                    value = crypto.decrypt(value)
                    member.id_number_digest = crypto.full_digest(value)
                    member.id_number_tail_digest = crypto.tail_digest(value)
                    fields.update({"id_number_digest", "id_number_tail_digest"})
                elif name in ("birth_date", "joined_on") and value:
                    value = datetime.date.fromisoformat(value)
                setattr(member, name, value)
                fields.add(name)
                if name == "name":
                    member.name_pinyin, member.name_initials = name_to_pinyin(value)
                    fields.update({"name_pinyin", "name_initials"})
            member.version += 1
            member.updated_at = timezone.now()
        try:
            with transaction.atomic():
                Member.objects.bulk_update(
                    list(by_pk.values()), [*sorted(fields), "version", "updated_at"]
                )
        except IntegrityError:
            raise ValidationError(
                _("Another member now holds one of the previous mobiles or ID numbers.")
            ) from None
        _bulk_history(chunk, by=by, action="import_undone", params=params)
