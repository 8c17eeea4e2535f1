"""Writes of the federation's work. Each refuses a caller without the ability (scope)."""

import datetime
from decimal import Decimal

from django.core.exceptions import ValidationError
from django.db import IntegrityError, transaction
from django.utils import timezone
from django.utils.translation import gettext as _

from audit.services import change_record
from federation import scope
from federation.models import Organization
from members.models import Member
from members.selectors import members_visible_to
from work.models import (
    Activity,
    ActivitySeries,
    Attendance,
    AttendanceSource,
    Deed,
    DeedStatus,
    Donation,
    JobPosting,
)
from work.selectors import checkin_state

MAX_OCCURRENCES = 52


@transaction.atomic
def activity_create(
    *,
    organization: Organization,
    kind: str,
    title: str,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    by,
    venue_home: Organization | None = None,
    venue_address: str = "",
    capacity: int | None = None,
    description: str = "",
    certifies: str = "",
    repeat_weekly: int = 1,
) -> list[Activity]:
    """One activity, or a weekly series of `repeat_weekly` occurrences (the weekly market)."""
    scope.require(scope.may_record_work_of(by, organization))
    if venue_home is not None:
        scope.require(scope.may_see(by, venue_home))
    if ends_at <= starts_at:
        raise ValidationError(_("The activity must end after it starts."))
    if not 1 <= repeat_weekly <= MAX_OCCURRENCES:
        raise ValidationError(_("A series has between 1 and 52 weekly occurrences."))
    series = None
    if repeat_weekly > 1:
        series = ActivitySeries.objects.create(title=title, organization=organization)
    created = []
    for week in range(repeat_weekly):
        shift = datetime.timedelta(weeks=week)
        activity = Activity.objects.create(
            organization=organization,
            series=series,
            kind=kind,
            title=title,
            starts_at=starts_at + shift,
            ends_at=ends_at + shift,
            venue_home=venue_home,
            venue_address=venue_address,
            capacity=capacity,
            description=description,
            certifies=certifies,
            created_by=by,
        )
        created.append(activity)
    change_record(
        target=created[0],
        by=by,
        action="activity_created",
        params={"title": title, "occurrences": repeat_weekly},
    )
    return created


def _full(activity: Activity) -> bool:
    return activity.capacity is not None and activity.attendances.count() >= activity.capacity


@transaction.atomic
def attendance_add(*, activity: Activity, member: Member, by, children: int = 0) -> Attendance:
    """Staff or the home manager add a member from the directory."""
    scope.require(scope.may_record_work_of(by, activity.organization))
    scope.require(members_visible_to(by).filter(pk=member.pk).exists())
    Activity.objects.select_for_update().filter(pk=activity.pk).first()
    existing = activity.attendances.filter(member=member).first()
    if existing is not None:
        return existing
    if _full(activity):
        raise ValidationError(_("The activity is full."))
    attendance = Attendance.objects.create(
        activity=activity,
        member=member,
        children=children,
        source=AttendanceSource.ADDED,
        added_by=by,
    )
    change_record(
        target=member,
        by=by,
        action="attendance_added",
        params={"name": member.name, "title": activity.title},
    )
    return attendance


@transaction.atomic
def attendance_remove(*, attendance: Attendance, by) -> None:
    scope.require(scope.may_record_work_of(by, attendance.activity.organization))
    if attendance.member_id:
        change_record(
            target=attendance.member,
            by=by,
            action="attendance_removed",
            params={"name": attendance.member.name, "title": attendance.activity.title},
        )
    attendance.delete()


def _same_name(a: str, b: str) -> bool:
    return "".join(a.split()) == "".join(b.split())


