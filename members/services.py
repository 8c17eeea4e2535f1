"""Writes on members. Each service is atomic and leaves a record of who did it."""

import datetime
import json
from typing import Any

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.serializers.json import DjangoJSONEncoder
from django.db import transaction
from django.utils import timezone

from audit.models import AccessEvent, AccessKind
from audit.services import access_record
from members.models import Member, MemberStatus


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
