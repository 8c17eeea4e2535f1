"""Writes on members. Each service is atomic and leaves a record of who did it."""

import datetime
import json
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.db.models import Exists, F, OuterRef, QuerySet
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.models import AccessEvent, AccessKind, ChangeRecord
from audit.services import access_record, change_record
from federation.models import Organization
from members.models import (
    Member,
    Membership,
    MembershipScope,
    MemberStatus,
    Tag,
    TransferRequest,
    TransferStatus,
)
from members.selectors import member_by_mobile_or_id


def _labelled(instance, fields: list[str]) -> dict[str, Any]:
    """Field values under their (translated) labels, choices shown as people read them."""
    data = {}
    for name in fields:
        field = instance._meta.get_field(name)
        display = getattr(instance, f"get_{name}_display", None)
        value = display() if callable(display) else getattr(instance, name)
        if hasattr(value, "pk"):
            value = str(value)
        data[str(field.verbose_name)] = value
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
    document = {
        "exported_at": timezone.now(),
        "exported_by": by.get_username(),
        **member_personal_data(member=member),
    }
    access_record(
        kind=AccessKind.PERSONAL_DATA_EXPORT, request=request, user=by, target=member, row_count=1
    )
    return json.dumps(document, cls=DjangoJSONEncoder, ensure_ascii=False, indent=2).encode()


@transaction.atomic
def member_erase(*, member: Member, by: AbstractBaseUser, request=None) -> Member:
    """Remove what identifies her; keep what past statistics count.

    Kept: memberships with their dates, offices, honors, occupation, political status,
    education and the year of birth, so that "members on 31 December 2025" by market, age
    band or occupation stays the same. Removed: name, mobile, ID number, exact birth date,
    ethnicity, shop, tags, notes.
    """
    member = Member.objects.select_for_update().get(pk=member.pk)
    today = timezone.localdate()
    if member.status == MemberStatus.CURRENT:
        member.status = MemberStatus.LEFT
        member.left_on = max(today, member.joined_on)
        member.left_reason = "本人申请删除个人信息"
        member.memberships.filter(ends_on__isnull=True).update(
            ends_on=member.left_on, end_reason="本人申请删除个人信息"
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


# --- Registering and correcting members ----------------------------------------------------


class ConcurrentEditError(Exception):
    """Someone else saved the member after this form was opened."""

    def __init__(self, latest: ChangeRecord | None):
        self.latest = latest
        super().__init__("member changed meanwhile")


# Fields a market chair may correct; ID numbers are for district and cluster staff only.
CHAIR_FIELDS = [
    "name",
    "sex",
    "mobile",
    "birth_date",
    "ethnicity",
    "political_status",
    "education",
    "occupation",
    "shop",
    "notes",
]
STAFF_FIELDS = [*CHAIR_FIELDS, "id_number", "joined_on"]
_SECRET_FIELDS = {"id_number"}


def _shown(member: Member, field: str):
    value = getattr(member, field)
    if field in _SECRET_FIELDS:
        return f"…{value[-4:]}" if value else ""
    display = getattr(member, f"get_{field}_display", None)
    if callable(display):
        return display()
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
    member = Member(joined_on=joined_on, **fields)
    member.full_clean()
    member.save(force_insert=True)
    Membership.objects.create(member=member, organization=market, starts_on=joined_on)
    if home is not None:
        Membership.objects.create(member=member, organization=home, starts_on=joined_on)
    if tags:
        member.tags.add(*tags)
    change_record(
        target=member,
        by=by,
        action="create",
        summary=f"登记入会：{market}" + (f"，{home}" if home else ""),
    )
    return member


@transaction.atomic
def member_update(
    *, member: Member, version: int, by: AbstractBaseUser, allowed: list[str], **fields: Any
) -> Member:
    """Save the fields the editor's role allows; refuse if the member changed meanwhile."""
    locked = Member.objects.select_for_update().get(pk=member.pk)
    if locked.version != version:
        raise ConcurrentEditError(member_latest_change(locked))
    changes = {}
    for name, value in fields.items():
        if name not in allowed:
            raise PermissionError(f"field {name!r} may not be changed by this role")
        before = _shown(locked, name)
        setattr(locked, name, value)
        after = _shown(locked, name)
        if before != after:
            changes[name] = (before, after)
    if not changes:
        return locked
    locked.full_clean()
    locked.version = F("version") + 1
    locked.save(update_fields=[*fields, "version", "updated_at"])
    locked.refresh_from_db(fields=["version"])
    change_record(
        target=locked,
        by=by,
        action="update",
        summary="修改：" + "、".join(str(Member._meta.get_field(f).verbose_name) for f in changes),
        changes=changes,
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
    member = Member.objects.select_for_update().get(pk=member.pk)
    if member.status == MemberStatus.CURRENT:
        return member
    if member.erased_at is not None:
        raise ValidationError(_("Her personal data was erased; register her anew."))
    holder, field = member_by_mobile_or_id(mobile=member.mobile, id_number=member.id_number)
    if holder is not None:
        raise ValidationError(
            _("%(name)s, a current member, now has this %(field)s.")
            % {"name": holder.name, "field": Member._meta.get_field(field).verbose_name}
        )
    member.status = MemberStatus.CURRENT
    member.left_on = None
    member.left_reason = ""
    member.version += 1
    member.save(update_fields=["status", "left_on", "left_reason", "version", "updated_at"])
    Membership.objects.create(member=member, organization=market, starts_on=restored_on)
    change_record(
        target=member, by=by, action="restore", summary=f"恢复会籍：{market}（{restored_on}）"
    )
    return member


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
        summary=f"申请调动：{current.organization} → {to_organization}（{effective_on}）",
    )
    return transfer


@transaction.atomic
def transfer_confirm(*, transfer: TransferRequest, by: AbstractBaseUser) -> TransferRequest:
    """The other side agrees: the old market membership ends, the new one starts."""
    transfer = TransferRequest.objects.select_for_update().get(pk=transfer.pk)
    if transfer.status != TransferStatus.PENDING:
        raise ValidationError(_("This transfer has already been decided."))
    member = Member.objects.select_for_update().get(pk=transfer.member_id)
    old = member.memberships.filter(
        ends_on__isnull=True, organization=transfer.from_organization
    ).first()
    if old is None or member.status != MemberStatus.CURRENT:
        raise ValidationError(_("She is no longer a member of the market she was to leave."))
    old.ends_on = transfer.effective_on
    old.end_reason = f"调至{transfer.to_organization}"
    old.save(update_fields=["ends_on", "end_reason"])
    # Her homes belong to the market she leaves: those memberships end with it.
    from_subtree = Organization.objects.subtree_of([transfer.from_organization])
    member.memberships.filter(
        ends_on__isnull=True, scope=MembershipScope.HOME, organization__in=from_subtree
    ).update(ends_on=transfer.effective_on, end_reason=f"调至{transfer.to_organization}")
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
        summary=f"调动确认：{transfer.from_organization} → {transfer.to_organization}"
        f"（{transfer.effective_on}）",
    )
    return transfer