@transaction.atomic
def attendance_check_in(
    *, activity: Activity, name: str, mobile: str, children: int = 0
) -> tuple[Attendance, bool]:
    """The public QR page: a current member whose mobile and name both match is recorded as
    herself; anyone else as a guest. Returns (attendance, whether she was already in)."""
    if checkin_state(activity) != "open":
        raise ValidationError(_("Check-in for this activity is closed."), code="closed")
    Activity.objects.select_for_update().filter(pk=activity.pk).first()
    member = Member.objects.current().filter(mobile=mobile, erased_at__isnull=True).first()
    if member is not None and not _same_name(member.name, name):
        member = None  # a mobile alone does not make her somebody else
    if member is not None:
        existing = activity.attendances.filter(member=member).first()
    else:
        existing = activity.attendances.filter(member__isnull=True, guest_mobile=mobile).first()
    if existing is not None:
        return existing, True
    if _full(activity):
        raise ValidationError(_("The activity is full."), code="full")
    try:
        with transaction.atomic():
            attendance = Attendance.objects.create(
                activity=activity,
                member=member,
                guest_name="" if member else name,
                guest_mobile="" if member else mobile,
                children=children,
                source=AttendanceSource.CHECKIN,
                at=timezone.now(),
            )
    except IntegrityError:  # checked in twice at the same moment
        if member is not None:
            return activity.attendances.get(member=member), True
        return activity.attendances.get(member__isnull=True, guest_mobile=mobile), True
    return attendance, False


@transaction.atomic
def deed_record(
    *,
    organization: Organization,
    title: str,
    done_on: datetime.date,
    by,
    responsible: Member | None = None,
    beneficiaries: list[Member] | tuple = (),
    beneficiary_count: int = 0,
    status: str = DeedStatus.OPEN,
    evidence: str = "",
) -> Deed:
    scope.require(scope.may_record_work_of(by, organization))
    _require_visible(by, [responsible, *beneficiaries])
    deed = Deed.objects.create(
        organization=organization,
        title=title,
        done_on=done_on,
        responsible=responsible,
        beneficiary_count=max(beneficiary_count, len(beneficiaries)),
        status=status,
        evidence=evidence,
    )
    if beneficiaries:
        deed.beneficiaries.set(beneficiaries)
    change_record(target=deed, by=by, action="deed_recorded", params={"title": title})
    return deed


@transaction.atomic
def deed_mark_done(*, deed: Deed, by, evidence: str = "") -> Deed:
    scope.require(scope.may_record_work_of(by, deed.organization))
    deed.status = DeedStatus.DONE
    if evidence:
        deed.evidence = f"{deed.evidence}\n{evidence}".strip()
    deed.save(update_fields=["status", "evidence"])
    change_record(target=deed, by=by, action="deed_done", params={"title": deed.title})
    return deed


@transaction.atomic
def job_post(*, organization: Organization, by, **fields) -> JobPosting:
    scope.require(scope.may_record_work_of(by, organization))
    if (
        fields.get("pay_min") is not None
        and fields.get("pay_max") is not None
        and fields["pay_min"] > fields["pay_max"]
    ):
        raise ValidationError(_("The lowest pay cannot be above the highest."))
    job = JobPosting.objects.create(organization=organization, **fields)
    change_record(
        target=job,
        by=by,
        action="job_posted",
        params={"position": job.position, "employer": job.employer},
    )
    return job


@transaction.atomic
def job_set_filled(*, job: JobPosting, filled: int, by) -> JobPosting:
    scope.require(scope.may_record_work_of(by, job.organization))
    if not 0 <= filled <= job.openings:
        raise ValidationError(
            _("Filled must be between 0 and %(openings)s.") % {"openings": job.openings}
        )
    job.filled = filled
    job.save(update_fields=["filled"])
    change_record(
        target=job,
        by=by,
        action="job_filled",
        params={"position": job.position, "filled": filled},
    )
    return job


