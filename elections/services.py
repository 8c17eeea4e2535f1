"""Elections (换届) and mid-term changes of officers (增补, 替补, ending an office).

Dates follow the memberships' rule: an end date is the first day no longer included, so an
election on 1 March ends the old term and its offices on 1 March and starts the new ones
on the same date. Only those who administer the organization (federation.scope) may run
any of these; a caller without that ability is refused before anything is read or written.
"""

import datetime
from collections.abc import Sequence

from django.contrib.auth.base_user import AbstractBaseUser
from django.core.exceptions import ValidationError
from django.db import transaction
from django.db.models import Max
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import change_record
from federation import scope
from federation.models import Office, Organization, Position, Term
from members.models import Member, Membership, MemberStatus

# --- Helpers --------------------------------------------------------------------------------


def _lock(organization: Organization) -> None:
    # Two staff running the same election, or an election and a replacement at once, would
    # otherwise both read "the current term" and one of them hit a constraint mid-way.
    list(Organization.objects.select_for_update().filter(pk=organization.pk).values_list("pk"))


def _not_in_future(day: datetime.date, field: str) -> None:
    if day > timezone.localdate():
        raise ValidationError(
            {field: ValidationError(_("The date cannot be in the future."), code="future")}
        )


def _plain_names(members: Sequence[Member]) -> list[str] | None:
    return [member.name for member in members] or None


def _check_members_of(
    organization: Organization, day: datetime.date, people: Sequence[tuple[str, Member]]
) -> None:
    """Each person must be a current member of the organization or of something under it,
    with a membership in force on that day. Errors are keyed by the argument naming her."""
    subtree = Organization.objects.subtree_of([organization])
    eligible = set(
        Membership.objects.on(day)
        .filter(
            organization__in=subtree,
            member__in=[member.pk for _field, member in people],
            member__status=MemberStatus.CURRENT,
        )
        .values_list("member_id", flat=True)
    )
    errors: dict[str, list[ValidationError]] = {}
    for field, member in people:
        if member.pk not in eligible:
            errors.setdefault(field, []).append(
                ValidationError(
                    _(
                        "%(name)s is not a current member of %(organization)s or of an "
                        "organization under it on %(date)s."
                    ),
                    code="not_a_member",
                    params={
                        "name": member.name,
                        "organization": organization.name,
                        "date": day.isoformat(),
                    },
                )
            )
    if errors:
        raise ValidationError(errors)


def _current_term(organization: Organization) -> Term | None:
    return Term.objects.filter(organization=organization, ends_on__isnull=True).first()


# --- Elections ------------------------------------------------------------------------------


