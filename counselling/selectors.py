"""Reads of the counselling intake. Requests are read only through requests_visible_to."""

import datetime
from dataclasses import dataclass

from django.db.models import Count, F, Q, QuerySet
from django.utils import timezone

from counselling.models import (
    CounsellingRequest,
    CounsellingService,
    DutySlot,
    RequestStatus,
)
from federation import scope
from federation.models import Organization


def requests_visible_to(user) -> QuerySet[CounsellingRequest]:
    """Counsellors see the requests of their scope that wait for someone or were assigned to
    them; the district's administrators see every request of the district. Nobody else
    sees any (not chairs, not cluster staff, not viewers)."""
    if not scope.has_counselling_access(user):
        return CounsellingRequest.objects.none()
    requests = CounsellingRequest.objects.filter(
        organization__in=scope.organizations_with_counselling_access(user)
    ).select_related("service", "slot", "organization", "assigned_to")
    if not scope.may_manage_counselling(user):
        # A counsellor only: unassigned ones (to take) and her own.
        requests = requests.filter(Q(assigned_to__isnull=True) | Q(assigned_to=user))
    return requests


def overdue_condition(now: datetime.datetime | None = None) -> Q:
    now = now or timezone.now()
    return Q(status__in=[RequestStatus.NEW, RequestStatus.ASSIGNED], callback_due__lt=now)


@dataclass(frozen=True)
class RequestAbilities:
    take: bool
    assign: bool
    call_back: bool
    close: bool
    read_closing_note: bool


def request_abilities(*, user, request: CounsellingRequest) -> RequestAbilities:
    mine = request.assigned_to_id is not None and request.assigned_to_id == user.pk
    open_ = request.status != RequestStatus.CLOSED and request.anonymized_at is None
    return RequestAbilities(
        take=open_
        and request.assigned_to_id is None
        and scope.is_counsellor_for(user, request.organization),
        assign=open_ and scope.may_manage_counselling(user),
        call_back=open_ and mine and request.status == RequestStatus.ASSIGNED,
        close=open_ and mine,
        read_closing_note=mine,
    )


def services_offered() -> QuerySet[CounsellingService]:
    return CounsellingService.objects.filter(active=True).order_by("name")


def bookable_slots(
    service: CounsellingService | None = None, now: datetime.datetime | None = None
) -> QuerySet[DutySlot]:
    """Slots still ahead with room for another call-back."""
    now = now or timezone.now()
    slots = (
        DutySlot.objects.filter(starts_at__gt=now, service__active=True)
        # A booked place stays taken once the call is done: the slot's time was spent.
        .annotate(booked=Count("requests"))
        .filter(booked__lt=F("capacity"))
        .select_related("service")
        .order_by("starts_at", "pk")
    )
    if service is not None:
        slots = slots.filter(service=service)
    return slots


def roster(from_day: datetime.date, days: int = 14) -> QuerySet[DutySlot]:
    start = datetime.datetime.combine(
        from_day, datetime.time.min, tzinfo=timezone.get_current_timezone()
    )
    return (
        DutySlot.objects.filter(
            starts_at__gte=start, starts_at__lt=start + datetime.timedelta(days=days)
        )
        .select_related("service")
        .prefetch_related("counsellors")
        .annotate(booked=Count("requests"))
        .order_by("starts_at", "pk")
    )


def counsellors_for(organization: Organization):
    return scope.counsellors_covering(organization)


# --- Yearly totals (the statistics): counts only, never content --------------------------


def counselling_year(organization: Organization, year: int) -> dict:
    """Requests received in the year from the organization's subtree: counts by service,
    topic and status. Nothing a person could be recognized by."""
    requests = CounsellingRequest.objects.filter(
        organization__in=Organization.objects.subtree_of([organization]), created_at__year=year
    ).order_by()

    def by(field: str) -> dict:
        return dict(requests.values(field).annotate(n=Count("pk")).values_list(field, "n"))

    return {
        "requests": requests.count(),
        "by_service": by("service__name"),
        "by_topic": by("topic"),
        "by_status": by("status"),
    }