@transaction.atomic
def donation_record(
    *,
    organization: Organization,
    kind: str,
    donor: str,
    value_yuan: Decimal,
    given_on: datetime.date,
    by,
    goods: str = "",
    purpose: str = "",
    recipients: list[Member] | tuple = (),
) -> Donation:
    scope.require(scope.may_record_work_of(by, organization))
    _require_visible(by, recipients)
    if value_yuan < 0:
        raise ValidationError(_("A donation's value cannot be negative."))
    donation = Donation.objects.create(
        organization=organization,
        kind=kind,
        donor=donor,
        value_yuan=value_yuan,
        given_on=given_on,
        goods=goods,
        purpose=purpose,
    )
    if recipients:
        donation.recipients.set(recipients)
    change_record(target=donation, by=by, action="donation_recorded", params={"donor": donor})
    return donation


# --- Corrections: edit a record, or delete one entered by mistake -------------------------


def _apply(record, values: dict, *, by, action: str, params: dict, members: dict | None = None):
    """Set the changed fields, save only those and record each field's old and new value.
    `members` sets lists of members (beneficiaries, recipients) the same way."""
    changes = {}
    for name, value in values.items():
        old = getattr(record, name)
        if old != value:
            changes[name] = (old, value)
            setattr(record, name, value)
    if changes:
        record.save(update_fields=list(changes))
    for name, final in (members or {}).items():
        relation = getattr(record, name)
        old = list(relation.order_by("pk"))
        if [member.pk for member in old] != [member.pk for member in final]:
            relation.set(final)
            changes[name] = (old, final)
    if changes:
        change_record(target=record, by=by, action=action, params=params, changes=changes)
    return record


def _require_visible(by, members) -> None:
    """Naming a member needs the right to see her (a crafted id of another market's member is
    refused before anything is written)."""
    ids = {member.pk for member in members if member is not None}
    if ids:
        seen = members_visible_to(by).filter(pk__in=ids).count()
        scope.require(seen == len(ids))


def _final_members(record, field: str, chosen, *, by) -> list[Member]:
    """The members a list (beneficiaries, recipients) holds after a correction.

    The form shows only the members she may see: those on the record whom she may not (a
    beneficiary who has since moved to another market) stay, unseen and unchanged. Adding a
    member needs the right to see her."""
    old_ids = set(getattr(record, field).values_list("pk", flat=True))
    _require_visible(by, [member for member in chosen if member.pk not in old_ids])
    seen = set(members_visible_to(by).filter(pk__in=old_ids).values_list("pk", flat=True))
    final = {member.pk: member for member in chosen}
    unseen = old_ids - seen - set(final)
    final.update(Member.objects.in_bulk(unseen))
    return [final[pk] for pk in sorted(final)]


def _may_move(by, record, organization: Organization) -> None:
    """Correcting a record needs the ability over its organization, and over the new one."""
    scope.require(scope.may_record_work_of(by, record.organization))
    if organization != record.organization:
        scope.require(scope.may_record_work_of(by, organization))


@transaction.atomic
def activity_update(
    *,
    activity: Activity,
    by,
    organization: Organization,
    kind: str,
    title: str,
    starts_at: datetime.datetime,
    ends_at: datetime.datetime,
    venue_home: Organization | None = None,
    venue_address: str = "",
    capacity: int | None = None,
    description: str = "",
    certifies: str = "",
) -> Activity:
    """Correct one occurrence (the others of a series keep their own details)."""
    _may_move(by, activity, organization)
    if venue_home is not None and venue_home != activity.venue_home:
        scope.require(scope.may_see(by, venue_home))
    if ends_at <= starts_at:
        raise ValidationError(_("The activity must end after it starts."))
    Activity.objects.select_for_update().filter(pk=activity.pk).first()
    attending = activity.attendances.count()
    if capacity is not None and capacity < attending:
        raise ValidationError(
            _("%(count)s people are already signed up: the capacity cannot be lower.")
            % {"count": attending}
        )
    values = {
        "organization": organization,
        "kind": kind,
        "title": title,
        "starts_at": starts_at,
        "ends_at": ends_at,
        "venue_home": venue_home,
        "venue_address": venue_address,
        "capacity": capacity,
        "description": description,
        "certifies": certifies,
    }
    return _apply(activity, values, by=by, action="activity_edited", params={"title": title})


