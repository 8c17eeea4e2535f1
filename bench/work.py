"""The QR check-in, the activity pages and the yearly totals on 100,000 members, beside the
Django admin's member search that staff would otherwise use to type in a paper sign-in sheet.

    python bench/work.py [--members 100000] [--runs 30] [--warmup 5]
        [--database-url postgres://postgres@127.0.0.1:5432/lusong_bench]

Seeds like bench/directory.py (seed_demo, idempotent), then adds once 300 activities of
50 attendees each in the demo's first market (titles starting "bench:"), and times in-process
with django.test.Client: a check-in POST by a member (mobile + name matched among 100,000),
the admin changelist searching that member's name, the activity list, an activity with its
50 attendees, a member's record with her activities panel, and activities_year over the
district. Each check-in is a different member from a different address, as at a venue.
"""

import argparse
import datetime
import statistics
import sys
import time
from pathlib import Path
from urllib.parse import urlsplit

sys.path.insert(0, str(Path(__file__).resolve().parent.parent))

from bench.directory import (
    DEFAULT_DATABASE_URL,
    configure,
    create_database_if_missing,
    machine_facts,
    prepare,
)


def bench_activities(count: int = 300, attendees: int = 50):
    from django.utils import timezone

    from demo import plan
    from federation.models import Organization
    from members.models import Member
    from work.models import Activity, Attendance

    market = Organization.objects.get(name=plan.federation_name(plan.SHAOXING))
    existing = Activity.objects.filter(title__startswith="bench:").count()
    members = list(Member.objects.current().order_by("pk").values_list("pk", flat=True)[:5000])
    now = timezone.now()
    for n in range(existing, count):
        start = now - datetime.timedelta(days=n % 300, hours=2)
        activity = Activity.objects.create(
            organization=market,
            kind="training",
            title=f"bench: 培训 {n}",
            starts_at=start,
            ends_at=start + datetime.timedelta(hours=2),
            venue_address="bench",
            certifies="livestream_selling" if n % 3 == 0 else "",
        )
        picked = members[(n * attendees) % 4950 :][:attendees]
        Attendance.objects.bulk_create(
            Attendance(activity=activity, member_id=pk, source="added") for pk in picked
        )
    if existing < count:
        print(f"added {count - existing} bench activities of {attendees} attendees")
    today = timezone.localtime()
    checkin, _ = Activity.objects.get_or_create(
        title="bench: check-in",
        defaults={
            "organization": market,
            "kind": "training",
            "venue_address": "bench",
            "starts_at": today.replace(hour=0, minute=0, second=0),
            "ends_at": today.replace(hour=23, minute=59, second=0),
        },
    )
    checkin.attendances.all().delete()
    return checkin, Activity.objects.filter(title__startswith="bench:").exclude(
        pk=checkin.pk
    ).first()


def timed(call, runs: int, warmup: int) -> tuple[float, float, int]:
    from django.db import connection
    from django.test.utils import CaptureQueriesContext

    for _ in range(warmup):
        call()
    seconds = []
    for _ in range(runs):
        started = time.perf_counter()
        call()
        seconds.append((time.perf_counter() - started) * 1000)
    with CaptureQueriesContext(connection) as queries:
        call()
    seconds.sort()
    return statistics.median(seconds), seconds[int(len(seconds) * 0.95) - 1], len(queries)


def main() -> None:
    parser = argparse.ArgumentParser(description=__doc__.split("\n")[0])
    parser.add_argument("--members", type=int, default=100_000)
    parser.add_argument("--runs", type=int, default=30)
    parser.add_argument("--warmup", type=int, default=5)
    parser.add_argument("--database-url", default=DEFAULT_DATABASE_URL)
    args = parser.parse_args()
    if create_database_if_missing(args.database_url):
        print(f"created database {urlsplit(args.database_url).path.lstrip('/')}")
    configure(args.database_url)
    prepare(args.members)
    machine_facts()

    from django.contrib.auth import get_user_model
    from django.test import Client

    from federation.models import Organization
    from members.models import Member
    from work.selectors import activities_year

    checkin, busy = bench_activities()
    users = get_user_model().objects
    admin, chair = Client(), Client()
    admin.force_login(users.get(username="admin"))
    chair.force_login(users.get(username="chair_shaoxing"))
    public = Client()
    people = iter(Member.objects.current().order_by("-pk").values_list("name", "mobile")[:5000])
    counter = iter(range(10**6))

    def check_in():
        name, mobile = next(people)
        n = next(counter)
        response = public.post(
            f"/checkin/{checkin.checkin_token}/",
            {"name": name, "mobile": mobile},
            REMOTE_ADDR=f"10.{n // 65536 % 256}.{n // 256 % 256}.{n % 256}",
        )
        assert response.status_code == 200, response.status_code

    def admin_search():
        # The admin searches names, not mobiles: staff type the name from the paper sheet.
        name, _mobile = next(people)
        assert admin.get("/admin/members/member/", {"q": name}).status_code == 200

    from members.selectors import members_visible_to

    # A member of the chair's market who attended bench activities.
    attendee = (
        members_visible_to(users.get(username="chair_shaoxing"))
        .filter(attendances__activity__title__startswith="bench:")
        .values_list("pk", flat=True)
        .first()
    )
    district = Organization.objects.get(name="芦淞区妇联")
    year = checkin.starts_at.year
    cases = [
        ("QR check-in POST (member matched among all)", check_in),
        ("admin: member changelist, search her name", admin_search),
        ("activity list, chair (this year)", lambda: chair.get("/work/activities/")),
        (
            "activity list fragment, chair",
            lambda: chair.get("/work/activities/", headers={"HX-Request": "true"}),
        ),
        ("activity with 50 attendees, chair", lambda: chair.get(f"/work/activities/{busy.pk}/")),
        ("member record with activities panel, chair", lambda: chair.get(f"/members/{attendee}/")),
        ("activities_year(district) (selector)", lambda: activities_year(district, year)),
    ]
    print(
        "\nThe machine is shared with other engineers' work (2 cores): figures are noisy.\n"
        f"{args.runs} timed calls each after {args.warmup} warm-up calls; in-process, no network."
    )
    width = max(len(label) for label, _ in cases)
    print(f"{'case':<{width}}  median ms   p95 ms   SQL")
    for label, call in cases:
        median, p95, sql = timed(call, args.runs, args.warmup)
        print(f"{label:<{width}}  {median:9.1f}  {p95:7.1f}  {sql:4d}")
    print(f"attendances at the check-in activity after the run: {checkin.attendances.count()}")


if __name__ == "__main__":
    main()