@transaction.atomic
def transfer_decline(
    *, transfer: TransferRequest, by: AbstractBaseUser, cancel: bool = False
) -> TransferRequest:
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
        summary=("撤回调动：" if cancel else "拒绝调动：")
        + f"{transfer.from_organization} → {transfer.to_organization}",
    )
    return transfer


# --- Bulk actions on a selection -------------------------------------------------------


@transaction.atomic
def members_add_tag(*, members: QuerySet, tag: Tag, by: AbstractBaseUser) -> int:
    through = Member.tags.through
    ids = list(members.exclude(tags=tag).values_list("pk", flat=True))
    through.objects.bulk_create([through(member_id=pk, tag_id=tag.pk) for pk in ids])
    _bulk_history(ids, by=by, action="tag_added", summary=f"添加标签：{tag}")
    return len(ids)


@transaction.atomic
def members_remove_tag(*, members: QuerySet, tag: Tag, by: AbstractBaseUser) -> int:
    through = Member.tags.through
    ids = list(members.filter(tags=tag).values_list("pk", flat=True))
    through.objects.filter(member_id__in=ids, tag_id=tag.pk).delete()
    _bulk_history(ids, by=by, action="tag_removed", summary=f"移除标签：{tag}")
    return len(ids)


@transaction.atomic
def members_assign_home(
    *, members: QuerySet, home: Organization, starts_on: datetime.date, by: AbstractBaseUser
) -> int:
    """Put current members into a women's home or micro-home (leaving their other homes)."""
    already_there = Membership.objects.filter(
        member=OuterRef("pk"), organization=home, ends_on__isnull=True
    )
    ids = list(
        members.filter(status=MemberStatus.CURRENT)
        .exclude(Exists(already_there))
        .values_list("pk", flat=True)
    )
    Membership.objects.filter(
        member_id__in=ids, scope=MembershipScope.HOME, ends_on__isnull=True
    ).exclude(starts_on__gt=starts_on).update(ends_on=starts_on, end_reason=f"转入{home}")
    Membership.objects.bulk_create(
        [
            Membership(
                member_id=pk, organization=home, starts_on=starts_on, scope=MembershipScope.HOME
            )
            for pk in ids
        ]
    )
    _bulk_history(ids, by=by, action="home_assigned", summary=f"加入：{home}（{starts_on}）")
    return len(ids)


@transaction.atomic
def members_mark_left(
    *, members: QuerySet, left_on: datetime.date, reason: str, by: AbstractBaseUser
) -> int:
    # Members whose current membership began after that date are left out, not cut short.
    started_later = Membership.objects.filter(
        member=OuterRef("pk"), ends_on__isnull=True, starts_on__gt=left_on
    )
    ids = list(
        members.filter(status=MemberStatus.CURRENT, joined_on__lte=left_on)
        .exclude(Exists(started_later))
        .values_list("pk", flat=True)
    )
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
    _bulk_history(ids, by=by, action="left", summary=f"离开（{left_on}）：{reason}")
    return len(ids)


def _bulk_history(ids: list[int], *, by: AbstractBaseUser, action: str, summary: str) -> None:
    ChangeRecord.objects.bulk_create(
        [
            ChangeRecord(
                user=by,
                username=by.get_username(),
                object_type="members.member",
                object_id=str(pk),
                action=action,
                summary=summary,
            )
            for pk in ids
        ],
        batch_size=2000,
    )