@transaction.atomic
def activity_delete(*, activity: Activity, by) -> None:
    """Only an activity nobody attends: attendance is part of members' records."""
    scope.require(scope.may_record_work_of(by, activity.organization))
    Activity.objects.select_for_update().filter(pk=activity.pk).first()
    if activity.attendances.exists():
        raise ValidationError(
            _("This activity has attendees: remove them first, then delete it."), code="attended"
        )
    change_record(
        target=activity, by=by, action="activity_deleted", params={"title": activity.title}
    )
    activity.delete()


@transaction.atomic
def deed_update(
    *,
    deed: Deed,
    by,
    organization: Organization,
    title: str,
    done_on: datetime.date,
    responsible: Member | None = None,
    beneficiaries: list[Member] | tuple | None = None,
    beneficiary_count: int = 0,
    status: str = DeedStatus.OPEN,
    evidence: str = "",
) -> Deed:
    """Correct a deed; `beneficiaries` None leaves the named beneficiaries as they are."""
    _may_move(by, deed, organization)
    if responsible is not None and responsible != deed.responsible:
        _require_visible(by, [responsible])
    members = {}
    if beneficiaries is not None:
        members["beneficiaries"] = _final_members(deed, "beneficiaries", beneficiaries, by=by)
    named = len(members["beneficiaries"]) if members else deed.beneficiaries.count()
    values = {
        "organization": organization,
        "title": title,
        "done_on": done_on,
        "responsible": responsible,
        # The count covers at least the members named.
        "beneficiary_count": max(beneficiary_count, named),
        "status": status,
        "evidence": evidence,
    }
    return _apply(
        deed, values, by=by, action="deed_edited", params={"title": title}, members=members
    )


@transaction.atomic
def deed_delete(*, deed: Deed, by) -> None:
    scope.require(scope.may_record_work_of(by, deed.organization))
    change_record(target=deed, by=by, action="deed_deleted", params={"title": deed.title})
    deed.delete()


@transaction.atomic
def job_update(*, job: JobPosting, by, organization: Organization, **fields) -> JobPosting:
    _may_move(by, job, organization)
    if (
        fields.get("pay_min") is not None
        and fields.get("pay_max") is not None
        and fields["pay_min"] > fields["pay_max"]
    ):
        raise ValidationError(_("The lowest pay cannot be above the highest."))
    if fields.get("openings") is not None and fields["openings"] < job.filled:
        raise ValidationError(
            _("%(filled)s positions are already filled: the openings cannot be fewer.")
            % {"filled": job.filled}
        )
    params = {
        "position": fields.get("position", job.position),
        "employer": fields.get("employer", job.employer),
    }
    return _apply(
        job, {"organization": organization, **fields}, by=by, action="job_edited", params=params
    )


@transaction.atomic
def job_delete(*, job: JobPosting, by) -> None:
    scope.require(scope.may_record_work_of(by, job.organization))
    change_record(
        target=job,
        by=by,
        action="job_deleted",
        params={"position": job.position, "employer": job.employer},
    )
    job.delete()


@transaction.atomic
def donation_update(
    *,
    donation: Donation,
    by,
    organization: Organization,
    recipients: list[Member] | tuple | None = None,
    **fields,
) -> Donation:
    """Correct a donation; `recipients` None leaves the named recipients as they are."""
    _may_move(by, donation, organization)
    if fields.get("value_yuan") is not None and fields["value_yuan"] < 0:
        raise ValidationError(_("A donation's value cannot be negative."))
    members = {}
    if recipients is not None:
        members["recipients"] = _final_members(donation, "recipients", recipients, by=by)
    return _apply(
        donation,
        {"organization": organization, **fields},
        by=by,
        action="donation_edited",
        params={"donor": fields.get("donor", donation.donor)},
        members=members,
    )


@transaction.atomic
def donation_delete(*, donation: Donation, by) -> None:
    scope.require(scope.may_record_work_of(by, donation.organization))
    change_record(
        target=donation, by=by, action="donation_deleted", params={"donor": donation.donor}
    )
    donation.delete()
