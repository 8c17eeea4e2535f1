"""A little of the federation's work for the demo district: a livestream training with some
attendees, the weekly parent-child market, a deed, job postings, a donation, and the 娘家有约
services with a week of duty slots. Each row has a demo key: a re-run adds only what is
missing, and leaves alone whatever someone changed since."""

import datetime
from decimal import Decimal

from django.contrib.auth import get_user_model
from django.db import models, transaction
from django.utils import timezone

from counselling.models import CounsellingService, DutySlot, IntakePoint, ServiceKind
from demo import plan
from demo.models import DemoObject
from federation.models import Organization
from members.models import Member
from work.models import (
    Activity,
    ActivityKind,
    ActivitySeries,
    Attendance,
    AttendanceSource,
    Certification,
    Deed,
    DeedStatus,
    Donation,
    DonationKind,
    JobPosting,
)


def _exists(key: str, model: type[models.Model]) -> bool:
    mark = DemoObject.objects.filter(key=key, model=model._meta.label_lower).first()
    return mark is not None and model._default_manager.filter(pk=mark.object_id).exists()


def _keep(key: str, row: models.Model) -> None:
    DemoObject.objects.update_or_create(
        key=key, defaults={"model": row._meta.label_lower, "object_id": row.pk}
    )


def _at(day: datetime.date, hour: int, minute: int = 0) -> datetime.datetime:
    return datetime.datetime.combine(
        day, datetime.time(hour, minute), tzinfo=timezone.get_current_timezone()
    )


@transaction.atomic
def load_work(organizations: dict[str, Organization]) -> int:
    """Returns how many rows were added."""
    added = 0
    today = timezone.localdate()
    market = organizations[plan.federation_name(plan.SHAOXING)]
    home = organizations.get(f"{plan.SHAOXING}妇女之家")
    cluster = organizations[plan.CLUSTER_NAME]
    members = list(
        Member.objects.current()
        .filter(memberships__organization=market, memberships__ends_on__isnull=True)
        .order_by("pk")[:12]
    )

    if not _exists("work:training", Activity):
        training = Activity.objects.create(
            organization=market,
            kind=ActivityKind.TRAINING,
            title="直播带货培训（第一期）",
            starts_at=_at(today - datetime.timedelta(days=14), 14),
            ends_at=_at(today - datetime.timedelta(days=14), 17),
            venue_home=home,
            capacity=60,
            certifies=Certification.LIVESTREAM_SELLING,
            description="抖音、快手开店与直播话术，邵兴城商户优先。",
        )
        Attendance.objects.bulk_create(
            Attendance(activity=training, member=m, source=AttendanceSource.ADDED)
            for m in members[:10]
        )
        _keep("work:training", training)
        added += 1 + len(members[:10])

    if not _exists("work:series", ActivitySeries):
        series = ActivitySeries.objects.create(title="红星小掌柜亲子市集", organization=market)
        saturday = today + datetime.timedelta(days=(5 - today.weekday()) % 7)
        for week in range(-2, 4):
            day = saturday + datetime.timedelta(weeks=week)
            activity = Activity.objects.create(
                organization=market,
                series=series,
                kind=ActivityKind.CHARITY_MARKET,
                title="红星小掌柜亲子市集",
                starts_at=_at(day, 9),
                ends_at=_at(day, 11, 30),
                venue_home=home,
            )
            if week < 0:
                Attendance.objects.bulk_create(
                    Attendance(activity=activity, member=m, children=1, source="added")
                    for m in members[week + 2 :: 3]
                )
        _keep("work:series", series)
        added += 6

    if not _exists("work:deed", Deed):
        deed = Deed.objects.create(
            organization=market,
            title="协调解决商户停车难",
            responsible=members[0] if members else None,
            beneficiary_count=40,
            done_on=today - datetime.timedelta(days=30),
            status=DeedStatus.DONE,
            evidence="与物业协商开放夜间停车位 40 个。",
        )
        _keep("work:deed", deed)
        added += 1

    for index, (employer, position, openings, pay) in enumerate(
        [("丹丹童装", "带货主播", 3, (5000, 9000)), ("大汉悦中心物业", "保洁员", 5, (2800, 3200))]
    ):
        key = f"work:job:{index}"
        if not _exists(key, JobPosting):
            job = JobPosting.objects.create(
                organization=market,
                employer=employer,
                position=position,
                openings=openings,
                pay_min=pay[0],
                pay_max=pay[1],
                posted_on=today - datetime.timedelta(days=7),
                closes_on=today + datetime.timedelta(days=30),
                contact="市场妇联办公室",
            )
            _keep(key, job)
            added += 1

    if not _exists("work:donation", Donation):
        donation = Donation.objects.create(
            kind=DonationKind.MONEY,
            donor="芦淞服饰商会",
            organization=cluster,
            value_yuan=Decimal("50000.00"),
            given_on=today - datetime.timedelta(days=60),
            purpose="困难商户子女助学",
        )
        _keep("work:donation", donation)
        added += 1

    counsellor = get_user_model().objects.filter(username="counsellor").first()
    for name, kind in (("心理咨询", ServiceKind.PSYCHOLOGICAL), ("法律咨询", ServiceKind.LEGAL)):
        key = f"counselling:service:{name}"
        if _exists(key, CounsellingService):
            continue
        service = CounsellingService.objects.create(name=name, kind=kind, organization=cluster)
        _keep(key, service)
        added += 1
        for offset in range(1, 8):
            slot = DutySlot.objects.create(
                service=service,
                starts_at=_at(today + datetime.timedelta(days=offset), 19),
                ends_at=_at(today + datetime.timedelta(days=offset), 21),
                capacity=4,
            )
            if counsellor is not None:
                slot.counsellors.set([counsellor])
            added += 1

    if not _exists("counselling:intake:shaoxing", IntakePoint):
        point, _ = IntakePoint.objects.get_or_create(organization=market)
        _keep("counselling:intake:shaoxing", point)
        added += 1
    return added
