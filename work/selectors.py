"""Reads of the federation's work. Every list starts from what the user's scope holds."""

import datetime
from decimal import Decimal

from django.db.models import Count, F, Q, QuerySet, Sum
from django.utils import timezone

from federation import scope
from federation.models import Organization
from members.models import Member
from work.models import (
    Activity,
    Attendance,
    Certification,
    Deed,
    DeedStatus,
    Donation,
    DonationKind,
    JobPosting,
)


def activities_visible_to(user) -> QuerySet[Activity]:
    return Activity.objects.filter(
        organization__in=scope.organizations_with_work_access(user)
    ).select_related("organization", "venue_home", "series")


def deeds_visible_to(user) -> QuerySet[Deed]:
    return Deed.objects.filter(
        organization__in=scope.organizations_with_work_access(user)
    ).select_related("organization", "responsible")


def jobs_visible_to(user) -> QuerySet[JobPosting]:
    return JobPosting.objects.filter(
        organization__in=scope.organizations_with_work_access(user)
    ).select_related("organization")


def donations_visible_to(user) -> QuerySet[Donation]:
    return Donation.objects.filter(
        organization__in=scope.organizations_with_work_access(user)
    ).select_related("organization")


def organizations_for_recording(user) -> QuerySet[Organization]:
    return scope.organizations_changeable_by(user)


def activity_attendances(activity: Activity) -> QuerySet[Attendance]:
    return activity.attendances.select_related("member").order_by("at", "pk")


def activity_counts(activity: Activity) -> dict:
    totals = activity.attendances.aggregate(
        people=Count("pk"),
        members=Count("pk", filter=Q(member__isnull=False)),
        children=Sum("children"),
    )
    totals["children"] = totals["children"] or 0
    return totals


def checkin_window(activity: Activity) -> tuple[datetime.datetime, datetime.datetime]:
    """Check-in opens at midnight of the activity's day and closes when it ends."""
    local = timezone.localtime(activity.starts_at)
    opens = local.replace(hour=0, minute=0, second=0, microsecond=0)
    return opens, activity.ends_at


def checkin_state(activity: Activity, now: datetime.datetime | None = None) -> str:
    """'early', 'open' or 'closed'."""
    now = now or timezone.now()
    opens, closes = checkin_window(activity)
    if now < opens:
        return "early"
    if now >= closes:
        return "closed"
    return "open"


def member_activities(member: Member) -> QuerySet[Attendance]:
    """The activities a member attended (her record): the member page already checked that
    the reader may see her."""
    return (
        Attendance.objects.filter(member=member)
        .select_related("activity", "activity__organization")
        .order_by("-activity__starts_at")
    )


def member_help_received(member: Member) -> tuple[QuerySet[Deed], QuerySet[Donation]]:
    """The practical deeds and donations that name her (her record; as above)."""
    deeds = member.deeds_received.select_related("organization").order_by("-done_on", "-pk")
    donations = member.donations_received.select_related("organization").order_by(
        "-given_on", "-pk"
    )
    return deeds, donations


def members_certified(organization: Organization, certification: str) -> QuerySet[Member]:
    """Members who attended a training that certifies this, organized within the subtree."""
    subtree = Organization.objects.subtree_of([organization])
    return Member.objects.filter(
        attendances__activity__certifies=certification,
        attendances__activity__organization__in=subtree,
    ).distinct()


def open_jobs() -> QuerySet[JobPosting]:
    """What the public page shows: postings with openings left and not past their date."""
    today = timezone.localdate()
    return (
        JobPosting.objects.filter(filled__lt=F("openings"))
        .filter(Q(closes_on__isnull=True) | Q(closes_on__gte=today))
        .select_related("organization")
        .annotate(left=F("openings") - F("filled"))
        .order_by("-posted_on", "-pk")
    )


# --- Yearly totals: one function per section, called by the statistics ------------------


def _subtree(organization: Organization) -> QuerySet[Organization]:
    return Organization.objects.subtree_of([organization])


def activities_year(organization: Organization, year: int) -> dict:
    """Activities organized in the organization's subtree in the year, and who came."""
    activities = Activity.objects.filter(organization__in=_subtree(organization)).in_year(year)
    by_kind = dict(
        activities.order_by().values("kind").annotate(n=Count("pk")).values_list("kind", "n")
    )
    attendances = Attendance.objects.filter(activity__in=activities)
    totals = attendances.aggregate(
        attendances=Count("pk"),
        member_attendances=Count("pk", filter=Q(member__isnull=False)),
        guest_attendances=Count("pk", filter=Q(member__isnull=True)),
        children=Sum("children"),
        members=Count("member", distinct=True),
    )
    certified = dict(
        attendances.filter(member__isnull=False)
        .exclude(activity__certifies="")
        .values("activity__certifies")
        .annotate(n=Count("member", distinct=True))
        .order_by()
        .values_list("activity__certifies", "n")
    )
    return {
        "activities": activities.count(),
        "by_kind": by_kind,
        "attendances": totals["attendances"],
        "member_attendances": totals["member_attendances"],
        "guest_attendances": totals["guest_attendances"],
        "members": totals["members"],
        "children": totals["children"] or 0,
        "members_trained_as_streamers": certified.get(Certification.LIVESTREAM_SELLING, 0),
        "members_certified": certified,
    }


def deeds_year(organization: Organization, year: int) -> dict:
    deeds = Deed.objects.filter(organization__in=_subtree(organization), done_on__year=year)
    totals = deeds.aggregate(
        deeds=Count("pk"),
        done=Count("pk", filter=Q(status=DeedStatus.DONE)),
        open=Count("pk", filter=Q(status=DeedStatus.OPEN)),
        beneficiaries_counted=Sum("beneficiary_count"),
    )
    named = Member.objects.filter(deeds_received__in=deeds).distinct().count()
    return {
        "deeds": totals["deeds"],
        "done": totals["done"],
        "open": totals["open"],
        "beneficiary_members": named,
        "beneficiaries_counted": totals["beneficiaries_counted"] or 0,
    }


def jobs_year(organization: Organization, year: int) -> dict:
    jobs = JobPosting.objects.filter(organization__in=_subtree(organization), posted_on__year=year)
    totals = jobs.aggregate(postings=Count("pk"), openings=Sum("openings"), filled=Sum("filled"))
    return {
        "postings": totals["postings"],
        "openings": totals["openings"] or 0,
        "filled": totals["filled"] or 0,
    }


def donations_year(organization: Organization, year: int) -> dict:
    donations = Donation.objects.filter(
        organization__in=_subtree(organization), given_on__year=year
    )
    totals = donations.aggregate(
        donations=Count("pk"),
        total=Sum("value_yuan"),
        money=Sum("value_yuan", filter=Q(kind=DonationKind.MONEY)),
        goods=Sum("value_yuan", filter=Q(kind=DonationKind.GOODS)),
        money_donations=Count("pk", filter=Q(kind=DonationKind.MONEY)),
        goods_donations=Count("pk", filter=Q(kind=DonationKind.GOODS)),
    )
    zero = Decimal("0.00")
    return {
        "donations": totals["donations"],
        "money_donations": totals["money_donations"],
        "goods_donations": totals["goods_donations"],
        "value_yuan": totals["total"] or zero,
        "money_yuan": totals["money"] or zero,
        "goods_yuan": totals["goods"] or zero,
    }