@transaction.atomic
def election_hold(
    *,
    organization: Organization,
    number: int,
    starts_on: datetime.date,
    chair: Member,
    vice_chairs: Sequence[Member],
    executives: Sequence[Member],
    by: AbstractBaseUser,
) -> Term:
    """Close the current term and its offices on starts_on, open term `number` with its
    officers. Past terms and their officers stay as they were."""
    scope.require(scope.may_administer(by, organization))
    _lock(organization)
    _not_in_future(starts_on, "starts_on")
    terms = Term.objects.filter(organization=organization)
    previous = terms.order_by("-number").first()
    current = terms.filter(ends_on__isnull=True).first()
    if previous is not None:
        if number <= previous.number:
            raise ValidationError(
                {
                    "number": ValidationError(
                        _("The term number must be greater than %(number)s, the previous term."),
                        code="number_not_after_previous",
                        params={"number": previous.number},
                    )
                }
            )
        # The same day would leave the previous term without a single day.
        if starts_on <= previous.starts_on:
            raise ValidationError(
                {
                    "starts_on": ValidationError(
                        _("The new term must start after %(date)s, when the previous term began."),
                        code="starts_before_previous",
                        params={"date": previous.starts_on.isoformat()},
                    )
                }
            )
        if previous.ends_on is not None and starts_on < previous.ends_on:
            raise ValidationError(
                {
                    "starts_on": ValidationError(
                        _(
                            "The new term cannot start before %(date)s, when the previous "
                            "term ended."
                        ),
                        code="overlaps_previous",
                        params={"date": previous.ends_on.isoformat()},
                    )
                }
            )
    if current is not None:
        latest_change = current.offices.aggregate(latest=Max("starts_on"))["latest"]
        if latest_change is not None and starts_on < latest_change:
            raise ValidationError(
                {
                    "starts_on": ValidationError(
                        _(
                            "The new term cannot start before %(date)s, when the last change "
                            "of officers in the current term took effect."
                        ),
                        code="before_last_change",
                        params={"date": latest_change.isoformat()},
                    )
                }
            )

    people = [
        ("chair", chair),
        *(("vice_chairs", member) for member in vice_chairs),
        *(("executives", member) for member in executives),
    ]
    seen: set[int] = set()
    duplicates: dict[str, list[ValidationError]] = {}
    for field, member in people:
        if member.pk in seen:
            duplicates.setdefault(field, []).append(
                ValidationError(
                    _("%(name)s is listed more than once."),
                    code="duplicate",
                    params={"name": member.name},
                )
            )
        seen.add(member.pk)
    if duplicates:
        raise ValidationError(duplicates)
    _check_members_of(organization, starts_on, people)

    before = {Position.CHAIR: [], Position.VICE_CHAIR: [], Position.EXECUTIVE: []}
    if current is not None:
        sitting = current.offices.filter(ends_on__isnull=True).select_related("member")
        for office in sitting.order_by("starts_on", "pk"):
            before[office.position].append(office.member)
        current.offices.filter(ends_on__isnull=True).update(ends_on=starts_on)
        current.ends_on = starts_on
        current.save(update_fields=["ends_on"])

    term = Term.objects.create(organization=organization, number=number, starts_on=starts_on)
    Office.objects.bulk_create(
        Office(
            term=term,
            organization=organization,
            member=member,
            position={
                "chair": Position.CHAIR,
                "vice_chairs": Position.VICE_CHAIR,
                "executives": Position.EXECUTIVE,
            }[field],
            starts_on=starts_on,
        )
        for field, member in people
    )

    change_record(
        target=organization,
        by=by,
        action="election",
        params={
            "number": number,
            "date": starts_on,
            "chair": chair.name,
            "vice_chairs": [member.name for member in vice_chairs],
            "executives": [member.name for member in executives],
        },
        changes={
            "term": (current.number if current else None, number),
            Position.CHAIR: (
                before[Position.CHAIR][0].name if before[Position.CHAIR] else None,
                chair.name,
            ),
            Position.VICE_CHAIR: (
                _plain_names(before[Position.VICE_CHAIR]),
                _plain_names(vice_chairs),
            ),
            Position.EXECUTIVE: (
                _plain_names(before[Position.EXECUTIVE]),
                _plain_names(executives),
            ),
        },
    )
    return term


# --- Mid-term changes -----------------------------------------------------------------------


def _open_office(office: Office) -> Office:
    """The office as it is now in the database, refused if it is no longer held."""
    office = Office.objects.select_related("term", "member", "organization").get(pk=office.pk)
    if office.ends_on is not None or office.term.ends_on is not None:
        raise ValidationError(_("This office has already ended."), code="ended")
    return office


def _not_before_office(day: datetime.date, office: Office, field: str) -> None:
    if day < office.starts_on:
        raise ValidationError(
            {
                field: ValidationError(
                    _("The date cannot be before %(date)s, when %(name)s took office."),
                    code="before_office",
                    params={"date": office.starts_on.isoformat(), "name": office.member.name},
                )
            }
        )


@transaction.atomic
def office_add(
    *,
    organization: Organization,
    member: Member,
    position: str,
    starts_on: datetime.date,
    by: AbstractBaseUser,
) -> Office:
    """Add an officer to the current term (增补)."""
    scope.require(scope.may_administer(by, organization))
    _lock(organization)
    if position not in Position.values:
        raise ValidationError({"position": ValidationError(_("Choose a position."))})
    term = _current_term(organization)
    if term is None:
        raise ValidationError(
            _("There is no current term: run an election first."), code="no_current_term"
        )
    _not_in_future(starts_on, "starts_on")
    if starts_on < term.starts_on:
        raise ValidationError({"starts_on": _("An office cannot start before its term.")})
    sitting = Office.objects.filter(term=term, ends_on__isnull=True)
    if sitting.filter(member=member).exists():
        raise ValidationError(
            {
                "member": ValidationError(
                    _("%(name)s already holds an office in this term."),
                    code="already_in_office",
                    params={"name": member.name},
                )
            }
        )
    if position == Position.CHAIR and sitting.filter(position=Position.CHAIR).exists():
        raise ValidationError(
            {
                "position": ValidationError(
                    _("The organization already has a chair: replace her instead."),
                    code="chair_taken",
                )
            }
        )
    _check_members_of(organization, starts_on, [("member", member)])
    office = Office.objects.create(term=term, member=member, position=position, starts_on=starts_on)
    change_record(
        target=organization,
        by=by,
        action="office_add",
        params={"position": position, "name": member.name, "date": starts_on},
        changes={position: (None, member.name)},
    )
    return office


@transaction.atomic
def office_replace(
    *, office: Office, member: Member, starts_on: datetime.date, by: AbstractBaseUser
) -> Office:
    """Replace an officer mid-term (替补): her office ends on starts_on and the new officer's
    begins that day. An officer moving up (a vice-chair replacing the chair) leaves her
    previous office on the same day, so that she holds one office at a time."""
    organization = office.organization
    scope.require(scope.may_administer(by, organization))
    _lock(organization)
    office = _open_office(office)
    _not_in_future(starts_on, "starts_on")
    _not_before_office(starts_on, office, "starts_on")
    if member.pk == office.member_id:
        raise ValidationError(
            {
                "member": ValidationError(
                    _("%(name)s already holds this office."),
                    code="same_person",
                    params={"name": member.name},
                )
            }
        )
    _check_members_of(organization, starts_on, [("member", member)])
    vacated = (
        Office.objects.filter(term=office.term, member=member, ends_on__isnull=True)
        .select_related("member")
        .first()
    )
    if vacated is not None:
        _not_before_office(starts_on, vacated, "starts_on")

    # Close first: the database allows one sitting chair per term at every moment.
    office.ends_on = starts_on
    office.save(update_fields=["ends_on"])
    if vacated is not None:
        vacated.ends_on = starts_on
        vacated.save(update_fields=["ends_on"])
    successor = Office.objects.create(
        term=office.term, member=member, position=office.position, starts_on=starts_on
    )

    changes = {office.position: (office.member.name, member.name)}
    if vacated is not None:
        changes[vacated.position] = (member.name, None)
    change_record(
        target=organization,
        by=by,
        action="office_replace",
        params={
            "position": office.position,
            "old": office.member.name,
            "new": member.name,
            "date": starts_on,
            "vacated": vacated.position if vacated is not None else "",
        },
        changes=changes,
    )
    return successor


@transaction.atomic
def office_end(*, office: Office, ends_on: datetime.date, by: AbstractBaseUser) -> Office:
    """End an office before its term ends, without a successor."""
    organization = office.organization
    scope.require(scope.may_administer(by, organization))
    _lock(organization)
    office = _open_office(office)
    _not_in_future(ends_on, "ends_on")
    _not_before_office(ends_on, office, "ends_on")
    office.ends_on = ends_on
    office.save(update_fields=["ends_on"])
    change_record(
        target=organization,
        by=by,
        action="office_end",
        params={"position": office.position, "name": office.member.name, "date": ends_on},
        changes={office.position: (office.member.name, None)},
    )
    return office
